#include "server/protocol.h"

#include "server/params.h"

namespace flywheel::mcp {

namespace {
const json& orEmpty(const json& params) {
  static const json kEmpty = json::object();
  return params.is_null() ? kEmpty : params;
}
}  // namespace

bool isSupportedVersion(std::string_view v) {
  for (const char* s : kSupportedVersions)
    if (v == s) return true;
  return false;
}

Result<void> decode(const json& params, InitializeParams& out) {
  ParamReader r(orEmpty(params), "params");
  r.required("protocolVersion", out.protocolVersion).optional("capabilities", out.capabilities)
      .optional("clientInfo", out.clientInfo);
  if (r.ok() && !out.capabilities.is_object()) r.invalid("capabilities", "must be an object");
  return r.finish();
}

Result<void> decode(const json& params, ListParams& out) {
  ParamReader r(orEmpty(params), "params");
  r.optional("cursor", out.cursor);
  return r.finish();
}

Result<void> decode(const json& params, CallToolParams& out) {
  ParamReader r(orEmpty(params), "params");
  r.required("name", out.name).optional("arguments", out.arguments);
  if (r.ok() && !out.arguments.is_object()) r.invalid("arguments", "must be an object");
  return r.finish();
}

Result<void> decode(const json& params, UriParams& out) {
  ParamReader r(orEmpty(params), "params");
  r.required("uri", out.uri);
  return r.finish();
}

namespace {
Result<void> readStringMap(const json& obj, const std::string& path, std::map<std::string, std::string>& out) {
  if (obj.is_null()) return {};
  if (!obj.is_object()) return fail(Error::invalidArgument("expected object at " + path));
  for (auto& [k, v] : obj.items()) {
    if (!v.is_string()) return fail(Error::invalidArgument("expected string at " + path + "." + k));
    out[k] = v.get<std::string>();
  }
  return {};
}
}  // namespace

Result<void> decode(const json& params, GetPromptParams& out) {
  ParamReader r(orEmpty(params), "params");
  json args = nullptr;
  r.required("name", out.name).optional("arguments", args);
  if (auto ok = r.finish(); !ok) return ok;
  return readStringMap(args, "params.arguments", out.arguments);
}

Result<void> decode(const json& params, CompleteParams& out) {
  ParamReader r(orEmpty(params), "params");
  json ref, argument, context = nullptr;
  r.required("ref", ref).required("argument", argument).optional("context", context);
  if (auto ok = r.finish(); !ok) return ok;
  ParamReader rr(ref, "params.ref");
  rr.required("type", out.refType);
  if (out.refType == "ref/prompt") rr.required("name", out.refName);
  else if (out.refType == "ref/resource") rr.required("uri", out.refName);
  else if (rr.ok()) rr.invalid("type", "must be \"ref/prompt\" or \"ref/resource\" (got \"" + out.refType + "\")");
  if (auto ok = rr.finish(); !ok) return ok;
  ParamReader ar(argument, "params.argument");
  ar.required("name", out.argumentName).required("value", out.argumentValue);
  if (auto ok = ar.finish(); !ok) return ok;
  if (context.is_object() && context.contains("arguments"))
    return readStringMap(context["arguments"], "params.context.arguments", out.contextArguments);
  return {};
}

Result<void> decode(const json& params, SetLevelParams& out) {
  ParamReader r(orEmpty(params), "params");
  std::string level;
  r.required("level", level);
  if (auto ok = r.finish(); !ok) return ok;
  auto parsed = parseLogLevel(level);
  if (!parsed)
    return fail(Error::invalidArgument("params.level must be one of debug, info, notice, warning, error, critical, "
                                       "alert, emergency (got \"" + level + "\")"));
  out.level = *parsed;
  return {};
}

Result<void> decode(const json& params, CancelledParams& out) {
  ParamReader r(orEmpty(params), "params");
  r.optional("requestId", out.requestId).optional("reason", out.reason);
  return r.finish();
}

namespace {
constexpr const char* kLevelNames[] = {"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};
}

std::optional<LogLevel> parseLogLevel(std::string_view name) {
  for (int i = 0; i < 8; ++i)
    if (name == kLevelNames[i]) return static_cast<LogLevel>(i);
  return std::nullopt;
}

const char* logLevelName(LogLevel level) { return kLevelNames[static_cast<int>(level)]; }

std::string encodeCursor(std::size_t offset) { return "o" + std::to_string(offset); }

Result<std::size_t> decodeCursor(const std::string& cursor) {
  if (cursor.size() < 2 || cursor.size() > 12 || cursor[0] != 'o' ||
      cursor.find_first_not_of("0123456789", 1) != std::string::npos)
    return fail(Error::invalidArgument("invalid cursor \"" + cursor.substr(0, 40) +
                                       "\"; pass the nextCursor of the previous page, or none for the first page"));
  return static_cast<std::size_t>(std::stoull(cursor.substr(1)));
}

}  // namespace flywheel::mcp
