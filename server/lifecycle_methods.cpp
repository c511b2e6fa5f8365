// initialize, ping, logging/setLevel and the lifecycle notifications.
#include <spdlog/spdlog.h>

#include "server/mcp_server.h"
#include "server/mcp_session.h"
#include "server/protocol.h"
#include "server/stateless.h"

namespace flywheel::mcp {

using nlohmann::json;
using rpc::EmptyParams;
using rpc::Reply;
using rpc::RequestContext;
using rpc::RpcError;

namespace {

void onInitialize(const InitializeParams& p, RequestContext& ctx, Reply reply) {
  McpSession& session = *ctx.session;
  if (session.initialized()) {
    reply(std::unexpected(RpcError::invalidRequest("initialize was already called on this session")));
    return;
  }
  std::string version = session.beginInitialize(p.protocolVersion, p.capabilities, p.clientInfo);
  const auto& opts = session.server().options();
  json info{{"name", opts.name}, {"version", opts.version}};
  if (!opts.title.empty()) info["title"] = opts.title;
  json result{{"protocolVersion", version}, {"capabilities", serverCapabilities()}, {"serverInfo", info}};
  if (!opts.instructions.empty()) result["instructions"] = opts.instructions;
  spdlog::info("session initialized: protocol {} (client asked {}), client {}", version, p.protocolVersion,
               p.clientInfo.dump());
  reply(std::move(result));
}

}  // namespace

void bindLifecycleMethods(rpc::Dispatcher& d) {
  d.method<InitializeParams>("initialize", onInitialize);
  d.method<EmptyParams>("server/discover", [](const EmptyParams&, RequestContext& ctx, Reply reply) {
    if (!ctx.session->stateless()) {
      reply(std::unexpected(RpcError::methodNotFound(
          "server/discover belongs to protocol 2026-07-28; this connection speaks " + ctx.session->protocolVersion() +
          " (after initialize)")));
      return;
    }
    reply(discoverResult(ctx.session->server()));
  });
  d.method<EmptyParams>("ping", [](const EmptyParams&, RequestContext&, Reply reply) { reply.raw("{}"); });
  d.method<SetLevelParams>("logging/setLevel", [](const SetLevelParams& p, RequestContext& ctx, Reply reply) {
    ctx.session->setLogLevel(p.level);
    reply(json::object());
  });
  d.notification<EmptyParams>("notifications/initialized", [](const EmptyParams&, RequestContext&) {});
  d.notification<CancelledParams>("notifications/cancelled", [](const CancelledParams& p, RequestContext& ctx) {
    spdlog::debug("client cancelled request {}: {}", p.requestId.dump(), p.reason);
    ctx.session->cancelRequest(p.requestId);
  });
  d.notification<EmptyParams>("notifications/roots/list_changed", [](const EmptyParams&, RequestContext&) {});
}

}  // namespace flywheel::mcp
