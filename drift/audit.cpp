// The drift audit: orchestration, ArchitecturalDrift and StructuralGap
// (audit.h; the trait obligations are in obligations.cpp).
#include "drift/audit.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <tuple>

#include "drift/audit_context.h"
#include "forge/rust_names.h"
#include "universe/suggest.h"

namespace flywheel::drift {

namespace u = flywheel::universe;

namespace {

constexpr std::array<std::pair<DriftKind, std::string_view>, 4> kKinds = {{
    {DriftKind::ImplementationGap, "ImplementationGap"},
    {DriftKind::ArchitecturalDrift, "ArchitecturalDrift"},
    {DriftKind::StructuralGap, "StructuralGap"},
    {DriftKind::LocationMismatch, "LocationMismatch"},
}};

}  // namespace

std::string_view driftKindName(DriftKind k) {
  for (const auto& [kind, name] : kKinds)
    if (kind == k) return name;
  return "?";
}

std::optional<DriftKind> parseDriftKind(std::string_view name) {
  for (const auto& [kind, n] : kKinds)
    if (n == name) return kind;
  return std::nullopt;
}

std::string_view severityOf(DriftKind k) {
  switch (k) {
    case DriftKind::ImplementationGap: return "critical";
    case DriftKind::StructuralGap: return "info";
    default: return "warning";
  }
}

std::string formatFinding(const Finding& f) {
  std::string where = f.file + (f.line ? ":" + std::to_string(f.line) : "");
  return where + ": " + std::string(driftKindName(f.kind)) + " (" + std::string(severityOf(f.kind)) + ") " + f.subject +
         "\n  intent: " + f.intent + "\n  code:   " + f.code + "\n  do:     " + f.todo +
         (f.actionable ? "" : "\n  governance " + f.governance + ": reported only; a human decides") + "\n";
}

namespace detail {

std::string baseName(const std::string& path) {
  std::string t = path.substr(0, path.find('<'));
  auto sep = t.rfind("::");
  return sep == std::string::npos ? t : t.substr(sep + 2);
}

Finding Context::finding(DriftKind k, std::string file, uint32_t line, std::string subject) const {
  Finding f;
  f.kind = k;
  f.service = svc.name;
  f.file = std::move(file);
  f.line = line;
  f.subject = std::move(subject);
  f.intent = "(none)";
  f.governance = std::string(u::governanceName(svc.governance));
  f.actionable = svc.governance != u::Governance::Newborn;
  if (!f.actionable) f.todo = "(newborn: for a human) ";
  return f;
}

namespace {

/// Where the intent declares a dependency on `dep` (depends-on or use).
uint32_t declaredAt(const u::Service& s, const std::string& dep) {
  for (const auto& d : s.dependsOn)
    if (d.name == dep) return d.pos.line;
  for (const auto& use : s.uses)
    if (use.service == dep) return use.servicePos.line;
  return s.pos.line;
}

}  // namespace

void architectureFindings(const Context& c, std::vector<Finding>& out) {
  const auto& deps = c.svc.allDependencies;
  std::set<std::string> used, reported;
  for (const auto& f : c.crate.files)
    for (const auto& use : f.api->crateUses) {
      auto it = c.crates.find(use.crate);
      if (it == c.crates.end() || it->second == c.svc.name) continue;
      used.insert(it->second);
      if (f.generated || use.inTest || std::binary_search(deps.begin(), deps.end(), it->second)) continue;
      if (!reported.insert(it->second).second) continue;
      Finding x = c.finding(DriftKind::ArchitecturalDrift, f.path, use.line, c.svc.name + " -> " + it->second);
      x.intent = deps.empty() ? "(no dependencies)" : "(depends-on " + u::joinNames(deps, " ") + ")";
      x.code = f.path + " uses crate " + use.crate + " (service " + it->second + ")";
      x.todo += "declare it in " + c.svc.intentPath + " with (depends-on " + it->second + ") or (use " + it->second +
                " NAME...), or stop using " + use.crate;
      out.push_back(std::move(x));
    }
  for (const auto& dep : deps) {
    if (used.count(dep)) continue;
    Finding x = c.finding(DriftKind::ArchitecturalDrift, c.svc.intentPath, declaredAt(c.svc, dep), c.svc.name + " -> " + dep);
    x.intent = "(depends-on " + dep + ")";
    x.code = "no file of crate " + c.svc.crateName + " names crate " + u::crateNameOf(dep);
    x.todo += "remove the dependency on " + dep + " from " + c.svc.intentPath + ", or use it";
    out.push_back(std::move(x));
  }
}

}  // namespace detail

}  // namespace flywheel::drift

namespace flywheel::drift {

DriftReport auditMirror(const Mirror& mirror, const u::Universe& un, const u::Graph& g, const DriftOptions& options) {
  auto start = std::chrono::steady_clock::now();
  DriftReport r;
  r.warnings = mirror.warnings;
  r.files = mirror.files;
  r.parsed = mirror.parsed;
  CrateNames crates = crateNamesOf(un);
  std::map<std::string, std::vector<detail::ImplSite>> impls;
  for (const auto& crate : mirror.crates)
    for (const auto& f : crate.files) {
      if (f.generated) continue;
      for (const auto& it : f.api->items)
        if (it.kind == ItemKind::Impl && !it.trait.empty()) impls[detail::baseName(it.trait)].push_back({&it, &f, &crate});
    }
  for (const auto& svc : un.services) {
    if (!options.services.empty() &&
        std::find(options.services.begin(), options.services.end(), svc.name) == options.services.end())
      continue;
    const CrateMirror* crate = mirror.crate(svc.name);
    if (!svc.valid) {
      r.skipped.push_back(svc.name + ": its intent has errors (flywheel check shows them)");
      continue;
    }
    if (!crate || crate->files.empty()) {
      r.skipped.push_back(svc.name + ": no Rust files under " + (svc.dir.empty() ? "" : svc.dir + "/") +
                          "src (not stamped yet: flywheel stamp " + svc.name + ")");
      continue;
    }
    ++r.services;
    detail::Context c{un, g, mirror, crates, svc, *crate, impls};
    std::vector<Finding> found;
    detail::implementationFindings(c, found);
    detail::architectureFindings(c, found);
    detail::structureFindings(c, found);
    for (auto& f : found)
      if (!options.kind || f.kind == *options.kind) r.findings.push_back(std::move(f));
  }
  std::sort(r.findings.begin(), r.findings.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.service, a.file, a.line, a.kind, a.subject) < std::tie(b.service, b.file, b.line, b.kind, b.subject);
  });
  r.millis = mirror.millis + std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return r;
}

DriftReport auditDrift(const std::filesystem::path& root, const u::Universe& un, const u::Graph& g, MirrorCache* cache,
                       const DriftOptions& options) {
  auto mirror = buildMirror(root, un, cache);
  return auditMirror(mirror, un, g, options);
}

}  // namespace flywheel::drift
