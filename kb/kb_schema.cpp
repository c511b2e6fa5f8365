#include "kb/kb_schema.h"

namespace flywheel::kb {

const std::vector<Migration>& kbMigrations() {
  static const std::vector<Migration> kSteps = {
      {1, R"sql(
CREATE TABLE kb_memories(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  service TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  tags TEXT NOT NULL,
  source_key TEXT NOT NULL UNIQUE,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL);
CREATE INDEX kb_memories_kind ON kb_memories(kind, created);
CREATE INDEX kb_memories_service ON kb_memories(service, created);
CREATE INDEX kb_memories_created ON kb_memories(created);
CREATE TABLE kb_tags(
  tag TEXT NOT NULL,
  memory_id INTEGER NOT NULL REFERENCES kb_memories(id) ON DELETE CASCADE,
  PRIMARY KEY(tag, memory_id)) WITHOUT ROWID;
CREATE INDEX kb_tags_memory ON kb_tags(memory_id);
CREATE VIRTUAL TABLE kb_fts USING fts5(title, body, tags, service, tokenize = 'unicode61 remove_diacritics 2');
CREATE TABLE kb_vectors(
  embedder TEXT NOT NULL,
  memory_id INTEGER NOT NULL REFERENCES kb_memories(id) ON DELETE CASCADE,
  dim INTEGER NOT NULL,
  vec BLOB NOT NULL,
  PRIMARY KEY(embedder, memory_id)) WITHOUT ROWID;
CREATE INDEX kb_vectors_memory ON kb_vectors(memory_id);
CREATE TABLE kb_vector_log(seq INTEGER PRIMARY KEY AUTOINCREMENT, memory_id INTEGER NOT NULL);
)sql"},
      // Document frequencies of terms, to leave near-universal terms out of
      // large lexical searches (see prunedTerms in kb_search.cpp).
      {2, "CREATE VIRTUAL TABLE kb_fts_vocab USING fts5vocab(kb_fts, 'row');"},
      // Where each fact came from (intent file and line, repair record and
      // commit, who remembered it), so answers can cite their source.
      {3, "ALTER TABLE kb_memories ADD COLUMN cite TEXT NOT NULL DEFAULT '';"},
  };
  return kSteps;
}

}  // namespace flywheel::kb
