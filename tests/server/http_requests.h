// The request pieces the HTTP hardening tests send: an initialize body and
// the headers of a Streamable HTTP POST.
#pragma once

#include <httplib.h>

#include <string>

namespace flywheel::mcp::test {

inline std::string initBody(const std::string& version = "2025-11-25", int id = 1) {
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
         R"(,"method":"initialize","params":{"protocolVersion":")" + version +
         R"(","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";
}

/// Accept for JSON and SSE, the session id when given, then `extra`.
inline httplib::Headers headers(const std::string& session = {}, httplib::Headers extra = {}) {
  httplib::Headers h{{"Accept", "application/json, text/event-stream"}};
  if (!session.empty()) h.emplace("Mcp-Session-Id", session);
  for (auto& e : extra) h.insert(e);
  return h;
}

}  // namespace flywheel::mcp::test
