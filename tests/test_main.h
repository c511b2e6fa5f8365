#pragma once

// Called by the shared test main (tests/test_main.cpp) before any test runs.
// A test executable may define it to skip itself: a non-zero result is the
// exit code, and 77 is what CTest's SKIP_RETURN_CODE reports as skipped.
int flywheelTestPreflight();
