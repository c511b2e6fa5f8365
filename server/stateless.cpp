#include "server/stateless.h"

#include <nlohmann/json.hpp>

#include "server/json_rpc.h"
#include "server/mcp_server.h"
#include "server/protocol.h"

namespace flywheel::mcp {

using nlohmann::json;

namespace {

json errorResponse(const json& id, int code, const std::string& message, json data = nullptr) {
  json err{{"code", code}, {"message", message}};
  if (!data.is_null()) err["data"] = std::move(data);
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(err)}};
}

json supportedVersionsJson() {
  json v = json::array({kStatelessVersion});
  for (const char* s : kSupportedVersions) v.push_back(s);
  return v;
}

}  // namespace

bool carriesStatelessMeta(const json& message) {
  if (!message.is_object() || !message.contains("method")) return false;
  auto p = message.find("params");
  if (p == message.end() || !p->is_object()) return false;
  auto m = p->find("_meta");
  return m != p->end() && m->is_object() && m->contains(kMetaVersion);
}

json checkStatelessRequest(const json& message, const std::string* headerVersion, int& httpStatus) {
  httpStatus = 400;
  json id = message.is_object() && message.contains("id") ? message["id"] : json();
  if (headerVersion && headerVersion->empty())
    return errorResponse(id, code::kHeaderMismatch,
                         "Header mismatch: the MCP-Protocol-Version header is missing; send the same version as "
                         "params._meta[\"io.modelcontextprotocol/protocolVersion\"]");
  json meta = json::object();
  if (auto p = message.find("params"); p != message.end() && p->is_object())
    if (auto m = p->find("_meta"); m != p->end()) meta = *m;
  std::string missing;
  for (const char* key : {kMetaVersion, kMetaCapabilities})
    if (!meta.is_object() || !meta.contains(key)) missing += std::string(missing.empty() ? "" : ", ") + key;
  if (!missing.empty())
    return errorResponse(id, rpc::code::kInvalidParams,
                         "Invalid params: params._meta lacks " + missing +
                             " (every 2026-07-28 request carries its protocol version and client capabilities)");
  if (!meta[kMetaVersion].is_string() || !meta[kMetaCapabilities].is_object())
    return errorResponse(id, rpc::code::kInvalidParams,
                         "Invalid params: params._meta protocolVersion must be a string and clientCapabilities an object");
  std::string version = meta[kMetaVersion].get<std::string>();
  if (headerVersion && *headerVersion != version)
    return errorResponse(id, code::kHeaderMismatch,
                         "Header mismatch: MCP-Protocol-Version " + *headerVersion + " differs from params._meta version " +
                             version);
  if (version != kStatelessVersion)
    return errorResponse(id, code::kUnsupportedVersion,
                         "Unsupported protocol version " + version + "; without initialize this server speaks " +
                             kStatelessVersion + " (send initialize for 2025-11-25 and earlier)",
                         json{{"supported", supportedVersionsJson()}, {"requested", version}});
  httpStatus = 200;
  return nullptr;
}

json serverCapabilities() {
  return json{{"tools", {{"listChanged", true}}},
              {"resources", {{"subscribe", true}, {"listChanged", true}}},
              {"prompts", {{"listChanged", true}}},
              {"logging", json::object()},
              {"completions", json::object()}};
}

bool removedInStateless(const std::string& method) {
  return method == "initialize" || method == "ping" || method == "logging/setLevel" ||
         method == "resources/subscribe" || method == "resources/unsubscribe";
}

json discoverResult(McpServer& server) {
  const auto& opts = server.options();
  json info{{"name", opts.name}, {"version", opts.version}};
  if (!opts.title.empty()) info["title"] = opts.title;
  json result{{"supportedVersions", supportedVersionsJson()},
              {"capabilities", serverCapabilities()},
              {"_meta", {{"io.modelcontextprotocol/serverInfo", info}}}};
  if (!opts.instructions.empty()) result["instructions"] = opts.instructions;
  return result;
}

void decorateStatelessResponse(const std::string& method, json& response) {
  // SEP-2164: 2026-07-28 codes an unknown resource as invalid params (-32602,
  // data.uri); the session era keeps -32002.
  if (method == "resources/read" && response.is_object() && response.contains("error") &&
      response["error"].value("code", 0) == rpc::code::kResourceNotFound)
    response["error"]["code"] = rpc::code::kInvalidParams;
  if (!response.is_object() || !response.contains("result") || !response["result"].is_object()) return;
  json& r = response["result"];
  if (!r.contains("resultType")) r["resultType"] = "complete";
  static const char* kCacheable[] = {"server/discover", "tools/list", "prompts/list", "resources/list",
                                     "resources/templates/list", "resources/read"};
  for (const char* m : kCacheable)
    if (method == m) {
      if (!r.contains("ttlMs")) r["ttlMs"] = 0;
      if (!r.contains("cacheScope")) r["cacheScope"] = "private";
    }
}

json honoredFilter(const json& params) {
  if (!params.is_object() || !params.contains("notifications") || !params["notifications"].is_object()) return nullptr;
  const json& asked = params["notifications"];
  json honored = json::object();
  for (const char* key : {"toolsListChanged", "promptsListChanged", "resourcesListChanged"})
    if (asked.value(key, false) == true) honored[key] = true;
  if (const json& uris = asked.value("resourceSubscriptions", json()); uris.is_array()) {
    honored["resourceSubscriptions"] = json::array();
    for (const auto& u : uris)
      if (u.is_string()) honored["resourceSubscriptions"].push_back(u);
  }
  return honored;
}

int statelessHttpStatus(const json& response) {
  if (!response.is_object() || !response.contains("error")) return 200;
  int c = response["error"].value("code", 0);
  if (c == rpc::code::kMethodNotFound) return 404;
  if (c == code::kHeaderMismatch || c == code::kMissingClientCapability || c == code::kUnsupportedVersion ||
      c == rpc::code::kInvalidParams || c == rpc::code::kInvalidRequest || c == rpc::code::kParseError)
    return 400;
  if (c == rpc::code::kInternalError) return 500;
  return 200;
}

}  // namespace flywheel::mcp
