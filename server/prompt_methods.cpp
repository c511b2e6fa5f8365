// prompts/list, prompts/get and completion/complete.
#include "server/mcp_server.h"
#include "server/mcp_session.h"
#include "server/protocol.h"
#include "server/session_context.h"

namespace flywheel::mcp {

using nlohmann::json;
using rpc::Reply;
using rpc::RequestContext;
using rpc::RpcError;

namespace {

// What a prompt built with getWithContext can do: ask the client for input.
class PromptContext final : public SessionContext {
 public:
  using SessionContext::SessionContext;
  void progress(double, std::optional<double>, std::string_view) override {}
  void log(LogLevel level, std::string_view message) override {
    session_->logToClient(level, "prompts/get", std::string(message), requestId_);
  }
};

rpc::RpcResult getPrompt(const McpServer& server, const GetPromptParams& p, ToolContext& ctx) {
  auto prompt = server.registry().findPrompt(p.name);
  if (!prompt) return std::unexpected(RpcError::invalidParams("unknown prompt: " + p.name + "; see prompts/list"));
  for (const auto& a : prompt->arguments)
    if (a.required && !p.arguments.contains(a.name))
      return std::unexpected(RpcError::invalidParams("prompt " + p.name + " needs argument \"" + a.name + "\""));
  auto messages = prompt->getWithContext ? prompt->getWithContext(p.arguments, ctx) : prompt->get(p.arguments);
  if (!messages) return std::unexpected(RpcError::invalidParams("prompt " + p.name + ": " + messages.error().message));
  json out = json::array();
  for (const auto& m : *messages) {
    json content = m.content.is_null() ? json{{"type", "text"}, {"text", m.text}} : m.content;
    out.push_back(json{{"role", m.role}, {"content", std::move(content)}});
  }
  json result{{"messages", std::move(out)}};
  if (!prompt->description.empty()) result["description"] = prompt->description;
  return result;
}

rpc::RpcResult complete(const McpServer& server, const CompleteParams& p) {
  std::vector<std::string> values;
  if (p.refType == "ref/prompt") {
    auto prompt = server.registry().findPrompt(p.refName);
    if (!prompt) return std::unexpected(RpcError::invalidParams("unknown prompt: " + p.refName));
    if (prompt->complete) values = prompt->complete(p.argumentName, p.argumentValue);
  } else {
    auto tpl = server.registry().findTemplate(p.refName);
    if (!tpl) return std::unexpected(RpcError::invalidParams("unknown resource template: " + p.refName));
    if (tpl->complete) values = tpl->complete(p.argumentName, p.argumentValue);
  }
  constexpr std::size_t kMax = 100;  // the spec's cap per response
  std::size_t total = values.size();
  if (values.size() > kMax) values.resize(kMax);
  return json{{"completion", {{"values", values}, {"total", total}, {"hasMore", total > kMax}}}};
}

}  // namespace

void bindPromptMethods(rpc::Dispatcher& d) {
  d.method<ListParams>("prompts/list", [](const ListParams& p, RequestContext& ctx, Reply reply) {
    std::size_t offset = 0;
    if (p.cursor) {
      auto o = decodeCursor(*p.cursor);
      if (!o) return (void)reply(std::unexpected(RpcError::invalidParams(o.error().message)));
      offset = *o;
    }
    auto page = ctx.session->server().registry().listPrompts(offset);
    if (!page) return (void)reply(std::unexpected(RpcError::invalidParams(page.error().message)));
    json result{{"prompts", std::move(page->items)}};
    if (!page->nextCursor.empty()) result["nextCursor"] = page->nextCursor;
    reply(std::move(result));
  });
  d.method<GetPromptParams>("prompts/get", [](const GetPromptParams& p, RequestContext& ctx, Reply reply) {
    McpServer& server = ctx.session->server();
    auto job = [&server, p, reply, session = ctx.session->shared_from_this(), id = ctx.id, flag = ctx.cancelled] {
      PromptContext pctx(session, id, flag);
      reply(getPrompt(server, p, pctx));
    };
    if (!server.pool().submit(std::move(job)))
      reply(std::unexpected(RpcError::internal("the server is shutting down")));
  });
  d.method<CompleteParams>("completion/complete", [](const CompleteParams& p, RequestContext& ctx, Reply reply) {
    reply(complete(ctx.session->server(), p));
  });
}

}  // namespace flywheel::mcp
