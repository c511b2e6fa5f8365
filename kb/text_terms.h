// Identifier-aware terms: how the knowledge base turns text into searchable words.
//
// Architecture text is full of identifiers: `auth-service`, `user_profile`,
// `UserProfile.id`, `user::UserProfile`, `E0308`, `v1.2`. A plain word
// tokenizer either keeps them whole (then `profile` does not find
// `UserProfile`) or breaks them (then `auth-service` also matches every note
// that says "auth" and "service" far apart). Here every identifier yields its
// parts AND its compounds, all lowercase ASCII-folded:
//
//   UserProfile.id  ->  user profile id userprofile userprofileid
//   auth-service    ->  auth service authservice
//   E0308           ->  e0308
//
// Because `auth-service`, `auth_service` and `AuthService` share the
// compound `authservice`, a query in one spelling finds the others, and the
// compound's rarity ranks the exact identifier above prose mentioning both
// words. Terms contain only [a-z0-9] and non-ASCII UTF-8 bytes, so they can
// be quoted into an FTS5 query without any syntax reaching it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace flywheel::kb {

/// One identifier-ish token of the text with its byte range and terms.
struct TextToken {
  size_t begin = 0;
  size_t end = 0;
  std::vector<std::string> words;      // the parts, in order ("user", "profile", "id")
  std::vector<std::string> compounds;  // joined parts ("userprofile", "userprofileid")
};

/// Splits `text` into tokens (runs of letters/digits joined by - _ . : /).
/// Deterministic; never fails; linear in the text's size.
std::vector<TextToken> tokenizeText(std::string_view text);

/// All terms of `text` (words then compounds per token), space-separated:
/// the string stored in the FTS5 index.
std::string indexTerms(std::string_view text);

/// True for very common English words that carry no meaning in a query.
bool isStopword(std::string_view word);

/// The distinct terms of a query, in first-seen order; stopwords are dropped
/// unless nothing else is left. At most `maxTerms`.
std::vector<std::string> queryTerms(std::string_view query, size_t maxTerms = 48);

}  // namespace flywheel::kb

namespace flywheel::kb {

/// An FTS5 MATCH expression that ORs the given terms, each as a quoted
/// string (embedded quotes doubled), so no user text is ever read as FTS5
/// syntax (NOT, column filters, prefix stars, parentheses). Empty for no terms.
std::string ftsMatchExpression(const std::vector<std::string>& terms);

}  // namespace flywheel::kb
