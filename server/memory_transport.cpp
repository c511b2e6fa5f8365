#include "server/memory_transport.h"

#include "server/mcp_server.h"
#include "server/mcp_session.h"
#include "server/transport.h"

namespace flywheel::mcp {

using nlohmann::json;

struct InMemoryClient::Inbox final : MessageSink {
  mutable std::mutex mu;
  std::condition_variable cv;
  std::vector<json> messages;
  std::function<json(const json&)> handler;
  std::weak_ptr<McpSession> session;

  void send(const json& message, const json&) override {
    // Round-trip through text, as a real transport would.
    json copy = json::parse(message.dump(-1, ' ', false, json::error_handler_t::replace));
    std::function<json(const json&)> h;
    {
      std::lock_guard lock(mu);
      messages.push_back(copy);
      h = handler;
    }
    cv.notify_all();
    if (copy.is_object() && copy.contains("method") && copy.contains("id")) {
      json response = h ? rpc::makeResponse(copy["id"], h(copy))
                         : rpc::makeErrorResponse(copy["id"], rpc::RpcError::methodNotFound("no handler"));
      if (auto s = session.lock()) s->receive(response);
    }
  }
};

InMemoryClient::InMemoryClient(McpServer& server) : inbox_(std::make_shared<Inbox>()) {
  session_ = server.openSession(inbox_);
  inbox_->session = session_;
}

InMemoryClient::~InMemoryClient() { session_->close(); }

void InMemoryClient::sendRaw(const json& message) { session_->receive(message); }

std::optional<json> InMemoryClient::call(const std::string& method, json params, std::chrono::milliseconds timeout,
                                         json* idOut) {
  std::int64_t id;
  {
    std::lock_guard lock(idMu_);
    id = nextId_++;
  }
  if (idOut) *idOut = id;
  session_->receive(rpc::makeRequest(id, method, std::move(params)));
  return waitFor([id](const json& m) { return m.contains("id") && m["id"] == id && !m.contains("method"); }, timeout);
}

void InMemoryClient::notify(const std::string& method, json params) {
  session_->receive(rpc::makeNotification(method, std::move(params)));
}

json InMemoryClient::initialize(const std::string& version, json capabilities) {
  auto r = call("initialize", json{{"protocolVersion", version},
                                   {"capabilities", std::move(capabilities)},
                                   {"clientInfo", {{"name", "in-memory-test"}, {"version", "1"}}}});
  notify("notifications/initialized");
  return r ? r->value("result", json()) : json();
}

std::optional<json> InMemoryClient::waitFor(const std::function<bool(const json&)>& pred,
                                            std::chrono::milliseconds timeout) {
  std::unique_lock lock(inbox_->mu);
  std::optional<json> found;
  inbox_->cv.wait_for(lock, timeout, [&] {
    for (const auto& m : inbox_->messages)
      if (pred(m)) return found = m, true;
    return false;
  });
  return found;
}

std::vector<json> InMemoryClient::received() const {
  std::lock_guard lock(inbox_->mu);
  return inbox_->messages;
}

void InMemoryClient::onServerRequest(std::function<json(const json&)> handler) {
  std::lock_guard lock(inbox_->mu);
  inbox_->handler = std::move(handler);
}

}  // namespace flywheel::mcp
