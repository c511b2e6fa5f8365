#!/usr/bin/env bash
# Builds and runs flywheel's libFuzzer targets (clang 16, ASan + UBSan).
#
#   fuzz/run.sh --build                 configure and build build-fuzz/
#   fuzz/run.sh --run TARGET SECONDS    fuzz one target for SECONDS (builds nothing)
#   fuzz/run.sh [SECONDS]               build, then fuzz every target (default 600 s each)
#
# TARGET is jsonrpc_stdio, http_request, tool_args or intent_reader. Each run
# starts from the seeds in fuzz/corpus/TARGET (tool_args: every tool schema's
# examples) and keeps what it finds in build-fuzz/corpus/TARGET; a crash,
# hang, leak or sanitizer report leaves a crash-* file there and exits non-zero.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${FLYWHEEL_FUZZ_DIR:-$src/build-fuzz}
targets=(jsonrpc_stdio http_request tool_args intent_reader)

build() {
  if ! command -v clang++-16 >/dev/null; then
    echo "fuzz: clang++-16 is missing; scripts/setup.sh installs it (apt-get install clang-16 libclang-rt-16-dev)" >&2
    exit 2
  fi
  export CCACHE_BASEDIR="$src" CCACHE_NOHASHDIR=true
  # -O1 finds more per second in a long run; scripts/test.sh builds with -O0
  # (FLYWHEEL_FUZZ_OPT), which compiles in half the time, for its 10-second
  # smoke runs. Changing it reconfigures build-fuzz/.
  local opt=${FLYWHEEL_FUZZ_OPT:--O1}
  if [ ! -f "$out/build.ninja" ] || ! grep -qx -- "CMAKE_CXX_FLAGS_RELWITHDEBINFO:STRING=$opt" "$out/CMakeCache.txt"; then
    CC=clang-16 CXX=clang++-16 cmake -S "$src" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      "-DCMAKE_C_FLAGS_RELWITHDEBINFO=$opt" "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$opt" \
      -DFLYWHEEL_FUZZ=ON -DFLYWHEEL_TESTS=OFF -DFLYWHEEL_BENCH=OFF >&2
  fi
  cmake --build "$out" -j"${FLYWHEEL_JOBS:-2}" --target fuzz_all >&2
}

seed() {  # $1 = target; fills build-fuzz/corpus/TARGET from the committed seeds
  local dir=$out/corpus/$1
  mkdir -p "$dir"
  if [ "$1" = tool_args ]; then
    python3 - "$src/schemas/tools" "$dir" <<'PY'
import json, os, sys
schemas, dest = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(schemas)):
    doc = json.load(open(os.path.join(schemas, name)))
    for i, example in enumerate(doc.get("examples", [])):
        params = {"name": doc["name"], "arguments": example.get("arguments", {})}
        with open(os.path.join(dest, f"{doc['name']}_{i}"), "w") as f:
            json.dump(params, f)
PY
  else
    cp -n "$src/fuzz/corpus/$1/"* "$dir/" 2>/dev/null || true
  fi
}

run() {  # $1 = target, $2 = seconds
  local bin=$out/fuzz/fuzz_$1
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin is not built; run fuzz/run.sh --build first (scripts/test.sh does)" >&2
    exit 2
  fi
  seed "$1"
  local findings=$out/findings/$1 log=$out/findings/$1.log
  rm -rf "$findings"; mkdir -p "$findings"
  # Fixed seed: a CI retry walks the same path, so a finding fails twice.
  local status=0
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$bin" -seed=1 -max_total_time="$2" -timeout=30 -rss_limit_mb=4096 -max_len=1048576 \
    -print_final_stats=1 -artifact_prefix="$findings/" "$out/corpus/$1" >"$log" 2>&1 || status=$?
  # The log's head (set-up), any report, and the final statistics.
  grep -v '^#[0-9]\|^INFO: \|^MS: \|^Base64\|^0x\|^"\|^###### \|^stat::\|NEW_FUNC\|^\[20[0-9-]* [0-9:.]*\] \[info\]' "$log" | tail -n 60 >&2 || true
  if [ "$status" != 0 ] || ls "$findings"/* >/dev/null 2>&1; then
    echo "fuzz: $1 FAILED (exit $status): an input crashes, hangs or trips a sanitizer; see $log and $findings" >&2
    exit 1
  fi
  echo "fuzz: $1 ok: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') inputs in $2 s, no crash" >&2
}

case "${1:-}" in
  --build) build ;;
  --run) run "$2" "$3" ;;
  *)
    build
    for t in "${targets[@]}"; do (run "$t" "${1:-600}"); done
    ;;
esac
