// Internal to kb/board: the shared SQL pieces (column list, row reader,
// lookups) the board's .cpp files use. Not part of the public API.
#pragma once

#include <string>

#include "core/sqlite_db.h"
#include "kb/board/board_types.h"

namespace flywheel::board::detail {

/// Columns read by readTask, in order; prefix with a table alias if needed.
inline constexpr const char* kTaskColumns =
    "seq, title, body, status, priority, service, epoch, wave, assignee, slot, lease_expires_ms, "
    "pending_blockers, note, created_ms, updated_ms";

/// Reads a row selected with kTaskColumns starting at column 0.
Task readTask(const Stmt& s);

/// Loads one task by sequence number. Errors: not_found naming `id`.
[[nodiscard]] Result<Task> loadTask(Db& db, std::int64_t seq);

/// Checks a free-text field's size; errors name the field and the limit.
[[nodiscard]] Result<void> checkText(std::string_view what, const std::string& value, size_t max, bool required);

/// Shortens text for error messages and labels.
std::string clip(std::string_view s, size_t max);

/// Lowers the unfinished-blocker count of every task `seq` blocks by `delta`
/// (delta -1 when `seq` becomes done, +1 when it stops being done).
[[nodiscard]] Result<void> adjustDependents(Db& db, std::int64_t seq, int delta, std::int64_t now);

/// Adds edges inside the caller's transaction (see Board::linkMany).
[[nodiscard]] Result<void> linkLocked(Db& db, const std::vector<Edge>& edges, std::int64_t now);

}  // namespace flywheel::board::detail
