// Dispatcher: JSON-RPC method table with typed handlers.
//
// Methods are bound once, in one table, to handlers that take a decoded
// params struct (in the style of clangd's LSPBinder):
//
//   dispatcher.method<CallToolParams>("tools/call", [this](const CallToolParams& p, RequestContext& ctx, Reply r) {...});
//
// A params struct P is decoded by a free function
// `Result<void> decode(const json& params, P& out)` found by ADL; a decode
// failure is answered with -32602 and a message naming the JSON path:
// "failed to decode tools/call request: expected string at params.name (got integer)".
// An unknown method gets -32601. A handler that throws is caught here, logged
// to stderr (spdlog), and answered with -32603: no exception leaves dispatch.
//
// The table holds no per-session state: the session and the request travel in
// RequestContext, so one table serves every session and both protocol eras.
// Threads: bind everything before the first dispatch; dispatch is then
// thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/error.h"
#include "server/json_rpc.h"
#include "server/reply.h"

namespace flywheel::mcp {
class McpSession;
}

namespace flywheel::rpc {

/// Everything about one incoming request except its params.
struct RequestContext {
  json id;                 // null for a notification
  std::string method;
  json meta = nullptr;     // params._meta, when present
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
  mcp::McpSession* session = nullptr;  // the session the request arrived on
};

class Dispatcher {
 public:
  using RawMethod = std::function<void(const json& params, RequestContext&, Reply)>;
  using RawNotification = std::function<void(const json& params, RequestContext&)>;

  template <class P, class F>
  void method(const std::string& name, F handler) {
    methods_[name] = [name, handler = std::move(handler)](const json& params, RequestContext& ctx, Reply reply) {
      P decoded{};
      if (auto ok = decode(params, decoded); !ok) {
        reply(std::unexpected(RpcError::invalidParams("failed to decode " + name + " request: " + ok.error().message)));
        return;
      }
      handler(decoded, ctx, std::move(reply));
    };
  }

  template <class P, class F>
  void notification(const std::string& name, F handler) {
    notifications_[name] = [handler = std::move(handler)](const json& params, RequestContext& ctx) {
      P decoded{};
      if (auto ok = decode(params, decoded); !ok) return;  // notifications get no reply
      handler(decoded, ctx);
    };
  }

  bool hasMethod(const std::string& name) const { return methods_.contains(name); }

  /// Runs the handler of a request; always leads to exactly one reply.
  void dispatchRequest(const json& params, RequestContext& ctx, Reply reply) const;
  /// Runs the handler of a notification; unknown ones are ignored (logged at debug).
  void dispatchNotification(const json& params, RequestContext& ctx) const;

 private:
  std::map<std::string, RawMethod, std::less<>> methods_;
  std::map<std::string, RawNotification, std::less<>> notifications_;
};

/// Params that must be absent or an object, with nothing read from them.
struct EmptyParams {};
Result<void> decode(const json& params, EmptyParams& out);

}  // namespace flywheel::rpc
