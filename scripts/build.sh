#!/usr/bin/env bash
# Configures and builds flywheel (and its tests) into build/, with ccache.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
fi
cmake --build build -j"${FLYWHEEL_JOBS:-2}" "$@" >&2
