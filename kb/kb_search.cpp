// KnowledgeBase::search: the lexical arm (FTS5 bm25), the vector arm, RRF
// fusion, filters, snippets and cursors.
#include <algorithm>
#include <functional>
#include <future>
#include <system_error>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "kb/knowledge_base.h"
#include "kb/memory_rules.h"
#include "kb/snippet.h"
#include "kb/text_terms.h"

namespace flywheel::kb {
namespace {

using Param = std::variant<std::int64_t, std::string>;

constexpr size_t kMaxDepth = 1000;
constexpr size_t kMaxQueryBytes = 4000;

void bindAll(Stmt& s, const std::vector<Param>& params, int first = 1) {
  for (size_t i = 0; i < params.size(); ++i) {
    int at = first + static_cast<int>(i);
    if (auto* n = std::get_if<std::int64_t>(&params[i])) s.bind(at, *n);
    else s.bind(at, std::get<std::string>(params[i]));
  }
}

// " AND ..." restricting alias m (kb_memories) to the filter.
std::string filterSql(const SearchFilter& f, std::vector<Param>& params) {
  std::string sql;
  auto inList = [&](const char* column, const std::vector<std::string>& values) {
    if (values.empty()) return;
    sql += std::string(" AND ") + column + " IN (";
    for (size_t i = 0; i < values.size(); ++i) {
      sql += i ? ",?" : "?";
      params.emplace_back(values[i]);
    }
    sql += ")";
  };
  inList("m.kind", f.kinds);
  inList("m.service", f.services);
  if (f.createdAfter) sql += " AND m.created >= ?", params.emplace_back(*f.createdAfter);
  if (f.createdBefore) sql += " AND m.created < ?", params.emplace_back(*f.createdBefore);
  if (!f.tags.empty()) {
    std::vector<std::string> tags;
    for (auto t : f.tags) {
      for (auto& c : t)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      tags.push_back(t);
    }
    std::sort(tags.begin(), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    sql += " AND m.id IN (SELECT memory_id FROM kb_tags WHERE tag IN (";
    for (size_t i = 0; i < tags.size(); ++i) {
      sql += i ? ",?" : "?";
      params.emplace_back(tags[i]);
    }
    sql += ") GROUP BY memory_id HAVING count(*) = ?)";
    params.emplace_back(static_cast<std::int64_t>(tags.size()));
  }
  return sql;
}

// Statements come from the KnowledgeBase's per-connection cache; each use
// is reset on scope exit so that no read transaction stays open.
using Prepare = std::function<Result<Stmt*>(const std::string&)>;

struct StmtReset {
  Stmt* stmt;
  ~StmtReset() { stmt->reset(); }
};

Result<std::vector<std::int64_t>> queryIds(const Prepare& prepare, const std::string& sql,
                                           const std::vector<Param>& params) {
  auto q = prepare(sql);
  if (!q) return fail(q.error());
  StmtReset done{*q};
  bindAll(**q, params);
  std::vector<std::int64_t> ids;
  for (;;) {
    auto row = (*q)->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    ids.push_back((*q)->int64(0));
  }
  return ids;
}

// Terms present in nearly every memory ("service" in a universe of
// services) add almost nothing to bm25 but make FTS5 score every document.
// When a query also has rarer terms, the near-universal ones (in more than
// max(kMinCommonDocs, 5% of) the memories) are left out of the MATCH; below
// kMinCommonDocs memories nothing is pruned. bm25 costs about a microsecond
// per matching memory, so this bounds a search's lexical work.
constexpr std::int64_t kMinCommonDocs = 500;

struct MatchPlan {
  std::vector<std::string> terms;
  std::int64_t largestDf = 0;  // 0: unknown (small knowledge base)
};

// One-row integer query (cached statement, reset after).
Result<std::int64_t> scalar(const Prepare& prepare, const std::string& sql) {
  auto q = prepare(sql);
  if (!q) return fail(q.error());
  StmtReset done{*q};
  if (auto r = (*q)->step(); !r) return fail(r.error());
  return (*q)->int64(0);
}

// Fills `stats` with the largest id and the document frequency of `terms`
// (fts5vocab counts a term's documents by reading its whole doclist, so the
// counts are cached until the database changes).
Result<void> loadTermStats(const Prepare& prepare, detail::TermStats& stats, const std::vector<std::string>& terms) {
  auto version = scalar(prepare, "PRAGMA data_version");
  if (!version) return fail(version.error());
  if (stats.dataVersion != *version || stats.df.size() > 100000) {
    auto maxId = scalar(prepare, "SELECT coalesce(max(id), 0) FROM kb_memories");
    if (!maxId) return fail(maxId.error());
    stats = {*version, *maxId, {}};
  }
  std::vector<std::string> missing;
  for (const auto& t : terms)
    if (!stats.df.count(t)) missing.push_back(t);
  if (missing.empty() || stats.maxId <= kMinCommonDocs) return {};
  std::string sql = "SELECT term, doc FROM kb_fts_vocab WHERE term IN (";
  for (size_t i = 0; i < missing.size(); ++i) sql += i ? ",?" : "?";
  auto q = prepare(sql + ")");
  if (!q) return fail(q.error());
  StmtReset done{*q};
  for (size_t i = 0; i < missing.size(); ++i) (*q)->bind(static_cast<int>(i + 1), missing[i]);
  for (const auto& t : missing) stats.df[t] = 0;  // absent from the index: df 0
  for (;;) {
    auto row = (*q)->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    stats.df[(*q)->text(0)] = (*q)->int64(1);
  }
  return {};
}

Result<MatchPlan> prunedTerms(const Prepare& prepare, detail::TermStats& stats, const std::vector<std::string>& terms) {
  if (auto r = loadTermStats(prepare, stats, terms); !r) return fail(r.error());
  std::int64_t threshold = std::max(kMinCommonDocs, stats.maxId / 20);
  if (stats.maxId <= kMinCommonDocs) return MatchPlan{terms, 0};
  std::map<std::string, std::int64_t> df;
  for (const auto& t : terms)
    if (stats.df[t] > 0) df[t] = stats.df[t];
  MatchPlan plan;
  for (const auto& t : terms)
    if (df.count(t) && df[t] <= threshold) plan.terms.push_back(t), plan.largestDf = std::max(plan.largestDf, df[t]);
  if (!plan.terms.empty() || terms.size() < 2) return plan.terms.empty() ? MatchPlan{terms, threshold + 1} : plan;
  std::vector<std::string> byDf;
  for (const auto& t : terms)
    if (df.count(t)) byDf.push_back(t);
  std::sort(byDf.begin(), byDf.end(), [&](const auto& a, const auto& b) { return df[a] < df[b]; });
  if (byDf.size() > 2) byDf.resize(2);
  for (const auto& t : byDf) plan.largestDf = std::max(plan.largestDf, df[t]);
  plan.terms = byDf.empty() ? terms : byDf;
  return plan;
}

// Above this many matching memories, bm25 ranks only the newest kScanCap
// of them: scoring costs one lookup per match, and a query made only of
// near-universal words has no better signal than recency anyway.
constexpr std::int64_t kScanCap = 3000;

// From this many vectors, a hybrid search runs its vector arm on a second
// thread (below, a thread costs more than the scan).
constexpr size_t kConcurrentVectors = 4000;

// BEGIN on construction, COMMIT on scope exit (nothing when BEGIN failed:
// the statements then run in their own implicit transactions).
struct ReadTransaction {
  Db& db;
  bool open;
  explicit ReadTransaction(Db& d) : db(d), open(d.exec("BEGIN").has_value()) {}
  ~ReadTransaction() {
    if (open) (void)db.exec("COMMIT");
  }
};

std::string fingerprint(const SearchRequest& r) {
  std::string s = r.query + '\x1f' + std::to_string(static_cast<int>(r.mode));
  for (const auto* list : {&r.filter.kinds, &r.filter.services, &r.filter.tags})
    for (const auto& x : *list) s += '\x1e' + x;
  s += '\x1f' + std::to_string(r.filter.createdAfter.value_or(-1)) + '/' +
       std::to_string(r.filter.createdBefore.value_or(-1));
  return hashHex(s).substr(0, 8);
}

Result<size_t> decodeCursor(const SearchRequest& r) {
  if (r.cursor.empty()) return size_t{0};
  auto bad = [&] {
    return fail(Error::invalidArgument("cursor '" + truncateUtf8(r.cursor, 40) +
                                       "' does not belong to this query; repeat the same query and filters, "
                                       "or drop the cursor to start over"));
  };
  auto dot = r.cursor.find('.');
  if (dot == std::string::npos || dot == 0 || dot > 6 || r.cursor.substr(dot + 1) != fingerprint(r)) return bad();
  size_t offset = 0;
  for (size_t i = 0; i < dot; ++i) {
    if (r.cursor[i] < '0' || r.cursor[i] > '9') return bad();
    offset = offset * 10 + static_cast<size_t>(r.cursor[i] - '0');
  }
  if (offset >= kMaxDepth) return bad();
  return offset;
}

Result<void> validate(const SearchRequest& r) {
  if (r.limit < 1 || r.limit > 100)
    return fail(Error::invalidArgument("limit must be 1..100 (got " + std::to_string(r.limit) +
                                       "); lower it or pass cursor for the next page"));
  if (r.query.size() > kMaxQueryBytes)
    return fail(Error::invalidArgument("query is too long (" + std::to_string(r.query.size()) +
                                       " bytes, at most 4000); search with the key identifiers and words"));
  if (!isValidUtf8(r.query)) return fail(Error::invalidArgument("query is not valid UTF-8; re-encode it"));
  return {};
}

struct Fused {
  std::int64_t id;
  double score;
  std::optional<int> lexical, vector;
};

std::vector<Fused> fuse(const std::vector<std::int64_t>& lexical, const std::vector<std::int64_t>& vector, int k) {
  std::unordered_map<std::int64_t, Fused> by;
  for (size_t i = 0; i < lexical.size(); ++i) {
    auto& f = by.try_emplace(lexical[i], Fused{lexical[i], 0, {}, {}}).first->second;
    f.lexical = static_cast<int>(i + 1);
    f.score += 1.0 / (k + static_cast<double>(i + 1));
  }
  for (size_t i = 0; i < vector.size(); ++i) {
    auto& f = by.try_emplace(vector[i], Fused{vector[i], 0, {}, {}}).first->second;
    f.vector = static_cast<int>(i + 1);
    f.score += 1.0 / (k + static_cast<double>(i + 1));
  }
  std::vector<Fused> out;
  out.reserve(by.size());
  for (auto& [id, f] : by) out.push_back(f);
  std::sort(out.begin(), out.end(), [](const Fused& a, const Fused& b) {
    if (a.score != b.score) return a.score > b.score;
    int la = a.lexical.value_or(1 << 30), lb = b.lexical.value_or(1 << 30);
    if (la != lb) return la < lb;
    return a.id < b.id;
  });
  return out;
}

}  // namespace

Result<SearchPage> KnowledgeBase::search(const SearchRequest& request) {
  if (auto r = validate(request); !r) return fail(r.error());
  auto offset = decodeCursor(request);
  if (!offset) return fail(offset.error());
  std::vector<std::string> warnings;
  std::vector<float> queryVector;
  bool wantVector = request.mode != SearchMode::Lexical && !queryTerms(request.query).empty();
  if (wantVector) {
    auto v = embedder_->embed({request.query});  // outside the lock: may be remote
    if (v && v->size() == 1) queryVector = std::move(v->front());
    else warnings.push_back("vector arm unavailable (" + (v ? std::string("no vector") : v.error().message) +
                            "); results are lexical only");
  }
  std::lock_guard lock(dbMutex_);
  return searchLocked(request, queryVector.empty() ? nullptr : &queryVector, *offset, std::move(warnings));
}

Result<SearchPage> KnowledgeBase::searchLocked(const SearchRequest& request, const std::vector<float>* queryVector,
                                               size_t offset, std::vector<std::string> warnings) {
  size_t depth = std::min(kMaxDepth, std::max(static_cast<size_t>(options_.candidateDepth),
                                               offset + static_cast<size_t>(request.limit)));
  std::vector<std::string> terms = queryTerms(request.query);
  std::vector<std::int64_t> lexical, vector;
  Prepare prepare = [this](const std::string& sql) { return cachedStatement(sql); };
  // The vector index syncs first (a rebuild opens its own transaction); the
  // rest of the search reads one snapshot in one read transaction, so the
  // WAL is locked and unlocked once instead of once per statement.
  bool wantVector = !terms.empty() && request.mode != SearchMode::Lexical && queryVector;
  Result<void> indexReady = wantVector ? ensureIndexLocked() : Result<void>{};
  ReadTransaction snapshot(db_);
  if (terms.empty()) {
    // No searchable words: list the newest memories that pass the filter.
    std::vector<Param> params;
    std::string sql = "SELECT m.id FROM kb_memories m WHERE 1" + filterSql(request.filter, params) +
                      " ORDER BY m.created DESC, m.id DESC LIMIT " + std::to_string(depth);
    auto ids = queryIds(prepare, sql, params);
    if (!ids) return fail(ids.error());
    lexical = std::move(*ids);
  } else {
    // The vector arm scans memory only (no database): on a large index it
    // runs on a second thread while this one runs the lexical arm.
    std::optional<std::unordered_set<std::int64_t>> allowed;
    std::future<std::vector<VectorMatch>> vectorArm;
    if (wantVector) {
      if (!indexReady) {
        warnings.push_back("vector index unavailable: " + indexReady.error().message);
      } else if (index_) {
        if (!request.filter.empty()) {
          std::vector<Param> params;
          auto ids = queryIds(prepare, "SELECT m.id FROM kb_memories m WHERE 1" + filterSql(request.filter, params), params);
          if (!ids) return fail(ids.error());
          allowed.emplace(ids->begin(), ids->end());
        }
        bool concurrent = request.mode == SearchMode::Hybrid && index_->size() >= kConcurrentVectors;
        auto arm = [this, queryVector, depth, &allowed] {
          return index_->search(*queryVector, depth, allowed ? &*allowed : nullptr);
        };
        try {
          vectorArm = std::async(concurrent ? std::launch::async : std::launch::deferred, arm);
        } catch (const std::system_error&) {  // no thread available: run it here
          vectorArm = std::async(std::launch::deferred, arm);
        }
      }
    }
    if (request.mode != SearchMode::Vector) {
      auto plan = prunedTerms(prepare, termStats_, terms);
      if (!plan) return fail(plan.error());
      std::vector<Param> params{ftsMatchExpression(plan->terms)};
      char weights[160];
      std::snprintf(weights, sizeof weights, "bm25(kb_fts, %g, %g, %g, %g)", options_.titleWeight,
                    options_.bodyWeight, options_.tagsWeight, options_.serviceWeight);
      std::string sql;
      if (plan->largestDf > kScanCap && request.filter.empty()) {
        sql = std::string("SELECT id FROM (SELECT rowid AS id, ") + weights +
              " AS s FROM kb_fts WHERE kb_fts MATCH ? ORDER BY rowid DESC LIMIT " + std::to_string(kScanCap) +
              ") ORDER BY s, id LIMIT " + std::to_string(depth);
      } else if (request.filter.empty()) {
        // kb_fts holds exactly the live memories (same transaction): no join.
        sql = std::string("SELECT rowid FROM kb_fts WHERE kb_fts MATCH ? ORDER BY ") + weights + ", rowid LIMIT " +
              std::to_string(depth);
      } else {
        sql = std::string("SELECT m.id FROM kb_fts JOIN kb_memories m ON m.id = kb_fts.rowid ") +
              "WHERE kb_fts MATCH ?" + filterSql(request.filter, params) + " ORDER BY " + weights +
              ", m.id LIMIT " + std::to_string(depth);
      }
      auto ids = queryIds(prepare, sql, params);
      if (!ids) return fail(ids.error());
      lexical = std::move(*ids);
    }
    if (vectorArm.valid())
      for (const auto& m : vectorArm.get())
        if (m.similarity >= options_.minSimilarity) vector.push_back(m.id);
  }
  auto fused = fuse(lexical, vector, options_.rrfK);
  SearchPage page;
  page.candidates = fused.size();
  page.warnings = std::move(warnings);
  std::unordered_set<std::string> termSet(terms.begin(), terms.end());
  auto stmt = cachedStatement("SELECT kind, service, title, tags, created, body, cite FROM kb_memories WHERE id=?");
  if (!stmt) return fail(stmt.error());
  Stmt* q = *stmt;
  size_t used = 0, i = offset;
  for (; i < fused.size() && page.hits.size() < static_cast<size_t>(request.limit); ++i) {
    q->bind(1, fused[i].id);
    auto row = q->step();
    if (!row) return q->reset(), fail(row.error());
    if (!*row) {
      q->reset();
      continue;  // forgotten by another process since the arms ran
    }
    SearchHit h;
    h.id = fused[i].id;
    h.kind = q->text(0);
    h.service = q->text(1);
    h.title = q->text(2);
    for (std::string tags = q->text(3), t; auto c : tags + '\n')
      if (c == '\n') { if (!t.empty()) h.tags.push_back(t); t.clear(); } else t += c;
    h.created = q->int64(4);
    h.snippet = makeSnippet(q->text(5), termSet);
    h.cite = q->text(6);
    q->reset();
    h.score = fused[i].score;
    h.lexicalRank = fused[i].lexical;
    h.vectorRank = fused[i].vector;
    if (terms.empty()) h.lexicalRank.reset();  // a listing, not a match
    size_t cost = 160 + h.title.size() + h.snippet.size() + h.service.size() + h.cite.size();
    for (const auto& t : h.tags) cost += t.size() + 4;
    if (!page.hits.empty() && used + cost > request.maxChars) break;
    used += cost;
    page.hits.push_back(std::move(h));
  }
  bool more = i < fused.size() || (i == depth && (lexical.size() == depth || vector.size() == depth));
  if (more && i < kMaxDepth) page.nextCursor = std::to_string(i) + "." + fingerprint(request);
  return page;
}

Result<Stmt*> KnowledgeBase::cachedStatement(const std::string& sql) {
  if (auto it = statements_.find(sql); it != statements_.end()) return &it->second;
  // Filters and depths make the SQL vary; keep the cache small.
  if (statements_.size() >= 64) statements_.clear();
  auto s = db_.prepare(sql);
  if (!s) return fail(s.error());
  return &statements_.emplace(sql, std::move(*s)).first->second;
}

}  // namespace flywheel::kb
