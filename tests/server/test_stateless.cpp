// MCP 2026-07-28 (stateless) beside 2025-11-25 on the same endpoint and on
// the in-memory (stdio-like) transport: per-request _meta, server/discover,
// header rules, input-required rounds with sealed state, subscriptions/listen;
// and the idle timeout of 2025-11-25 HTTP sessions.
#include <catch2/catch.hpp>
#include <httplib.h>

#include <thread>

#include "server/memory_transport.h"
#include "server/mcp_server.h"
#include "server/transport.h"
#include "running_server.h"
#include "test_fixture.h"

using namespace flywheel::mcp;
using nlohmann::json;
using flywheel::mcp::test::RunningServer;
using namespace std::chrono_literals;

namespace {

json meta(const std::string& version = "2026-07-28", json caps = json::object()) {
  return json{{"io.modelcontextprotocol/protocolVersion", version},
              {"io.modelcontextprotocol/clientCapabilities", std::move(caps)},
              {"io.modelcontextprotocol/clientInfo", {{"name", "t"}, {"version", "1"}}}};
}

json request(int id, const std::string& method, json params = json::object(), json m = meta()) {
  params["_meta"] = std::move(m);
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

// POSTs a 2026-07-28 request with the headers a conforming client sends.
httplib::Result post(httplib::Client& c, const json& body, httplib::Headers extra = {}) {
  httplib::Headers h{{"Accept", "application/json, text/event-stream"}, {"MCP-Protocol-Version", "2026-07-28"},
                     {"Mcp-Method", body["method"].get<std::string>()}};
  const json& p = body["params"];
  if (p.contains("name")) h.emplace("Mcp-Name", p["name"].get<std::string>());
  for (auto& [k, v] : extra) {
    h.erase(k);
    h.emplace(k, v);
  }
  return c.Post("/mcp", h, body.dump(), "application/json");
}

json body(const httplib::Result& r) {
  REQUIRE(r);
  return json::parse(r->body);
}

}  // namespace

TEST_CASE("http 2026-07-28: server/discover and cacheable lists without initialize or session", "[stateless]") {
  RunningServer s;
  auto c = s.client();
  auto r = post(c, request(1, "server/discover"));
  json d = body(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Mcp-Session-Id").empty());
  CHECK(d["result"]["supportedVersions"][0] == "2026-07-28");
  CHECK(d["result"]["capabilities"].contains("tools"));
  CHECK(d["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "test");
  CHECK(d["result"]["resultType"] == "complete");
  json l = body(post(c, request(2, "tools/list")));
  CHECK(l["result"]["tools"].is_array());
  CHECK(l["result"]["ttlMs"] == 0);
  CHECK(l["result"]["cacheScope"] == "private");
  json missing = body(post(c, request(3, "resources/read", {{"uri", "test://item/missing"}}),
                           {{"Mcp-Name", "test://item/missing"}}));
  CHECK(missing["error"]["code"] == -32602);  // SEP-2164; a 2025-11-25 session still gets -32002
  CHECK(missing["error"]["data"]["uri"] == "test://item/missing");
}

TEST_CASE("http 2026-07-28: _meta and header rules give 400 or 404 with the request id", "[stateless]") {
  RunningServer s;
  auto c = s.client();
  json noMeta{{"jsonrpc", "2.0"}, {"id", 7}, {"method", "tools/list"}, {"params", json::object()}};
  auto r = post(c, noMeta);
  CHECK(r->status == 400);
  CHECK(body(r)["error"]["code"] == -32602);
  CHECK(body(r)["id"] == 7);
  auto mismatch = post(c, request(8, "tools/list", json::object(), meta("v9")));
  CHECK(mismatch->status == 400);
  CHECK(body(mismatch)["error"]["code"] == -32020);
  auto unsupported = post(c, request(9, "tools/list", json::object(), meta("v9")), {{"MCP-Protocol-Version", "v9"}});
  CHECK(unsupported->status == 400);
  CHECK(body(unsupported)["error"]["code"] == -32022);
  CHECK(body(unsupported)["error"]["data"]["requested"] == "v9");
  auto wrongMethod = post(c, request(10, "tools/list"), {{"Mcp-Method", "prompts/list"}});
  CHECK(wrongMethod->status == 400);
  CHECK(body(wrongMethod)["error"]["code"] == -32020);
  auto wrongName = post(c, request(11, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "x"}}}}),
                        {{"Mcp-Name", "other"}});
  CHECK(body(wrongName)["error"]["code"] == -32020);
  for (std::string removed : {"initialize", "ping", "logging/setLevel", "resources/subscribe"}) {
    auto gone = post(c, request(12, removed));
    CHECK(gone->status == 404);
    CHECK(body(gone)["error"]["code"] == -32601);
  }
}

TEST_CASE("http 2026-07-28: a tool asking the client runs in input-required rounds with sealed state",
          "[stateless]") {
  RunningServer s;
  auto c = s.client();
  json caps{{"elicitation", json::object()}};
  json first = body(post(c, request(1, "tools/call", {{"name", "ask"}, {"arguments", json::object()}}, meta("2026-07-28", caps))));
  REQUIRE(first["result"]["resultType"] == "input_required");
  CHECK(first["result"]["inputRequests"]["input-1"]["method"] == "elicitation/create");
  std::string state = first["result"]["requestState"];
  json answer{{"input-1", {{"action", "accept"}, {"content", {{"name", "Ada"}}}}}};
  json done = body(post(c, request(2, "tools/call",
                                   {{"name", "ask"}, {"arguments", json::object()}, {"inputResponses", answer},
                                    {"requestState", state}},
                                   meta("2026-07-28", caps))));
  CHECK(done["result"]["resultType"] == "complete");
  CHECK(done["result"]["structuredContent"]["content"]["name"] == "Ada");
  json tampered = body(post(c, request(3, "tools/call",
                                       {{"name", "ask"}, {"arguments", json::object()}, {"inputResponses", answer},
                                        {"requestState", state + "x"}},
                                       meta("2026-07-28", caps))));
  CHECK(tampered["error"]["code"] == -32602);
  auto noCap = post(c, request(4, "tools/call", {{"name", "ask"}, {"arguments", json::object()}}));
  CHECK(noCap->status == 400);
  CHECK(body(noCap)["error"]["code"] == -32021);
  CHECK(body(noCap)["error"]["data"]["requiredCapabilities"].contains("elicitation"));
}

TEST_CASE("in-memory 2026-07-28: requests without initialize are served per request; initialize still works",
          "[stateless]") {
  auto server = test::makeTestServer();
  InMemoryClient modern(*server);
  auto d = modern.call("server/discover", json{{"_meta", meta()}});
  REQUIRE(d);
  CHECK((*d)["result"]["supportedVersions"][0] == "2026-07-28");
  auto t = modern.call("tools/call", json{{"name", "echo"}, {"arguments", {{"text", "hi"}}}, {"_meta", meta()}});
  REQUIRE(t);
  CHECK((*t)["result"]["resultType"] == "complete");
  auto ping = modern.call("ping", json{{"_meta", meta()}});
  REQUIRE(ping);
  CHECK((*ping)["error"]["code"] == -32601);
  auto listen = modern.call("subscriptions/listen", json{{"notifications", {{"toolsListChanged", true}}}, {"_meta", meta()}}, 200ms);
  CHECK_FALSE(listen);  // the stream stays open: no response
  auto ack = modern.waitFor([](const json& m) { return m.value("method", "") == "notifications/subscriptions/acknowledged"; });
  REQUIRE(ack);
  server->notifyToolListChanged();
  auto changed = modern.waitFor([](const json& m) { return m.value("method", "") == "notifications/tools/list_changed"; });
  REQUIRE(changed);
  CHECK((*changed)["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] ==
        (*ack)["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"]);

  InMemoryClient legacy(*server);
  CHECK(legacy.initialize()["protocolVersion"] == "2025-11-25");
  auto p = legacy.call("ping");
  REQUIRE(p);
  CHECK((*p)["result"] == json::object());  // no resultType in the session era
  auto missing = legacy.call("resources/read", json{{"uri", "test://item/missing"}});
  CHECK((*missing)["error"]["code"] == -32002);
}

TEST_CASE("http: a session idle past the timeout gets 404 and the client initializes again", "[http][stateless]") {
  RunningServer s(std::string(), 1s);
  auto c = s.client();
  const std::string init =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";
  httplib::Headers h{{"Accept", "application/json, text/event-stream"}};
  auto r = c.Post("/mcp", h, init, "application/json");
  REQUIRE(r);
  std::string sid = r->get_header_value("Mcp-Session-Id");
  h.emplace("Mcp-Session-Id", sid);
  const std::string ping = R"({"jsonrpc":"2.0","id":2,"method":"ping"})";
  CHECK(c.Post("/mcp", h, ping, "application/json")->status == 200);
  std::this_thread::sleep_for(1500ms);
  auto expired = c.Post("/mcp", h, ping, "application/json");
  REQUIRE(expired);
  CHECK(expired->status == 404);
  auto again = c.Post("/mcp", httplib::Headers{{"Accept", "application/json, text/event-stream"}}, init, "application/json");
  REQUIRE(again);
  CHECK(again->status == 200);
  CHECK(again->get_header_value("Mcp-Session-Id") != sid);
}
