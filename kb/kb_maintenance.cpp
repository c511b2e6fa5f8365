// KnowledgeBase: stats, listing, vector backfill and index persistence.
#include "kb/knowledge_base.h"

namespace flywheel::kb {

Result<KbStats> KnowledgeBase::stats() {
  std::lock_guard lock(dbMutex_);
  KbStats s;
  s.embedder = embedder_->id();
  s.databasePath = dbPath_.string();
  auto q = db_.prepare("SELECT kind, count(*) FROM kb_memories GROUP BY kind ORDER BY kind");
  if (!q) return fail(q.error());
  for (;;) {
    auto row = q->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    s.byKind.emplace_back(q->text(0), q->int64(1));
    s.memories += q->int64(1);
  }
  auto v = db_.prepare("SELECT count(*) FROM kb_vectors WHERE embedder=?");
  if (!v) return fail(v.error());
  v->bind(1, s.embedder);
  if (auto row = v->step(); !row) return fail(row.error());
  s.vectors = v->int64(0);
  if (auto r = ensureIndexLocked(); !r) return fail(r.error());
  s.dimension = index_ ? index_->dimension() : embedder_->dimension();
  size_t live = index_ ? index_->size() : 0;
  s.indexState = live == 0 ? "empty" : live < options_.index.exactThreshold ? "exact" : "hnsw";
  return s;
}

Result<std::vector<Memory>> KnowledgeBase::recent(size_t limit) {
  std::lock_guard lock(dbMutex_);
  auto q = db_.prepare("SELECT id, kind, service, title, created FROM kb_memories ORDER BY id DESC LIMIT ?");
  if (!q) return fail(q.error());
  q->bind(1, static_cast<std::int64_t>(limit));
  std::vector<Memory> out;
  for (;;) {
    auto row = q->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    Memory m;
    m.id = q->int64(0);
    m.kind = q->text(1);
    m.service = q->text(2);
    m.title = q->text(3);
    m.created = q->int64(4);
    out.push_back(std::move(m));
  }
  return out;
}

Result<size_t> KnowledgeBase::backfillVectors() {
  size_t done = 0, total = 0;
  const std::string embedderId = embedder_->id();
  {
    std::lock_guard lock(dbMutex_);
    auto q = db_.prepare(
        "SELECT count(*) FROM kb_memories m WHERE NOT EXISTS "
        "(SELECT 1 FROM kb_vectors v WHERE v.embedder=? AND v.memory_id=m.id)");
    if (!q) return fail(q.error());
    q->bind(1, embedderId);
    if (auto row = q->step(); !row) return fail(row.error());
    total = static_cast<size_t>(q->int64(0));
  }
  if (total == 0) return done;
  for (;;) {
    std::vector<std::int64_t> ids;
    std::vector<std::string> texts;
    {
      std::lock_guard lock(dbMutex_);
      auto q = db_.prepare(
          "SELECT id, kind, service, title, body, tags FROM kb_memories m WHERE NOT EXISTS "
          "(SELECT 1 FROM kb_vectors v WHERE v.embedder=? AND v.memory_id=m.id) ORDER BY id LIMIT 256");
      if (!q) return fail(q.error());
      q->bind(1, embedderId);
      for (;;) {
        auto row = q->step();
        if (!row) return fail(row.error());
        if (!*row) break;
        Memory m;
        m.service = q->text(2);
        m.title = q->text(3);
        m.body = q->text(4);
        std::string tags = q->text(5);
        for (size_t s = 0; s < tags.size();) {
          size_t nl = tags.find('\n', s);
          if (nl == std::string::npos) nl = tags.size();
          m.tags.push_back(tags.substr(s, nl - s));
          s = nl + 1;
        }
        ids.push_back(q->int64(0));
        texts.push_back(embeddingText(m));
      }
    }
    if (ids.empty()) return done;
    auto vecs = embedder_->embed(texts);
    if (!vecs) return fail(vecs.error());
    std::lock_guard lock(dbMutex_);
    auto tx = db_.transaction([&]() -> Result<void> {
      auto put = db_.prepare(
          "INSERT OR REPLACE INTO kb_vectors(embedder, memory_id, dim, vec) "
          "SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM kb_memories WHERE id=?2)");
      auto log = db_.prepare("INSERT INTO kb_vector_log(memory_id) VALUES(?)");
      if (!put) return fail(put.error());
      if (!log) return fail(log.error());
      for (size_t i = 0; i < ids.size(); ++i) {
        const auto& v = (*vecs)[i];
        put->bind(1, embedderId).bind(2, ids[i]).bind(3, static_cast<std::int64_t>(v.size()));
        put->bindBlob(4, v.data(), v.size() * sizeof(float));
        if (auto r = put->run(); !r) return r;
        put->reset();
        log->bind(1, ids[i]);
        if (auto r = log->run(); !r) return r;
        log->reset();
      }
      return {};
    });
    if (!tx) return fail(tx.error());
    done += ids.size();
    if (options_.embedProgress) options_.embedProgress(std::min(done, total), total);
  }
}

Result<void> KnowledgeBase::saveIndex() {
  std::lock_guard lock(dbMutex_);
  if (auto r = ensureIndexLocked(); !r) return r;
  if (!index_) return {};
  return index_->save();
}

Result<VectorIndex*> KnowledgeBase::vectorIndex() {
  std::lock_guard lock(dbMutex_);
  if (auto r = ensureIndexLocked(); !r) return fail(r.error());
  return index_.get();
}

}  // namespace flywheel::kb
