#include "server/mcp_session.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "server/limits.h"
#include "server/mcp_server.h"
#include "server/protocol.h"
#include "server/stateless.h"

namespace flywheel::mcp {

using nlohmann::json;
using rpc::RpcError;

McpSession::McpSession(McpServer& server, std::shared_ptr<MessageSink> sink)
    : server_(server), sink_(std::move(sink)) {}

McpSession::~McpSession() { close(); }

void McpSession::receive(const json& message) {
  if (closed_) return;
  if (message.is_array()) return receiveBatch(message);
  receiveOne(
      message,
      [this](json response) {
        json related = response.contains("id") ? response["id"] : json();
        sink_->send(response, related);
      },
      true);
}

void McpSession::receiveUnparseable(const std::string& why) {
  sink_->send(rpc::makeErrorResponse(nullptr, {rpc::code::kParseError, "parse error: " + why +
                                                                           "; send one JSON-RPC message per line"}),
              nullptr);
}

void McpSession::receiveError(const rpc::RpcError& error) {
  sink_->send(rpc::makeErrorResponse(nullptr, error), nullptr);
}

void McpSession::receiveOne(const json& message, const Respond& respond, bool direct) {
  std::string why;
  switch (rpc::classify(message, why)) {
    case rpc::MessageKind::Invalid: {
      json id = message.is_object() && message.contains("id") &&
                        (message["id"].is_string() || message["id"].is_number_integer())
                    ? message["id"]
                    : json();
      respond(rpc::makeErrorResponse(id, RpcError::invalidRequest("invalid request: " + why)));
      return;
    }
    case rpc::MessageKind::Response:
      return handleResponse(message);
    case rpc::MessageKind::Notification: {
      rpc::RequestContext ctx;
      ctx.method = message["method"].get<std::string>();
      ctx.session = this;
      server_.dispatcher().dispatchNotification(message.value("params", json()), ctx);
      return;
    }
    case rpc::MessageKind::Request:
      return handleRequest(message, respond, direct);
  }
}

void McpSession::receiveBatch(const json& batch) {
  std::string version = protocolVersion();
  if (version != "2025-03-26") {
    sink_->send(rpc::makeErrorResponse(nullptr, RpcError::invalidRequest(
                                                    "JSON-RPC batches are only accepted under protocol version "
                                                    "2025-03-26 (this session: " +
                                                    (version.empty() ? std::string("not initialized") : version) +
                                                    "); send one message at a time")),
                nullptr);
    return;
  }
  if (batch.empty()) {
    sink_->send(rpc::makeErrorResponse(nullptr, RpcError::invalidRequest("empty batch")), nullptr);
    return;
  }
  if (batch.size() > limits::kMaxBatchSize) {  // parseIncoming refuses these first; this covers a parsed value
    sink_->send(rpc::makeErrorResponse(nullptr, RpcError::invalidRequest(
                                                    "invalid request: a batch of " + std::to_string(batch.size()) +
                                                    " messages exceeds the limit of " +
                                                    std::to_string(limits::kMaxBatchSize) + "; split it")),
                nullptr);
    return;
  }
  struct Collector {
    std::mutex mu;
    json responses = json::array();
    json ids = json::array();
    std::size_t expected = 0;
  };
  auto c = std::make_shared<Collector>();
  for (const auto& m : batch)
    if (m.is_object() && m.contains("method") && m.contains("id")) c->ids.push_back(m["id"]), ++c->expected;
    else if (!m.is_object() || !(m.contains("result") || m.contains("error") || m.contains("method"))) ++c->expected;
  auto self = shared_from_this();
  Respond collect = [self, c](json response) {
    std::lock_guard lock(c->mu);
    c->responses.push_back(std::move(response));
    if (c->responses.size() == c->expected) self->sink_->send(c->responses, c->ids);
  };
  for (const auto& m : batch) receiveOne(m, collect, false);
}

bool McpSession::admitted(const std::string& method, std::string& why) const {
  if (initialized() || method == "initialize" || method == "ping") return true;
  if (method == "server/discover")
    why = "Invalid params: server/discover (protocol 2026-07-28) needs params._meta with "
          "io.modelcontextprotocol/protocolVersion and io.modelcontextprotocol/clientCapabilities; "
          "or send initialize for protocol 2025-11-25";
  else
    why = "session not initialized: send initialize first (got " + method + ")";
  return false;
}

// The request's _meta was checked and applied by whoever opened this
// per-request session (the HTTP transport, serveStatelessChild).
bool McpSession::admitStateless(const json& message, const std::string& method, const Respond& respond) {
  if (removedInStateless(method)) {
    respond(rpc::makeErrorResponse(message["id"], RpcError::methodNotFound(
                                                      "method " + method + " does not exist in protocol " +
                                                      kStatelessVersion + " (it was removed with sessions)")));
    return false;
  }
  return true;
}

// A 2026-07-28 request on a connection that never sent initialize (stdio):
// it gets a session of its own, as on HTTP, that answers through this one's
// sink; a subscriptions/listen child lives as long as the connection.
void McpSession::serveStatelessChild(const json& message, const Respond& respond) {
  int status = 0;
  if (json err = checkStatelessRequest(message, nullptr, status); !err.is_null()) return respond(std::move(err));
  auto child = server_.openSession(sink_);
  child->beginStateless(message["params"]["_meta"]);
  if (message["method"] != "subscriptions/listen") {
    {
      std::lock_guard lock(mu_);  // so that notifications/cancelled reaches it
      std::erase_if(children_, [](const auto& kv) { return kv.second.expired(); });
      children_[rpc::idKey(message["id"])] = child;
    }
    return child->handleRequest(message, respond, false);
  }
  json honored = honoredFilter(message["params"]);
  if (honored.is_null())
    return respond(rpc::makeErrorResponse(message["id"], RpcError::invalidParams(
                                                             "subscriptions/listen needs params.notifications "
                                                             "(a SubscriptionFilter object)")));
  std::string subscriptionId = rpc::idKey(message["id"]);
  child->beginListen(honored, subscriptionId);
  {
    std::lock_guard lock(mu_);
    listeners_.push_back(child);
  }
  child->notify("notifications/subscriptions/acknowledged",
                json{{"notifications", honored}, {"_meta", {{kMetaSubscriptionId, subscriptionId}}}});
}

void McpSession::handleRequest(const json& message, const Respond& plainRespond, bool direct) {
  const json& id = message["id"];
  std::string method = message["method"].get<std::string>();
  bool modern = stateless();
  if (!modern && !initialized() && method != "initialize" && carriesStatelessMeta(message))
    return serveStatelessChild(message, plainRespond);
  if (modern && !admitStateless(message, method, plainRespond)) return;
  Respond respond = plainRespond;
  if (modern) {
    if (json err = beginInputRound(message); !err.is_null()) {
      plainRespond(std::move(err));
      return;
    }
    direct = false;  // results get their 2026 fields, so no raw pass-through
    respond = [self = shared_from_this(), plainRespond, method](json r) {
      self->finishInputRound(r);
      decorateStatelessResponse(method, r);
      plainRespond(std::move(r));
    };
  }
  if (std::string why; !admitted(method, why)) {
    int code = method == "server/discover" ? rpc::code::kInvalidParams : rpc::code::kInvalidRequest;
    respond(rpc::makeErrorResponse(id, {code, why}));
    return;
  }
  rpc::RequestContext ctx;
  ctx.id = id;
  ctx.method = method;
  ctx.session = this;
  json params = message.value("params", json());
  if (params.is_object() && params.contains("_meta")) ctx.meta = params["_meta"];
  std::string key = rpc::idKey(id);
  {
    std::lock_guard lock(mu_);
    if (inflight_.contains(key)) {
      respond(rpc::makeErrorResponse(id, RpcError::invalidRequest("request id " + key +
                                                                  " is already in use by a running request")));
      return;
    }
    inflight_[key] = ctx.cancelled;
  }
  auto start = std::chrono::steady_clock::now();
  auto self = shared_from_this();
  // Ends the request's bookkeeping; false when the response must not be sent.
  auto finish = [self, id, key, flag = ctx.cancelled, method, start] {
    {
      std::lock_guard lock(self->mu_);
      self->inflight_.erase(key);
    }
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    spdlog::debug("{} id={} answered in {} us", method, key, us.count());
    if (!flag->load() || method == "initialize") return true;
    self->sink_->requestAbandoned(id);  // cancelled: the client expects no response
    return false;
  };
  rpc::Reply reply(id, method, [finish, respond](json response) {
    if (finish()) respond(std::move(response));
  });
  if (direct)
    reply.setRawSender([finish, self, id](rpc::RawResponse response) {
      if (finish()) self->sink_->sendRaw(std::move(response), id, true);
    });
  server_.dispatcher().dispatchRequest(params, ctx, std::move(reply));
}

void McpSession::close() {
  if (closed_.exchange(true)) return;
  std::vector<std::shared_ptr<McpSession>> listeners;
  {
    std::lock_guard lock(mu_);
    for (auto& [_, flag] : inflight_) flag->store(true);
    listeners.swap(listeners_);
  }
  for (auto& l : listeners) l->close();
  abandonPending();
}

bool McpSession::initialized() const {
  std::lock_guard lock(mu_);
  return phase_ == Phase::Initialized;
}

std::string McpSession::protocolVersion() const {
  std::lock_guard lock(mu_);
  return version_;
}

json McpSession::clientCapabilities() const {
  std::lock_guard lock(mu_);
  return clientCaps_;
}

LogLevel McpSession::logLevel() const {
  std::lock_guard lock(mu_);
  return logLevel_;
}

void McpSession::setLogLevel(LogLevel level) {
  std::lock_guard lock(mu_);
  logLevel_ = level;
}

std::string McpSession::beginInitialize(const std::string& requested, json caps, json clientInfo) {
  std::lock_guard lock(mu_);
  version_ = isSupportedVersion(requested) ? requested : kLatestVersion;
  clientCaps_ = std::move(caps);
  clientInfo_ = std::move(clientInfo);
  phase_ = Phase::Initialized;
  return version_;
}

void McpSession::beginStateless(const json& meta) {
  std::lock_guard lock(mu_);
  stateless_ = true;
  phase_ = Phase::Initialized;
  version_ = kStatelessVersion;
  clientCaps_ = meta.is_object() && meta.contains(kMetaCapabilities) ? meta[kMetaCapabilities] : json::object();
  clientInfo_ = meta.is_object() && meta.contains(kMetaClientInfo) ? meta[kMetaClientInfo] : json::object();
  std::optional<LogLevel> level;
  if (meta.is_object() && meta.contains(kMetaLogLevel) && meta[kMetaLogLevel].is_string())
    level = parseLogLevel(meta[kMetaLogLevel].get<std::string>());
  quiet_ = !level;
  if (level) logLevel_ = *level;
}

bool McpSession::stateless() const {
  std::lock_guard lock(mu_);
  return stateless_;
}

void McpSession::subscribe(const std::string& uri) {
  std::lock_guard lock(mu_);
  subscriptions_.insert(uri);
}

void McpSession::unsubscribe(const std::string& uri) {
  std::lock_guard lock(mu_);
  subscriptions_.erase(uri);
}

bool McpSession::subscribed(const std::string& uri) const {
  std::lock_guard lock(mu_);
  return subscriptions_.contains(uri);
}

void McpSession::cancelRequest(const json& id) {
  std::shared_ptr<McpSession> child;
  {
    std::lock_guard lock(mu_);
    if (auto it = inflight_.find(rpc::idKey(id)); it != inflight_.end()) it->second->store(true);
    if (auto it = children_.find(rpc::idKey(id)); it != children_.end()) child = it->second.lock();
  }
  if (child) child->cancelRequest(id);
}

void McpSession::beginListen(json filter, std::string subscriptionId) {
  std::lock_guard lock(mu_);
  listenFilter_ = std::move(filter);
  subscriptionId_ = std::move(subscriptionId);
}

bool McpSession::admitBroadcast(std::string_view method, json& params) const {
  std::lock_guard lock(mu_);
  if (phase_ != Phase::Initialized) return false;
  bool updated = method == "notifications/resources/updated";
  std::string uri = updated ? params.value("uri", std::string()) : std::string();
  if (!stateless_) return !updated || subscriptions_.contains(uri);
  if (!listenFilter_.is_object()) return false;  // a per-request session takes no broadcasts
  bool wanted = false;
  if (updated) {
    const json& uris = listenFilter_.value("resourceSubscriptions", json::array());
    wanted = uris.is_array() && std::find(uris.begin(), uris.end(), json(uri)) != uris.end();
  } else {
    const char* key = method == "notifications/tools/list_changed"       ? "toolsListChanged"
                      : method == "notifications/prompts/list_changed"   ? "promptsListChanged"
                      : method == "notifications/resources/list_changed" ? "resourcesListChanged"
                                                                         : nullptr;
    wanted = key && listenFilter_.value(key, false) == true;
  }
  if (wanted) params["_meta"][kMetaSubscriptionId] = subscriptionId_;
  return wanted;
}

void McpSession::broadcast(std::string_view method, json params) {
  if (closed_ || !admitBroadcast(method, params)) return;
  notify(method, std::move(params));
}

void McpSession::notify(std::string_view method, json params, const json& related) {
  if (closed_) return;
  sink_->send(rpc::makeNotification(method, std::move(params)), related);
}

void McpSession::logToClient(LogLevel level, const std::string& logger, json data, const json& related) {
  {
    std::lock_guard lock(mu_);
    if (quiet_ || level < logLevel_) return;
  }
  json params{{"level", logLevelName(level)}, {"data", std::move(data)}};
  if (!logger.empty()) params["logger"] = logger;
  notify("notifications/message", std::move(params), related);
}

}  // namespace flywheel::mcp
