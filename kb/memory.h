// Architecture memories: what the knowledge base stores and returns.
//
// A memory is a short piece of architectural knowledge about a universe: a
// decision ("billing keeps amounts in cents"), a past repair ("E0308 in
// billing after user/UserProfile.id became String: convert with to_string"),
// a service description seeded from its intent, or a free note. Agents
// recall memories before they edit; humans query them through their agent.
//
// Ids are positive integers assigned by SQLite and never reused, so
// `flywheel://kb/{id}` names one memory forever (or nothing, once forgotten).
// Times are Unix seconds (UTC).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flywheel::kb {

/// Limits enforced on every write, so every read stays bounded.
inline constexpr size_t kMaxTitleChars = 300;
inline constexpr size_t kMaxBodyChars = 16000;
inline constexpr size_t kMaxTags = 32;
inline constexpr size_t kMaxTagChars = 64;
inline constexpr size_t kMaxServiceChars = 128;
inline constexpr size_t kMaxKindChars = 32;
inline constexpr size_t kMaxCiteChars = 400;

struct Memory {
  std::int64_t id = 0;
  std::string kind;      // decision, repair, service, type, rpc, note, ... ([a-z][a-z0-9-]*)
  std::string service;   // the service it is about; empty: universe-wide
  std::string title;
  std::string body;
  std::vector<std::string> tags;  // lowercase, sorted, unique
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::string sourceKey;  // dedupe key: "content:<hash>", "repair:<hash>", "universe:service:<name>" ...
  std::string cite;       // where the fact came from, for a person: "services/user/intent.lisp:3", ...
};

/// What a caller supplies to remember something. `sourceKey` empty: derived
/// from the content, so remembering the same thing twice stores it once.
/// With a sourceKey, a second write under the same key updates the memory
/// in place when its content changed (imports use this).
struct MemoryDraft {
  std::string kind = "note";
  std::string service;
  std::string title;
  std::string body;
  std::vector<std::string> tags;
  std::string sourceKey;
  /// Where the fact came from, quotable: an intent file and line, a repair
  /// record and its commit, or who remembered it. Default: "remembered on <date>".
  std::string cite;
  std::optional<std::int64_t> created;  // default: now
};

enum class WriteOutcome { Created, Updated, Unchanged };

struct RememberResult {
  std::int64_t id = 0;
  WriteOutcome outcome = WriteOutcome::Created;
  bool vectorStored = true;  // false: the embedder failed; backfilled later
};

enum class SearchMode { Hybrid, Lexical, Vector };

/// Every given criterion must hold (kinds/services: any of the listed; tags: all).
struct SearchFilter {
  std::vector<std::string> kinds;
  std::vector<std::string> services;
  std::vector<std::string> tags;
  std::optional<std::int64_t> createdAfter;   // inclusive
  std::optional<std::int64_t> createdBefore;  // exclusive
  bool empty() const {
    return kinds.empty() && services.empty() && tags.empty() && !createdAfter && !createdBefore;
  }
};

struct SearchRequest {
  std::string query;
  SearchFilter filter;
  SearchMode mode = SearchMode::Hybrid;
  int limit = 10;           // 1..100
  std::string cursor;       // from a previous page's nextCursor; empty: first page
  size_t maxChars = 20000;  // page budget (titles, snippets, metadata)
};

struct SearchHit {
  std::int64_t id = 0;
  std::string kind;
  std::string service;
  std::string title;
  std::vector<std::string> tags;
  std::int64_t created = 0;
  std::string snippet;              // a bounded window of the body around the query's terms
  std::string cite;                 // where the fact came from (Memory::cite)
  double score = 0;                 // fused RRF score (higher is better)
  std::optional<int> lexicalRank;   // 1-based rank in the BM25 arm, when it found this memory
  std::optional<int> vectorRank;    // 1-based rank in the vector arm
  std::vector<std::string> foundBy() const;  // "lexical", "vector"
};

struct SearchPage {
  std::vector<SearchHit> hits;
  std::string nextCursor;            // empty: no more results
  size_t candidates = 0;             // fused candidates known for this query
  std::vector<std::string> warnings; // e.g. the vector arm was unavailable
};

struct KbStats {
  std::int64_t memories = 0;
  std::vector<std::pair<std::string, std::int64_t>> byKind;  // sorted by kind
  std::int64_t vectors = 0;        // for the current embedder
  std::string embedder;            // id of the current embedder
  int dimension = 0;
  std::string indexState;          // "exact" (below threshold), "hnsw", "empty"
  std::string databasePath;
};

/// "2026-11-26T11:13:10Z"
std::string formatTime(std::int64_t unixSeconds);
/// Accepts "2026-11-26", "2026-11-26T11:13:10Z" (and without the Z); UTC.
std::optional<std::int64_t> parseTime(const std::string& text);

}  // namespace flywheel::kb
