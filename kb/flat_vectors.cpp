#include "kb/flat_vectors.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kb/vector_index.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define FLYWHEEL_KB_X86 1
#endif

namespace flywheel::kb {
namespace {

float dotScalar(const float* a, const float* b, size_t n) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

#ifdef FLYWHEEL_KB_X86
__attribute__((target("avx2,fma"))) float dotAvx2(const float* a, const float* b, size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
    s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
  float r = _mm_cvtss_f32(h);
  for (; i < n; ++i) r += a[i] * b[i];
  return r;
}

__attribute__((target("avx512f"))) float dotAvx512(const float* a, const float* b, size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
  }
  for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, _mm512_add_ps(s0, s1));
  float r = 0;
  for (float x : lanes) r += x;
  for (; i < n; ++i) r += a[i] * b[i];
  return r;
}

// Quantized scan: int16 query x int8 vector, 16 lanes at a time.
__attribute__((target("avx2"))) std::int32_t dotQ8Avx2(const std::int16_t* q, const std::int8_t* v, size_t n) {
  __m256i acc = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + i));
    __m256i y = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(v + i)));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(x, y));
  }
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  std::int32_t r = _mm_cvtsi128_si32(s);
  for (; i < n; ++i) r += q[i] * v[i];
  return r;
}

// acc[i] += w * col[i] for one bucket's column; |w|, |col[i]| <= 127, so
// each product fits in int16 before it is widened.
__attribute__((target("avx2"))) void addColumnAvx2(std::int32_t* acc, const std::int8_t* col, std::int16_t w,
                                                   size_t n) {
  const __m256i wv = _mm256_set1_epi16(w);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256i d = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(col + i)));
    __m256i p = _mm256_mullo_epi16(d, wv);
    auto* a = reinterpret_cast<__m256i*>(acc + i);
    _mm256_storeu_si256(a, _mm256_add_epi32(_mm256_loadu_si256(a), _mm256_cvtepi16_epi32(_mm256_castsi256_si128(p))));
    _mm256_storeu_si256(a + 1, _mm256_add_epi32(_mm256_loadu_si256(a + 1),
                                                _mm256_cvtepi16_epi32(_mm256_extracti128_si256(p, 1))));
  }
  for (; i < n; ++i) acc[i] += w * col[i];
}
#endif

void addColumnScalar(std::int32_t* acc, const std::int8_t* col, std::int16_t w, size_t n) {
  for (size_t i = 0; i < n; ++i) acc[i] += w * col[i];
}

std::int32_t dotQ8Scalar(const std::int16_t* q, const std::int8_t* v, size_t n) {
  std::int32_t r = 0;
  for (size_t i = 0; i < n; ++i) r += q[i] * v[i];
  return r;
}

// Symmetric per-vector int8 quantization; returns the scale (0 for a zero vector).
template <typename Int>
float quantize(const float* v, size_t n, Int* out) {
  float maxAbs = 0;
  for (size_t i = 0; i < n; ++i) maxAbs = std::max(maxAbs, std::fabs(v[i]));
  if (maxAbs == 0) {
    std::fill(out, out + n, Int{0});
    return 0;
  }
  float inv = 127.0f / maxAbs;
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<Int>(std::lround(v[i] * inv));
  return maxAbs / 127.0f;
}

using DotFn = float (*)(const float*, const float*, size_t);
using DotQ8Fn = std::int32_t (*)(const std::int16_t*, const std::int8_t*, size_t);
using AddColumnFn = void (*)(std::int32_t*, const std::int8_t*, std::int16_t, size_t);

struct Dispatch {
  DotFn fn = dotScalar;
  DotQ8Fn q8 = dotQ8Scalar;
  AddColumnFn addColumn = addColumnScalar;
  const char* kind = "scalar";
  Dispatch() {
#ifdef FLYWHEEL_KB_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) fn = dotAvx512, kind = "avx512";
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) fn = dotAvx2, kind = "avx2";
    if (__builtin_cpu_supports("avx2")) q8 = dotQ8Avx2, addColumn = addColumnAvx2;
#endif
  }
};

const Dispatch& dispatch() {
  static const Dispatch d;
  return d;
}

}  // namespace

float dotProduct(const float* a, const float* b, size_t n) { return dispatch().fn(a, b, n); }
const char* dotProductKind() { return dispatch().kind; }

void FlatVectors::put(std::int64_t id, const float* v) {
  auto [it, added] = slot_.try_emplace(id, ids_.size());
  if (added) {
    if (ids_.size() == colCap_) growColumns(std::max<size_t>(1024, colCap_ * 2));
    ids_.push_back(id);
    data_.resize(data_.size() + dim_);
    q8_.resize(q8_.size() + dim_);
    scale_.push_back(0);
  }
  size_t at = it->second;
  std::memcpy(data_.data() + at * dim_, v, dim_ * sizeof(float));
  std::int8_t* row = q8_.data() + at * dim_;
  scale_[at] = quantize(v, dim_, row);
  for (size_t j = 0; j < dim_; ++j) cols_[j * colCap_ + at] = row[j];
}

bool FlatVectors::remove(std::int64_t id) {
  auto it = slot_.find(id);
  if (it == slot_.end()) return false;
  size_t hole = it->second, last = ids_.size() - 1;
  slot_.erase(it);
  if (hole != last) {
    ids_[hole] = ids_[last];
    std::memcpy(data_.data() + hole * dim_, data_.data() + last * dim_, dim_ * sizeof(float));
    std::memcpy(q8_.data() + hole * dim_, q8_.data() + last * dim_, dim_);
    for (size_t j = 0; j < dim_; ++j) cols_[j * colCap_ + hole] = cols_[j * colCap_ + last];
    scale_[hole] = scale_[last];
    slot_[ids_[hole]] = hole;
  }
  ids_.pop_back();
  data_.resize(last * dim_);
  q8_.resize(last * dim_);
  scale_.pop_back();
  return true;
}

void FlatVectors::clear() {
  ids_.clear();
  data_.clear();
  q8_.clear();
  scale_.clear();
  slot_.clear();
  cols_.clear();
  colCap_ = 0;
}

void FlatVectors::reserve(size_t n) {
  ids_.reserve(n);
  data_.reserve(n * dim_);
  q8_.reserve(n * dim_);
  scale_.reserve(n);
  slot_.reserve(n);
  if (n > colCap_) growColumns(n);
}

void FlatVectors::growColumns(size_t capacity) {
  std::vector<std::int8_t> grown(dim_ * capacity);
  for (size_t j = 0; j < dim_ && colCap_ > 0; ++j)
    std::memcpy(grown.data() + j * capacity, cols_.data() + j * colCap_, ids_.size());
  cols_ = std::move(grown);
  colCap_ = capacity;
}

void FlatVectors::scanColumns(const std::int16_t* query, std::int32_t* acc) const {
  AddColumnFn add = dispatch().addColumn;
  size_t n = ids_.size();
  std::fill(acc, acc + n, 0);
  // Blocks of slots small enough that their scores stay in L1 while every
  // column adds into them.
  constexpr size_t kBlock = 4096;
  for (size_t b = 0; b < n; b += kBlock) {
    size_t len = std::min(kBlock, n - b);
    for (size_t j = 0; j < dim_; ++j)
      if (query[j] != 0) add(acc + b, cols_.data() + j * colCap_ + b, query[j], len);
  }
}

namespace {

struct Better {
  bool operator()(const VectorMatch& a, const VectorMatch& b) const {
    return a.similarity != b.similarity ? a.similarity > b.similarity : a.id < b.id;
  }
};

void keepBest(std::vector<VectorMatch>& all, size_t k) {
  if (all.size() > k) {
    std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(), Better{});
    all.resize(k);
  }
  std::sort(all.begin(), all.end(), Better{});
}

// First-pass candidate: approximate score and storage slot (8 bytes, so
// selecting the shortlist moves half the memory of VectorMatch).
struct Candidate {
  float score;
  std::uint32_t slot;
};

// Higher score first; ties: lower slot first (a total order, so the kept
// set does not depend on the scan order).
bool higher(const Candidate& a, const Candidate& b) {
  return a.score != b.score ? a.score > b.score : a.slot < b.slot;
}

// The best `want` candidates offered, in a heap whose front is the worst
// kept: most candidates are rejected by one comparison.
class Shortlist {
 public:
  explicit Shortlist(size_t want) : want_(want) { heap_.reserve(want); }
  void offer(const Candidate& c) {
    if (heap_.size() < want_) {
      heap_.push_back(c);
      std::push_heap(heap_.begin(), heap_.end(), higher);
    } else if (want_ > 0 && higher(c, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), higher);
      heap_.back() = c;
      std::push_heap(heap_.begin(), heap_.end(), higher);
    }
  }
  const std::vector<Candidate>& items() const { return heap_; }

 private:
  size_t want_;
  std::vector<Candidate> heap_;
};

}  // namespace

std::vector<VectorMatch> FlatVectors::topExact(const float* query, size_t k,
                                               const std::unordered_set<std::int64_t>* allowed) const {
  DotFn dot = dispatch().fn;
  std::vector<VectorMatch> all;
  if (allowed && allowed->size() < ids_.size() / 4) {
    all.reserve(allowed->size());
    for (auto id : *allowed)
      if (auto it = slot_.find(id); it != slot_.end()) all.push_back({id, dot(query, dataAt(it->second), dim_)});
  } else {
    all.reserve(ids_.size());
    const float* row = data_.data();
    for (size_t i = 0; i < ids_.size(); ++i, row += dim_)
      if (!allowed || allowed->count(ids_[i])) all.push_back({ids_[i], dot(query, row, dim_)});
  }
  keepBest(all, k);
  return all;
}

std::vector<VectorMatch> FlatVectors::top(const float* query, size_t k,
                                          const std::unordered_set<std::int64_t>* allowed) const {
  size_t shortlist = 2 * k + kRescoreExtra;
  if (ids_.size() <= shortlist * 4 || (allowed && allowed->size() < ids_.size() / 4))
    return topExact(query, k, allowed);
  // Pass 1 reads a quarter of the bytes (int8), pass 2 rescores the
  // shortlist with the float vectors, so the order is the exact one unless
  // quantization moved a true top-k vector below 2k+kRescoreExtra others.
  std::vector<std::int16_t> q(dim_);
  (void)quantize(query, dim_, q.data());  // the query's scale does not change the order
  DotQ8Fn dot8 = dispatch().q8;
  Shortlist best(shortlist);
  size_t nonZero = static_cast<size_t>(std::count_if(q.begin(), q.end(), [](std::int16_t x) { return x != 0; }));
  if (nonZero * 4 <= dim_) {  // sparse query: by bucket (same integer scores as by vector)
    std::vector<std::int32_t> acc(ids_.size());
    scanColumns(q.data(), acc.data());
    for (size_t i = 0; i < ids_.size(); ++i)
      if (!allowed || allowed->count(ids_[i]))
        best.offer({static_cast<float>(acc[i]) * scale_[i], static_cast<std::uint32_t>(i)});
  } else {
    const std::int8_t* row = q8_.data();
    for (size_t i = 0; i < ids_.size(); ++i, row += dim_)
      if (!allowed || allowed->count(ids_[i]))
        best.offer({static_cast<float>(dot8(q.data(), row, dim_)) * scale_[i], static_cast<std::uint32_t>(i)});
  }
  const std::vector<Candidate>& approx = best.items();
  DotFn dot = dispatch().fn;
  std::vector<VectorMatch> out;
  out.reserve(approx.size());
  for (const auto& a : approx) out.push_back({ids_[a.slot], dot(query, dataAt(a.slot), dim_)});
  keepBest(out, k);
  return out;
}

}  // namespace flywheel::kb
