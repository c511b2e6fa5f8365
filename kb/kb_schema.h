// The knowledge base's SQLite schema, migrated under module "kb" in the
// shared `<stateDir>/kb.sqlite` (core/sqlite_db.h). Versions only grow;
// never edit a released step, add a new one.
//
//   kb_memories    one row per memory; source_key UNIQUE is the dedupe key
//   kb_tags        (tag, memory_id) for tag filters
//   kb_fts         FTS5 over identifier-aware terms (text_terms.h); rowid = memory id
//   kb_vectors     (embedder, memory_id) -> dim, float32 blob
//   kb_vector_log  every vector change, in order; vector indexes replay its tail
//   kb_fts_vocab   fts5vocab over kb_fts (document frequency per term)
#pragma once

#include <vector>

#include "core/sqlite_db.h"

namespace flywheel::kb {

const std::vector<Migration>& kbMigrations();

}  // namespace flywheel::kb
