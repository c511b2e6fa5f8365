// Path confinement: every path an agent names is resolved inside one root.
//
// A sandbox tool receives paths from an agent; none of them may reach outside
// the sandbox. confinePath accepts a relative path (or an absolute one that
// already lies inside the root), rejects `..` components, NUL bytes, a
// leading '-' (option injection into git or cargo), control characters and
// the `.git` directory, then resolves every symlink on the way and checks the
// real location is still inside the (real) root. The result names both the
// absolute path and the root-relative one ('/' separators) used in answers.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.h"

namespace flywheel::mechanic {

struct ConfinedPath {
  std::filesystem::path absolute;  ///< real path inside the root (may not exist yet)
  std::string relative;            ///< root-relative, '/' separators, no "./"
};

/// Resolves `userPath` inside `root` (which must exist). `mustExist` requires
/// the target to exist. Errors are "permission_denied" for escapes and
/// "invalid_argument" for malformed paths, each naming the path and the rule.
[[nodiscard]] Result<ConfinedPath> confinePath(const std::filesystem::path& root, std::string_view userPath, bool mustExist = false);

/// True when `inner` equals `outer` or lies below it, comparing lexically
/// normalised absolute paths component by component.
bool isWithin(const std::filesystem::path& outer, const std::filesystem::path& inner);

}  // namespace flywheel::mechanic
