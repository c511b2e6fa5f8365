// learn_evaluate: the meta-utility of a proposal by replay (learn.h).
//
// The candidate's repairs are grouped by the intent change that caused them
// (one replay per epoch: its repairs share the state before and after).
// Each replay opens a worktree at the commit before the intent change, brings
// in the changed intent files of the commit after it, carries the proposal
// over (transfer.h), stamps, and runs the gates: a repaired crate that is now
// green needed no repair. A crate that was green in that epoch without a
// repair and is red now is a regression.
#include <algorithm>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/clock.h"
#include "core/process.h"
#include "mechanic/diagnostics.h"
#include "learn/learn.h"
#include "learn/transfer.h"
#include "learn/workspace.h"
#include "mechanic/git.h"
#include "mechanic/worktrees.h"

namespace flywheel::learn {

namespace fs = std::filesystem;
using namespace detail;

namespace {

// A crate cargo did not build because a dependency failed: red, but not its
// own fault (never a regression by itself).
constexpr std::string_view kNotBuilt = "not built";

struct Unit {
  std::int64_t epoch = 0;
  std::string from, to;
  std::vector<Evidence> evidence;
  std::set<std::string> repairedInEpoch;  // every service history repaired in that epoch
};

struct UnitResult {
  std::vector<ReplayResult> replays;
  std::vector<std::string> regressions, notes;
};

std::string tokensOf(std::string_view text) {
  std::string out;
  for (const auto& t : tokenize(text)) out += t + " ";
  return out;
}

// The text of each item of `source` whose key is in `keys`.
std::map<std::string, std::string> itemsByKey(std::string_view source, const std::set<std::string>& keys) {
  std::map<std::string, std::string> out;
  for (const auto& i : topLevelItems(source))
    if (keys.contains(i.key)) out[i.key] = tokensOf(source.substr(i.begin, i.end - i.begin));
  return out;
}

class Replayer {
 public:
  Replayer(const LearnConfig& cfg, const RepoPlace& place, const Proposal& p, const std::atomic<bool>* cancel)
      : cfg_(cfg), place_(place), p_(p), cancel_(cancel) {}

  UnitResult run(const Unit& u) {
    UnitResult out;
    mechanic::Worktrees wts(place_.repoRoot, cfg_.stateDir, place_.prefix);
    const std::string name = "replay-" + p_.id + "-e" + std::to_string(u.epoch);
    std::error_code ec;
    fs::path warm = cfg_.universeRoot / "target";
    auto wt = wts.open({.name = name, .kind = "replay", .owner = "learn evaluate " + p_.id, .commit = u.from,
                        .seedBuildFrom = fs::is_directory(warm, ec) ? warm : fs::path()});
    if (!wt) return skipped(u, "cannot open a replay worktree: " + wt.error().message);
    auto why = prepare(u, wt->universeDir);
    if (why.empty()) judge(u, wt->universeDir, wt->buildDir, out);
    else out = skipped(u, why);
    (void)wts.remove(name);
    return out;
  }

 private:
  UnitResult skipped(const Unit& u, const std::string& why) {
    UnitResult out;
    out.notes.push_back("epoch " + std::to_string(u.epoch) + ": " + why);
    return out;
  }

  // The intent change, then the proposal, then a stamp; "" or what failed.
  std::string prepare(const Unit& u, const fs::path& dir) {
    auto changed = git(place_.repoRoot, {"diff", "--name-only", u.from, u.to});
    if (!changed) return changed.error().message;
    size_t pos = 0;
    const std::string& list = *changed;
    while (pos < list.size()) {
      size_t end = list.find('\n', pos);
      if (end == std::string::npos) end = list.size();
      std::string path = list.substr(pos, end - pos);
      pos = end + 1;
      if (!path.ends_with(".lisp")) continue;
      if (!place_.prefix.empty() && !path.starts_with(place_.prefix + "/")) continue;
      std::string rel = place_.prefix.empty() ? path : path.substr(place_.prefix.size() + 1);
      auto text = showFile(place_.repoRoot, u.to, path);
      if (!text) return text.error().message;
      std::error_code ec;
      if (!*text) fs::remove(dir / rel, ec);
      else if (auto w = writeFileAtomic(dir / rel, **text); !w) return w.error().message;
    }
    for (const auto& [path, proposed] : p_.files) {
      if (path == "universe.lisp") continue;
      auto head = showFile(place_.repoRoot, p_.baseCommit, place_.withPrefix(path));
      auto target = readFile(dir / path);
      if (!head || !*head || !target) continue;  // the file did not exist then: nothing to carry
      std::string carried;
      if (path.ends_with(".rs")) {
        carried = transferItems(**head, proposed, *target);
      } else {
        auto c = transferClauses(**head, proposed, *target);
        if (!c) return "cannot carry the proposal's clauses into " + path;
        carried = *c;
      }
      if (auto w = writeFileAtomic(dir / path, carried); !w) return w.error().message;
    }
    auto loaded = universe::loadUniverse(dir);
    std::string uname = loaded ? loaded->universe.name : "universe";
    if (auto t = writeTemplates(dir, uname, p_.templates); !t) return t.error().message;
    if (auto s = stampUniverse(dir, cfg_.templatesDir); !s) return "stamping with the proposal failed: " + s.error().message;
    return {};
  }

  void judge(const Unit& u, const fs::path& dir, const fs::path& target, UnitResult& out) {
    auto loaded = universe::loadUniverse(dir);
    if (!loaded) {
      out = skipped(u, loaded.error().message);
      return;
    }
    const auto& un = loaded->universe;
    mechanic::GauntletSpec spec;
    spec.workspaceDir = dir;
    spec.targetDir = target;
    spec.maxDiagnostics = 1000;
    if (cancel_) spec.cancelFlags.push_back(cancel_);
    std::map<std::string, std::string> red;  // service -> why
    if (auto why = checkEveryCrate(spec, un, red); !why.empty()) {
      out = skipped(u, why);
      return;
    }
    // The other gates, for the repaired crates that compile now.
    std::vector<std::string> rest;
    for (const auto& g : crateGates(un.settings))
      if (g != "check") rest.push_back(g);
    std::set<std::string> candidates;
    for (const auto& e : u.evidence)
      if (!red.contains(e.service)) candidates.insert(e.service);
    for (const auto& svc : candidates) {
      if (rest.empty()) break;
      const auto* s = un.findService(svc);
      if (!s) continue;
      spec.packages = {s->crateName};
      spec.gates = rest;
      auto g = mechanic::runGauntlet(spec);
      if (!g || !g->green) red[svc] = g ? g->summary() : g.error().message;
    }
    for (const auto& [svc, why] : red)
      if (!u.repairedInEpoch.contains(svc) && !why.starts_with(kNotBuilt))
        out.regressions.push_back("epoch " + std::to_string(u.epoch) + ": " + svc +
                                  " needed no repair then and is red with the proposal: " + why);
    for (const auto& e : u.evidence) {
      ReplayResult r{e.repair, e.service, e.file, e.epoch, true, red.contains(e.service), false,
                     red.contains(e.service) ? red[e.service] : "green with no custom.rs edit"};
      if (!r.neededNow) r.sameAsHuman = sameAsHuman(e, dir);
      out.replays.push_back(std::move(r));
    }
  }

  // `cargo check --workspace --keep-going`: a crate is green when cargo built
  // its library with no error of its own; red when it has errors, or was not
  // built because a dependency failed (without --keep-going cargo stops at
  // the first red crate and the rest would look green). "" or what failed.
  std::string checkEveryCrate(const mechanic::GauntletSpec& spec, const universe::Universe& un,
                              std::map<std::string, std::string>& red) {
    auto argv = mechanic::gateCommand("check", {});
    if (!argv) return argv.error().message;
    argv->push_back("--keep-going");
    auto run = runProcess(mechanic::cargoProcess(spec, std::move(*argv)));
    if (!run) return run.error().message;
    if (run->cancelled || run->timedOut) return "cancelled or past its deadline";
    std::set<std::string> built;
    size_t pos = 0;
    while (pos < run->out.size()) {
      size_t end = run->out.find('\n', pos);
      if (end == std::string::npos) end = run->out.size();
      std::string_view line(run->out.data() + pos, end - pos);
      pos = end + 1;
      if (line.find("\"compiler-artifact\"") == std::string_view::npos) continue;
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("target") && j["target"].is_object())
        built.insert(j["target"].value("name", ""));
    }
    auto parsed = mechanic::parseCargoJson(run->out, spec.workspaceDir.string());
    for (const auto& d : parsed.diagnostics) {
      if (d.level != "error") continue;
      for (const auto& s : un.services)
        if (d.file.starts_with(s.dir + "/") && !red.contains(s.name))
          red[s.name] = d.file + ":" + std::to_string(d.line) + ": " + d.message;
    }
    for (const auto& s : un.services)
      if (!red.contains(s.name) && !built.contains(s.crateName))
        red[s.name] = std::string(kNotBuilt) + ": a crate it depends on does not compile";
    return {};
  }

  // Do the items the proposal moves out of this service's custom.rs come out
  // of generated.rs exactly as the repair wrote them?
  bool sameAsHuman(const Evidence& e, const fs::path& dir) {
    auto proposed = p_.files.find(e.file);
    if (proposed == p_.files.end() || e.endCommit.empty()) return false;
    auto head = showFile(place_.repoRoot, p_.baseCommit, place_.withPrefix(e.file));
    auto human = showFile(place_.repoRoot, e.endCommit, place_.withPrefix(e.file));
    if (!head || !*head || !human || !*human) return false;
    std::set<std::string> proposedKeys, moved;
    for (const auto& i : topLevelItems(proposed->second)) proposedKeys.insert(i.key);
    for (const auto& i : topLevelItems(**head))
      if (!proposedKeys.contains(i.key) && !i.key.starts_with("use ")) moved.insert(i.key);
    if (moved.empty()) return false;
    auto generatedPath = dir / fs::path(e.file).parent_path() / "generated.rs";
    auto generated = readFile(generatedPath);
    if (!generated) return false;
    auto want = itemsByKey(**human, moved), got = itemsByKey(*generated, moved);
    return !want.empty() && want == got;
  }

  const LearnConfig& cfg_;
  const RepoPlace& place_;
  const Proposal& p_;
  const std::atomic<bool>* cancel_;
};

std::vector<Unit> unitsOf(const std::vector<mechanic::RepairRecord>& records, const std::vector<Evidence>& evidence,
                          std::vector<std::string>& notes) {
  std::map<std::int64_t, Unit> byEpoch;
  std::set<std::pair<std::int64_t, std::string>> seen;
  for (const auto& e : evidence) {
    if (!seen.insert({e.epoch, e.service}).second) continue;
    if (e.intentFrom.empty() || e.intentTo.empty() || e.intentFrom == "worktree" || e.intentTo == "worktree") {
      notes.push_back(e.repair + ": not replayable (its intent change was not committed, or the record predates "
                                 "format 2)");
      continue;
    }
    Unit& u = byEpoch[e.epoch];
    u.epoch = e.epoch;
    u.from = e.intentFrom;
    u.to = e.intentTo;
    u.evidence.push_back(e);
  }
  for (const auto& r : records)
    if (r.outcome == "committed" && byEpoch.contains(r.epoch)) byEpoch[r.epoch].repairedInEpoch.insert(r.service);
  std::vector<Unit> out;
  for (auto& [epoch, u] : byEpoch) out.push_back(std::move(u));
  return out;
}

Result<void> writeBranch(const LearnConfig& cfg, const RepoPlace& place, Proposal& p, Evaluation& e) {
  char score[64];
  std::snprintf(score, sizeof score, "%.2f", e.utility);
  std::string msg = "flywheel learn: " + p.title + "\n\nProposal " + p.id + " for candidate " + p.candidate +
                    ".\nMeta-utility " + score + ": " + std::to_string(e.unnecessary) + " of " +
                    std::to_string(e.replayed) + " replayed repairs needed no repair with it; no regression.\n\nEvidence:\n";
  for (const auto& r : e.replays)
    msg += "- " + r.repair + " (epoch " + std::to_string(r.epoch) + ", " + r.service + "): " +
           (r.neededNow ? "still needed" : "unnecessary") + "\n";
  std::vector<std::string> args;
  auto name = git(place.repoRoot, {"config", "user.name"});
  if (!name || name->empty()) args = {"-c", "user.name=flywheel", "-c", "user.email=flywheel@localhost"};
  for (const auto& a : std::vector<std::string>{"commit-tree", p.commit + "^{tree}", "-p", p.baseCommit, "-m", msg})
    args.push_back(a);
  auto commit = git(place.repoRoot, args);
  if (!commit) return fail(commit.error());
  std::string id = commit->substr(0, commit->find_first_of("\r\n"));
  e.branch = "flywheel/proposal/" + p.id;
  if (auto r = git(place.repoRoot, {"update-ref", "refs/heads/" + e.branch, id}); !r) return fail(r.error());
  e.branchCommit = id;
  std::string md = "# " + p.title + "\n\n" + msg.substr(msg.find("\n\n") + 2) + "\nTemplates: ";
  for (const auto& [n, t] : p.templates) md += "`" + n + ".tmpl` ";
  md += "\n\nFiles changed by hand-written-code deletion (mold fission):\n";
  for (const auto& [path, t] : p.files) md += "- `" + path + "`\n";
  md += "\nMerge with `git merge " + e.branch + "`; flywheel never moves your branch.\n";
  return writeFileAtomic(cfg.stateDir / "learn" / "proposals" / (p.id + ".md"), md);
}

}  // namespace

Result<Evaluation> Learn::evaluate(const std::string& id, const EvaluateOptions& options) {
  auto loadedP = proposal(id);
  if (!loadedP) return fail(loadedP.error());
  Proposal p = std::move(*loadedP);
  if (p.status == "refused")
    return fail(Error::failedPrecondition("proposal " + id + " was refused (" + p.refusal.substr(0, 300) +
                                          "); fix it and propose again"));
  std::lock_guard lock(*mutex_);
  double t0 = wallNow();
  auto place = repoPlace(config_.universeRoot);
  if (!place) return fail(place.error());
  auto uni = universe::loadUniverse(config_.universeRoot);
  if (!uni) return fail(uni.error());
  auto log = readRepairLog(config_.stateDir / "repairs.jsonl");
  Evaluation e;
  e.threshold = uni->universe.settings.metaUtilityThreshold;
  std::vector<Evidence> evidence;
  if (options.all) {
    for (const auto& r : log.records)
      if (r.outcome == "committed")
        evidence.push_back({repairId(r), r.epoch, r.service, r.diff.empty() ? "" : r.diff.begin()->first, r.startCommit,
                            r.endCommit, r.intentFrom, r.intentTo, r.baseCommit});
  } else {
    auto all = learn::distill(log.records, symbolsOf(uni->universe), {.threshold = 1, .minServices = 1});
    auto c = std::find_if(all.candidates.begin(), all.candidates.end(), [&](const Candidate& c) { return c.id == p.candidate; });
    if (c == all.candidates.end())
      return fail(Error::notFound("candidate " + p.candidate + " of proposal " + id + " is no longer in the repair log"));
    evidence = c->evidence;
  }
  auto units = unitsOf(log.records, evidence, e.notes);
  std::vector<UnitResult> results(units.size());
  std::atomic<size_t> next{0}, done{0};
  std::mutex progressMutex;
  Replayer replayer(config_, *place, p, options.cancel);
  auto worker = [&] {
    for (size_t i; (i = next++) < units.size();) {
      if (options.cancel && options.cancel->load()) break;
      results[i] = replayer.run(units[i]);
      size_t d = ++done;
      if (options.progress) {
        std::lock_guard pl(progressMutex);
        options.progress(static_cast<double>(d), static_cast<double>(units.size()),
                         "replayed epoch " + std::to_string(units[i].epoch));
      }
    }
  };
  std::vector<std::thread> pool;
  int n = std::clamp(options.parallel, 1, 8);
  for (int k = 0; k < n && static_cast<size_t>(k) < units.size(); ++k) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (options.cancel && options.cancel->load()) return fail(Error::cancelled("learn_evaluate was cancelled; nothing was written"));
  int same = 0;
  for (auto& r : results) {
    for (auto& rr : r.replays) {
      ++e.replayed;
      e.unnecessary += !rr.neededNow;
      same += rr.sameAsHuman;
      e.replays.push_back(std::move(rr));
    }
    e.regressions.insert(e.regressions.end(), r.regressions.begin(), r.regressions.end());
    e.notes.insert(e.notes.end(), r.notes.begin(), r.notes.end());
  }
  e.skipped = static_cast<int>(evidence.size()) - e.replayed;
  e.utility = e.replayed ? static_cast<double>(e.unnecessary) / e.replayed : 0;
  e.sameAsHuman = e.replayed ? static_cast<double>(same) / e.replayed : 0;
  e.passed = e.replayed > 0 && e.regressions.empty() && e.utility >= e.threshold;
  if (e.passed)
    if (auto b = writeBranch(config_, *place, p, e); !b) e.notes.push_back("writing the proposal branch failed: " + b.error().message);
  e.seconds = wallNow() - t0;
  p.status = !e.branch.empty() ? "branched" : "evaluated";
  p.evaluation = e;
  if (auto s = saveProposal(config_.stateDir, p); !s) return fail(s.error());
  return e;
}

}  // namespace flywheel::learn
