// Crash-safe file writes.
//
// `writeFileAtomic` writes to a temporary file beside the target, fsyncs it,
// renames it over the target and fsyncs the directory, so that a crash at any
// instant leaves either the old or the new content, never a torn file.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.h"

namespace flywheel {

/// Replaces `path` with `content` atomically. Creates parent directories.
/// Thread-safe for distinct paths; concurrent writers of one path: last wins.
[[nodiscard]] Result<void> writeFileAtomic(const std::filesystem::path& path, std::string_view content);

/// Reads a whole file. Error "not_found" when it does not exist.
[[nodiscard]] Result<std::string> readFile(const std::filesystem::path& path);

/// Appends one line (a '\n' is added) with O_APPEND and fsync, so concurrent
/// appenders from several processes never interleave within a line.
[[nodiscard]] Result<void> appendLineDurable(const std::filesystem::path& path, std::string_view line);

}  // namespace flywheel
