#include "kb/text_terms.h"

#include <algorithm>
#include <array>
#include <unordered_set>

namespace flywheel::kb {
namespace {

bool isWordByte(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80; }
bool isConnector(unsigned char c) { return c == '-' || c == '_' || c == '.' || c == ':' || c == '/'; }
bool isUpper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
bool isLower(unsigned char c) { return c >= 'a' && c <= 'z'; }
char fold(unsigned char c) { return isUpper(c) ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c); }

// Splits one segment (letters/digits only) at camelCase boundaries:
// "HTTPServer" -> HTTP|Server, "userProfile" -> user|Profile. Digits stay
// attached ("E0308", "v1", "utf8").
void splitCamel(std::string_view seg, std::vector<std::string>& out) {
  size_t start = 0;
  for (size_t i = 1; i < seg.size(); ++i) {
    unsigned char prev = seg[i - 1], cur = seg[i];
    bool boundary = (isLower(prev) && isUpper(cur)) ||
                    (isUpper(prev) && isUpper(cur) && i + 1 < seg.size() && isLower(static_cast<unsigned char>(seg[i + 1])));
    if (boundary) {
      out.emplace_back(seg.substr(start, i - start));
      start = i;
    }
  }
  out.emplace_back(seg.substr(start));
  for (auto& w : out) std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return fold(c); });
}

TextToken makeToken(std::string_view text, size_t begin, size_t end) {
  TextToken t;
  t.begin = begin;
  t.end = end;
  size_t segments = 0;
  size_t i = begin;
  while (i < end) {
    while (i < end && isConnector(static_cast<unsigned char>(text[i]))) ++i;
    size_t s = i;
    while (i < end && !isConnector(static_cast<unsigned char>(text[i]))) ++i;
    if (i == s) continue;
    std::vector<std::string> words;
    splitCamel(text.substr(s, i - s), words);
    if (words.size() > 1) {
      std::string joined;
      for (auto& w : words) joined += w;
      t.compounds.push_back(std::move(joined));
    }
    for (auto& w : words) t.words.push_back(std::move(w));
    ++segments;
  }
  if (segments > 1 && t.words.size() > 1) {
    std::string all;
    for (auto& w : t.words) all += w;
    if (t.compounds.empty() || t.compounds.back() != all) t.compounds.push_back(std::move(all));
  }
  return t;
}

}  // namespace

std::vector<TextToken> tokenizeText(std::string_view text) {
  std::vector<TextToken> out;
  size_t i = 0, n = text.size();
  while (i < n) {
    if (!isWordByte(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t begin = i;
    size_t end = i;
    while (i < n) {
      unsigned char c = text[i];
      if (isWordByte(c)) {
        end = ++i;
      } else if (isConnector(c)) {
        size_t j = i;
        while (j < n && isConnector(static_cast<unsigned char>(text[j]))) ++j;
        if (j < n && isWordByte(static_cast<unsigned char>(text[j]))) {
          i = j;
        } else {
          break;
        }
      } else {
        break;
      }
    }
    // Guard against pathological tokens (a 1 MB run of letters): cap the span.
    if (end - begin > 256) end = begin + 256;
    out.push_back(makeToken(text, begin, end));
    i = std::max(i, end);
  }
  return out;
}

std::string indexTerms(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (const auto& t : tokenizeText(text)) {
    for (const auto& w : t.words) {
      out += w;
      out += ' ';
    }
    for (const auto& c : t.compounds) {
      out += c;
      out += ' ';
    }
  }
  if (!out.empty()) out.pop_back();
  return out;
}

bool isStopword(std::string_view word) {
  static const std::unordered_set<std::string_view> kStop = {
      "a",    "an",   "and",  "are",  "as",    "at",   "be",    "by",   "can",   "did",  "do",    "does",
      "for",  "from", "had",  "has",  "have",  "how",  "i",     "if",   "in",    "into", "is",    "it",
      "its",  "of",   "on",   "or",   "our",   "so",   "that",  "the",  "their", "then", "there", "these",
      "this", "to",   "was",  "we",   "were",  "what", "when",  "where", "which", "who",  "why",   "will",
      "with", "you",  "your", "about", "any",  "should", "would", "could", "been", "being", "they", "them"};
  return kStop.count(word) > 0;
}

std::vector<std::string> queryTerms(std::string_view query, size_t maxTerms) {
  std::vector<std::string> all, kept;
  std::unordered_set<std::string> seen;
  for (const auto& t : tokenizeText(query)) {
    for (const auto& w : t.words)
      if (seen.insert(w).second) all.push_back(w);
    for (const auto& c : t.compounds)
      if (seen.insert(c).second) all.push_back(c);
  }
  for (const auto& w : all)
    if (!isStopword(w)) kept.push_back(w);
  if (kept.empty()) kept = all;
  if (kept.size() > maxTerms) kept.resize(maxTerms);
  return kept;
}

}  // namespace flywheel::kb

namespace flywheel::kb {

std::string ftsMatchExpression(const std::vector<std::string>& terms) {
  std::string out;
  for (const auto& t : terms) {
    if (t.empty()) continue;
    if (!out.empty()) out += " OR ";
    out += '"';
    for (char c : t) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  return out;
}

}  // namespace flywheel::kb
