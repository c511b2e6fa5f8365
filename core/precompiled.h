// The headers most of flywheel's translation units parse: the standard
// library's common ones, nlohmann/json and spdlog (with fmt). The build
// compiles this file once (cmake/build_speed.cmake) and hands the result to
// every C++ target; no source file includes it. A header is listed here when
// many units use it: one that only a few use costs every unit a larger
// precompiled header to load.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <expected>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
