// Catch2's implementation and the main every test executable shares, compiled
// once (the precompiled header cannot carry Catch2's configuration macros).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "test_main.h"

// The default: every test runs. A test executable that needs something it may
// not find (tests/kb/use_lite_test.cpp) defines its own.
__attribute__((weak)) int flywheelTestPreflight() { return 0; }

int main(int argc, char** argv) {
  if (int code = flywheelTestPreflight()) return code;
  return Catch::Session().run(argc, argv);
}
