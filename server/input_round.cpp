// Multi-round requests of the stateless era (MCP 2026-07-28, "input required").
//
// A handler written once for both eras calls ToolContext::requestClient. In a
// 2025-11-25 session that sends a request to the client and waits. In the
// stateless era the handler is instead run again on every round: each
// requestClient either finds its answer (in the retry's `inputResponses`, or
// among the answers of earlier rounds sealed in `requestState`) or is recorded
// as an input request, and the call's response becomes an InputRequiredResult
// listing what is still missing, with the answers so far sealed into a new
// `requestState` (server/request_state.h). Nothing is kept between rounds.
#include <nlohmann/json.hpp>

#include "server/json_rpc.h"
#include "server/mcp_session.h"
#include "server/request_state.h"
#include "server/stateless.h"

namespace flywheel::mcp {

using nlohmann::json;
using rpc::RpcError;

namespace {

bool takesInput(const std::string& method) {
  return method == "tools/call" || method == "prompts/get" || method == "resources/read";
}

std::string targetOf(const std::string& method, const json& params) {
  const char* field = method == "resources/read" ? "uri" : "name";
  return params.is_object() && params.contains(field) && params[field].is_string() ? params[field].get<std::string>()
                                                                                   : std::string();
}

}  // namespace

json McpSession::beginInputRound(const json& message) {
  std::string method = message.value("method", "");
  if (!takesInput(method)) return nullptr;
  const json& id = message["id"];
  json params = message.value("params", json::object());
  InputRound round;
  round.active = true;
  round.method = method;
  round.target = targetOf(method, params);
  if (params.is_object() && params.contains("requestState")) {
    if (!params["requestState"].is_string())
      return rpc::makeErrorResponse(id, RpcError::invalidParams("params.requestState must be a string"));
    auto opened = openState(params["requestState"].get<std::string>(), method, round.target);
    if (!opened) return rpc::makeErrorResponse(id, RpcError::invalidParams(opened.error().message));
    if (opened->is_object() && (*opened)["answers"].is_object()) round.answers = (*opened)["answers"];
  }
  if (params.is_object() && params.contains("inputResponses")) {
    const json& given = params["inputResponses"];
    if (!given.is_object())
      return rpc::makeErrorResponse(id, RpcError::invalidParams(
                                            "params.inputResponses must be an object mapping the keys of "
                                            "inputRequests to the client's results"));
    for (auto it = given.begin(); it != given.end(); ++it) {
      if (!it.value().is_object())
        return rpc::makeErrorResponse(id, RpcError::invalidParams("params.inputResponses." + it.key() +
                                                                  " must be a result object (ElicitResult, "
                                                                  "CreateMessageResult or ListRootsResult)"));
      round.answers[it.key()] = it.value();
    }
  }
  std::lock_guard lock(mu_);
  round_ = std::move(round);
  return nullptr;
}

Result<json> McpSession::askInRound(std::string_view method, json params, std::string_view key) {
  std::lock_guard lock(mu_);
  if (!round_.active)
    return fail(Error::failedPrecondition(std::string(method) + ": in protocol 2026-07-28 only tools/call, "
                                          "prompts/get and resources/read can ask the client for input"));
  std::string k = key.empty() ? "input-" + std::to_string(++round_.next) : std::string(key);
  if (const char* cap = requiredCapability(method); cap && !clientCaps_.contains(cap)) {
    round_.missingCaps[cap] = json::object();
    return fail(Error::failedPrecondition(std::string(method) + ": the client did not declare the \"" + cap +
                                          "\" capability"));
  }
  if (auto it = round_.answers.find(k); it != round_.answers.end()) return *it;
  round_.asked[k] = json{{"method", std::string(method)}, {"params", std::move(params)}};
  return fail(Error::failedPrecondition(std::string(method) + ": input required from the client (key " + k + ")"));
}

void McpSession::finishInputRound(json& response) {
  std::lock_guard lock(mu_);
  if (!round_.active) return;
  round_.active = false;
  // Whatever the handler made of a missing answer (an isError result, an
  // error), the client gets the input-required result or the -32021 error.
  if (!response.is_object() || !response.contains("id")) return;
  json id = response["id"];
  if (!round_.missingCaps.empty()) {
    response = rpc::makeErrorResponse(
        id, {code::kMissingClientCapability,
             "Missing required client capability: this request needs " + round_.missingCaps.dump() +
                 " in params._meta[\"io.modelcontextprotocol/clientCapabilities\"]",
             json{{"requiredCapabilities", round_.missingCaps}}});
    return;
  }
  if (round_.asked.empty()) return;
  // Only answers this round's handler used are carried on; extra keys drop out.
  json carried = json::object();
  for (auto it = round_.answers.begin(); it != round_.answers.end(); ++it)
    if (!round_.asked.contains(it.key())) carried[it.key()] = it.value();
  response = rpc::makeResponse(
      id, json{{"resultType", "input_required"},
               {"inputRequests", round_.asked},
               {"requestState", sealState(json{{"answers", carried}}, round_.method, round_.target)}});
}

}  // namespace flywheel::mcp
