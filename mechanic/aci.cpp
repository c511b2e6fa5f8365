#include "mechanic/aci.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>

#include <re2/re2.h>

#include "core/atomic_file.h"
#include "mechanic/paths.h"

namespace flywheel::mechanic {
namespace fs = std::filesystem;

std::vector<std::string> splitLines(const std::string& content) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < content.size()) {
    size_t nl = content.find('\n', start);
    if (nl == std::string::npos) nl = content.size();
    lines.push_back(content.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

namespace {

std::string cut(const std::string& s, size_t n) { return s.size() <= n ? s : s.substr(0, n) + "…"; }

std::string numbered(int n, const std::string& line) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%6d| ", n);
  return buf + cut(line, 180) + "\n";
}

}  // namespace

int windowStartFor(int line) { return std::max(1, line - 20); }

Window renderWindow(const std::string& path, const std::string& content, int firstLine) {
  auto lines = splitLines(content);
  Window w;
  w.path = path;
  w.totalLines = static_cast<int>(lines.size());
  int maxFirst = std::max(1, w.totalLines - kWindowLines + 1);
  w.firstLine = std::clamp(firstLine, 1, maxFirst);
  w.lastLine = std::min(w.totalLines, w.firstLine + kWindowLines - 1);
  for (int i = w.firstLine; i <= w.lastLine; ++i) w.text += numbered(i, lines[i - 1]);
  return w;
}

std::optional<int> ViewMemory::get(const std::string& sandbox, const std::string& path) const {
  std::lock_guard lock(mu_);
  auto it = first_.find({sandbox, path});
  if (it == first_.end()) return std::nullopt;
  return it->second;
}
void ViewMemory::set(const std::string& sandbox, const std::string& path, int firstLine) {
  std::lock_guard lock(mu_);
  first_[{sandbox, path}] = firstLine;
}
void ViewMemory::forget(const std::string& sandbox) {
  std::lock_guard lock(mu_);
  std::erase_if(first_, [&](const auto& kv) { return kv.first.first == sandbox; });
}

namespace {

bool skippedDir(const fs::path& name) {
  return name == ".git" || name == "target" || name == ".flywheel" || name == "node_modules";
}

void collectFiles(const fs::path& dir, std::vector<fs::path>& out) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto& e = *it;
    if (e.is_symlink(ec)) continue;  // never follow links during a walk
    if (e.is_directory(ec)) {
      if (!skippedDir(e.path().filename())) collectFiles(e.path(), out);
    } else if (e.is_regular_file(ec) && e.file_size(ec) <= (1u << 20)) {
      out.push_back(e.path());
    }
  }
}

}  // namespace

namespace {

/// The regex engine of repair_search: RE2 runs in time linear in the line,
/// whatever the pattern, so one hostile pattern cannot hold a worker.
Result<std::unique_ptr<re2::RE2>> compileRegex(const std::string& pattern) {
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_never_capture(true);
  opts.set_max_mem(16 << 20);
  auto re = std::make_unique<re2::RE2>(pattern, opts);
  if (re->ok()) return re;
  std::string hint = "; flywheel's regexes are RE2 syntax (linear time): no backreferences (\\1) and no "
                     "lookaround ((?=, (?!, (?<=, (?<!); rewrite the pattern without them, or search literally "
                     "(regex: false)";
  if (re->error_code() == re2::RE2::ErrorPatternTooLarge)
    hint = "; the compiled pattern is too large (over 16 MiB): simplify it (fewer or smaller repetitions {n,m})";
  return fail(Error::invalidArgument("invalid regex '" + pattern + "': " + re->error() + hint));
}

/// Stops a search that was cancelled or ran past its budget.
class SearchClock {
 public:
  explicit SearchClock(const SearchQuery& q)
      : cancel_(q.cancel), budget_(q.budget), deadline_(std::chrono::steady_clock::now() + q.budget) {}

  /// Checks every 256 lines (a clock read per line would dominate literal search).
  Result<void> check(size_t filesDone, size_t filesTotal) {
    if ((ticks_++ & 255) != 0) return {};
    if (cancel_ && cancel_->load()) return fail(Error::cancelled("search cancelled by the client"));
    if (std::chrono::steady_clock::now() < deadline_) return {};
    return fail(Error{"deadline_exceeded",
                      "search stopped after " + std::to_string(budget_.count() / 1000) + " s, with " +
                          std::to_string(filesDone) + " of " + std::to_string(filesTotal) +
                          " files searched; narrow it: pass a directory or file as path, or a more specific pattern"});
  }

 private:
  const std::atomic<bool>* cancel_;
  std::chrono::milliseconds budget_;
  std::chrono::steady_clock::time_point deadline_;
  size_t ticks_ = 0;
};

}  // namespace

Result<SearchResult> searchTree(const fs::path& root, const SearchQuery& query) {
  if (query.pattern.empty()) return fail(Error::invalidArgument("search pattern is empty; pass the text to find"));
  if (query.pattern.size() > kMaxSearchPattern)
    return fail(Error::invalidArgument("search pattern is " + std::to_string(query.pattern.size()) +
                                       " characters, over the " + std::to_string(kMaxSearchPattern) +
                                       "-character limit; shorten it"));
  std::unique_ptr<re2::RE2> re;
  if (query.regex) {
    auto compiled = compileRegex(query.pattern);
    if (!compiled) return fail(compiled.error());
    re = std::move(*compiled);
  }
  auto where = confinePath(root, query.path, true);
  if (!where) return fail(where.error());
  std::vector<fs::path> files;
  if (fs::is_directory(where->absolute)) collectFiles(where->absolute, files);
  else files.push_back(where->absolute);
  std::sort(files.begin(), files.end());

  SearchResult res;
  std::map<std::string, int> counts;
  const fs::path realRoot = fs::canonical(root);
  SearchClock clock(query);
  for (size_t fi = 0; fi < files.size(); ++fi) {
    const auto& f = files[fi];
    auto content = readFile(f);
    if (!content || content->find('\0', 0) < std::min<size_t>(content->size(), 8192)) continue;
    std::string rel = f.lexically_relative(realRoot).generic_string();
    auto lines = splitLines(*content);
    for (size_t i = 0; i < lines.size(); ++i) {
      if (auto c = clock.check(fi, files.size()); !c) return fail(c.error());
      bool hit = re ? re2::RE2::PartialMatch(lines[i], *re) : lines[i].find(query.pattern) != std::string::npos;
      if (!hit) continue;
      ++res.total;
      ++counts[rel];
      if (res.hits.size() < static_cast<size_t>(kMaxSearchHits + 1))
        res.hits.push_back({rel, static_cast<int>(i + 1), cut(lines[i], 200)});
    }
  }
  if (res.total > kMaxSearchHits) {
    res.hits.clear();
    for (auto& kv : counts) res.perFile.push_back(kv);
    std::stable_sort(res.perFile.begin(), res.perFile.end(), [](auto& a, auto& b) { return a.second > b.second; });
    if (res.perFile.size() > 20) res.perFile.resize(20);
    res.note = std::to_string(res.total) + " matches in " + std::to_string(counts.size()) +
               " files (more than " + std::to_string(kMaxSearchHits) +
               "); narrow your search: use a more specific pattern or pass a file or directory as path";
  }
  return res;
}

namespace {

std::string joinLines(const std::vector<std::string>& lines, bool finalNewline) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    out += lines[i];
    if (i + 1 < lines.size() || finalNewline) out += '\n';
  }
  return out;
}

int lineOf(const std::string& content, size_t offset) {
  return 1 + static_cast<int>(std::count(content.begin(), content.begin() + offset, '\n'));
}

Result<EditOutcome> replaceSnippet(const std::string& path, const std::string& content, const std::string& oldText,
                                   const std::string& newText) {
  if (oldText.empty()) return fail(Error::invalidArgument("old_text is empty; pass the exact text to replace"));
  std::vector<size_t> at;
  for (size_t p = content.find(oldText); p != std::string::npos && at.size() < 10; p = content.find(oldText, p + 1))
    at.push_back(p);
  if (at.empty())
    return fail(Error::notFound("old_text does not occur in " + path +
                                "; view the file and copy the text exactly (whitespace included)"));
  if (at.size() > 1) {
    std::string lines;
    for (size_t p : at) lines += (lines.empty() ? "" : ", ") + std::to_string(lineOf(content, p));
    return fail(Error::invalidArgument("old_text occurs " + std::to_string(at.size()) + " times in " + path +
                                       " (lines " + lines + "); include more surrounding text to make it unique, "
                                       "or replace a line range"));
  }
  EditOutcome o;
  o.content = content.substr(0, at[0]) + newText + content.substr(at[0] + oldText.size());
  o.firstChangedLine = lineOf(content, at[0]);
  o.lastChangedLine = o.firstChangedLine + static_cast<int>(std::count(newText.begin(), newText.end(), '\n'));
  return o;
}

}  // namespace

Result<EditOutcome> applyEdit(const std::string& path, const std::string& content, const EditSpec& edit) {
  if (edit.oldText) {
    if (edit.startLine || edit.endLine)
      return fail(Error::invalidArgument("pass either old_text or start_line/end_line, not both"));
    return replaceSnippet(path, content, *edit.oldText, edit.newText);
  }
  if (!edit.startLine || !edit.endLine)
    return fail(Error::invalidArgument("an edit needs old_text, or both start_line and end_line"));
  auto lines = splitLines(content);
  const int n = static_cast<int>(lines.size());
  int s = *edit.startLine, e = *edit.endLine;
  if (s < 1 || s > n + 1 || e < s - 1 || e > n)
    return fail(Error::invalidArgument("line range " + std::to_string(s) + ".." + std::to_string(e) + " is outside " +
                                       path + " (" + std::to_string(n) + " lines); view the file for line numbers"));
  bool finalNewline = content.empty() || content.back() == '\n';
  auto repl = splitLines(edit.newText);
  std::vector<std::string> out(lines.begin(), lines.begin() + (s - 1));
  out.insert(out.end(), repl.begin(), repl.end());
  out.insert(out.end(), lines.begin() + e, lines.end());
  EditOutcome o;
  o.content = joinLines(out, finalNewline || out.empty());
  o.firstChangedLine = s;
  o.lastChangedLine = s + std::max(0, static_cast<int>(repl.size()) - 1);
  return o;
}

}  // namespace flywheel::mechanic
