#include "kb/snippet.h"

#include "kb/memory_rules.h"
#include "kb/text_terms.h"

namespace flywheel::kb {
namespace {

std::string collapseSpace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string makeSnippet(std::string_view body, const std::unordered_set<std::string>& terms, size_t maxBytes) {
  auto tokens = tokenizeText(body);
  if (tokens.empty()) return truncateUtf8(collapseSpace(body), maxBytes);
  std::vector<int> hit(tokens.size(), 0);
  for (size_t i = 0; i < tokens.size(); ++i) {
    for (const auto& w : tokens[i].words) hit[i] |= terms.count(w) ? 1 : 0;
    for (const auto& c : tokens[i].compounds) hit[i] |= terms.count(c) ? 1 : 0;
  }
  const size_t window = 30;
  size_t best = 0, bestCount = 0, count = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    count += static_cast<size_t>(hit[i]);
    if (i >= window) count -= static_cast<size_t>(hit[i - window]);
    if (count > bestCount) {
      bestCount = count;
      best = i >= window ? i - window + 1 : 0;
    }
  }
  // Start a few tokens before the first hit of the window for context.
  size_t first = best;
  while (first < tokens.size() && !hit[first] && first < best + window) ++first;
  size_t start = first >= best + window || first == tokens.size() ? best : (first >= 3 ? first - 3 : 0);
  if (bestCount == 0) start = 0;
  size_t from = start == 0 ? 0 : tokens[start].begin;
  std::string text = collapseSpace(body.substr(from));
  std::string out = start == 0 ? "" : "… ";
  if (text.size() + out.size() > maxBytes) {
    out += truncateUtf8(text, maxBytes > out.size() + 4 ? maxBytes - out.size() - 4 : 0);
    out += " …";
  } else {
    out += text;
  }
  return out;
}

}  // namespace flywheel::kb
