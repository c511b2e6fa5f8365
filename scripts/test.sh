#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test: the Catch2
# suites, the real-cargo integration tests and the end-to-end tests with the
# official MCP client and conformance suite (all registered with CTest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
cd build
ctest --output-on-failure -j"${FLYWHEEL_TEST_JOBS:-2}" --timeout 1200
