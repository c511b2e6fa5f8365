// Snippets: the bounded window of a memory's body that best shows why it
// matched. The window of about 30 tokens holding the most query terms
// (words or identifier compounds, as text_terms.h defines them) is cut to
// at most `maxBytes` on a UTF-8 boundary, whitespace collapsed, with "…"
// marking elided text.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

namespace flywheel::kb {

std::string makeSnippet(std::string_view body, const std::unordered_set<std::string>& queryTerms,
                        size_t maxBytes = 240);

}  // namespace flywheel::kb
