#!/usr/bin/env bash
# Universe benchmarks, flywheel beside its peer (`cargo tree -i`).
#
#   bench/universe/run.sh [BUILD_DIR]   (default build-bench, configured Release if new; -j2)
#
# 1. A generated universe of 10,000 services / 100,000 symbols: load time,
#    graph build time, warm blast_radius and blast_radius + cascade_plan for
#    a change in the service closest to 1,000 transitive dependents; the
#    Tree-sitter scan of their 10,000 custom.rs files (observed edges), cold
#    and warm from the per-file cache (also on examples/shop).
# 2. The same generator at 500 services, written as a cargo workspace of 500
#    crates: `cargo tree -i CRATE --workspace` against flywheel's answer for
#    the same crate (in process warm, over the CLI, and over MCP stdio warm),
#    with the affected sets compared line by line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build-bench}
work=$(mktemp -d /tmp/flywheel-bench-universe.XXXXXX)
trap 'rm -rf "$work"' EXIT

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j2 --target bench_universe flywheel >/dev/null
bench=$build/bench/universe/bench_universe
flywheel=$build/cli/flywheel

echo "== code scan (observed edges) on examples/shop"
"$bench" scan "$src/examples/shop" | sed 's/^/  /'

echo "== generated universe: 10,000 services"
"$bench" generate "$work/u10k" 10000 100 4 >/dev/null
"$bench" run "$work/u10k" | sed 's/^/  /'

echo "== 500-crate cargo workspace vs cargo tree -i"
"$bench" generate "$work/ws" 500 25 3 --cargo >/dev/null
(cd "$work/ws" && cargo generate-lockfile --offline >/dev/null 2>&1)
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now_ms() { date +%s.%N; }
for crate in s0x10 s2x5 s10x7; do
  cargo_ms=$(for i in 1 2 3 4 5; do
    t0=$(now_ms); (cd "$work/ws" && cargo tree -i "$crate" --workspace --prefix none --offline -e normal >/dev/null 2>&1)
    echo "($(now_ms) - $t0) * 1000" | bc -l; done | median)
  (cd "$work/ws" && cargo tree -i "$crate" --workspace --prefix none --offline -e normal 2>/dev/null) |
    sed 's/ v0.1.0.*//' | sort -u >"$work/cargo.txt"
  "$bench" affected "$work/ws" "$crate" >"$work/flywheel.txt" 2>"$work/warm.txt"
  warm_us=$(sed 's/.*=//' "$work/warm.txt")
  cli_ms=$(for i in 1 2 3 4 5; do
    t0=$(now_ms); "$flywheel" --universe "$work/ws" blast-radius "$crate" --limit 1 >/dev/null
    echo "($(now_ms) - $t0) * 1000" | bc -l; done | median)
  mcp_us=$(python3 "$here/mcp_client.py" "$flywheel" "$work/ws" "$crate" 2>/dev/null || echo "n/a")
  same=$(cmp -s "$work/cargo.txt" "$work/flywheel.txt" && echo identical || echo DIFFERENT)
  printf '  %-7s affected=%-4s cargo_tree_ms=%-7.1f flywheel_warm_us=%-7s flywheel_mcp_warm_us=%-8s flywheel_cli_cold_ms=%-7.1f sets=%s speedup_warm=%sx\n' \
    "$crate" "$(wc -l <"$work/cargo.txt")" "$cargo_ms" "$warm_us" "$mcp_us" "$cli_ms" "$same" \
    "$(echo "$cargo_ms * 1000 / ($mcp_us + 0.001)" | bc 2>/dev/null || echo '?')"
done
