#!/usr/bin/env bash
# Knowledge-base benchmarks: retrieval quality on the labelled set, scale
# (100,000 memories), and kb_search over MCP side by side with the official
# server-memory at 10,000 records. Not part of ctest.
#
#   bench/kb/run.sh [build dir]        (default: build)
#   KB_BENCH_N=100000 KB_PEER_N=10000  sizes
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build}"
n="${KB_BENCH_N:-100000}"
peer_n="${KB_PEER_N:-10000}"
node="$root/.deps/npm/node_modules/.bin/node"
[ -x "$node" ] || node="$(command -v node)"

cmake --build "$build" -j2 --target bench_kb_eval bench_kb_scale flywheel >/dev/null

echo "== retrieval quality (bench/kb/data, BEIR layout) =="
"$build/bench/kb/bench_kb_eval" "$here/data"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo
echo "== scale: $n memories =="
mkdir -p "$work/big"
"$build/bench/kb/bench_kb_scale" --n "$n" --dir "$work/big/universe" --keep --export "$work/big"
echo "-- kb_search over MCP stdio at $n memories"
"$node" "$here/mcp_bench.mjs" --flywheel "$build/cli/flywheel" --universe "$work/big/universe" \
  --records "$work/big/records.tsv" --queries "$work/big/queries.txt"
rm -rf "$work/big"

echo
echo "== MCP stdio: flywheel kb_search vs server-memory search_nodes at $peer_n records =="
"$build/bench/kb/bench_kb_scale" --n "$peer_n" --queries 200 --dir "$work/universe" --keep --export "$work" >/dev/null
"$node" "$here/mcp_bench.mjs" --flywheel "$build/cli/flywheel" --universe "$work/universe" \
  --records "$work/records.tsv" --queries "$work/queries.txt" --peer
