// Recall of the vector arm's HNSW graph against exact search, for
// bench_kb_scale. Two recall@10 figures are printed side by side, never one
// alone:
//
// - strict: |approximate top-10 ∩ exact top-10| / 10, by memory id;
// - tie-aware (ann-benchmarks' "k-nn" recall): an approximate hit counts when
//   its cosine distance is within 1e-3 of the exact 10th neighbour's, so a
//   hit that ties the 10th (one of several memories equally close) is not a
//   miss.
//
// It also measures how tied the exact neighbourhoods are (how many memories
// lie within 1e-3 of the 10th) and how the vectors look (non-zero buckets,
// near-duplicates, nearest-neighbour similarity of memories vs of queries),
// which is what decides how hard the data is for a graph.
#pragma once

#include <string>
#include <vector>

#include "kb/knowledge_base.h"

namespace flywheel::kb::bench {

struct RecallSetup {
  std::vector<int> efs;     // beam widths to sweep (HNSW ef)
  size_t queries = 200;     // queries used for recall
  int m = 16, efConstruction = 200;
  bool graph = false;       // false: there is no graph (exact scan below the threshold)
  size_t n = 0;             // memories
};

/// Prints the recall table and RESULT lines. `sampleDocs` are vectors of a
/// few stored memories (for the data-shape statistics). Leaves the index's
/// ef at the last swept value restored to `restoreEf`.
void reportRecall(KnowledgeBase& kb, VectorIndex& index, const std::vector<std::string>& queries,
                  const std::vector<std::vector<float>>& sampleDocs, const RecallSetup& setup, int restoreEf);

}  // namespace flywheel::kb::bench
