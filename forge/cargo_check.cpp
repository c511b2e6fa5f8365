// cargo check over stamped crates and their dependents, summarized per crate.
#include "forge/cargo_check.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/process.h"

namespace flywheel::forge {

std::string_view crateStatusName(CrateCheck::Status s) {
  switch (s) {
    case CrateCheck::Status::Ok: return "ok";
    case CrateCheck::Status::Failing: return "failing";
    case CrateCheck::Status::Blocked: return "blocked";
  }
  return "?";
}

std::vector<std::string> CheckReport::failing() const {
  std::vector<std::string> out;
  for (const auto& c : crates)
    if (c.status != CrateCheck::Status::Ok) out.push_back(c.service);
  return out;
}

std::vector<std::string> withDependents(const universe::Universe& u, const std::vector<std::string>& services) {
  std::set<std::string> out(services.begin(), services.end());
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& s : u.services) {
      if (out.contains(s.name)) continue;
      for (const auto& d : s.allDependencies)
        if (out.contains(d)) {
          out.insert(s.name);
          grew = true;
          break;
        }
    }
  }
  return {out.begin(), out.end()};
}

namespace {

/// Which service owns a path printed by cargo (relative to the root).
const universe::Service* ownerOfPath(const universe::Universe& u, std::string_view path) {
  const universe::Service* best = nullptr;
  for (const auto& s : u.services)
    if (!s.dir.empty() && path.starts_with(s.dir + "/") && (!best || s.dir.size() > best->dir.size())) best = &s;
  return best;
}

void summarize(const universe::Universe& u, const std::string& output, std::map<std::string, CrateCheck>& checks) {
  std::map<std::string, std::string> crateToService;
  for (auto& [svc, c] : checks) crateToService[c.crate] = svc;
  size_t pos = 0;
  while (pos < output.size()) {
    size_t nl = output.find('\n', pos);
    if (nl == std::string::npos) nl = output.size();
    std::string line = output.substr(pos, nl - pos);
    pos = nl + 1;
    constexpr std::string_view kCould = "error: could not compile `";
    if (line.starts_with(kCould)) {
      std::string crate = line.substr(kCould.size(), line.find('`', kCould.size()) - kCould.size());
      if (auto it = crateToService.find(crate); it != crateToService.end())
        checks[it->second].status = CrateCheck::Status::Failing;
      continue;
    }
    // --message-format=short: `path:line:col: error[...]: message`
    size_t colon = line.find(": error");
    if (colon == std::string::npos || line.starts_with("error")) continue;
    const universe::Service* owner = ownerOfPath(u, line);
    if (!owner || !checks.contains(owner->name)) continue;
    auto& c = checks[owner->name];
    c.status = CrateCheck::Status::Failing;
    if (c.errors++ == 0) c.firstError = line.size() > 300 ? line.substr(0, 300) + "..." : line;
  }
}

}  // namespace

Result<CheckReport> cargoCheck(const universe::Universe& u, const std::vector<std::string>& services,
                               const CheckOptions& options) {
  std::map<std::string, CrateCheck> checks;
  std::vector<std::string> argv{"cargo", "check", "--offline", "--keep-going", "--message-format=short"};
  for (const auto& name : services) {
    const universe::Service* s = u.findService(name);
    if (!s) return fail(Error::notFound("cargo check: no service '" + name + "' in the universe"));
    checks[name] = {s->name, s->crateName};
    argv.push_back("-p");
    argv.push_back(s->crateName);
  }
  CheckReport report;
  if (checks.empty()) return report;
  ProcessSpec spec{.argv = std::move(argv), .cwd = u.root, .env = {{"CARGO_TERM_COLOR", "never"}},
                   .deadline = options.deadline, .cancelFlags = {options.cancel}};
  if (!options.targetDir.empty()) spec.env["CARGO_TARGET_DIR"] = options.targetDir.string();
  auto child = runProcess(spec);
  if (!child) return fail(child.error());
  report.seconds = child->seconds;
  report.timedOut = child->timedOut;
  report.cancelled = child->cancelled;
  std::string output = child->err + child->out;  // cargo writes its diagnostics to stderr
  summarize(u, output, checks);
  if (child->exitCode != 0 && std::none_of(checks.begin(), checks.end(), [](const auto& kv) {
        return kv.second.status == CrateCheck::Status::Failing;
      }) && !child->timedOut && !child->cancelled) {
    // cargo failed before compiling anything (a broken manifest, say): say so on every crate.
    std::string first = output.substr(0, output.find('\n'));
    for (auto& [_, c] : checks) {
      c.status = CrateCheck::Status::Failing;
      c.firstError = first;
    }
  }
  // A crate that did not fail itself but depends on one that did is blocked.
  for (auto& [name, c] : checks) {
    if (c.status != CrateCheck::Status::Ok) continue;
    std::vector<std::string> deps = {name};
    std::set<std::string> seen;
    while (!deps.empty() && c.status == CrateCheck::Status::Ok) {
      const universe::Service* s = u.findService(deps.back());
      deps.pop_back();
      if (!s) continue;
      for (const auto& d : s->allDependencies) {
        if (!seen.insert(d).second) continue;
        if (auto it = checks.find(d); it != checks.end() && it->second.status == CrateCheck::Status::Failing) {
          c.status = CrateCheck::Status::Blocked;
          c.blockedBy = d;
          break;
        }
        deps.push_back(d);
      }
    }
  }
  for (auto& [_, c] : checks) report.crates.push_back(std::move(c));
  return report;
}

}  // namespace flywheel::forge
