// The kb tools (kb_remember, kb_search, kb_get, kb_forget) and the resource
// template flywheel://kb/{id} through a real MCP server over the in-memory
// transport: results checked against the output schemas, bad input answered
// with isError and a message an agent can act on, paging by cursor.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>

#include "tests/kb/kb_test_util.h"
#include "tests/support/tool_test_server.h"
#include "tools/tool_groups.h"

using namespace flywheel;
using nlohmann::json;

namespace {

struct KbServer : flywheel::testing::ToolTestServer {
  kb::testing::TempDir dir;

  KbServer() {
    ::setenv("FLYWHEEL_KB_EMBEDDER", "hashing", 1);
    start(tools::registerKbTools(server, servicesOf(dir.path)));
  }
  ~KbServer() { stop(); }  // before dir goes
};

}  // namespace

TEST_CASE("kb tools: every schema example runs and its result matches the output schema", "[kb][tools]") {
  KbServer s;
  s.ok("kb_remember", {{"title", "seed"}, {"body", "seed memory"}});
  for (std::string name : {"kb_remember", "kb_search", "kb_get"}) {
    std::ifstream in(std::filesystem::path(FLYWHEEL_SOURCE_DIR) / "schemas" / "tools" / (name + ".json"));
    json schema = json::parse(in);
    CHECK(schema["name"] == name);
    REQUIRE(!schema["examples"].empty());
    for (const auto& ex : schema["examples"]) {
      INFO(name << " " << ex.dump());
      auto r = s.call(name, ex["arguments"]);
      // kb_get's example may name an id that does not exist here; then the
      // refusal must say so.
      if (r.value("isError", false)) CHECK(name == "kb_get");
    }
  }
}

TEST_CASE("kb tools: remember, search, get, read as a resource, forget", "[kb][tools]") {
  KbServer s;
  auto a = s.ok("kb_remember", {{"kind", "decision"},
                                {"service", "billing"},
                                {"title", "Amounts are integer cents"},
                                {"body", "billing stores every amount as integer cents; never floats"},
                                {"tags", {"Money", "invariants"}}});
  CHECK(a["outcome"] == "created");
  std::int64_t id = a["id"];
  CHECK(a["uri"] == "flywheel://kb/" + std::to_string(id));
  CHECK(s.ok("kb_remember", {{"kind", "decision"},
                             {"service", "billing"},
                             {"title", "Amounts are integer cents"},
                             {"body", "billing stores every amount as integer cents; never floats"},
                             {"tags", {"Money", "invariants"}}})["outcome"] == "unchanged");
  s.ok("kb_remember", {{"kind", "repair"}, {"service", "auth-service"}, {"title", "E0308 after UserProfile.id became u64"},
                       {"body", "changed the handler signature in auth-service"}});

  auto found = s.ok("kb_search", {{"query", "integer cents"}});
  REQUIRE(!found["hits"].empty());
  CHECK(found["hits"][0]["id"] == id);
  CHECK(found["hits"][0]["tags"] == json({"invariants", "money"}));
  auto filtered = s.ok("kb_search", {{"query", "cents"}, {"kinds", {"repair"}}});
  for (const auto& h : filtered["hits"]) {  // the filter holds in both arms
    CHECK(h["kind"] == "repair");
    CHECK(h["id"] != id);
  }
  auto ident = s.ok("kb_search", {{"query", "AuthService"}, {"mode", "lexical"}});
  REQUIRE(!ident["hits"].empty());
  CHECK(ident["hits"][0]["service"] == "auth-service");

  auto got = s.ok("kb_get", {{"id", id}});
  CHECK(got["title"] == "Amounts are integer cents");
  CHECK(got["body"] == "billing stores every amount as integer cents; never floats");

  auto read = s.client->call("resources/read", {{"uri", "flywheel://kb/" + std::to_string(id)}});
  REQUIRE(read.has_value());
  INFO(read->dump());
  REQUIRE(read->contains("result"));
  std::string md = (*read)["result"]["contents"][0]["text"];
  CHECK(md.rfind("# Amounts are integer cents", 0) == 0);
  CHECK(md.find("- service: billing") != std::string::npos);
  auto list = s.client->call("resources/list");
  REQUIRE(list.has_value());
  std::set<std::string> uris;
  for (const auto& r : (*list)["result"]["resources"]) uris.insert(r["uri"].get<std::string>());
  CHECK(uris.count("flywheel://kb/" + std::to_string(id)));

  CHECK(s.ok("kb_forget", {{"id", id}})["forgotten"] == true);
  CHECK(s.error("kb_get", {{"id", id}}).find(std::to_string(id)) != std::string::npos);
  auto gone = s.client->call("resources/read", {{"uri", "flywheel://kb/" + std::to_string(id)}});
  REQUIRE(gone.has_value());
  CHECK(gone->contains("error"));
}

TEST_CASE("kb tools: bad input is refused with a message naming the problem", "[kb][tools]") {
  KbServer s;
  s.ok("kb_remember", {{"title", "something"}});
  CHECK(s.error("kb_remember", {{"body", "no title"}}).find("title") != std::string::npos);
  CHECK(s.error("kb_remember", {{"title", std::string(400, 'x')}}).find("title") != std::string::npos);
  CHECK(s.error("kb_remember", {{"title", "t"}, {"kind", "Not A Kind!"}}).find("kind") != std::string::npos);
  CHECK(s.error("kb_search", {{"query", "x"}, {"mode", "fuzzy"}}).find("mode") != std::string::npos);
  CHECK(s.error("kb_search", {{"query", "x"}, {"limit", 500}}).find("limit") != std::string::npos);
  CHECK(s.error("kb_search", {{"query", "x"}, {"since", "yesterday"}}).find("since") != std::string::npos);
  CHECK(s.error("kb_search", {{"query", "x"}, {"cursor", "99.deadbeef"}}).find("cursor") != std::string::npos);
  CHECK(s.error("kb_search", {{"query", 42}}).find("query") != std::string::npos);
  CHECK(s.error("kb_get", {{"id", "seven"}}).find("id") != std::string::npos);
  CHECK(s.error("kb_get", {{"id", 987654}}).find("987654") != std::string::npos);
  CHECK(s.error("kb_forget", {{"id", 987654}}).find("987654") != std::string::npos);
  // Query text is never FTS5 syntax.
  for (std::string q : {"NOT", "title:x", "C++ \"", "(a OR", "*", "don\"t v1.2"}) {
    INFO(q);
    s.ok("kb_search", {{"query", q}});
  }
  auto bad = s.client->call("resources/read", {{"uri", "flywheel://kb/../../etc"}});
  REQUIRE(bad.has_value());
  CHECK(bad->contains("error"));
}

TEST_CASE("kb tools: kb_search pages by cursor without repeats or gaps", "[kb][tools]") {
  KbServer s;
  std::set<std::int64_t> all;
  for (int i = 0; i < 25; ++i)
    all.insert(s.ok("kb_remember", {{"kind", "note"},
                                    {"title", "ledger rollover note " + std::to_string(i)},
                                    {"body", "the ledger rolls over at midnight, case " + std::to_string(i)}})["id"]
                   .get<std::int64_t>());
  std::set<std::int64_t> seen;
  json args = {{"query", "ledger rollover"}, {"limit", 10}, {"mode", "lexical"}};
  int pages = 0;
  for (;;) {
    auto page = s.ok("kb_search", args);
    ++pages;
    for (const auto& h : page["hits"]) CHECK(seen.insert(h["id"].get<std::int64_t>()).second);
    if (!page.contains("nextCursor")) break;
    REQUIRE(pages < 10);
    args["cursor"] = page["nextCursor"];
  }
  CHECK(pages == 3);
  CHECK(seen == all);
  // A cursor from one query does not page another.
  auto first = s.ok("kb_search", {{"query", "ledger rollover"}, {"limit", 10}, {"mode", "lexical"}});
  REQUIRE(first.contains("nextCursor"));
  CHECK(s.error("kb_search", {{"query", "midnight"}, {"cursor", first["nextCursor"]}}).find("cursor") !=
        std::string::npos);
}
