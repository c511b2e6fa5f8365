// "Did you mean" suggestions for unresolved names.
//
// The closest candidates by edit distance (case-insensitive, at most a third
// of the name's length, at least 1 and at most 3 edits), best first, ties by
// name. Used by validation for names, services and clauses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace flywheel::universe {

/// Up to `limit` candidates close to `name`, best first.
std::vector<std::string> closestNames(std::string_view name, const std::vector<std::string>& candidates,
                                      size_t limit = 3);

/// "; did you mean 'a' or 'b'?" or "" when nothing is close.
std::string didYouMean(std::string_view name, const std::vector<std::string>& candidates);

/// "a, b, c" (sorted as given).
std::string joinNames(const std::vector<std::string>& names, std::string_view sep = ", ");

}  // namespace flywheel::universe
