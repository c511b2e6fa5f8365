// The offline feature-hashing embedder (see embedder.h for what it is and is not).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string_view>

#include "kb/embedder.h"
#include "kb/text_terms.h"

namespace flywheel::kb {
namespace {

std::uint64_t fnv1a(std::string_view prefix, std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : prefix) h = (h ^ c) * 1099511628211ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  // Final avalanche so that the low bits used for the bucket are well mixed.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

constexpr float kWordWeight = 1.0f;
constexpr float kCompoundWeight = 1.2f;
constexpr float kStopwordWeight = 0.15f;
constexpr float kTrigramWeight = 0.35f;

class HashingEmbedder final : public Embedder {
 public:
  explicit HashingEmbedder(int dim) : dim_(dim) {}
  std::string id() const override { return "hashing-v1-" + std::to_string(dim_); }
  int dimension() const override { return dim_; }

  Result<std::vector<std::vector<float>>> embed(const std::vector<std::string>& texts) override {
    std::vector<std::vector<float>> out;
    out.reserve(texts.size());
    for (const auto& t : texts) out.push_back(embedOne(t));
    return out;
  }

 private:
  void add(std::vector<float>& v, std::string_view kind, std::string_view feature, float w) const {
    std::uint64_t h = fnv1a(kind, feature);
    size_t bucket = static_cast<size_t>(h % static_cast<std::uint64_t>(dim_));
    v[bucket] += (h >> 63) ? -w : w;
  }

  void addTrigrams(std::vector<float>& v, std::string_view word) const {
    if (word.size() < 3) return;
    std::string padded = "^" + std::string(word) + "$";
    size_t n = padded.size() - 2;
    float w = kTrigramWeight / std::sqrt(static_cast<float>(n));
    for (size_t i = 0; i < n; ++i) add(v, "g:", std::string_view(padded).substr(i, 3), w);
  }

  std::vector<float> embedOne(const std::string& text) const {
    std::vector<float> v(static_cast<size_t>(dim_), 0.0f);
    for (const auto& tok : tokenizeText(text)) {
      for (const auto& w : tok.words) {
        bool stop = isStopword(w);
        add(v, "w:", w, stop ? kStopwordWeight : kWordWeight);
        if (!stop) addTrigrams(v, w);
      }
      for (const auto& c : tok.compounds) add(v, "w:", c, kCompoundWeight);
    }
    // Sublinear term frequency: a word repeated ten times should not
    // drown every other feature.
    for (auto& x : v) x = std::copysign(std::sqrt(std::fabs(x)), x);
    l2Normalize(v);
    return v;
  }

  int dim_;
};

}  // namespace

void l2Normalize(std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += static_cast<double>(x) * x;
  if (s <= 0) return;
  float inv = static_cast<float>(1.0 / std::sqrt(s));
  for (auto& x : v) x *= inv;
}

std::unique_ptr<Embedder> makeHashingEmbedder(int dimension) {
  if (dimension < 16) dimension = 16;
  if (dimension > 4096) dimension = 4096;
  return std::make_unique<HashingEmbedder>(dimension);
}

Result<EmbedderConfig> EmbedderConfig::fromEnvironment() {
  EmbedderConfig c;
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
  };
  // The default stays hashing: use-lite+hashing finds paraphrases better but
  // loses recall@5 on identifier queries, embeds a memory in ~15 ms (seeding
  // a large universe takes minutes instead of a second) and makes kb_search
  // over MCP 2x slower (docs/kb.md, "Which embedder"). Opt in with
  // FLYWHEEL_KB_EMBEDDER=use-lite+hashing.
  c.kind = "hashing";
  if (auto k = env("FLYWHEEL_KB_EMBEDDER"); !k.empty()) c.kind = k;
  c.modelDir = env("FLYWHEEL_KB_MODEL_DIR");
  c.baseUrl = env("FLYWHEEL_KB_EMBEDDINGS_URL");
  c.model = env("FLYWHEEL_KB_EMBEDDINGS_MODEL");
  c.apiKeyEnv = env("FLYWHEEL_KB_EMBEDDINGS_API_KEY_ENV");
  if (c.kind == "openai") c.dimension = 0;
  if (auto d = env("FLYWHEEL_KB_EMBEDDINGS_DIM"); !d.empty()) {
    char* end = nullptr;
    long n = std::strtol(d.c_str(), &end, 10);
    if (!end || *end || n < 1 || n > 8192)
      return fail(Error::invalidArgument("FLYWHEEL_KB_EMBEDDINGS_DIM must be an integer 1..8192 (got '" + d +
                                         "'); fix or unset it"));
    c.dimension = static_cast<int>(n);
  }
  if (c.kind != "use-lite" && c.kind != "use-lite+hashing" && c.kind != "hashing" && c.kind != "openai")
    return fail(Error::invalidArgument("FLYWHEEL_KB_EMBEDDER must be 'use-lite+hashing', 'use-lite', 'hashing' or "
                                       "'openai' (got '" + c.kind + "')"));
  return c;
}

Result<std::unique_ptr<Embedder>> makeEmbedder(const EmbedderConfig& config) {
  if (config.kind == "hashing") return makeHashingEmbedder(config.dimension > 0 ? config.dimension : 384);
  if (config.kind == "openai") return makeOpenAiEmbedder(config);
  if (config.kind == "use-lite" || config.kind == "use-lite+hashing") {
    auto e = makeUseLiteEmbedder(config);
    if (e || !config.fallBack) return e;
    static std::once_flag said;
    std::call_once(said, [&] {
      std::cerr << "flywheel: " << e.error().message << "; the knowledge base uses the lexical hashing embedder "
                << "until then\n";
    });
    return makeHashingEmbedder(384);
  }
  return fail(Error::invalidArgument("unknown embedder kind '" + config.kind +
                                     "'; use 'use-lite+hashing', 'use-lite', 'hashing' or 'openai'"));
}

}  // namespace flywheel::kb
