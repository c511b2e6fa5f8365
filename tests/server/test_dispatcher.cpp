// The JSON-RPC layer on its own: the reply guard and typed dispatch.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "server/dispatcher.h"
#include "server/params.h"

using namespace flywheel;
using namespace flywheel::rpc;

namespace {
struct NameParams {
  std::string name;
  int count = 1;
};
Result<void> decode(const json& params, NameParams& out) {
  mcp::ParamReader r(params, "params");
  r.required("name", out.name).optional("count", out.count);
  return r.finish();
}

struct Sent {
  std::vector<json> messages;
  std::function<void(json)> fn() {
    return [this](json m) { messages.push_back(std::move(m)); };
  }
};
}  // namespace

TEST_CASE("a dropped reply is answered once with an internal error", "[rpc]") {
  Sent sent;
  { Reply r(7, "x/y", sent.fn()); }
  REQUIRE(sent.messages.size() == 1);
  CHECK(sent.messages[0]["id"] == 7);
  CHECK(sent.messages[0]["error"]["code"] == code::kInternalError);
}

TEST_CASE("a second reply to the same request is dropped", "[rpc]") {
  Sent sent;
  {
    Reply r(1, "m", sent.fn());
    CHECK(r(json{{"a", 1}}));
    Reply copy = r;
    CHECK_FALSE(copy(json{{"a", 2}}));
  }
  REQUIRE(sent.messages.size() == 1);
  CHECK(sent.messages[0]["result"]["a"] == 1);
}

TEST_CASE("a suppressed (cancelled) reply sends nothing", "[rpc]") {
  Sent sent;
  {
    Reply r(1, "m", sent.fn());
    r.suppress();
  }
  CHECK(sent.messages.empty());
}

TEST_CASE("typed dispatch decodes params and reports the failing path", "[rpc]") {
  Dispatcher d;
  d.method<NameParams>("hello", [](const NameParams& p, RequestContext&, Reply reply) {
    reply(json{{"greeting", "hi " + p.name}, {"count", p.count}});
  });
  d.method<EmptyParams>("throws", [](const EmptyParams&, RequestContext&, Reply) { throw std::runtime_error("bad"); });
  auto run = [&](const std::string& method, json params) {
    Sent sent;
    RequestContext ctx;
    ctx.id = 1;
    ctx.method = method;
    d.dispatchRequest(params, ctx, Reply(1, method, sent.fn()));
    REQUIRE(sent.messages.size() == 1);
    return sent.messages[0];
  };
  CHECK(run("hello", {{"name", "bo"}})["result"]["greeting"] == "hi bo");
  auto wrongType = run("hello", {{"name", "bo"}, {"count", "three"}});
  CHECK(wrongType["error"]["code"] == code::kInvalidParams);
  CHECK(wrongType["error"]["message"] ==
        "failed to decode hello request: expected integer at params.count (got string)");
  CHECK(run("hello", json::object())["error"]["message"].get<std::string>().find("params.name") != std::string::npos);
  CHECK(run("nope", json::object())["error"]["code"] == code::kMethodNotFound);
  auto thrown = run("throws", json::object());
  CHECK(thrown["error"]["code"] == code::kInternalError);
  CHECK(thrown["error"]["message"].get<std::string>().find("bad") != std::string::npos);
}

TEST_CASE("messages are classified by shape", "[rpc]") {
  std::string why;
  CHECK(classify(json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "m"}}, why) == MessageKind::Request);
  CHECK(classify(json{{"jsonrpc", "2.0"}, {"method", "m"}}, why) == MessageKind::Notification);
  CHECK(classify(json{{"jsonrpc", "2.0"}, {"id", "a"}, {"result", {}}}, why) == MessageKind::Response);
  CHECK(classify(json{{"jsonrpc", "1.0"}, {"id", 1}, {"method", "m"}}, why) == MessageKind::Invalid);
  CHECK(classify(json{{"jsonrpc", "2.0"}, {"id", 1.5}, {"method", "m"}}, why) == MessageKind::Invalid);
  CHECK(classify(json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "m"}, {"params", 3}}, why) == MessageKind::Invalid);
  CHECK(classify(json::array(), why) == MessageKind::Invalid);
}
