#!/usr/bin/env bash
# Configures and builds flywheel (and its tests) into build/, with ccache.
set -euo pipefail
cd "$(dirname "$0")/.."
# Let ccache share hits between checkouts in different folders (CI clones anew).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
fi
cmake --build build -j"${FLYWHEEL_JOBS:-2}" "$@" >&2
