// Line diff by longest common subsequence (files here are small; a pair too
// large for the table is shown as a whole replacement).
#include "forge/line_diff.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace flywheel::forge {

namespace {

std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

struct Edit {
  char op;  // ' ', '-', '+'
  std::string_view line;
  size_t oldLine, newLine;  // 1-based positions before this edit
};

std::vector<Edit> diffLines(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  std::vector<Edit> edits;
  size_t n = a.size(), m = b.size();
  if (n * m > 16'000'000) {  // too big for the table: replace everything
    for (size_t i = 0; i < n; ++i) edits.push_back({'-', a[i], i + 1, 1});
    for (size_t j = 0; j < m; ++j) edits.push_back({'+', b[j], n + 1, j + 1});
    return edits;
  }
  std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      at(i, j) = a[i] == b[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      edits.push_back({' ', a[i], i + 1, j + 1});
      ++i, ++j;
    } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
      edits.push_back({'-', a[i], i + 1, j + 1});
      ++i;
    } else {
      edits.push_back({'+', b[j], i + 1, j + 1});
      ++j;
    }
  }
  return edits;
}

}  // namespace

std::string unifiedDiff(std::string_view before, std::string_view after, std::string_view path, size_t maxChars) {
  if (before == after) return {};
  auto a = splitLines(before), b = splitLines(after);
  auto edits = diffLines(a, b);
  std::string out = "--- a/" + std::string(path) + "\n+++ b/" + std::string(path) + "\n";
  constexpr size_t kContext = 3;
  std::vector<size_t> changes;
  for (size_t t = 0; t < edits.size(); ++t)
    if (edits[t].op != ' ') changes.push_back(t);
  for (size_t c = 0; c < changes.size();) {
    size_t first = changes[c], last = changes[c];
    while (c + 1 < changes.size() && changes[c + 1] - last <= 2 * kContext + 1) last = changes[++c];
    ++c;
    size_t start = first >= kContext ? first - kContext : 0;
    size_t end = std::min(edits.size(), last + kContext + 1);
    size_t oldCount = 0, newCount = 0;
    for (size_t t = start; t < end; ++t) {
      if (edits[t].op != '+') ++oldCount;
      if (edits[t].op != '-') ++newCount;
    }
    out += "@@ -" + std::to_string(oldCount ? edits[start].oldLine : edits[start].oldLine - 1) + "," +
           std::to_string(oldCount) + " +" +
           std::to_string(newCount ? edits[start].newLine : edits[start].newLine - 1) + "," +
           std::to_string(newCount) + " @@\n";
    for (size_t t = start; t < end; ++t) {
      out += edits[t].op;
      out += edits[t].line;
      out += '\n';
    }
    if (out.size() > maxChars) break;
  }
  if (out.size() > maxChars) {
    size_t cut = out.rfind('\n', maxChars);
    out.resize(cut == std::string::npos ? 0 : cut + 1);
    out += "... (diff truncated)\n";
  }
  return out;
}

}  // namespace flywheel::forge
