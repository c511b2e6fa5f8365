// A unified diff of two texts, for dry runs and refusals an agent reads.
#pragma once

#include <string>
#include <string_view>

namespace flywheel::forge {

/// `--- a/<path>` / `+++ b/<path>` and hunks with 3 lines of context. Empty
/// when the texts are equal. At most `maxChars` characters: a longer diff is
/// cut at a line boundary and ends with "... (diff truncated)".
std::string unifiedDiff(std::string_view before, std::string_view after, std::string_view path,
                        size_t maxChars = 8000);

}  // namespace flywheel::forge
