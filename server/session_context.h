// SessionContext: what a session gives any handler that runs for one client
// request (tools/call, prompts/get): its cancellation flag, requests to the
// client on the request's behalf, and the client's capabilities. The tool and
// prompt contexts add progress and logging on top.
#pragma once

#include <atomic>
#include <memory>

#include "server/mcp_session.h"
#include "server/tool_api.h"

namespace flywheel::mcp {

class SessionContext : public ToolContext {
 public:
  SessionContext(std::shared_ptr<McpSession> session, nlohmann::json requestId, std::shared_ptr<std::atomic<bool>> flag)
      : session_(std::move(session)), requestId_(std::move(requestId)), flag_(std::move(flag)) {}

  bool cancelled() const override { return flag_->load() || session_->closed(); }
  const std::atomic<bool>& cancelFlag() const override { return *flag_; }

  Result<nlohmann::json> requestClient(std::string_view method, nlohmann::json params,
                                       std::chrono::milliseconds timeout) override {
    return session_->requestClient(method, std::move(params), timeout, flag_.get(), requestId_);
  }
  Result<nlohmann::json> requestClientAs(std::string_view key, std::string_view method, nlohmann::json params,
                                         std::chrono::milliseconds timeout) override {
    return session_->requestClient(method, std::move(params), timeout, flag_.get(), requestId_, key);
  }
  nlohmann::json clientCapabilities() const override { return session_->clientCapabilities(); }

 protected:
  std::shared_ptr<McpSession> session_;
  nlohmann::json requestId_;
  std::shared_ptr<std::atomic<bool>> flag_;
};

}  // namespace flywheel::mcp
