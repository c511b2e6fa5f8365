#include "server/reply.h"

#include <spdlog/spdlog.h>

namespace flywheel::rpc {

struct Reply::State {
  json id;
  std::string method;
  std::function<void(json)> send;
  std::function<void(RawResponse)> sendRaw;
  std::atomic<bool> answered{false};

  ~State() {
    if (answered.load()) return;
    spdlog::error("server bug: handler of {} (id {}) dropped its reply; answering with an internal error", method,
                  id.dump());
    try {
      send(makeErrorResponse(id, RpcError::internal("server bug: " + method + " finished without a reply")));
    } catch (...) {
      // A destructor must not throw; the transport is gone.
    }
  }
};

Reply::Reply(json id, std::string method, std::function<void(json)> send)
    : state_(std::make_shared<State>()) {
  state_->id = std::move(id);
  state_->method = std::move(method);
  state_->send = std::move(send);
}

bool Reply::operator()(RpcResult result) const {
  if (state_->answered.exchange(true)) {
    spdlog::error("server bug: second reply to {} (id {}) dropped", state_->method, state_->id.dump());
    return false;
  }
  if (result) {
    state_->send(makeResponse(state_->id, std::move(*result)));
  } else {
    state_->send(makeErrorResponse(state_->id, result.error()));
  }
  return true;
}

std::string RawResponse::joined() const {
  std::string text;
  text.reserve(head.size() + (body ? body->size() : 0) + tail.size() + 1);  // +1: a framing newline, no copy
  text += head;
  if (body) text += *body;
  text += tail;
  return text;
}

bool Reply::raw(std::string_view serializedResult) const { return sendPieces(serializedResult, nullptr); }

bool Reply::raw(std::shared_ptr<const std::string> serializedResult) const {
  return sendPieces({}, std::move(serializedResult));
}

bool Reply::sendPieces(std::string_view inlineResult, std::shared_ptr<const std::string> page) const {
  if (!state_->sendRaw) return (*this)(json::parse(page ? std::string_view(*page) : inlineResult));
  if (state_->answered.exchange(true)) {
    spdlog::error("server bug: second reply to {} (id {}) dropped", state_->method, state_->id.dump());
    return false;
  }
  // The id goes last, so that everything before a shared page is the same for
  // every request and a transport can send head and page as one stored block.
  RawResponse response{"{\"jsonrpc\":\"2.0\",\"result\":", std::move(page), ",\"id\":" + state_->id.dump() + "}"};
  response.head += inlineResult;
  state_->sendRaw(std::move(response));
  return true;
}

void Reply::setRawSender(std::function<void(RawResponse)> sendRaw) { state_->sendRaw = std::move(sendRaw); }

void Reply::suppress() const { state_->answered.store(true); }
bool Reply::done() const { return state_->answered.load(); }
const json& Reply::id() const { return state_->id; }
const std::string& Reply::method() const { return state_->method; }

}  // namespace flywheel::rpc
