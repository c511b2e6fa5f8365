#include "mechanic/governance.h"

#include <array>
#include <utility>

#include "mechanic/paths.h"
#include "universe/rust_syntax.h"

namespace flywheel::mechanic {
namespace {

constexpr std::array<std::pair<Mode, const char*>, 7> kNames = {{{Mode::Newborn, "newborn"},
                                                                  {Mode::Cartography, "cartography"},
                                                                  {Mode::SurvivalPatching, "survival-patching"},
                                                                  {Mode::StrictCodegen, "strict-codegen"},
                                                                  {Mode::SelfDistillation, "self-distillation"},
                                                                  {Mode::Experimental, "experimental"},
                                                                  {Mode::Polisher, "polisher"}}};

Error refusal(Mode m, const std::string& service, const std::string& what, const std::string& intentPath) {
  return governanceRefusal(m, service, what, intentPath);
}

}  // namespace

Error governanceRefusal(Mode m, const std::string& service, const std::string& what, const std::string& intentPath) {
  return Error::permissionDenied("refused by governance: " + what + ". Service '" + service + "' is in mode `" +
                                 modeName(m) + "`, which allows: " + modeAllows(m) +
                                 ". A human can change the mode with (governance MODE) in " + intentPath + ".");
}

std::optional<Mode> parseMode(const std::string& name) {
  for (const auto& [m, n] : kNames)
    if (name == n) return m;
  return std::nullopt;
}

std::string modeName(Mode m) {
  for (const auto& [k, n] : kNames)
    if (k == m) return n;
  return "newborn";
}

std::string modeAllows(Mode m) {
  switch (m) {
    case Mode::Newborn: return "reading only: no sandbox and no edits (human-only development)";
    case Mode::Cartography: return "reading code and proposing intent changes as drafts; never editing code";
    case Mode::SurvivalPatching:
      return "fixing compile errors and panics in the service's code, without changing public signatures";
    case Mode::StrictCodegen:
      return "editing only src/custom.rs, with its public signatures frozen: no `pub` item and no trait "
             "implementation (`impl Trait for Type`) may be added, removed or changed; function bodies and "
             "private items may change anywhere in custom.rs (private helpers, and methods inside an existing "
             "trait implementation, which is how a new rule, op or hook is implemented)";
    case Mode::SelfDistillation: return "generating variants kept only when the gauntlet passes and benchmarks improve";
    case Mode::Experimental: return "editing any file of the service inside the sandbox";
    case Mode::Polisher: return "only edits that clear clippy warnings, with signatures and test results unchanged";
  }
  return "";
}

bool modeFreezesSignatures(Mode m) {
  return m == Mode::SurvivalPatching || m == Mode::StrictCodegen || m == Mode::Polisher;
}

Result<void> mayOpenSandbox(Mode m, const std::string& service, const std::string& intentPath) {
  if (m == Mode::Newborn || m == Mode::Cartography)
    return fail(refusal(m, service, "opening a repair sandbox", intentPath));
  return {};
}

Result<void> mayEditPath(Mode m, const std::string& service, const std::string& serviceDir, const std::string& path,
                         const std::string& intentPath) {
  if (auto r = mayOpenSandbox(m, service, intentPath); !r) return r;
  if (!isWithin("/" + serviceDir, "/" + path))
    return fail(Error::permissionDenied("refused: " + path + " is outside service '" + service + "' (" + serviceDir +
                                        "/); a repair sandbox edits only its own service's files. Open a sandbox "
                                        "for the service that owns the file."));
  const std::string rel = path.size() > serviceDir.size() ? path.substr(serviceDir.size() + 1) : "";
  if (rel == "intent.lisp")
    return fail(refusal(m, service, "editing intent.lisp (intent changes are a human's decision)", intentPath));
  if (m == Mode::StrictCodegen && rel != "src/custom.rs")
    return fail(refusal(m, service, "editing " + rel + " (only src/custom.rs may change; generated.rs is " +
                                        "rewritten by Forge from the intent)", intentPath));
  if (rel == "src/generated.rs" && m != Mode::Experimental)
    return fail(refusal(m, service, "editing src/generated.rs (machine-owned: Forge rewrites it from the intent)",
                        intentPath));
  return {};
}

Result<void> maySignaturesChange(Mode m, const std::string& service, const std::string& path,
                                 const std::map<std::string, std::string>& before,
                                 const std::map<std::string, std::string>& after, const std::string& intentPath) {
  if (!modeFreezesSignatures(m)) return {};
  auto changes = universe::signatureChanges(before, after);
  if (changes.empty()) return {};
  std::string list;
  for (size_t i = 0; i < changes.size() && i < 5; ++i) list += (i ? "; " : "") + changes[i];
  return fail(refusal(m, service, "this edit of " + path + " changes public signatures (" + list + ")", intentPath));
}

}  // namespace flywheel::mechanic
