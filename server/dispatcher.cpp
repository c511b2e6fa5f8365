#include "server/dispatcher.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>

namespace flywheel::rpc {

void Dispatcher::dispatchRequest(const json& params, RequestContext& ctx, Reply reply) const {
  auto it = methods_.find(ctx.method);
  if (it == methods_.end()) {
    reply(std::unexpected(RpcError::methodNotFound("method not found: " + ctx.method)));
    return;
  }
  auto start = std::chrono::steady_clock::now();
  try {
    it->second(params, ctx, reply);
  } catch (const std::exception& e) {
    spdlog::error("{} (id {}) threw: {}", ctx.method, ctx.id.dump(), e.what());
    if (!reply.done()) reply(std::unexpected(RpcError::internal("internal error in " + ctx.method + ": " + e.what())));
  } catch (...) {
    spdlog::error("{} (id {}) threw a non-standard exception", ctx.method, ctx.id.dump());
    if (!reply.done()) reply(std::unexpected(RpcError::internal("internal error in " + ctx.method)));
  }
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
  spdlog::debug("{} id={} dispatched in {} us", ctx.method, ctx.id.dump(), us);
}

void Dispatcher::dispatchNotification(const json& params, RequestContext& ctx) const {
  auto it = notifications_.find(ctx.method);
  if (it == notifications_.end()) {
    spdlog::debug("ignoring unknown notification {}", ctx.method);
    return;
  }
  try {
    it->second(params, ctx);
  } catch (const std::exception& e) {
    spdlog::error("notification {} threw: {}", ctx.method, e.what());
  } catch (...) {
    spdlog::error("notification {} threw a non-standard exception", ctx.method);
  }
}

Result<void> decode(const json& params, EmptyParams&) {
  if (!params.is_null() && !params.is_object())
    return fail(Error::invalidArgument("expected object at params"));
  return {};
}

}  // namespace flywheel::rpc
