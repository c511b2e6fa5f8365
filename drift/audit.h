// Drift between intent and code: the audit behind `drift_report`,
// `flywheel drift` and `flywheel://drift`.
//
// The intent is the high-level model, the reality mirror (mirror.h) the
// source model; the audit reports where they disagree, in four kinds (in the
// manner of Murphy and Notkin's reflexion models: divergences and absences):
//
// - ImplementationGap (critical): something the intent declares has no
//   working implementation. Each rpc is a method of `<Service>Api`; each
//   pattern a trait custom.rs implements (`NRules`, `NListener`, `NJob`,
//   `NTool`, `NHooks`, `NFn`, `Bootstrap`; docs/forge.md). No impl of the
//   trait in the crate, a method missing from it, or a method whose body is
//   only `todo!()`, `unimplemented!()` or `panic!(..)` is a gap.
// - ArchitecturalDrift (warning): the hand-written code (outside test
//   modules) names another service's crate that the intent does not depend
//   on; or the intent depends on a service whose crate no file of the crate
//   (generated.rs and tests included) names.
// - StructuralGap (info): an item custom code exports from the crate (lib.rs
//   `pub use`, `pub mod`) that no intent form describes and that the intent
//   language could express (a record of intent types, an enum, a function
//   taking and returning intent types by value): a candidate to lift. Types
//   that implement a trait of the intent are its implementation, not a gap.
//   Also an intent type, enum or alias that nothing uses: no other intent
//   form, no hand-written code of the crate, no other crate's code.
// - LocationMismatch (warning): a declared item implemented elsewhere than
//   Forge's layout (trait impls in the service's own src/custom.rs, declared
//   types only in src/generated.rs): an impl in another file or another
//   service's crate, a declared type defined again by hand.
//
// Governance: every finding carries the service's mode; in `newborn` it is
// reported but not actionable (no agent acts on it; a human decides).
// Services whose intent has errors, or whose crate has no Rust files yet
// (not stamped), are skipped and counted. Findings are sorted by service,
// file, line, kind and subject: the same tree gives the same report.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drift/mirror.h"
#include "universe/graph.h"
#include "universe/ir.h"

namespace flywheel::drift {

enum class DriftKind { ImplementationGap, ArchitecturalDrift, StructuralGap, LocationMismatch };
std::string_view driftKindName(DriftKind k);  // "ImplementationGap", ...
std::optional<DriftKind> parseDriftKind(std::string_view name);
std::string_view severityOf(DriftKind k);     // "critical", "warning", "info"

struct Finding {
  DriftKind kind = DriftKind::ImplementationGap;
  std::string service;
  std::string file;     // relative to the universe root
  uint32_t line = 0;    // 1-based; 0: the file as a whole
  std::string subject;  // what it is about: "auth/validate-session", "billing -> user"
  std::string intent;   // the intent form involved, or "(none)"
  std::string code;     // what the code has
  std::string todo;     // what to do
  std::string governance;  // the service's mode
  bool actionable = true;  // false in newborn: reported, never acted on
};

struct DriftOptions {
  std::vector<std::string> services;  // empty: every service
  std::optional<DriftKind> kind;      // only this kind
};

struct DriftReport {
  std::vector<Finding> findings;  // sorted (see above)
  std::vector<std::string> skipped;  // "svc: why" for services not audited
  universe::Diagnostics warnings;    // from the mirror
  size_t services = 0, files = 0, parsed = 0;
  double millis = 0;
};

/// Audits the working tree at `root` (loaded as `u`, graph `g`). `cache` may
/// be null. Never fails: unreadable files are warnings.
DriftReport auditDrift(const std::filesystem::path& root, const universe::Universe& u, const universe::Graph& g,
                       MirrorCache* cache, const DriftOptions& options = {});

/// The audit over a mirror already built (every service of `u` in it).
DriftReport auditMirror(const Mirror& mirror, const universe::Universe& u, const universe::Graph& g,
                        const DriftOptions& options = {});

/// One finding as text: "services/auth/src/custom.rs:12: ImplementationGap (critical) auth/x: ...".
std::string formatFinding(const Finding& f);

// Internals shared by the audit's files.
namespace detail {
struct Context;
void implementationFindings(const Context& c, std::vector<Finding>& out);
void architectureFindings(const Context& c, std::vector<Finding>& out);
void structureFindings(const Context& c, std::vector<Finding>& out);
}  // namespace detail

}  // namespace flywheel::drift
