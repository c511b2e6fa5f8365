// What the limit tests of both transports send (test_stdio_limits.cpp,
// test_http_limits.cpp).
#pragma once

#include <string>

namespace flywheel::test {

/// `depth` nested empty JSON arrays: "[[[...]]]".
inline std::string nestedArrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace flywheel::test
