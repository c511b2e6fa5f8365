// Edit-distance suggestions (see suggest.h).
#include "universe/suggest.h"

#include <algorithm>
#include <cctype>

namespace flywheel::universe {

namespace {
/// Optimal-string-alignment distance (a swap of neighbours counts as one
/// edit: "tpye" -> "type"), case-insensitive, giving up above `cap`.
size_t editDistance(std::string_view a, std::string_view b, size_t cap) {
  if (a.size() > b.size() + cap || b.size() > a.size() + cap) return cap + 1;
  auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  std::vector<size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    size_t rowMin = cur[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      bool same = lower(a[i - 1]) == lower(b[j - 1]);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      rowMin = std::min(rowMin, cur[j]);
    }
    if (rowMin > cap) return cap + 1;
    prev2.swap(prev);
    prev.swap(cur);
  }
  return prev[b.size()];
}
}  // namespace

std::vector<std::string> closestNames(std::string_view name, const std::vector<std::string>& candidates, size_t limit) {
  size_t cap = std::clamp<size_t>(name.size() / 3, 1, 3);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& c : candidates) {
    if (c == name) continue;
    size_t d = editDistance(name, c, cap);
    if (d <= cap) scored.emplace_back(d, c);
  }
  std::sort(scored.begin(), scored.end());
  scored.erase(std::unique(scored.begin(), scored.end()), scored.end());
  std::vector<std::string> out;
  for (size_t k = 0; k < scored.size() && out.size() < limit; ++k) out.push_back(scored[k].second);
  return out;
}

std::string didYouMean(std::string_view name, const std::vector<std::string>& candidates) {
  auto best = closestNames(name, candidates);
  if (best.empty()) return "";
  std::string out = "; did you mean ";
  for (size_t k = 0; k < best.size(); ++k) {
    if (k) out += k + 1 == best.size() ? " or " : ", ";
    out += "'" + best[k] + "'";
  }
  return out + "?";
}

std::string joinNames(const std::vector<std::string>& names, std::string_view sep) {
  std::string out;
  for (size_t k = 0; k < names.size(); ++k) {
    if (k) out += sep;
    out += names[k];
  }
  return out;
}

}  // namespace flywheel::universe
