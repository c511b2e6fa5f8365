// Embedders: text -> fixed-length, L2-normalised vectors for the vector arm.
//
// Two implementations sit behind one interface:
//
// - `hashing` (the default, offline, no model file): feature hashing of
//   words, identifier parts and compounds (see text_terms.h) and character
//   trigrams into `dimension` signed buckets, then L2 normalisation. It is
//   honest-to-goodness LEXICAL: it knows nothing about synonyms; what it adds
//   over BM25 is tolerance to typos and partial identifiers through the
//   trigrams. Deterministic across machines and releases of this format
//   (its id names the format version and dimension).
// - `openai`: any OpenAI-compatible `POST {base}/v1/embeddings` server
//   (Ollama, llama.cpp server, vLLM, OpenAI). Semantic, if the model is.
//
// The embedder's id ("hashing-v1-384", "openai:nomic-embed-text@http://...")
// and dimension are stored with every vector, so switching embedders never
// mixes vectors from two spaces.
//
// Threads: embed() may be called concurrently from several threads.
#pragma once

#include <memory>
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
  virtual Result<std::vector<std::vector<float>>> embed(const std::vector<std::string>& texts) = 0;
};

/// Selects and configures an embedder. Environment variables (read by
/// `fromEnvironment`): FLYWHEEL_KB_EMBEDDER=hashing|openai,
/// FLYWHEEL_KB_EMBEDDINGS_URL (base, e.g. http://127.0.0.1:11434),
/// FLYWHEEL_KB_EMBEDDINGS_MODEL, FLYWHEEL_KB_EMBEDDINGS_API_KEY_ENV (the NAME
/// of the variable holding the key; the key itself never goes in config),
/// FLYWHEEL_KB_EMBEDDINGS_DIM (optional, checked against the server).
struct EmbedderConfig {
  std::string kind = "hashing";  // "hashing" or "openai"
  int dimension = 384;           // hashing: buckets; openai: expected (0 = learn from the server)
  std::string baseUrl;           // openai: scheme://host:port[/prefix]
  std::string model;             // openai: model name
  std::string apiKeyEnv;         // openai: name of the environment variable with the key
  int timeoutSeconds = 30;
  int batchSize = 64;

  static Result<EmbedderConfig> fromEnvironment();
};

/// The default offline embedder. `dimension` in 16..4096.
std::unique_ptr<Embedder> makeHashingEmbedder(int dimension = 384);
/// An OpenAI-compatible embeddings client (validates the URL; no request yet).
Result<std::unique_ptr<Embedder>> makeOpenAiEmbedder(const EmbedderConfig& config);
/// Builds whichever `config.kind` names.
Result<std::unique_ptr<Embedder>> makeEmbedder(const EmbedderConfig& config);

/// Scales `v` to unit length (leaves an all-zero vector alone).
void l2Normalize(std::vector<float>& v);

}  // namespace flywheel::kb
