// The on-disk cache of the vector index: the `.meta` sidecar (embedder,
// dimension, log sequence, size, checksum) that says whether a saved hnswlib
// file may be loaded, and the checksum over the saved file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/error.h"

namespace flywheel::kb::detail {

/// FNV-1a over `n` bytes, continuing from `h`.
std::uint64_t hashBytes(std::uint64_t h, const char* p, size_t n);
/// Checksum of a whole file; `size` receives its length.
[[nodiscard]] Result<std::uint64_t> fileChecksum(const std::filesystem::path& path, std::uint64_t& size);

struct Meta {
  std::string embedder;
  int dim = 0;
  std::int64_t seq = 0;
  std::uint64_t bytes = 0;
  std::uint64_t checksum = 0;
};

std::string formatMeta(const Meta& m);
/// nullopt when the text is not a complete meta file.
std::optional<Meta> parseMeta(const std::string& text);
inline std::filesystem::path metaPathOf(const std::filesystem::path& p) {
  return std::filesystem::path(p.string() + ".meta");
}

}  // namespace flywheel::kb::detail
