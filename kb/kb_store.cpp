// KnowledgeBase: opening, writes, reads, deletes, stats (search is in kb_search.cpp).
#include <cstring>
#include <iostream>

#include "kb/kb_schema.h"
#include "kb/knowledge_base.h"
#include "kb/memory_rules.h"
#include "kb/text_terms.h"

namespace flywheel::kb {
namespace fs = std::filesystem;

struct KnowledgeBase::Prepared {
  Memory memory;
  std::vector<float> vector;  // empty: not embedded
};

namespace {

std::string joinTags(const std::vector<std::string>& tags) {
  std::string s;
  for (const auto& t : tags) {
    if (!s.empty()) s += '\n';
    s += t;
  }
  return s;
}

std::vector<std::string> splitTags(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) nl = s.size();
    if (nl > start) out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// The statements one write batch needs, prepared once per batch.
struct WriteStatements {
  Stmt find, insert, update, ftsDelete, ftsInsert, tagsDelete, tagInsert, vecPut, vecHas, logAdd;
  static Result<WriteStatements> prepare(Db& db) {
    WriteStatements w;
    std::pair<Stmt*, const char*> all[] = {
        {&w.find, "SELECT id, kind, service, title, body, tags, cite FROM kb_memories WHERE source_key=?"},
        {&w.insert,
         "INSERT INTO kb_memories(kind, service, title, body, tags, source_key, created, updated, cite) "
         "VALUES(?,?,?,?,?,?,?,?,?)"},
        {&w.update,
         "UPDATE kb_memories SET kind=?, service=?, title=?, body=?, tags=?, updated=?, cite=? WHERE id=?"},
        {&w.ftsDelete, "DELETE FROM kb_fts WHERE rowid=?"},
        {&w.ftsInsert, "INSERT INTO kb_fts(rowid, title, body, tags, service) VALUES(?,?,?,?,?)"},
        {&w.tagsDelete, "DELETE FROM kb_tags WHERE memory_id=?"},
        {&w.tagInsert, "INSERT OR IGNORE INTO kb_tags(tag, memory_id) VALUES(?,?)"},
        {&w.vecPut, "INSERT OR REPLACE INTO kb_vectors(embedder, memory_id, dim, vec) VALUES(?,?,?,?)"},
        {&w.vecHas, "SELECT 1 FROM kb_vectors WHERE embedder=? AND memory_id=?"},
        {&w.logAdd, "INSERT INTO kb_vector_log(memory_id) VALUES(?)"},
    };
    for (auto& [stmt, sql] : all) {
      auto s = db.prepare(sql);
      if (!s) return fail(s.error());
      *stmt = std::move(*s);
    }
    return w;
  }
};

Result<void> runReset(Stmt& s) {
  auto r = s.run();
  s.reset();
  return r;
}

Result<void> writeIndexRows(WriteStatements& w, const Memory& m, std::int64_t id) {
  w.ftsDelete.bind(1, id);
  if (auto r = runReset(w.ftsDelete); !r) return r;
  w.ftsInsert.bind(1, id).bind(2, indexTerms(m.title)).bind(3, indexTerms(m.body));
  w.ftsInsert.bind(4, indexTerms(joinTags(m.tags))).bind(5, indexTerms(m.service));
  if (auto r = runReset(w.ftsInsert); !r) return r;
  w.tagsDelete.bind(1, id);
  if (auto r = runReset(w.tagsDelete); !r) return r;
  for (const auto& t : m.tags) {
    w.tagInsert.bind(1, t).bind(2, id);
    if (auto r = runReset(w.tagInsert); !r) return r;
  }
  return {};
}

Result<void> writeVector(WriteStatements& w, const std::string& embedder, std::int64_t id,
                         const std::vector<float>& v) {
  w.vecPut.bind(1, embedder).bind(2, id).bind(3, static_cast<std::int64_t>(v.size()));
  w.vecPut.bindBlob(4, v.data(), v.size() * sizeof(float));
  if (auto r = runReset(w.vecPut); !r) return r;
  w.logAdd.bind(1, id);
  return runReset(w.logAdd);
}

}  // namespace

std::string embeddingText(const Memory& m) {
  std::string s = m.title;
  s += "\n";
  s += m.service;
  for (const auto& t : m.tags) s += " " + t;
  s += "\n";
  s += m.body;
  return s;
}

KnowledgeBase::KnowledgeBase(Db db, fs::path stateDir, KbOptions options, std::unique_ptr<Embedder> embedder)
    : db_(std::move(db)), stateDir_(std::move(stateDir)), options_(std::move(options)), embedder_(std::move(embedder)) {
  dbPath_ = stateDir_ / "kb.sqlite";
}

KnowledgeBase::~KnowledgeBase() = default;

Result<std::unique_ptr<KnowledgeBase>> KnowledgeBase::open(const fs::path& stateDir, KbOptions options) {
  auto e = makeEmbedder(options.embedder);
  if (!e) return fail(e.error());
  return open(stateDir, std::move(options), std::move(*e));
}

Result<std::unique_ptr<KnowledgeBase>> KnowledgeBase::open(const fs::path& stateDir, KbOptions options,
                                                           std::unique_ptr<Embedder> embedder) {
  // Re-embedding a large knowledge base (the embedder changed) takes a while:
  // say what is happening unless the caller watches progress itself.
  if (!options.embedProgress)
    options.embedProgress = [id = embedder->id(), last = size_t{0}](size_t done, size_t total) mutable {
      if (total < 256 || (done < total && done - last < 1024 && last != 0)) return;
      last = done;
      std::cerr << "flywheel: embedding memories for " << id << ": " << done << "/" << total << "\n";
    };
  auto db = Db::open(stateDir / "kb.sqlite");
  if (!db) return fail(db.error());
  if (auto r = db->migrate("kb", kbMigrations()); !r) return fail(r.error());
  // Searches read many FTS pages: map the file instead of copying each page
  // through read(2), and keep a larger page cache (this connection only).
  (void)db->exec("PRAGMA mmap_size=1073741824; PRAGMA cache_size=-65536;");
  std::unique_ptr<KnowledgeBase> kb(
      new KnowledgeBase(std::move(*db), stateDir, std::move(options), std::move(embedder)));
  // A remote embedder that is down must not stop the knowledge base from
  // opening: lexical search still works and vectors are backfilled later.
  (void)kb->backfillVectors();
  return kb;
}

Result<void> KnowledgeBase::ensureIndexLocked() {
  if (!index_) {
    int dim = embedder_->dimension();
    if (dim <= 0) {
      auto q = db_.prepare("SELECT dim FROM kb_vectors WHERE embedder=? LIMIT 1");
      if (!q) return fail(q.error());
      q->bind(1, embedder_->id());
      auto row = q->step();
      if (!row) return fail(row.error());
      if (!*row) return {};  // nothing embedded yet: no index
      dim = static_cast<int>(q->int64(0));
    }
    index_ = std::make_unique<VectorIndex>(vectorCachePath(stateDir_, embedder_->id()), embedder_->id(), dim,
                                           options_.index);
  }
  return index_->sync(db_);
}

Result<RememberResult> KnowledgeBase::remember(const MemoryDraft& draft) {
  auto r = rememberMany({draft});
  if (!r) return fail(r.error());
  return r->front();
}

Result<std::vector<RememberResult>> KnowledgeBase::rememberMany(const std::vector<MemoryDraft>& drafts) {
  std::vector<Prepared> items;
  items.reserve(drafts.size());
  std::int64_t now = nowSeconds();
  std::vector<std::string> texts;
  for (size_t i = 0; i < drafts.size(); ++i) {
    auto m = normalizeDraft(drafts[i], now);
    if (!m) {
      if (drafts.size() > 1) m.error().message = "memory " + std::to_string(i + 1) + ": " + m.error().message;
      return fail(m.error());
    }
    items.push_back({std::move(*m), {}});
  }
  // A re-import mostly finds what it stored before: embed only the rest.
  std::vector<bool> unchanged;
  {
    std::lock_guard lock(dbMutex_);
    auto u = unchangedLocked(items);
    if (!u) return fail(u.error());
    unchanged = std::move(*u);
  }
  std::vector<size_t> toEmbed;
  for (size_t i = 0; i < items.size(); ++i)
    if (!unchanged[i]) {
      toEmbed.push_back(i);
      texts.push_back(embeddingText(items[i].memory));
    }
  // Embed outside the database lock: a remote embedder may take a while.
  if (!texts.empty())
    if (auto vecs = embedder_->embed(texts); vecs && vecs->size() == toEmbed.size())
      for (size_t k = 0; k < toEmbed.size(); ++k) items[toEmbed[k]].vector = std::move((*vecs)[k]);
  std::lock_guard lock(dbMutex_);
  return writeLocked(items);
}

Result<std::vector<RememberResult>> KnowledgeBase::writeLocked(const std::vector<Prepared>& items) {
  std::vector<RememberResult> results;
  const std::string embedderId = embedder_->id();
  termStats_ = {};
  auto tx = db_.transaction([&]() -> Result<void> {
    auto w = WriteStatements::prepare(db_);
    if (!w) return fail(w.error());
    for (const auto& item : items) {
      const Memory& m = item.memory;
      RememberResult res;
      res.vectorStored = !item.vector.empty();
      w->find.bind(1, m.sourceKey);
      auto row = w->find.step();
      if (!row) return fail(row.error());
      std::string tags = joinTags(m.tags);
      bool exists = *row;
      bool same = exists && w->find.text(1) == m.kind && w->find.text(2) == m.service &&
                  w->find.text(3) == m.title && w->find.text(4) == m.body && w->find.text(5) == tags &&
                  w->find.text(6) == m.cite;
      res.id = exists ? w->find.int64(0) : 0;
      w->find.reset();
      if (same) {
        res.outcome = WriteOutcome::Unchanged;
        w->vecHas.bind(1, embedderId).bind(2, res.id);
        auto has = w->vecHas.step();
        if (!has) return fail(has.error());
        bool hasVector = *has;
        w->vecHas.reset();
        res.vectorStored = hasVector || !item.vector.empty();
        if (!hasVector && !item.vector.empty())
          if (auto r = writeVector(*w, embedderId, res.id, item.vector); !r) return r;
        results.push_back(res);
        continue;
      }
      if (exists) {
        w->update.bind(1, m.kind).bind(2, m.service).bind(3, m.title).bind(4, m.body).bind(5, tags);
        w->update.bind(6, m.updated).bind(7, m.cite).bind(8, res.id);
        if (auto r = runReset(w->update); !r) return r;
        res.outcome = WriteOutcome::Updated;
      } else {
        w->insert.bind(1, m.kind).bind(2, m.service).bind(3, m.title).bind(4, m.body).bind(5, tags);
        w->insert.bind(6, m.sourceKey).bind(7, m.created).bind(8, m.updated).bind(9, m.cite);
        if (auto r = runReset(w->insert); !r) return r;
        res.id = db_.lastInsertId();
        res.outcome = WriteOutcome::Created;
      }
      if (auto r = writeIndexRows(*w, m, res.id); !r) return r;
      if (!item.vector.empty())
        if (auto r = writeVector(*w, embedderId, res.id, item.vector); !r) return r;
      results.push_back(res);
    }
    return {};
  });
  if (!tx) return fail(tx.error());
  return results;
}

Result<std::vector<bool>> KnowledgeBase::unchangedLocked(const std::vector<Prepared>& items) {
  std::vector<bool> out(items.size(), false);
  auto find = cachedStatement(
      "SELECT m.kind, m.service, m.title, m.body, m.tags, m.cite, "
      "EXISTS(SELECT 1 FROM kb_vectors v WHERE v.embedder=?2 AND v.memory_id=m.id) "
      "FROM kb_memories m WHERE m.source_key=?1");
  if (!find) return fail(find.error());
  Stmt* q = *find;
  const std::string embedderId = embedder_->id();
  for (size_t i = 0; i < items.size(); ++i) {
    const Memory& m = items[i].memory;
    q->bind(1, m.sourceKey).bind(2, embedderId);
    auto row = q->step();
    if (!row) return q->reset(), fail(row.error());
    out[i] = *row && q->text(0) == m.kind && q->text(1) == m.service && q->text(2) == m.title &&
             q->text(3) == m.body && q->text(4) == joinTags(m.tags) && q->text(5) == m.cite && q->int64(6) == 1;
    q->reset();
  }
  return out;
}

Result<std::vector<std::pair<std::int64_t, std::string>>> KnowledgeBase::sources(std::string_view prefix) {
  std::lock_guard lock(dbMutex_);
  auto q = db_.prepare("SELECT id, source_key FROM kb_memories WHERE substr(source_key, 1, ?2) = ?1 ORDER BY source_key");
  if (!q) return fail(q.error());
  q->bind(1, std::string(prefix)).bind(2, static_cast<std::int64_t>(prefix.size()));
  std::vector<std::pair<std::int64_t, std::string>> out;
  for (;;) {
    auto row = q->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out.emplace_back(q->int64(0), q->text(1));
  }
  return out;
}

Result<Memory> KnowledgeBase::get(std::int64_t id) {
  std::lock_guard lock(dbMutex_);
  auto q = db_.prepare(
      "SELECT id, kind, service, title, body, tags, created, updated, source_key, cite FROM kb_memories WHERE id=?");
  if (!q) return fail(q.error());
  q->bind(1, id);
  auto row = q->step();
  if (!row) return fail(row.error());
  if (!*row)
    return fail(Error::notFound("no memory with id " + std::to_string(id) +
                                " (never stored or forgotten); find ids with kb_search"));
  Memory m;
  m.id = q->int64(0);
  m.kind = q->text(1);
  m.service = q->text(2);
  m.title = q->text(3);
  m.body = q->text(4);
  m.tags = splitTags(q->text(5));
  m.created = q->int64(6);
  m.updated = q->int64(7);
  m.sourceKey = q->text(8);
  m.cite = q->text(9);
  return m;
}

Result<void> KnowledgeBase::forget(std::int64_t id) {
  std::lock_guard lock(dbMutex_);
  termStats_ = {};
  bool found = false;
  auto tx = db_.transaction([&]() -> Result<void> {
    auto del = db_.prepare("DELETE FROM kb_memories WHERE id=?");
    if (!del) return fail(del.error());
    del->bind(1, id);
    if (auto r = del->run(); !r) return r;
    found = db_.changes() > 0;
    if (!found) return {};
    for (const char* sql : {"DELETE FROM kb_fts WHERE rowid=?", "DELETE FROM kb_tags WHERE memory_id=?",
                            "DELETE FROM kb_vectors WHERE memory_id=?", "INSERT INTO kb_vector_log(memory_id) VALUES(?)"}) {
      auto s = db_.prepare(sql);
      if (!s) return fail(s.error());
      s->bind(1, id);
      if (auto r = s->run(); !r) return r;
    }
    return {};
  });
  if (!tx) return tx;
  if (!found) return fail(Error::notFound("no memory with id " + std::to_string(id) + " to forget (already forgotten?)"));
  return {};
}

}  // namespace flywheel::kb
