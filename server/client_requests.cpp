// McpSession::requestClient: server-to-client requests (sampling,
// elicitation, roots) sent on behalf of a running handler.
#include <spdlog/spdlog.h>

#include <condition_variable>

#include "server/mcp_session.h"
#include "server/stateless.h"

namespace flywheel::mcp {

using nlohmann::json;

// The client capability a server-to-client method needs, if any.
const char* requiredCapability(std::string_view method) {
  if (method == "sampling/createMessage") return "sampling";
  if (method == "elicitation/create") return "elicitation";
  if (method == "roots/list") return "roots";
  return nullptr;
}

struct McpSession::Pending {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<json> response;
};

Result<json> McpSession::requestClient(std::string_view method, json params, std::chrono::milliseconds timeout,
                                       const std::atomic<bool>* cancelled, const json& related, std::string_view inputKey) {
  if (stateless()) return askInRound(method, std::move(params), inputKey);
  if (const char* cap = requiredCapability(method); cap && !clientCapabilities().contains(cap))
    return fail(Error::failedPrecondition(std::string(method) + ": the client did not declare the \"" + cap +
                                          "\" capability in initialize; use a client that supports it"));
  if (closed_) return fail(Error::cancelled(std::string(method) + ": the session is closed"));
  json id = nextOutgoingId_.fetch_add(1);
  std::string key = rpc::idKey(id);
  auto p = std::make_shared<Pending>();
  {
    std::lock_guard lock(mu_);
    pending_[key] = p;
  }
  sink_->send(rpc::makeRequest(id, method, std::move(params)), related);

  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(p->mu);
  while (!p->response) {
    bool stop = closed_ || (cancelled && cancelled->load());
    if (stop || std::chrono::steady_clock::now() >= deadline) {
      lock.unlock();
      {
        std::lock_guard g(mu_);
        pending_.erase(key);
      }
      if (!closed_) notify("notifications/cancelled", json{{"requestId", id}, {"reason", stop ? "cancelled" : "timeout"}},
                           related);
      if (stop) return fail(Error::cancelled(std::string(method) + " was abandoned: the call was cancelled"));
      return fail(Error::failedPrecondition(std::string(method) + ": the client did not answer within " +
                                            std::to_string(timeout.count()) + " ms"));
    }
    p->cv.wait_for(lock, std::chrono::milliseconds(50));
  }
  const json& r = *p->response;
  if (r.contains("error")) {
    const json& e = r["error"];
    return fail(Error::failedPrecondition(std::string(method) + ": the client answered with error " +
                                          e.value("code", json(0)).dump() + ": " + e.value("message", std::string())));
  }
  return r.value("result", json::object());
}

void McpSession::handleResponse(const json& message) {
  std::shared_ptr<Pending> p;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(rpc::idKey(message["id"]));
    if (it == pending_.end()) {
      spdlog::warn("response to unknown request id {} ignored", message["id"].dump());
      return;
    }
    p = it->second;
    pending_.erase(it);
  }
  std::lock_guard lock(p->mu);
  p->response = message;
  p->cv.notify_all();
}

void McpSession::abandonPending() {
  std::map<std::string, std::shared_ptr<Pending>> pending;
  {
    std::lock_guard lock(mu_);
    pending.swap(pending_);
  }
  for (auto& [_, p] : pending) {
    std::lock_guard lock(p->mu);
    p->cv.notify_all();
  }
}

}  // namespace flywheel::mcp
