// The knowledge base: architecture memories in SQLite, searched by BM25 and
// by vectors, fused with Reciprocal Rank Fusion.
//
//   auto kb = KnowledgeBase::open(universe / ".flywheel");
//   (*kb)->remember({.kind = "decision", .service = "billing",
//                    .title = "Amounts are integer cents", .body = "..."});
//   auto page = (*kb)->search({.query = "how are invoice amounts stored?"});
//
// Storage: `<stateDir>/kb.sqlite` (WAL, synchronous=FULL; tables migrated
// under module "kb"; the task board shares the file under "board"). Every
// write is one IMMEDIATE transaction, so several processes may write at
// once; an acknowledged write survives a crash. The HNSW index is a cache
// beside it (see vector_index.h).
//
// Lexical arm: an FTS5 table over identifier-aware terms (text_terms.h),
// ranked by bm25 with column weights (title > tags = service > body).
// Vector arm: the configured Embedder (embedder.h). Hybrid: each arm returns
// up to `candidateDepth` ids; score = sum over arms of 1 / (rrfK + rank).
// Every hit says which arm(s) found it and at which rank.
//
// Threads: all methods are safe to call concurrently; database access is
// serialised on one connection, vector searches share a lock.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "core/error.h"
#include "core/sqlite_db.h"
#include "kb/embedder.h"
#include "kb/memory.h"
#include "kb/vector_index.h"

namespace flywheel::kb {

struct KbOptions {
  EmbedderConfig embedder;     // default: the offline hashing embedder
  VectorIndexOptions index;
  int rrfK = 60;               // RRF constant: larger flattens rank differences
  int candidateDepth = 100;    // ids taken from each arm before fusion
  float minSimilarity = 0.10f; // vector hits below this cosine are dropped
  double titleWeight = 4.0, bodyWeight = 1.0, tagsWeight = 2.0, serviceWeight = 2.0;
  /// Called after each batch of backfillVectors (opening a knowledge base
  /// built with another embedder re-embeds every memory). Unset: open()
  /// reports on stderr when there are at least 256 memories to embed.
  std::function<void(size_t done, size_t total)> embedProgress;
};

namespace detail {
/// Document frequencies of query terms and the largest id, cached between
/// searches; valid while PRAGMA data_version (other connections' commits)
/// is unchanged and this connection has not written.
struct TermStats {
  std::int64_t dataVersion = -1;  // -1: empty
  std::int64_t maxId = 0;
  std::map<std::string, std::int64_t, std::less<>> df;
};
}  // namespace detail

class KnowledgeBase {
 public:
  /// Opens (creating) `<stateDir>/kb.sqlite` with the embedder `options`
  /// names, migrates, and embeds memories that lack a vector for it.
  [[nodiscard]] static Result<std::unique_ptr<KnowledgeBase>> open(const std::filesystem::path& stateDir, KbOptions options = {});
  /// Same, with a caller-supplied embedder (tests, benchmarks).
  [[nodiscard]] static Result<std::unique_ptr<KnowledgeBase>> open(const std::filesystem::path& stateDir, KbOptions options,
                                                     std::unique_ptr<Embedder> embedder);
  ~KnowledgeBase();

  /// Stores one memory (see MemoryDraft for dedupe). Errors: invalid_argument
  /// naming the field; io/conflict from SQLite. When the embedder fails the
  /// memory is still stored (vectorStored = false) and embedded later.
  [[nodiscard]] Result<RememberResult> remember(const MemoryDraft& draft);
  /// Stores many in one transaction (imports); all or nothing.
  [[nodiscard]] Result<std::vector<RememberResult>> rememberMany(const std::vector<MemoryDraft>& drafts);
  /// Error not_found when no memory has this id (never existed or forgotten).
  [[nodiscard]] Result<Memory> get(std::int64_t id);
  /// Deletes a memory, its vectors and index entries. not_found when absent.
  [[nodiscard]] Result<void> forget(std::int64_t id);
  /// Id and source key of every memory whose source key starts with
  /// `prefix` ("universe:" lists what imports of the universe wrote), by key.
  [[nodiscard]] Result<std::vector<std::pair<std::int64_t, std::string>>> sources(std::string_view prefix);
  /// One page of hits; see SearchRequest. Errors name the bad argument.
  [[nodiscard]] Result<SearchPage> search(const SearchRequest& request);
  [[nodiscard]] Result<KbStats> stats();
  /// The newest memories (id, kind, service, title only), newest first.
  [[nodiscard]] Result<std::vector<Memory>> recent(size_t limit);

  /// Embeds memories without a vector for the current embedder; returns how many.
  [[nodiscard]] Result<size_t> backfillVectors();
  /// Brings the vector index up to date and writes its cache.
  [[nodiscard]] Result<void> saveIndex();

  Embedder& embedder() { return *embedder_; }
  /// Syncs and returns the vector index (benchmarks: exact vs HNSW).
  [[nodiscard]] Result<VectorIndex*> vectorIndex();
  const std::filesystem::path& databasePath() const { return dbPath_; }
  const KbOptions& options() const { return options_; }

 private:
  KnowledgeBase(Db db, std::filesystem::path stateDir, KbOptions options, std::unique_ptr<Embedder> embedder);
  struct Prepared;
  [[nodiscard]] Result<void> ensureIndexLocked();
  [[nodiscard]] Result<std::vector<RememberResult>> writeLocked(const std::vector<Prepared>& items);
  /// For each item: true when the stored memory under its key is identical
  /// and has a vector for the current embedder (nothing to embed).
  [[nodiscard]] Result<std::vector<bool>> unchangedLocked(const std::vector<Prepared>& items);
  /// A statement prepared once per connection and reused (dbMutex_ held);
  /// the caller must reset() it when done (StmtReset does).
  [[nodiscard]] Result<Stmt*> cachedStatement(const std::string& sql);
  [[nodiscard]] Result<SearchPage> searchLocked(const SearchRequest& request, const std::vector<float>* queryVector,
                                  size_t offset, std::vector<std::string> warnings);

  Db db_;
  std::filesystem::path stateDir_;
  std::filesystem::path dbPath_;
  KbOptions options_;
  std::unique_ptr<Embedder> embedder_;
  std::unique_ptr<VectorIndex> index_;  // created once the dimension is known
  std::mutex dbMutex_;
  std::map<std::string, Stmt, std::less<>> statements_;  // see cachedStatement
  detail::TermStats termStats_;  // reset by every write of this connection
};

/// Text given to the embedder for a memory (title, service, tags, body).
std::string embeddingText(const Memory& m);

}  // namespace flywheel::kb
