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
  // Below this many vectors: no graph, an exact SIMD scan (int8 pass + float
  // rescore). On the hashing embedder's vectors HNSW cannot reach the recall
  // target at 100,000 (bench/kb, vector arm CPU per search: scan recall@10
  // 1.000 at 8.3 ms; HNSW ef 512 0.71 at 3.5 ms, ef 2000 0.89 at 12.7 ms).
  size_t exactThreshold = 200000;
  size_t exactFilterLimit = 200000;  // filtered search over at most this many ids: exact
  int m = 16;
  int efConstruction = 200;
  int efSearch = 512;  // hashing vectors need a wide beam: recall@10 0.97 at 10k (bench/kb)
  size_t saveEvery = 5000;  // save the cache after this many applied changes
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
  Result<void> sync(Db& db);
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
  Result<void> save();

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
