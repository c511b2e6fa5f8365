// USE-lite's forward pass (kb/use_lite_model.h), one sentence at a time.
#include "kb/use_lite_model.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <string>

#include "kb/use_lite_weights.h"

namespace flywheel::kb {
namespace {

using Matrix = std::vector<float>;  // row-major, rows x cols known by the caller

constexpr size_t kBs = UseLiteLinear::kBlock;

// y[n][out] = x[n][in] . W + b, plain loops (any CPU).
void linearPlain(const float* x, size_t n, const UseLiteLinear& l, float* y) {
  for (size_t i = 0; i < n; ++i) {
    float* row = y + i * l.out;
    std::copy(l.b.begin(), l.b.end(), row);
    for (size_t j = 0; j < l.out; j += kBs) {
      const float* block = l.w.data() + j * l.in;
      for (size_t k = 0; k < l.in; ++k) {
        float a = x[i * l.in + k];
        for (size_t c = 0; c < kBs; ++c) row[j + c] += a * block[k * kBs + c];
      }
    }
  }
}

// The same with AVX2/FMA: a block of R rows x 16 columns of the output
// stays in 2R registers while k runs down one contiguous weight block (which
// stays in cache for the next R tokens): two weight loads feed 2R FMAs.
template <size_t R>
__attribute__((target("avx2,fma"), always_inline)) inline void tileAvx2(const float* x, size_t in,
                                                                       const float* block, const float* bias,
                                                                       float* y, size_t out) {
  __m256 acc[R][2];
  for (auto& r : acc) r[0] = _mm256_loadu_ps(bias), r[1] = _mm256_loadu_ps(bias + 8);
  for (size_t k = 0; k < in; ++k) {
    __m256 w0 = _mm256_loadu_ps(block + k * kBs), w1 = _mm256_loadu_ps(block + k * kBs + 8);
    for (size_t r = 0; r < R; ++r) {
      __m256 a = _mm256_broadcast_ss(x + r * in + k);
      acc[r][0] = _mm256_fmadd_ps(a, w0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(a, w1, acc[r][1]);
    }
  }
  for (size_t r = 0; r < R; ++r) _mm256_storeu_ps(y + r * out, acc[r][0]), _mm256_storeu_ps(y + r * out + 8, acc[r][1]);
}

__attribute__((target("avx2,fma"))) void linearAvx2(const float* x, size_t n, const UseLiteLinear& l, float* y) {
  const size_t in = l.in, out = l.out;
  for (size_t j = 0; j < out; j += kBs) {
    const float* block = l.w.data() + j * in;
    size_t i = 0;
    for (; i + 6 <= n; i += 6) tileAvx2<6>(x + i * in, in, block, l.b.data() + j, y + i * out + j, out);
    for (; i + 2 <= n; i += 2) tileAvx2<2>(x + i * in, in, block, l.b.data() + j, y + i * out + j, out);
    for (; i < n; ++i) tileAvx2<1>(x + i * in, in, block, l.b.data() + j, y + i * out + j, out);
  }
}

// AVX-512: one register holds a 16-column row slice, so 8 rows share each
// weight load (8 FMAs per load).
template <size_t R>
__attribute__((target("avx512f"), always_inline)) inline void tileAvx512(const float* x, size_t in,
                                                                        const float* block, const float* bias,
                                                                        float* y, size_t out) {
  __m512 acc[R];
  for (auto& r : acc) r = _mm512_loadu_ps(bias);
  for (size_t k = 0; k < in; ++k) {
    __m512 w = _mm512_loadu_ps(block + k * kBs);
    for (size_t r = 0; r < R; ++r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(x[r * in + k]), w, acc[r]);
  }
  for (size_t r = 0; r < R; ++r) _mm512_storeu_ps(y + r * out, acc[r]);
}

__attribute__((target("avx512f"))) void linearAvx512(const float* x, size_t n, const UseLiteLinear& l, float* y) {
  const size_t in = l.in, out = l.out;
  for (size_t j = 0; j < out; j += kBs) {
    const float* block = l.w.data() + j * in;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) tileAvx512<8>(x + i * in, in, block, l.b.data() + j, y + i * out + j, out);
    for (; i + 2 <= n; i += 2) tileAvx512<2>(x + i * in, in, block, l.b.data() + j, y + i * out + j, out);
    for (; i < n; ++i) tileAvx512<1>(x + i * in, in, block, l.b.data() + j, y + i * out + j, out);
  }
}

std::atomic<bool> simdAllowed{true};

enum class Kernel { plain, avx2, avx512 };

Kernel kernel() {
  static const Kernel best = [] {
    __builtin_cpu_init();
    // Benchmarks compare the kernels on one machine.
    const char* forced = std::getenv("FLYWHEEL_KB_USE_LITE_KERNEL");
    std::string f = forced ? forced : "";
    if (f == "plain") return Kernel::plain;
    if (__builtin_cpu_supports("avx512f") && f != "avx2") return Kernel::avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Kernel::avx2;
    return Kernel::plain;
  }();
  return simdAllowed.load(std::memory_order_relaxed) ? best : Kernel::plain;
}

Matrix linear(const Matrix& x, size_t n, const UseLiteLinear& l) {
  Matrix y(n * l.out);
  switch (kernel()) {
    case Kernel::avx512: linearAvx512(x.data(), n, l, y.data()); break;
    case Kernel::avx2: linearAvx2(x.data(), n, l, y.data()); break;
    case Kernel::plain: linearPlain(x.data(), n, l, y.data()); break;
  }
  return y;
}

// TensorFlow's layer norm as the graph spells it: scale * rsqrt(var + eps) * (x - mean) + bias.
Matrix layerNorm(const Matrix& x, size_t n, const UseLiteNorm& norm, float eps) {
  const size_t width = norm.scale.size();
  Matrix y(x.size());
  for (size_t i = 0; i < n; ++i) {
    const float* r = x.data() + i * width;
    float mean = 0, var = 0;
    for (size_t k = 0; k < width; ++k) mean += r[k];
    mean /= static_cast<float>(width);
    for (size_t k = 0; k < width; ++k) var += (r[k] - mean) * (r[k] - mean);
    float inv = 1.0f / std::sqrt(var / static_cast<float>(width) + eps);
    for (size_t k = 0; k < width; ++k) y[i * width + k] = norm.scale[k] * inv * (r[k] - mean) + norm.bias[k];
  }
  return y;
}

// Multi-head self-attention over all n tokens (no padding within one sentence).
Matrix attention(const Matrix& qkv, size_t n, const UseLiteLayer& l) {
  const size_t width = l.heads * l.headDim, stride = 3 * width;
  Matrix ctx(n * width, 0.0f);
  std::vector<float> p(n);
  for (size_t h = 0; h < l.heads; ++h) {
    const size_t off = h * l.headDim;
    for (size_t i = 0; i < n; ++i) {
      const float* q = qkv.data() + i * stride + off;
      float top = -INFINITY;
      for (size_t j = 0; j < n; ++j) {
        const float* k = qkv.data() + j * stride + width + off;
        float s = 0;
        for (size_t d = 0; d < l.headDim; ++d) s += q[d] * l.queryScale * k[d];
        p[j] = s, top = std::max(top, s);
      }
      float sum = 0;
      for (size_t j = 0; j < n; ++j) sum += (p[j] = std::exp(p[j] - top));
      float* c = ctx.data() + i * width + off;
      for (size_t j = 0; j < n; ++j) {
        const float* v = qkv.data() + j * stride + 2 * width + off;
        float w = p[j] / sum;
        for (size_t d = 0; d < l.headDim; ++d) c[d] += w * v[d];
      }
    }
  }
  return ctx;
}

void addInPlace(Matrix& y, const Matrix& x) {
  for (size_t i = 0; i < y.size(); ++i) y[i] += x[i];
}

// One transformer layer: pre-norm attention and feed-forward, each with a
// residual (layer 0 widens its residual with a dense layer).
Matrix transformerLayer(const Matrix& x, size_t n, const UseLiteLayer& l, float eps) {
  Matrix ctx = attention(linear(layerNorm(x, n, l.attentionNorm, eps), n, l.qkv), n, l);
  Matrix y = linear(ctx, n, l.output);
  addInPlace(y, l.residual.in ? linear(x, n, l.residual) : x);
  Matrix hidden = linear(layerNorm(y, n, l.ffnNorm, eps), n, l.ffn1);
  for (auto& v : hidden) v = std::max(v, 0.0f);
  addInPlace(y, linear(hidden, n, l.ffn2));
  return y;
}

}  // namespace

void useLiteAllowSimd(bool allow) { simdAllowed = allow; }

UseLiteModel::UseLiteModel(std::unique_ptr<Weights> w) : w_(std::move(w)) {}
UseLiteModel::~UseLiteModel() = default;

Result<std::unique_ptr<UseLiteModel>> UseLiteModel::load(const std::filesystem::path& dir) {
  auto w = loadUseLiteWeights(dir);
  if (!w) return fail(w.error());
  return std::unique_ptr<UseLiteModel>(new UseLiteModel(std::move(*w)));
}

size_t UseLiteModel::weightBytes() const { return w_->bytes; }
int UseLiteModel::maxTokens() const { return static_cast<int>(w_->maxTokens); }

std::vector<float> UseLiteModel::embed(const std::vector<int>& ids) const {
  const Weights& w = *w_;
  const size_t n = std::min(ids.size(), w.maxTokens), width = w.width, half = width / 2;
  // The graph adds the embedding to (embedding + timing signal): 2E + T.
  Matrix x(n * width);
  for (size_t i = 0; i < n; ++i) {
    size_t id = std::min(static_cast<size_t>(std::max(ids[i], 0)), w.vocab - 1);
    const float* e = w.embeddings.data() + id * width;
    float* r = x.data() + i * width;
    for (size_t k = 0; k < half; ++k) {
      float angle = static_cast<float>(i) * w.inverseTimescales[k];
      r[k] = 2 * e[k] + std::sin(angle);
      r[k + half] = 2 * e[k + half] + std::cos(angle);
    }
  }
  Matrix y = transformerLayer(x, n, w.layers[0], w.epsilon);
  y = transformerLayer(y, n, w.layers[1], w.epsilon);
  const size_t out = w.layers[1].ffn2.out;
  Matrix pooled(out, 0.0f);
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < out; ++k) pooled[k] += y[i * out + k];
  for (auto& v : pooled) v /= static_cast<float>(std::max<size_t>(n, 1));
  Matrix v = linear(pooled, 1, w.tanhLayer);
  float norm = 0;
  for (auto& e : v) e = std::tanh(e), norm += e * e;
  float inv = 1.0f / std::sqrt(std::max(norm, w.l2Floor));
  for (auto& e : v) e *= inv;
  return v;
}

}  // namespace flywheel::kb
