#include "kb/memory_rules.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace flywheel::kb {
namespace {

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\n' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\n' || s[e - 1] == '\r')) --e;
  return std::string(s.substr(b, e - b));
}

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

Error tooLong(const char* field, size_t got, size_t max) {
  return Error::invalidArgument(std::string(field) + " is too long (" + std::to_string(got) + " bytes, at most " +
                                std::to_string(max) + "); shorten it" +
                                (std::string(field) == "body" ? " or split it into several memories" : ""));
}

Result<std::string> normalizeKind(std::string_view raw) {
  std::string kind = lower(trim(raw));
  if (kind.empty()) kind = "note";
  bool ok = kind.size() <= kMaxKindChars && kind[0] >= 'a' && kind[0] <= 'z';
  for (char c : kind) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  if (!ok)
    return fail(Error::invalidArgument("kind must be a lowercase word like decision, repair, service or note "
                                       "([a-z][a-z0-9-]*, at most 32 chars; got '" +
                                       truncateUtf8(std::string(raw), 40) + "')"));
  return kind;
}

Result<std::vector<std::string>> normalizeTags(const std::vector<std::string>& raw) {
  std::vector<std::string> tags;
  for (const auto& t : raw) {
    std::string tag = lower(trim(t));
    if (tag.empty()) continue;
    if (tag.size() > kMaxTagChars) return fail(tooLong("tag", tag.size(), kMaxTagChars));
    if (!isValidUtf8(tag)) return fail(Error::invalidArgument("tag is not valid UTF-8; re-encode it"));
    tags.push_back(std::move(tag));
  }
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  if (tags.size() > kMaxTags)
    return fail(Error::invalidArgument("too many tags (" + std::to_string(tags.size()) + ", at most " +
                                       std::to_string(kMaxTags) + "); keep the most specific ones"));
  return tags;
}

}  // namespace

bool isValidUtf8(std::string_view s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > n) return false;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    if (len == 2 && c < 0xC2) return false;  // overlong
    i += len;
  }
  return true;
}

std::string truncateUtf8(std::string_view s, size_t maxBytes) {
  if (s.size() <= maxBytes) return std::string(s);
  size_t cut = maxBytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) >> 6) == 0x2) --cut;
  return std::string(s.substr(0, cut));
}

std::string hashHex(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Result<Memory> normalizeDraft(const MemoryDraft& d, std::int64_t now) {
  Memory m;
  auto kind = normalizeKind(d.kind);
  if (!kind) return fail(kind.error());
  m.kind = *kind;
  m.title = trim(d.title);
  m.body = trim(d.body);
  m.service = trim(d.service);
  if (m.title.empty()) return fail(Error::invalidArgument("title is empty; give the memory a one-line title"));
  if (m.title.size() > kMaxTitleChars) return fail(tooLong("title", m.title.size(), kMaxTitleChars));
  if (m.body.size() > kMaxBodyChars) return fail(tooLong("body", m.body.size(), kMaxBodyChars));
  if (m.service.size() > kMaxServiceChars) return fail(tooLong("service", m.service.size(), kMaxServiceChars));
  for (auto [name, value] : {std::pair<const char*, const std::string*>{"title", &m.title}, {"body", &m.body},
                             {"service", &m.service}, {"sourceKey", &d.sourceKey}})
    if (!isValidUtf8(*value))
      return fail(Error::invalidArgument(std::string(name) + " is not valid UTF-8 (or holds a NUL byte); re-encode it"));
  auto tags = normalizeTags(d.tags);
  if (!tags) return fail(tags.error());
  m.tags = std::move(*tags);
  m.created = d.created.value_or(now);
  m.updated = now;
  m.cite = trim(d.cite);
  if (m.cite.size() > kMaxCiteChars) return fail(tooLong("cite", m.cite.size(), kMaxCiteChars));
  if (!isValidUtf8(m.cite)) return fail(Error::invalidArgument("cite is not valid UTF-8; re-encode it"));
  if (m.cite.empty()) m.cite = "remembered on " + formatTime(m.created);
  m.sourceKey = trim(d.sourceKey);
  if (m.sourceKey.size() > 512) return fail(tooLong("sourceKey", m.sourceKey.size(), 512));
  if (m.sourceKey.empty())
    m.sourceKey = "content:" + hashHex(m.kind + '\x1f' + m.service + '\x1f' + m.title + '\x1f' + m.body);
  return m;
}

std::vector<std::string> SearchHit::foundBy() const {
  std::vector<std::string> v;
  if (lexicalRank) v.push_back("lexical");
  if (vectorRank) v.push_back("vector");
  return v;
}

std::string formatTime(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<std::int64_t> parseTime(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  int n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) return std::nullopt;
  std::string rest = text.substr(10);
  if (!rest.empty()) {
    int m2 = 0;
    if (std::sscanf(rest.c_str(), "T%2d:%2d:%2d%n", &h, &mi, &s, &m2) != 3) return std::nullopt;
    rest = rest.substr(static_cast<size_t>(m2));
    if (!(rest.empty() || rest == "Z")) return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace flywheel::kb
