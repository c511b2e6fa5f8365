// The vector arm's index: an in-memory hnswlib graph kept in step with the
// vectors stored in SQLite, cached on disk so a restart need not rebuild it.
//
// SQLite is the source of truth (table kb_vectors, one row per memory and
// embedder); every vector write or delete also appends to kb_vector_log. The
// index remembers the last log sequence it applied, so `sync` catches up with
// writes made by this process or any other one by replaying the log tail.
//
// The cache file (`<stateDir>/kb-<embedder hash>.hnsw` plus a `.meta` file
// with embedder id, dimension, log sequence, size and checksum) is written
// atomically (temp file, fsync, rename). On load it is rejected, and the
// index rebuilt from SQLite, when it is missing, its checksum or dimension
// does not match, its embedder differs, it is ahead of the database, or its
// element count disagrees with the database after catching up. `ef` is set
// after every load and build.
//
// Every live vector is also held in one contiguous array (flat_vectors.h),
// loaded once (from the graph cache, or from SQLite) and then kept in step
// by the change log: no search reads vectors from SQLite. Below
// `exactThreshold` vectors there is no graph at all (none is built, loaded or
// saved) and search is an exact SIMD scan of that array; at or above it the
// HNSW graph is built (or loaded from its cache) and used, except for
// filtered searches whose allowed set is small, which stay exact.
//
// Threads: searches take a shared lock, sync/save an exclusive one; `sync`
// uses the Db it is given, which the caller must not use concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/error.h"
#include "core/sqlite_db.h"

namespace flywheel::kb {

struct VectorIndexOptions {
  // Below this many vectors: no graph, an exact scan (int8 first pass by
  // bucket or by vector, float rescore). At 100,000 hashing-embedder vectors
  // the scan is exact in 0.9-1.8 ms of CPU per search; the graph below needs
  // 10-13 ms for recall@10 0.968 (bench/kb, docs/kb.md). The scan grows
  // linearly (about 9 ms at a million, extrapolated, not measured) and the
  // graph needs a wider beam as it grows, so the graph is kept for above a
  // million vectors.
  size_t exactThreshold = 1000000;
  size_t exactFilterLimit = 1000000;  // filtered search over at most this many ids: exact
  // The hashing embedder's vectors are hard for a graph (dense, no clusters,
  // short queries unlike the memories): at 100,000, M 16 / efConstruction
  // 200 reach recall@10 0.71 at ef 512; M 48 / efConstruction 400 reach
  // 0.943 at ef 512 and 0.968 at ef 768 (strict; 0.979 tie-aware).
  int m = 48;
  int efConstruction = 400;
  int efSearch = 768;
  size_t saveEvery = 5000;  // save the cache after this many applied changes
  int buildThreads = 2;     // threads inserting into the graph during a full build
};

struct VectorMatch {
  std::int64_t id = 0;
  float similarity = 0;  // cosine similarity, higher is closer
};

class VectorIndex {
 public:
  VectorIndex(std::filesystem::path cachePath, std::string embedderId, int dimension, VectorIndexOptions options);
  ~VectorIndex();  // saves the cache when it has unsaved changes (errors ignored)
  VectorIndex(const VectorIndex&) = delete;
  VectorIndex& operator=(const VectorIndex&) = delete;

  /// Loads the cache or rebuilds from `db`, then replays the change log.
  [[nodiscard]] Result<void> sync(Db& db);
  /// The `k` nearest vectors, optionally restricted to `allowed` ids.
  /// Exact below the threshold, HNSW above. Call sync() first.
  std::vector<VectorMatch> search(const std::vector<float>& query, size_t k,
                                  const std::unordered_set<std::int64_t>* allowed = nullptr) const;
  /// Always exact (scores every vector): the reference for recall measurements.
  std::vector<VectorMatch> searchExact(const std::vector<float>& query, size_t k,
                                       const std::unordered_set<std::int64_t>* allowed = nullptr) const;
  /// HNSW search, for measurements (exact when no graph exists below the threshold).
  std::vector<VectorMatch> searchApproximate(const std::vector<float>& query, size_t k) const;
  /// Writes the cache atomically.
  [[nodiscard]] Result<void> save();
  /// Changes the HNSW beam width of later searches (benchmarks sweep it).
  void setEfSearch(int ef);

  size_t size() const;             // live vectors
  int dimension() const { return dim_; }
  const std::string& embedderId() const { return embedderId_; }
  /// How the last load went: "loaded", "rebuilt (missing)", "rebuilt (corrupt: ...)",
  /// "exact (no graph below N vectors)", ...
  std::string lastLoad() const;
  const std::filesystem::path& cachePath() const { return cachePath_; }

 private:
  struct Impl;
  std::filesystem::path cachePath_;
  std::string embedderId_;
  int dim_;
  VectorIndexOptions options_;
  std::unique_ptr<Impl> impl_;
};

/// The cache file for an embedder id under `stateDir`.
std::filesystem::path vectorCachePath(const std::filesystem::path& stateDir, const std::string& embedderId);

}  // namespace flywheel::kb
