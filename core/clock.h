// Wall-clock time as the state files record it: seconds since the Unix
// epoch, with a fraction (repair-log timings, store rows, proposals).
#pragma once

#include <chrono>

namespace flywheel {

inline double wallNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace flywheel
