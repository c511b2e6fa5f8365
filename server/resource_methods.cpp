// resources/list, resources/read, resources/templates/list,
// resources/subscribe, resources/unsubscribe.
#include "server/mcp_server.h"
#include "server/mcp_session.h"
#include "server/protocol.h"

namespace flywheel::mcp {

using nlohmann::json;
using rpc::Reply;
using rpc::RequestContext;
using rpc::RpcError;

namespace {

RpcError notFound(const std::string& uri, const std::string& why) {
  RpcError e{rpc::code::kResourceNotFound, why.empty() ? "resource not found: " + uri : why};
  e.data = json{{"uri", uri}};
  return e;
}

json contentsJson(const std::vector<ResourceContents>& contents) {
  json arr = json::array();
  for (const auto& c : contents) {
    json j{{"uri", c.uri}, {"mimeType", c.mimeType}};
    if (!c.blob.empty()) j["blob"] = c.blob;
    else j["text"] = c.text;
    arr.push_back(std::move(j));
  }
  return arr;
}

rpc::RpcResult readResource(McpServer& server, const std::string& uri) {
  Result<std::vector<ResourceContents>> r;
  if (auto fixed = server.registry().findResource(uri)) {
    r = fixed->read(uri);
  } else {
    std::map<std::string, std::string> vars;
    auto tpl = server.registry().matchTemplate(uri, vars);
    if (!tpl) return std::unexpected(notFound(uri, "resource not found: " + uri + "; see resources/list and "
                                                   "resources/templates/list for what exists"));
    r = tpl->read(uri, vars);
  }
  if (!r) {
    if (r.error().code == "not_found") return std::unexpected(notFound(uri, r.error().message));
    if (r.error().code == "invalid_argument") return std::unexpected(RpcError::invalidParams(r.error().message));
    return std::unexpected(RpcError::internal("reading " + uri + " failed: " + r.error().message));
  }
  return json{{"contents", contentsJson(*r)}};
}

template <class Lister>
void listPage(const ListParams& p, Reply& reply, const char* key, Lister list) {
  std::size_t offset = 0;
  if (p.cursor) {
    auto o = decodeCursor(*p.cursor);
    if (!o) return (void)reply(std::unexpected(RpcError::invalidParams(o.error().message)));
    offset = *o;
  }
  auto page = list(offset);
  if (!page) return (void)reply(std::unexpected(RpcError::invalidParams(page.error().message)));
  json result{{key, std::move(page->items)}};
  if (!page->nextCursor.empty()) result["nextCursor"] = page->nextCursor;
  reply(std::move(result));
}

}  // namespace

void bindResourceMethods(rpc::Dispatcher& d) {
  d.method<ListParams>("resources/list", [](const ListParams& p, RequestContext& ctx, Reply reply) {
    McpServer& server = ctx.session->server();
    auto job = [&server, p, reply]() mutable {
      listPage(p, reply, "resources", [&](std::size_t o) { return server.registry().listResources(o); });
    };
    if (!server.pool().submit(job)) reply(std::unexpected(RpcError::internal("the server is shutting down")));
  });
  d.method<ListParams>("resources/templates/list", [](const ListParams& p, RequestContext& ctx, Reply reply) {
    const auto& reg = ctx.session->server().registry();
    listPage(p, reply, "resourceTemplates", [&](std::size_t o) { return reg.listResourceTemplates(o); });
  });
  d.method<UriParams>("resources/read", [](const UriParams& p, RequestContext& ctx, Reply reply) {
    McpServer& server = ctx.session->server();
    if (!server.pool().submit([&server, uri = p.uri, reply] { reply(readResource(server, uri)); }))
      reply(std::unexpected(RpcError::internal("the server is shutting down")));
  });
  d.method<UriParams>("resources/subscribe", [](const UriParams& p, RequestContext& ctx, Reply reply) {
    ctx.session->subscribe(p.uri);
    reply(json::object());
  });
  d.method<UriParams>("resources/unsubscribe", [](const UriParams& p, RequestContext& ctx, Reply reply) {
    ctx.session->unsubscribe(p.uri);
    reply(json::object());
  });
}

}  // namespace flywheel::mcp
