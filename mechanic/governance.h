// Governance: what an AI agent may do in a service, decided before every act.
//
// Each service declares a mode in its intent (INTENT.md, "Governance modes").
// The mechanic asks governance before opening a sandbox and before every
// edit; a refusal names the rule, what the mode allows, and how a human
// changes it. Signature checks (for survival-patching, strict-codegen and
// polisher) compare public signatures extracted with Tree-sitter.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/error.h"

namespace flywheel::mechanic {

enum class Mode { Newborn, Cartography, SurvivalPatching, StrictCodegen, SelfDistillation, Experimental, Polisher };

std::optional<Mode> parseMode(const std::string& name);
std::string modeName(Mode m);
/// One sentence: what the mode allows an agent to do. This is the rule as
/// enforced, and docs/intent.md and docs/mechanic.md quote it verbatim
/// (a test keeps them equal).
std::string modeAllows(Mode m);
/// The refusal every governance rule returns: what was refused, the mode,
/// what the mode allows and where a human changes it.
Error governanceRefusal(Mode m, const std::string& service, const std::string& what, const std::string& intentPath);
/// Whether the mode forbids changing public signatures.
bool modeFreezesSignatures(Mode m);

/// May an agent open a repair sandbox for `service`? (newborn, cartography: no)
[[nodiscard]] Result<void> mayOpenSandbox(Mode m, const std::string& service, const std::string& intentPath);

/// May an agent edit `path` (universe-relative) of the service living in
/// `serviceDir`? Checks the service boundary and the mode's file rules.
[[nodiscard]] Result<void> mayEditPath(Mode m, const std::string& service, const std::string& serviceDir, const std::string& path,
                         const std::string& intentPath);

/// For modes that freeze signatures: refuses when the edit of `path` changes
/// the public signatures from `before` to `after`, listing the changes.
[[nodiscard]] Result<void> maySignaturesChange(Mode m, const std::string& service, const std::string& path,
                                 const std::map<std::string, std::string>& before,
                                 const std::map<std::string, std::string>& after, const std::string& intentPath);

}  // namespace flywheel::mechanic
