// The workflow an agent follows, as prompt text: `cascade` (the whole inner
// loop), `researcher` (read-only investigation of one sandbox, ending in a
// plan) and `coder` (edits under the guardrails, validation, commit). Kept in
// the domain so the CLI, docs and tests read the same words the tools serve.
#pragma once

#include <string>

namespace flywheel::mechanic {

/// The `cascade` prompt. `change` optionally describes the intent change.
std::string cascadePrompt(const std::string& change);
/// The `researcher` prompt for one sandbox (may be empty: "the sandbox").
std::string researcherPrompt(const std::string& sandbox);
/// The `coder` prompt for one sandbox.
std::string coderPrompt(const std::string& sandbox);

}  // namespace flywheel::mechanic
