// The OpenAI-compatible embeddings client against a real HTTP server on
// loopback implementing POST /v1/embeddings.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "kb/knowledge_base.h"
#include "kb_test_util.h"

using namespace flywheel::kb;
using flywheel::kb::testing::TempDir;

namespace {

// A tiny embeddings server: 4-dimensional vectors counting a few letters,
// so that texts about similar letters are close. Behaviour switches let a
// test make it fail.
struct FakeEmbeddingsServer {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::atomic<int> requests{0};
  std::atomic<int> mode{0};  // 0 ok, 1 HTTP 500, 2 malformed, 3 wrong count
  std::string lastAuth, lastModel;
  std::mutex mu;

  FakeEmbeddingsServer() {
    server.Post("/v1/embeddings", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests;
      auto body = nlohmann::json::parse(req.body);
      {
        std::lock_guard lock(mu);
        lastAuth = req.get_header_value("Authorization");
        lastModel = body.value("model", "");
      }
      if (mode == 1) return res.status = 500, res.set_content("boom", "text/plain");
      if (mode == 2) return res.set_content("{\"nope\": 1}", "application/json");
      nlohmann::json data = nlohmann::json::array();
      int i = 0;
      for (const auto& text : body["input"]) {
        std::string t = text.get<std::string>();
        float v[4] = {0.01f, 0.01f, 0.01f, 0.01f};
        for (char c : t) {
          if (c == 'a') v[0] += 1;
          if (c == 'e') v[1] += 1;
          if (c == 'o') v[2] += 1;
          if (c == 'z') v[3] += 1;
        }
        data.push_back({{"object", "embedding"}, {"index", i++}, {"embedding", {v[0], v[1], v[2], v[3]}}});
      }
      if (mode == 3) data.erase(data.begin());
      res.set_content(nlohmann::json{{"object", "list"}, {"data", data}, {"model", lastModel}}.dump(),
                      "application/json");
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ~FakeEmbeddingsServer() {
    server.stop();
    thread.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port); }
};

KbOptions remote(const std::string& base) {
  KbOptions o;
  o.embedder.kind = "openai";
  o.embedder.baseUrl = base;
  o.embedder.model = "tiny-test-model";
  o.embedder.dimension = 0;
  o.embedder.apiKeyEnv = "FLYWHEEL_TEST_EMBEDDINGS_KEY";
  o.embedder.timeoutSeconds = 5;
  return o;
}

}  // namespace

TEST_CASE("the embeddings client speaks the /v1/embeddings shape", "[kb][embeddings]") {
  FakeEmbeddingsServer fake;
  ::setenv("FLYWHEEL_TEST_EMBEDDINGS_KEY", "sekret", 1);
  TempDir dir;
  auto kb = KnowledgeBase::open(dir.path / ".flywheel", remote(fake.base() + "/v1"));
  REQUIRE(kb.has_value());
  auto zzz = (*kb)->remember({.title = "zzzz zzz", .body = "zz"});
  auto aaa = (*kb)->remember({.title = "aaaa aaa", .body = "aa"});
  REQUIRE(zzz.has_value());
  REQUIRE(aaa->vectorStored);
  CHECK(fake.lastModel == "tiny-test-model");
  CHECK(fake.lastAuth == "Bearer sekret");
  auto p = (*kb)->search({.query = "zzz", .mode = SearchMode::Vector});
  REQUIRE(p.has_value());
  REQUIRE_FALSE(p->hits.empty());
  CHECK(p->hits.front().id == zzz->id);
  auto stats = (*kb)->stats();
  CHECK(stats->dimension == 4);
  CHECK(stats->embedder.rfind("openai:tiny-test-model@http://127.0.0.1:", 0) == 0);
}

TEST_CASE("embedding failures keep memories and degrade search to lexical", "[kb][embeddings]") {
  FakeEmbeddingsServer fake;
  TempDir dir;
  auto kb = KnowledgeBase::open(dir.path / ".flywheel", remote(fake.base()));
  REQUIRE(kb.has_value());
  fake.mode = 1;
  auto r = (*kb)->remember({.title = "stored anyway", .body = "while the server fails"});
  REQUIRE(r.has_value());
  CHECK_FALSE(r->vectorStored);
  auto p = (*kb)->search({.query = "stored anyway"});
  REQUIRE(p.has_value());
  REQUIRE(p->hits.size() == 1);
  REQUIRE(p->warnings.size() == 1);
  CHECK(p->warnings[0].find("HTTP 500") != std::string::npos);
  fake.mode = 0;
  auto filled = (*kb)->backfillVectors();
  REQUIRE(filled.has_value());
  CHECK(*filled == 1);
  CHECK((*kb)->stats()->vectors == 1);
}

TEST_CASE("malformed responses and dead servers give actionable errors", "[kb][embeddings]") {
  FakeEmbeddingsServer fake;
  auto cfg = remote(fake.base()).embedder;
  auto e = makeEmbedder(cfg);
  REQUIRE(e.has_value());
  fake.mode = 2;
  auto bad = (*e)->embed({"x"});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.find("malformed") != std::string::npos);
  fake.mode = 3;
  auto few = (*e)->embed({"x", "y"});
  REQUIRE_FALSE(few.has_value());
  CHECK(few.error().message.find("expected 2 embeddings") != std::string::npos);
  cfg.baseUrl = "http://127.0.0.1:1";
  auto dead = makeEmbedder(cfg);
  auto r = (*dead)->embed({"x"});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("127.0.0.1:1") != std::string::npos);
  cfg.baseUrl = "ftp://nope";
  CHECK_FALSE(makeEmbedder(cfg).has_value());
}
