// USE-lite's weights as the forward pass uses them (private to
// use_lite_model.cpp and use_lite_weights.cpp).
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "core/error.h"
#include "kb/use_lite_model.h"

namespace flywheel::kb {

// y = x . W + b. W is stored in blocks of 16 output columns, each block
// [in][16] contiguous (block j holds columns 16j..16j+15), so a matrix
// product streams every weight once; every USE-lite width is a multiple of 16.
struct UseLiteLinear {
  static constexpr size_t kBlock = 16;
  std::vector<float> w, b;
  size_t in = 0, out = 0;
};

struct UseLiteNorm {
  std::vector<float> scale, bias;
};

struct UseLiteLayer {
  UseLiteNorm attentionNorm, ffnNorm;
  UseLiteLinear qkv, output, ffn1, ffn2;
  UseLiteLinear residual;  // layer 0 only: widens the residual 256 -> 512
  size_t heads = 0, headDim = 0;
  float queryScale = 0;
};

struct UseLiteModel::Weights {
  std::vector<float> embeddings;  // [vocab][width]
  size_t vocab = 0, width = 0;
  std::vector<float> inverseTimescales;  // width / 2 values
  UseLiteLayer layers[2];
  UseLiteLinear tanhLayer;
  float epsilon = 0, l2Floor = 0;
  size_t maxTokens = 0;
  size_t bytes = 0;
};

/// Reads model.json, checks its graph and reads the shards.
[[nodiscard]] Result<std::unique_ptr<UseLiteModel::Weights>> loadUseLiteWeights(const std::filesystem::path& dir);

}  // namespace flywheel::kb
