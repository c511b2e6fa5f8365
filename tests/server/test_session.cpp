// The MCP session over the in-memory transport: lifecycle, tools, resources,
// prompts, completion, logging, progress, cancellation, batches.
#include <catch2/catch.hpp>

#include <thread>

#include "server/mcp_server.h"
#include "server/mcp_session.h"
#include "server/memory_transport.h"
#include "test_fixture.h"

using namespace flywheel::mcp;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {
json result(const std::optional<json>& r) {
  REQUIRE(r);
  INFO(r->dump());
  REQUIRE(r->contains("result"));
  return (*r)["result"];
}
int errorCode(const std::optional<json>& r) {
  REQUIRE(r);
  INFO(r->dump());
  REQUIRE(r->contains("error"));
  return (*r)["error"]["code"];
}
json callTool(InMemoryClient& c, const std::string& name, json args) {
  return result(c.call("tools/call", json{{"name", name}, {"arguments", std::move(args)}}));
}
}  // namespace

TEST_CASE("requests before initialize get prompt errors", "[session]") {
  auto server = test::makeTestServer();
  InMemoryClient c(*server);
  CHECK(errorCode(c.call("tools/list", json::object(), 1s)) == -32600);
  auto discover = c.call("server/discover", json::object(), 1s);
  CHECK(errorCode(discover) == -32602);  // a 2026-07-28 request without its _meta
  CHECK(result(c.call("ping", json::object(), 1s)).empty());
  c.initialize();
  CHECK(result(c.call("tools/list")).contains("tools"));
  CHECK(errorCode(c.call("initialize", json{{"protocolVersion", "2025-11-25"}})) == -32600);
}

TEST_CASE("initialize negotiates the protocol version", "[session]") {
  auto server = test::makeTestServer();
  for (std::string v : {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}) {
    InMemoryClient c(*server);
    CHECK(c.initialize(v)["protocolVersion"] == v);
  }
  InMemoryClient c(*server);
  json init = c.initialize("1999-01-01");
  CHECK(init["protocolVersion"] == "2025-11-25");
  CHECK(init["instructions"] == "be nice");
  CHECK(init["serverInfo"]["name"] == "test");
  CHECK(init["capabilities"]["tools"]["listChanged"] == true);
  CHECK(init["capabilities"]["resources"]["subscribe"] == true);
  CHECK(init["capabilities"].contains("logging"));
  CHECK(init["capabilities"].contains("completions"));
}

TEST_CASE("tools/list pages with a cursor", "[session]") {
  auto server = test::makeTestServer(2);
  InMemoryClient c(*server);
  c.initialize();
  std::vector<std::string> names;
  json params = json::object();
  for (int page = 0; page < 10; ++page) {
    json r = result(c.call("tools/list", params));
    for (auto& t : r["tools"]) names.push_back(t["name"]);
    if (!r.contains("nextCursor")) break;
    params = json{{"cursor", r["nextCursor"]}};
  }
  CHECK(names == std::vector<std::string>{"echo", "slow", "boom", "ask", "big"});
  CHECK(errorCode(c.call("tools/list", json{{"cursor", "garbage"}})) == -32602);
}

TEST_CASE("tools/call returns structured content and the same data as text", "[session]") {
  auto server = test::makeTestServer();
  InMemoryClient c(*server);
  c.initialize();
  json r = callTool(c, "echo", {{"text", "ab"}, {"count", 2}});
  CHECK(r["structuredContent"] == json{{"echo", "abab"}});
  CHECK(json::parse(r["content"][0]["text"].get<std::string>()) == r["structuredContent"]);
  CHECK_FALSE(r.contains("isError"));
}

TEST_CASE("bad tool input is an isError result naming the path and type", "[session]") {
  auto server = test::makeTestServer();
  InMemoryClient c(*server);
  c.initialize();
  json r = callTool(c, "echo", {{"text", "a"}, {"count", "two"}});
  CHECK(r["isError"] == true);
  std::string text = r["content"][0]["text"];
  CHECK(text.find("arguments.count") != std::string::npos);
  CHECK(text.find("expected integer (got string)") != std::string::npos);
  CHECK(callTool(c, "echo", {{"text", "a"}, {"extra", 1}})["isError"] == true);
  CHECK(callTool(c, "echo", json::object())["isError"] == true);
  // Protocol-level faults: unknown tool, wrong param types.
  CHECK(errorCode(c.call("tools/call", json{{"name", "nope"}})) == -32602);
  auto wrong = c.call("tools/call", json{{"name", 5}});
  CHECK(errorCode(wrong) == -32602);
  CHECK((*wrong)["error"]["message"].get<std::string>().find("expected string at params.name (got integer)") !=
        std::string::npos);
  CHECK(errorCode(c.call("tools/call", json{{"name", "echo"}, {"arguments", "x"}})) == -32602);
  CHECK(errorCode(c.call("no/such/method")) == -32601);
}

TEST_CASE("a throwing tool is an isError result and the session keeps serving", "[session]") {
  auto server = test::makeTestServer();
  InMemoryClient c(*server);
  c.initialize();
  json r = callTool(c, "boom", json::object());
  CHECK(r["isError"] == true);
  CHECK(r["content"][0]["text"].get<std::string>().find("kaboom") != std::string::npos);
  CHECK(result(c.call("ping")).empty());
}

TEST_CASE("long output is cut to about 20k characters with a note", "[session]") {
  auto server = test::makeTestServer();
  InMemoryClient c(*server);
  c.initialize();
  std::string text = callTool(c, "big", json::object())["content"][0]["text"];
  CHECK(text.size() < 20200);
  CHECK(text.find("output cut: 30000 more characters") != std::string::npos);
}

TEST_CASE("progress flows, ping is answered during a long call, and cancel stops it", "[session]") {
  auto server = test::makeTestServer();
  InMemoryClient c(*server);
  c.initialize();
  c.sendRaw(json{{"jsonrpc", "2.0"}, {"id", "long-1"}, {"method", "tools/call"},
                 {"params", {{"name", "slow"}, {"arguments", {{"steps", 500}}}, {"_meta", {{"progressToken", "tok"}}}}}});
  auto progress = c.waitFor([](const json& m) {
    return m.value("method", "") == "notifications/progress" && m["params"]["progressToken"] == "tok";
  });
  REQUIRE(progress);
  CHECK((*progress)["params"]["total"] == 500);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(result(c.call("ping", json::object(), 2s)).empty());
  CHECK(std::chrono::steady_clock::now() - t0 < 500ms);
  c.notify("notifications/cancelled", json{{"requestId", "long-1"}, {"reason", "test"}});
  std::this_thread::sleep_for(300ms);
  // A cancelled request gets no response; the session stays usable.
  auto late = c.waitFor([](const json& m) { return m.value("id", json()) == "long-1"; }, 300ms);
  CHECK_FALSE(late);
  CHECK(callTool(c, "echo", {{"text", "still here"}})["structuredContent"]["echo"] == "still here");
}

TEST_CASE("a tool can ask the client (elicitation) and gets the answer", "[session]") {
  auto server = test::makeTestServer();
  SECTION("client with the capability") {
    InMemoryClient c(*server);
    c.onServerRequest([](const json& req) {
      CHECK(req["method"] == "elicitation/create");
      return json{{"action", "accept"}, {"content", {{"name", "Ada"}}}};
    });
    c.initialize("2025-11-25", json{{"elicitation", json::object()}});
    json r = callTool(c, "ask", json::object());
    CHECK(r["structuredContent"]["content"]["name"] == "Ada");
  }
  SECTION("client without it") {
    InMemoryClient c(*server);
    c.initialize();
    json r = callTool(c, "ask", json::object());
    CHECK(r["isError"] == true);
    CHECK(r["content"][0]["text"].get<std::string>().find("elicitation") != std::string::npos);
  }
}

TEST_CASE("batches are accepted only under 2025-03-26", "[session]") {
  auto server = test::makeTestServer();
  json batch = json::array({json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}},
                            json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}},
                            json{{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}}});
  InMemoryClient modern(*server);
  modern.initialize("2025-11-25");
  modern.sendRaw(batch);
  auto refused = modern.waitFor([](const json& m) { return m.contains("error") && m["id"].is_null(); });
  REQUIRE(refused);
  CHECK((*refused)["error"]["code"] == -32600);
  InMemoryClient old(*server);
  old.initialize("2025-03-26");
  old.sendRaw(batch);
  auto answered = old.waitFor([](const json& m) { return m.is_array(); });
  REQUIRE(answered);
  CHECK(answered->size() == 2);
}

TEST_CASE("malformed messages get invalid-request errors", "[session]") {
  auto server = test::makeTestServer();
  InMemoryClient c(*server);
  c.initialize();
  c.sendRaw(json{{"jsonrpc", "1.0"}, {"id", 99}, {"method", "ping"}});
  auto r = c.waitFor([](const json& m) { return m.value("id", json()) == 99; });
  REQUIRE(r);
  CHECK((*r)["error"]["code"] == -32600);
  c.sendRaw(json{{"jsonrpc", "2.0"}, {"id", 100}, {"method", "ping"}, {"params", "x"}});
  CHECK(errorCode(c.waitFor([](const json& m) { return m.value("id", json()) == 100; })) == -32600);
}

TEST_CASE("resources: list, read, templates, not found, subscriptions", "[session]") {
  auto server = test::makeTestServer();
  InMemoryClient c(*server);
  c.initialize();
  CHECK(result(c.call("resources/list"))["resources"][0]["uri"] == "test://static");
  CHECK(result(c.call("resources/templates/list"))["resourceTemplates"][0]["uriTemplate"] == "test://item/{id}");
  CHECK(result(c.call("resources/read", {{"uri", "test://static"}}))["contents"][0]["text"] == "static text");
  CHECK(result(c.call("resources/read", {{"uri", "test://item/7"}}))["contents"][0]["text"] == "item 7");
  CHECK(errorCode(c.call("resources/read", {{"uri", "test://item/missing"}})) == -32002);
  CHECK(errorCode(c.call("resources/read", {{"uri", "test://nothing"}})) == -32002);
  result(c.call("resources/subscribe", {{"uri", "test://static"}}));
  server->notifyResourceUpdated("test://static");
  CHECK(c.waitFor([](const json& m) { return m.value("method", "") == "notifications/resources/updated"; }, 2s));
  result(c.call("resources/unsubscribe", {{"uri", "test://static"}}));
  auto before = c.received().size();
  server->notifyResourceUpdated("test://static");
  std::this_thread::sleep_for(50ms);
  CHECK(c.received().size() == before);
}

TEST_CASE("prompts and completion", "[session]") {
  auto server = test::makeTestServer();
  InMemoryClient c(*server);
  c.initialize();
  CHECK(result(c.call("prompts/list"))["prompts"][0]["arguments"][0]["name"] == "who");
  json got = result(c.call("prompts/get", {{"name", "greet"}, {"arguments", {{"who", "Ada"}}}}));
  CHECK(got["messages"][0]["content"]["text"] == "Hello Ada");
  CHECK(errorCode(c.call("prompts/get", {{"name", "greet"}})) == -32602);
  CHECK(errorCode(c.call("prompts/get", {{"name", "nope"}})) == -32602);
  json comp = result(c.call("completion/complete", {{"ref", {{"type", "ref/resource"}, {"uri", "test://item/{id}"}}},
                                                    {"argument", {{"name", "id"}, {"value", "ap"}}}}));
  CHECK(comp["completion"]["values"] == json::array({"apple", "apricot"}));
}

TEST_CASE("logging/setLevel filters notifications/message", "[session]") {
  auto server = test::makeTestServer();
  InMemoryClient c(*server);
  c.initialize();
  CHECK(result(c.call("logging/setLevel", {{"level", "warning"}})).empty());
  CHECK(errorCode(c.call("logging/setLevel", {{"level", "loud"}})) == -32602);
  c.session().logToClient(LogLevel::Info, "t", "quiet", nullptr);
  c.session().logToClient(LogLevel::Error, "t", "loud", nullptr);
  auto msg = c.waitFor([](const json& m) { return m.value("method", "") == "notifications/message"; });
  REQUIRE(msg);
  CHECK((*msg)["params"]["data"] == "loud");
  CHECK((*msg)["params"]["level"] == "error");
}
