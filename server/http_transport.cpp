// Streamable HTTP (MCP 2025-11-25) on one endpoint, /mcp, with cpp-httplib.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <random>

#include "server/http_gate.h"
#include "server/http_guard.h"
#include "server/http_streams.h"
#include "server/incoming.h"
#include "server/mcp_server.h"
#include "server/mcp_session.h"
#include "server/protocol.h"
#include "server/stateless.h"
#include "server/transport.h"

namespace flywheel::mcp {

using nlohmann::json;

namespace {

struct SessionEntry {
  std::shared_ptr<McpSession> session;
  std::shared_ptr<HttpSink> sink;
  std::chrono::steady_clock::time_point lastUsed;
};

std::string randomId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 32; ++i) s.push_back(hex[rng() & 15]);
  return s;
}

void jsonError(httplib::Response& res, int status, int code, const std::string& message, const json& id = nullptr) {
  res.status = status;
  res.set_content(rpc::makeErrorResponse(id, {code, message}).dump(), "application/json");
}

// The ids of the requests in a message or batch, as the session reports them.
json requestIds(const json& body) {
  if (!body.is_array()) return body.is_object() && body.contains("method") && body.contains("id") ? body["id"] : json();
  json ids = json::array();
  for (const auto& m : body)
    if (m.is_object() && m.contains("method") && m.contains("id")) ids.push_back(m["id"]);
  return ids.empty() ? json() : ids;
}

class StreamableHttp final : public HttpTransport {
 public:
  explicit StreamableHttp(HttpOptions o)
      : opts_(std::move(o)),
        guard_(opts_.host, opts_.token, opts_.allowedHosts),
        svr_(GateOptions{.threads = std::max(opts_.threads, opts_.maxStreams + 16),
                         .maxConnections = opts_.maxConnections,
                         .maxConnectionsPerPeer = opts_.maxConnectionsPerPeer,
                         .headerTimeout = opts_.headerTimeout,
                         .requestTimeout = opts_.requestTimeout,
                         .idleTimeout = opts_.idleTimeout,
                         .retryAfterSeconds = limits::kRetryAfterSeconds}) {}

  Result<void> serve(McpServer& server) override;
  void stop() override {
    // Open SSE streams hold httplib workers; end them first so stop is prompt.
    {
      std::lock_guard lock(mu_);
      for (auto& [_, e] : sessions_) e.sink->closeAll();
    }
    svr_.stopGate();
    svr_.stop();
  }
  int boundPort() const override { return port_.load(); }
  bool waitListening(int timeoutMs) const override {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (!svr_.is_running() || port_.load() == 0) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

 private:
  void onPost(const httplib::Request& req, httplib::Response& res);
  void onStatelessPost(const httplib::Request& req, httplib::Response& res, const json& body, const std::string& accept);
  void openListen(httplib::Response& res, const json& body);
  void onGet(const httplib::Request& req, httplib::Response& res);
  void onDelete(const httplib::Request& req, httplib::Response& res);
  std::optional<SessionEntry> lookup(const httplib::Request& req, httplib::Response& res);
  /// A new session, or nullopt when maxSessions are open (live ones are
  /// never evicted; idle ones end here once past the idle timeout).
  std::optional<SessionEntry> create();
  /// True when the session was unused longer than the server's idle timeout.
  bool idle(const SessionEntry& e, std::chrono::steady_clock::time_point now) const;
  void serveStream(httplib::Response& res, std::shared_ptr<SseStream> s, std::uint64_t after,
                   std::function<void()> onEnd);
  void answerJson(httplib::Response& res, SessionEntry& e, const json& body, const json& ids);

  HttpOptions opts_;
  HttpGuard guard_;
  McpServer* server_ = nullptr;
  GatedServer svr_;
  std::atomic<int> port_{0};
  std::atomic<std::size_t> openStreams_{0};
  std::mutex mu_;
  std::map<std::string, SessionEntry> sessions_;
};

Result<void> StreamableHttp::serve(McpServer& server) {
  server_ = &server;
  if (!isLoopbackHost(opts_.host) && opts_.token.empty() && !opts_.insecureNoAuth)
    return fail(Error::invalidArgument(
        "refusing to serve " + opts_.host + " without a token: any host that reaches the port could call every "
        "tool; pass --token (or set $FLYWHEEL_TOKEN), bind 127.0.0.1, or pass --insecure-no-auth if the network is "
        "trusted"));
  if (!isLoopbackHost(opts_.host) && opts_.token.empty())
    spdlog::warn("SERVING {}:{} WITHOUT AUTHENTICATION (--insecure-no-auth): anyone who reaches this port can run "
                 "every tool on this universe",
                 opts_.host, opts_.port);
  // The gate keeps a connection 100 requests (httplib's 5 made clients
  // reconnect every 5 calls: wrk, 32 connections, 14k req/s against 20k).
  svr_.set_tcp_nodelay(true);  // headers and body are separate writes: avoid Nagle + delayed-ACK stalls
  svr_.set_payload_max_length(opts_.maxBodyBytes);
  auto guarded = [this](auto handler) {
    return [this, handler](const httplib::Request& req, httplib::Response& res) {
      if (auto refusal = guard_.check(req.get_header_value("Host"), req.get_header_value("Origin"),
                                      req.get_header_value("Authorization"))) {
        res.status = refusal->status;
        if (refusal->status == 401) res.set_header("WWW-Authenticate", "Bearer");
        res.set_content(rpc::makeErrorResponse(nullptr, {-32000, refusal->message}).dump(), "application/json");
        return;
      }
      (this->*handler)(req, res);
    };
  };
  svr_.Post("/mcp", guarded(&StreamableHttp::onPost));
  svr_.Get("/mcp", guarded(&StreamableHttp::onGet));
  svr_.Delete("/mcp", guarded(&StreamableHttp::onDelete));
  int port = opts_.port == 0 ? svr_.bind_to_any_port(opts_.host) : (svr_.bind_to_port(opts_.host, opts_.port) ? opts_.port : -1);
  if (port < 0)
    return fail(Error::io("cannot listen on " + opts_.host + ":" + std::to_string(opts_.port) +
                          "; is the port in use? pick another with --http HOST:PORT"));
  port_ = port;
  svr_.widenListenBacklog(port);
  bool ok = svr_.listen_after_bind();
  svr_.joinWorkers();
  std::map<std::string, SessionEntry> sessions;
  {
    std::lock_guard lock(mu_);
    sessions.swap(sessions_);
  }
  for (auto& [_, e] : sessions) e.sink->closeAll(), e.session->close();
  if (!ok) return fail(Error::io("the HTTP server stopped with an error"));
  return {};
}

bool StreamableHttp::idle(const SessionEntry& e, std::chrono::steady_clock::time_point now) const {
  auto timeout = server_->options().sessionIdleTimeout;
  return timeout.count() > 0 && now - e.lastUsed > timeout;
}

std::optional<SessionEntry> StreamableHttp::create() {
  SessionEntry e;
  e.lastUsed = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {  // end the idle ones
      if (!idle(it->second, e.lastUsed)) {
        ++it;
        continue;
      }
      spdlog::info("session {} idle past the timeout; closed", it->first);
      it->second.sink->closeAll();
      it->second.session->close();
      it = sessions_.erase(it);
    }
    // A flood of initialize calls must not end other clients' live sessions.
    if (sessions_.size() >= opts_.maxSessions) return std::nullopt;
  }
  e.sink = std::make_shared<HttpSink>();
  e.session = server_->openSession(e.sink);
  return e;
}

std::optional<SessionEntry> StreamableHttp::lookup(const httplib::Request& req, httplib::Response& res) {
  std::string id = req.get_header_value("Mcp-Session-Id");
  if (id.empty()) {
    jsonError(res, 400, -32000, "Bad Request: Mcp-Session-Id header is required (send initialize first)");
    return std::nullopt;
  }
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  auto now = std::chrono::steady_clock::now();
  if (it != sessions_.end() && idle(it->second, now)) {
    spdlog::info("session {} idle past the timeout; closed", id);
    it->second.sink->closeAll();
    it->second.session->close();
    sessions_.erase(it);
    it = sessions_.end();
  }
  if (it == sessions_.end()) {
    jsonError(res, 404, -32001, "Session not found: it ended, timed out or never existed; send initialize for a new one");
    return std::nullopt;
  }
  it->second.lastUsed = now;
  return it->second;
}

void StreamableHttp::onPost(const httplib::Request& req, httplib::Response& res) {
  std::string accept = req.get_header_value("Accept");
  if (accept.find("application/json") == std::string::npos && accept.find("*/*") == std::string::npos &&
      accept.find("text/event-stream") == std::string::npos)
    return jsonError(res, 406, -32000, "Not Acceptable: Accept must list application/json and text/event-stream");
  auto parsed = parseIncoming(req.body);
  if (!parsed) return jsonError(res, 400, parsed.error().code, parsed.error().message);
  const json& body = *parsed;
  bool isInit = body.is_object() && body.value("method", "") == "initialize";
  // The era is decided per request: no session, no initialize, and a
  // 2026-07-28 header or _meta make a stateless request.
  std::string hv = req.get_header_value("MCP-Protocol-Version");
  // (An initialize under a 2026-07-28 header is answered as that era
  // answers it: -32601, since the method was removed with sessions.)
  if (body.is_object() && !req.has_header("Mcp-Session-Id") &&
      ((!hv.empty() && !isSupportedVersion(hv)) || (hv.empty() && !isInit && carriesStatelessMeta(body))))
    return onStatelessPost(req, res, body, accept);
  std::optional<SessionEntry> entry;
  if (isInit) {
    entry = create();
    if (!entry) {
      res.set_header("Retry-After", std::to_string(limits::kRetryAfterSeconds));
      return jsonError(res, 503, -32000,
                       "server busy: " + std::to_string(opts_.maxSessions) +
                           " sessions are open (the limit); retry after " + std::to_string(limits::kRetryAfterSeconds) +
                           " s, or end unused sessions with DELETE /mcp (idle ones expire after the idle timeout)",
                       body.contains("id") ? body["id"] : json());
    }
  } else {
    entry = lookup(req, res);
    if (!entry) return;
    std::string v = req.get_header_value("MCP-Protocol-Version");
    if (!v.empty() && !isSupportedVersion(v))
      return jsonError(res, 400, -32000, "Bad Request: unsupported MCP-Protocol-Version " + v +
                                              " (supported: 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05)");
  }
  json ids = requestIds(body);
  if (ids.is_null()) {  // only notifications and responses
    entry->session->receive(body);
    res.status = 202;
    return;
  }
  bool sse = body.is_object() && body.value("method", "") == "tools/call" &&
             accept.find("text/event-stream") != std::string::npos && openStreams_.load() < opts_.maxStreams;
  if (!sse) {
    answerJson(res, *entry, body, ids);
  } else {
    auto stream = std::make_shared<SseStream>(randomId(), 1);
    if (!entry->sink->attachRequestStream(rpc::idKey(ids), stream))
      return jsonError(res, 409, rpc::code::kInvalidRequest, "request id " + rpc::idKey(ids) +
                                                                  " is already in use by a running request; use unique ids", ids);
    entry->session->receive(body);
    serveStream(res, stream, 0, nullptr);
  }
  if (isInit && res.status < 300 && !res.body.empty()) {
    json r = json::parse(res.body, nullptr, false);
    if (r.is_object() && r.contains("result")) {
      std::string sid = randomId();
      res.set_header("Mcp-Session-Id", sid);
      std::lock_guard lock(mu_);
      sessions_[sid] = *entry;
    }
  }
}

std::string trimmed(std::string v) {
  auto b = v.find_first_not_of(" \t"), e = v.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
}

// SEP-2243 (2026-07-28): Mcp-Method must be sent and equal the body's method;
// Mcp-Name must be sent and equal params.name (tools/call, prompts/get) or
// params.uri (resources/read). Header names are case-insensitive, values
// exact after trimming whitespace. Empty when the headers agree.
std::string headerDisagreement(const httplib::Request& req, const json& body) {
  std::string method = body.value("method", "");
  if (!req.has_header("Mcp-Method")) return "the Mcp-Method header is missing (send Mcp-Method: " + method + ")";
  std::string hm = trimmed(req.get_header_value("Mcp-Method"));
  if (hm != method) return "Mcp-Method header " + hm + " differs from the body's method " + method;
  const json params = body.value("params", json::object());
  const char* field = method == "tools/call" || method == "prompts/get" ? "name"
                      : method == "resources/read"                     ? "uri"
                                                                       : nullptr;
  if (!field || !params.is_object() || !params.contains(field) || !params[field].is_string()) return {};
  std::string name = params[field].get<std::string>();
  if (!req.has_header("Mcp-Name")) return "the Mcp-Name header is missing (send Mcp-Name: " + name + ")";
  std::string hn = trimmed(req.get_header_value("Mcp-Name"));
  return hn == name ? std::string() : "Mcp-Name header " + hn + " differs from the body's " + name;
}

void StreamableHttp::onStatelessPost(const httplib::Request& req, httplib::Response& res, const json& body,
                                     const std::string& accept) {
  if (!body.contains("method") || !body.contains("id")) {  // notifications and responses: nothing to answer
    res.status = 202;
    return;
  }
  std::string hv = req.get_header_value("MCP-Protocol-Version");
  int status = 200;
  if (json err = checkStatelessRequest(body, &hv, status); !err.is_null()) {
    res.status = status;
    return res.set_content(err.dump(), "application/json");
  }
  if (std::string why = headerDisagreement(req, body); !why.empty())
    return jsonError(res, 400, code::kHeaderMismatch, "Header mismatch: " + why, body["id"]);
  if (body.value("method", "") == "subscriptions/listen") return openListen(res, body);
  SessionEntry e;
  e.sink = std::make_shared<HttpSink>();
  e.session = server_->openSession(e.sink);
  const json& meta = body["params"]["_meta"];
  e.session->beginStateless(meta);
  json id = body["id"];
  // Progress and log notifications need a stream; everything else is JSON,
  // so errors keep their HTTP status.
  bool wantsNotes = meta.contains("progressToken") || meta.contains(kMetaLogLevel);
  bool sse = body.value("method", "") == "tools/call" && wantsNotes &&
             accept.find("text/event-stream") != std::string::npos && openStreams_.load() < opts_.maxStreams;
  if (!sse) {
    answerJson(res, e, body, id);
    e.session->close();
    if (res.status == 200) res.status = statelessHttpStatus(json::parse(res.body, nullptr, false));
    return;
  }
  auto stream = std::make_shared<SseStream>(randomId(), 1);
  e.sink->attachRequestStream(rpc::idKey(id), stream);
  e.session->receive(body);
  serveStream(res, stream, 0, [session = e.session] { session->close(); });
}

// subscriptions/listen (2026-07-28): an SSE stream that opens with the
// acknowledgement and then carries the notifications the filter asked for.
void StreamableHttp::openListen(httplib::Response& res, const json& body) {
  const json& params = body["params"];
  json honored = honoredFilter(params);
  if (honored.is_null())
    return jsonError(res, 400, rpc::code::kInvalidParams,
                     "Invalid params: subscriptions/listen needs params.notifications (a SubscriptionFilter object)",
                     body["id"]);
  if (openStreams_.load() >= opts_.maxStreams) {
    res.set_header("Retry-After", "5");
    return jsonError(res, 503, -32000, "too many open streams; retry later", body["id"]);
  }
  auto sink = std::make_shared<HttpSink>();
  auto session = server_->openSession(sink);
  session->beginStateless(params["_meta"]);
  std::string subscriptionId = randomId();
  session->beginListen(honored, subscriptionId);
  auto stream = std::make_shared<SseStream>(randomId(), 0);
  sink->addStandalone(stream);
  session->notify("notifications/subscriptions/acknowledged",
                  json{{"notifications", honored}, {"_meta", {{kMetaSubscriptionId, subscriptionId}}}});
  serveStream(res, stream, 0, [session, sink, stream] {
    stream->close();
    sink->removeStandalone(stream);
    session->close();
  });
}

void StreamableHttp::answerJson(httplib::Response& res, SessionEntry& e, const json& body, const json& ids) {
  auto waiter = std::make_shared<JsonWaiter>();
  std::string key = rpc::idKey(ids);
  if (!e.sink->expectJson(key, waiter))
    return jsonError(res, 409, rpc::code::kInvalidRequest,
                     "request id " + key + " is already in use by a running request on this session; use unique ids", ids);
  e.session->receive(body);
  std::unique_lock lock(waiter->mu);
  waiter->cv.wait_for(lock, std::chrono::minutes(10), [&] { return waiter->response || e.session->closed(); });
  if (!waiter->response) {
    lock.unlock();
    e.sink->forgetJson(key);
    return jsonError(res, 503, rpc::code::kInternalError, "the session ended before answering", ids);
  }
  res.status = 200;
  res.set_content(*waiter->response, "application/json");
}

void StreamableHttp::serveStream(httplib::Response& res, std::shared_ptr<SseStream> s, std::uint64_t after,
                                 std::function<void()> onEnd) {
  ++openStreams_;
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  int retry = opts_.sseRetryMs;
  res.set_chunked_content_provider(
      "text/event-stream",
      [s, after, retry](std::size_t, httplib::DataSink& sink) {
        s->pump(after, retry, [&sink](const std::string& chunk) { return sink.write(chunk.data(), chunk.size()); });
        sink.done();
        return true;
      },
      [this, onEnd](bool) {
        --openStreams_;
        if (onEnd) onEnd();
      });
}

void StreamableHttp::onGet(const httplib::Request& req, httplib::Response& res) {
  if (req.get_header_value("Accept").find("text/event-stream") == std::string::npos)
    return jsonError(res, 406, -32000, "Not Acceptable: a GET stream needs Accept: text/event-stream");
  auto entry = lookup(req, res);
  if (!entry) return;
  if (openStreams_.load() >= opts_.maxStreams) {
    res.set_header("Retry-After", "5");
    return jsonError(res, 503, -32000, "too many open streams; retry later");
  }
  std::string last = req.get_header_value("Last-Event-ID");
  if (!last.empty()) {
    std::uint64_t seq = 0;
    if (auto s = entry->sink->findForResume(last, seq)) return serveStream(res, s, seq, nullptr);
    return jsonError(res, 404, -32000, "unknown Last-Event-ID " + last + "; the stream expired");
  }
  auto stream = std::make_shared<SseStream>(randomId(), 0);
  entry->sink->addStandalone(stream);
  std::weak_ptr<HttpSink> sink = entry->sink;
  serveStream(res, stream, 0, [sink, stream] {
    stream->close();
    if (auto s = sink.lock()) s->removeStandalone(stream);
  });
}

void StreamableHttp::onDelete(const httplib::Request& req, httplib::Response& res) {
  auto entry = lookup(req, res);
  if (!entry) return;
  {
    std::lock_guard lock(mu_);
    sessions_.erase(req.get_header_value("Mcp-Session-Id"));
  }
  entry->sink->closeAll();
  entry->session->close();
  res.status = 200;
}

}  // namespace

std::unique_ptr<HttpTransport> makeHttpTransport(HttpOptions options) {
  return std::make_unique<StreamableHttp>(std::move(options));
}

}  // namespace flywheel::mcp
