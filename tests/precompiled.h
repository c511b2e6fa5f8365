// The library's precompiled headers plus Catch2, compiled once for every test
// executable (cmake/build_speed.cmake); no source file includes it.
#pragma once

#include "core/precompiled.h"

#include <catch2/catch.hpp>
