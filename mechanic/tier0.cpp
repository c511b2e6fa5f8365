#include "mechanic/tier0.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <map>

#include "core/atomic_file.h"
#include "core/process.h"
#include "mechanic/mechanic.h"

namespace flywheel::mechanic {
namespace {

using nlohmann::json;

void collect(const json& msg, const std::string& root, const std::string& serviceDir, std::vector<MachineFix>& out) {
  if (auto spans = msg.find("spans"); spans != msg.end() && spans->is_array())
    for (const auto& s : *spans) {
      if (!s.contains("suggested_replacement") || !s["suggested_replacement"].is_string()) continue;
      if (s.value("suggestion_applicability", "") != "MachineApplicable") continue;
      std::string file = s.value("file_name", "");
      if (!root.empty() && file.rfind(root + "/", 0) == 0) file = file.substr(root.size() + 1);
      if (file.rfind(serviceDir + "/", 0) != 0 || file.ends_with("/generated.rs")) continue;
      out.push_back({file, s.value("byte_start", std::size_t{0}), s.value("byte_end", std::size_t{0}),
                     s["suggested_replacement"].get<std::string>()});
    }
  if (auto children = msg.find("children"); children != msg.end() && children->is_array())
    for (const auto& c : *children) collect(c, root, serviceDir, out);
}

/// The smallest block of whole lines that differs between `a` and `b`, as an
/// exact snippet edit, grown by a line of context until the snippet is unique.
EditSpec blockEdit(const std::string& a, const std::string& b) {
  auto split = [](const std::string& s) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (true) {
      auto nl = s.find('\n', pos);
      lines.push_back(s.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
    return lines;
  };
  auto la = split(a), lb = split(b);
  std::size_t first = 0;
  while (first < la.size() && first < lb.size() && la[first] == lb[first]) ++first;
  std::size_t ta = la.size(), tb = lb.size();
  while (ta > first && tb > first && la[ta - 1] == lb[tb - 1]) --ta, --tb;
  auto join = [](const std::vector<std::string>& v, std::size_t from, std::size_t to) {
    std::string s;
    for (std::size_t i = from; i < to; ++i) s += (i == from ? "" : "\n") + v[i];
    return s;
  };
  while (true) {
    std::string old = join(la, first, ta);
    const bool unique = !old.empty() && a.find(old) == a.rfind(old);
    if (unique || (first == 0 && ta == la.size())) return {.oldText = old, .newText = join(lb, first, tb)};
    if (first > 0) --first;
    if (ta < la.size()) ++ta, ++tb;
  }
}

}  // namespace

std::vector<MachineFix> machineFixes(const std::string& cargoJson, const std::string& workspaceRoot,
                                     const std::string& serviceDir) {
  std::vector<MachineFix> out;
  std::size_t pos = 0;
  while (pos < cargoJson.size()) {
    auto nl = cargoJson.find('\n', pos);
    std::string line = cargoJson.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? cargoJson.size() : nl + 1;
    if (line.find("MachineApplicable") == std::string::npos) continue;
    auto j = json::parse(line, nullptr, false);
    if (!j.is_object() || j.value("reason", "") != "compiler-message" || !j.contains("message")) continue;
    if (j["message"].value("level", "") != "error") continue;
    collect(j["message"], workspaceRoot, serviceDir, out);
  }
  std::sort(out.begin(), out.end(), [](const MachineFix& x, const MachineFix& y) {
    return std::tie(x.file, x.start, x.end, x.replacement) < std::tie(y.file, y.start, y.end, y.replacement);
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const MachineFix& x, const MachineFix& y) {
                          return x.file == y.file && x.start == y.start && x.end == y.end && x.replacement == y.replacement;
                        }),
            out.end());
  return out;
}

int applyFixes(std::string& content, const std::vector<MachineFix>& fixes) {
  std::vector<const MachineFix*> kept;
  std::size_t lastEnd = 0;
  for (const auto& f : fixes) {  // sorted by start: skip overlaps
    if (f.end < f.start || f.end > content.size() || (!kept.empty() && f.start < lastEnd)) continue;
    kept.push_back(&f);
    lastEnd = f.end;
  }
  for (auto it = kept.rbegin(); it != kept.rend(); ++it)
    content.replace((*it)->start, (*it)->end - (*it)->start, (*it)->replacement);
  return static_cast<int>(kept.size());
}

Result<Tier0Result> Mechanic::tier0Repair(std::int64_t epoch, const std::string& service, const CallContext& ctx) {
  const auto t0 = std::chrono::steady_clock::now();
  Tier0Result res;
  auto h = repairOpen(epoch, service, ctx);
  if (!h) return fail(h.error());
  res.sandbox = h->status.id;
  auto done = [&]() -> Result<Tier0Result> {
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
  };
  if (h->status.state != "open") return done();
  // The diagnostics already at hand carry the compiler's suggestions: when
  // the list is complete (under the queue's cap of 10) and none is
  // machine-applicable there is nothing for tier 0 (no cargo run).
  if (!h->diagnostics.empty() && h->diagnostics.size() < 10 &&
      std::none_of(h->diagnostics.begin(), h->diagnostics.end(), [](const CargoDiagnostic& d) {
        return std::any_of(d.suggestions.begin(), d.suggestions.end(),
                           [](const Suggestion& x) { return x.applicability == "MachineApplicable"; });
      }))
    return done();
  auto check = runProcess({.argv = {"cargo", "check", "--offline", "--message-format=json"},
                           .cwd = h->universeDir / h->serviceDir,
                           .env = {{"CARGO_TARGET_DIR", h->buildDir.string()}},
                           .deadline = std::chrono::minutes(10),
                           .cancelFlags = {ctx.cancel}});
  if (!check) return fail(check.error());
  auto fixes = machineFixes(check->out, h->universeDir.string(), h->serviceDir);
  res.suggestions = static_cast<int>(fixes.size());
  if (fixes.empty() && !(check->exitCode == 0 && h->rechecked)) return done();
  if (h->status.phase == "research")
    if (auto p = repairPlan(res.sandbox, "tier 0: apply the compiler's machine-applicable suggestions"); !p)
      return fail(p.error());
  std::map<std::string, std::vector<MachineFix>> byFile;
  for (auto& f : fixes) byFile[f.file].push_back(std::move(f));
  for (const auto& [file, fs] : byFile) {
    auto before = readFile(h->universeDir / file);
    if (!before) return fail(before.error());
    std::string after = *before;
    int n = applyFixes(after, fs);
    if (n == 0 || after == *before) continue;
    auto e = repairEdit(res.sandbox, file, blockEdit(*before, after), ctx);
    if (!e) res.notes.push_back(file + ": " + e.error().message);
    else if (!e->applied) res.notes.push_back(file + ": rolled back: " + e->message);
    else res.applied += n;
  }
  // Nothing applied and the service was not already clean: the agent's turn.
  if (res.applied == 0 && !(check->exitCode == 0 && h->rechecked)) return done();
  auto v = repairValidate(res.sandbox, ctx);
  res.validated = v.has_value();
  res.green = v && v->gauntlet.green;
  if (!v) res.notes.push_back("repair_validate: " + v.error().message);
  if (res.green) {
    auto c = repairCommit(res.sandbox);
    res.committed = c.has_value();
    if (!c) res.notes.push_back("repair_commit: " + c.error().message);
  }
  return done();
}

}  // namespace flywheel::mechanic
