// Flat vector storage: every live vector in one contiguous array, scanned
// exactly with the fastest inner product this CPU offers.
//
// The vector arm keeps all vectors of the current embedder in memory (they
// are loaded once from SQLite or the graph cache, then kept in step with the
// change log, see vector_index.h). Below the HNSW threshold this array is the
// whole index: a linear scan of 10,000 x 384 floats is a few hundred
// microseconds with AVX2/AVX-512, exact, and needs no graph build.
//
// `dotProduct` picks an AVX-512, AVX2+FMA or plain implementation once, at
// start-up, from what the CPU reports; the binary itself stays portable.
// Large scans first read an int8 copy of the vectors (a quarter of the
// memory traffic, which is what bounds a scan) and rescore a shortlist in
// float. The int8 copy is kept twice, by vector and by bucket: a query
// with few non-zero buckets (the hashing embedder's) reads only those
// buckets of every vector.
//
// Not thread-safe on its own: VectorIndex guards it with its shared mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace flywheel::kb {

struct VectorMatch;

/// Inner product of two float arrays of length n (runtime-dispatched SIMD).
float dotProduct(const float* a, const float* b, size_t n);
/// Which implementation dotProduct uses: "avx512", "avx2" or "scalar".
const char* dotProductKind();

class FlatVectors {
 public:
  explicit FlatVectors(size_t dim) : dim_(dim) {}
  /// Inserts or replaces the vector of `id` (dim() floats).
  void put(std::int64_t id, const float* v);
  /// Removes `id`; false when it was absent. Moves the last vector into the hole.
  bool remove(std::int64_t id);
  void clear();
  void reserve(size_t n);
  size_t size() const { return ids_.size(); }
  size_t dim() const { return dim_; }
  std::int64_t idAt(size_t slot) const { return ids_[slot]; }
  const float* dataAt(size_t slot) const { return data_.data() + slot * dim_; }
  /// The k best by inner product (ties: smaller id first), optionally only
  /// ids in `allowed`. Similarity = inner product (cosine for unit vectors).
  /// Scores every vector in float.
  std::vector<VectorMatch> topExact(const float* query, size_t k,
                                    const std::unordered_set<std::int64_t>* allowed) const;
  /// Same result in practice, faster on large sets: an int8 scan picks the
  /// best 2k+kRescoreExtra, which are then rescored in float (bench/kb
  /// measures its recall against topExact).
  std::vector<VectorMatch> top(const float* query, size_t k, const std::unordered_set<std::int64_t>* allowed) const;
  static constexpr size_t kRescoreExtra = 32;

 private:
  size_t dim_;
  std::vector<std::int64_t> ids_;
  std::vector<float> data_;
  std::vector<std::int8_t> q8_;  // the same vectors quantized, for the first pass
  std::vector<float> scale_;     // per vector: float value = q8 * scale
  // The int8 vectors again, bucket-major: bucket j of slot i is at
  // cols_[j * colCap_ + i]. A sparse query (the hashing embedder's have about
  // 30 non-zero buckets of 384) reads only its own buckets' columns: a tenth
  // of the bytes of the row-major pass, with the same integer scores.
  std::vector<std::int8_t> cols_;
  size_t colCap_ = 0;
  void growColumns(size_t capacity);
  /// First-pass int8 scores of every slot, written to `acc` (size()).
  void scanColumns(const std::int16_t* query, std::int32_t* acc) const;
  std::unordered_map<std::int64_t, size_t> slot_;
};

}  // namespace flywheel::kb
