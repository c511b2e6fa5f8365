#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test: the Catch2
# suites, the real-cargo integration tests and the end-to-end tests with the
# official MCP client and conformance suite, and a short run of every fuzz
# target (all registered with CTest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
# The fuzz targets (clang, ASan + UBSan) for the short fuzz_* runs in ctest,
# at -O0: half the compile time of -O1, which long runs (fuzz/run.sh) use.
FLYWHEEL_FUZZ_OPT=-O0 fuzz/run.sh --build
cd build
# The tests run real cargo on small universes many times over; without debug
# information each of those builds takes about 30% less time (the shop's
# `cargo test --workspace` from clean: 8.1 s with it, 5.7 s without). What
# the tests check does not depend on it.
export CARGO_PROFILE_DEV_DEBUG=${CARGO_PROFILE_DEV_DEBUG:-0} CARGO_PROFILE_TEST_DEBUG=${CARGO_PROFILE_TEST_DEBUG:-0}
# A test that fails is run once more before it counts as failed, so that one
# scheduling hiccup on a loaded 2-core machine does not hide the result of
# the rest; a real failure fails twice. ctest prints every retry.
ctest --output-on-failure -j"${FLYWHEEL_TEST_JOBS:-2}" --timeout 1200 --repeat until-pass:2
