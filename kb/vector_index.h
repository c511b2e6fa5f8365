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
// Below `exactThreshold` vectors (and for filtered searches whose allowed
// set is small) search is exact: every stored vector is scored.
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
  size_t exactThreshold = 20000;  // below this many vectors, search exactly (a linear SIMD scan)
  size_t exactFilterLimit = 20000;  // filtered search over at most this many ids: exact
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
  /// Forces an approximate (HNSW) search regardless of size, for measurements.
  std::vector<VectorMatch> searchApproximate(const std::vector<float>& query, size_t k) const;
  /// Writes the cache atomically.
  Result<void> save();

  size_t size() const;             // live vectors
  int dimension() const { return dim_; }
  const std::string& embedderId() const { return embedderId_; }
  /// How the last load went: "loaded", "rebuilt (missing)", "rebuilt (corrupt: ...)", ...
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
