// tools/list and tools/call. Calls run on the worker pool with a ToolContext
// that reaches back into the session for progress, logs, cancellation and
// server-to-client requests.
#include <spdlog/spdlog.h>

#include "server/mcp_server.h"
#include "server/mcp_session.h"
#include "server/protocol.h"
#include "server/session_context.h"
#include "server/tool_result.h"

namespace flywheel::mcp {

using nlohmann::json;
using rpc::Reply;
using rpc::RequestContext;
using rpc::RpcError;

namespace {

class SessionToolContext final : public SessionContext {
 public:
  SessionToolContext(std::shared_ptr<McpSession> session, json requestId, json progressToken,
                     std::shared_ptr<std::atomic<bool>> flag, std::string tool)
      : SessionContext(std::move(session), std::move(requestId), std::move(flag)),
        progressToken_(std::move(progressToken)), tool_(std::move(tool)) {}

  void progress(double progress, std::optional<double> total, std::string_view message) override {
    if (progressToken_.is_null() || cancelled()) return;
    if (lastProgress_ && progress <= *lastProgress_) return;  // the spec requires increasing values
    lastProgress_ = progress;
    json params{{"progressToken", progressToken_}, {"progress", progress}};
    if (total) params["total"] = *total;
    if (!message.empty()) params["message"] = std::string(message);
    session_->notify("notifications/progress", std::move(params), requestId_);
  }

  void log(LogLevel level, std::string_view message) override {
    spdlog::log(level <= LogLevel::Debug ? spdlog::level::debug
                : level <= LogLevel::Notice ? spdlog::level::info
                : level == LogLevel::Warning ? spdlog::level::warn
                                             : spdlog::level::err,
                "{}: {}", tool_, message);
    session_->logToClient(level, tool_, std::string(message), requestId_);
  }

 private:
  json progressToken_;
  std::string tool_;
  std::optional<double> lastProgress_;
};

ToolResult invoke(const RegisteredTool& tool, const json& args, ToolContext& ctx) {
  if (auto bad = tool.input.validate(args, "arguments"))
    return ToolResult::error("invalid arguments for " + tool.spec.name + ": " + *bad +
                             "; see the tool's inputSchema (tools/list)");
  try {
    return tool.spec.handler(args, ctx);
  } catch (const std::exception& e) {
    spdlog::error("tool {} threw: {}", tool.spec.name, e.what());
    return ToolResult::error(tool.spec.name + " failed unexpectedly (" + e.what() +
                             "); this is a bug in flywheel: report it with the arguments");
  } catch (...) {
    spdlog::error("tool {} threw a non-standard exception", tool.spec.name);
    return ToolResult::error(tool.spec.name + " failed unexpectedly; this is a bug in flywheel");
  }
}

void onCallTool(const CallToolParams& p, RequestContext& ctx, Reply reply) {
  McpServer& server = ctx.session->server();
  auto tool = server.registry().findTool(p.name);
  if (!tool) {
    reply(std::unexpected(RpcError::invalidParams("unknown tool: " + p.name + "; call tools/list for the tools")));
    return;
  }
  json token = ctx.meta.is_object() ? ctx.meta.value("progressToken", json()) : json();
  auto job = [session = ctx.session->shared_from_this(), tool, args = p.arguments, id = ctx.id, token,
              flag = ctx.cancelled, reply, maxChars = server.options().maxResultChars] {
    SessionToolContext tctx(session, id, token, flag, tool->spec.name);
    ToolResult result = invoke(*tool, args, tctx);
    reply(toolResultJson(*tool, std::move(result), maxChars));
  };
  if (!server.pool().submit(std::move(job)))
    reply(std::unexpected(RpcError::internal("the server is shutting down; tools/call " + p.name + " not run")));
}

void onListTools(const ListParams& p, RequestContext& ctx, Reply reply) {
  std::size_t offset = 0;
  if (p.cursor) {
    auto o = decodeCursor(*p.cursor);
    if (!o) return (void)reply(std::unexpected(RpcError::invalidParams(o.error().message)));
    offset = *o;
  }
  auto page = ctx.session->server().registry().listToolsSerialized(offset);
  if (!page) return (void)reply(std::unexpected(RpcError::invalidParams(page.error().message)));
  reply.raw(std::move(*page));
}

}  // namespace

void bindToolMethods(rpc::Dispatcher& d) {
  d.method<ListParams>("tools/list", onListTools);
  d.method<CallToolParams>("tools/call", onCallTool);
}

}  // namespace flywheel::mcp
