#!/usr/bin/env bash
# Builds the intent reader's libFuzzer target with clang (ASan + UBSan) and
# runs it for a bounded time on the seed corpus; exits non-zero on a crash.
#
#   tests/universe/fuzz.sh [SECONDS] [OUT_DIR]     (defaults: 60, build-fuzz)
#
# Only the reader, macro expander and IR builders are compiled: clang 14
# cannot instantiate libstdc++ 12's std::expected (the loader's Result), and
# hides <expected> behind __cpp_concepts, which the -D below re-enables for
# the declarations that mention it.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
out=${2:-$src/build-fuzz}
mkdir -p "$out/corpus"
cp -n "$src"/tests/universe/fuzz_corpus/* "$out/corpus/" 2>/dev/null || true
clang++ -std=c++2b -U__cpp_concepts -D__cpp_concepts=202002L -O1 -g \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$src" "$src"/tests/universe/fuzz_reader.cpp \
  $(for f in sexp_reader sexp_print macros intent_file intent_builder pattern_builder settings_builder \
             form_reader suggest ir; do echo "$src/universe/$f.cpp"; done) \
  -o "$out/fuzz_reader"
"$out/fuzz_reader" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -timeout=10 "$out/corpus"
