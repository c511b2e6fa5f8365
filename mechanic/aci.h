// The agent-computer interface of a sandbox: view, search and edit.
//
// Shaped for a language model rather than a human: the viewer shows a fixed
// 100-line window with line numbers and remembers where each file was last
// viewed (so "scroll down" means something); search returns at most 50 hits
// and, past that, asks to narrow the search with per-file counts instead of
// flooding the context; an edit replaces a line range or one exact, unique
// snippet of one file. These are pure functions over a root directory and
// file contents; sandbox state, governance and compiler checks wrap them.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace flywheel::mechanic {

inline constexpr int kWindowLines = 100;
inline constexpr int kMaxSearchHits = 50;

struct Window {
  std::string path;  ///< root-relative
  int firstLine = 1;
  int lastLine = 0;  ///< 0 for an empty file
  int totalLines = 0;
  std::string text;  ///< "  12| code" lines, long lines cut at 180 bytes (a window stays under 20k characters)
};

/// Renders `content`'s window starting at `firstLine` (clamped into the file).
Window renderWindow(const std::string& path, const std::string& content, int firstLine);

/// Where the window should start to show `line` with some context above it.
int windowStartFor(int line);

/// Remembers the first line of the last window shown per (sandbox, file).
/// Thread-safe.
class ViewMemory {
 public:
  std::optional<int> get(const std::string& sandbox, const std::string& path) const;
  void set(const std::string& sandbox, const std::string& path, int firstLine);
  void forget(const std::string& sandbox);

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, int> first_;
};

inline constexpr size_t kMaxSearchPattern = 500;

/// A search. Regexes use RE2 syntax (linear time: no backreferences, no
/// lookaround), so no pattern can make a search run away.
struct SearchQuery {
  std::string pattern;
  bool regex = false;
  std::string path = ".";  ///< file or directory to search, root-relative
  /// Raised by the caller (the request's cancellation): the search stops
  /// between lines and fails with a "cancelled" error. May be null.
  const std::atomic<bool>* cancel = nullptr;
  /// Wall-clock budget; past it the search fails asking to narrow it.
  std::chrono::milliseconds budget{std::chrono::seconds(20)};
};

struct SearchHit {
  std::string path;
  int line = 0;
  std::string text;  ///< the line, cut at 200 bytes
};

struct SearchResult {
  std::vector<SearchHit> hits;  ///< empty when total > kMaxSearchHits
  int total = 0;
  std::vector<std::pair<std::string, int>> perFile;  ///< when too many: files by count, at most 20
  std::string note;  ///< "narrow your search ..." when too many
};

/// Searches text files under `query.path` (skipping .git, target, .flywheel,
/// node_modules, binary files and files over 1 MiB), in path then line order.
/// Errors: invalid_argument (empty or over-long pattern, a regex RE2 rejects,
/// with what to do), cancelled, deadline_exceeded (over the budget).
/// Thread-safe.
[[nodiscard]] Result<SearchResult> searchTree(const std::filesystem::path& root, const SearchQuery& query);

struct EditSpec {
  std::optional<int> startLine;  ///< with endLine: replace lines start..end (1-based, inclusive;
  std::optional<int> endLine;    ///< end = start-1 inserts before start)
  std::optional<std::string> oldText;  ///< or: replace this exact snippet, which must occur once
  std::string newText;
};

struct EditOutcome {
  std::string content;  ///< the file after the edit
  int firstChangedLine = 1;
  int lastChangedLine = 1;
};

/// Applies an edit to `content` (no I/O). Errors say why the edit does not
/// apply (range out of the file, snippet missing or ambiguous with its lines).
[[nodiscard]] Result<EditOutcome> applyEdit(const std::string& path, const std::string& content, const EditSpec& edit);

/// Splits into lines without their '\n' (a final newline adds no empty line).
std::vector<std::string> splitLines(const std::string& content);

}  // namespace flywheel::mechanic
