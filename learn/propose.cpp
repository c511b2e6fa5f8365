// learn_propose: an agent's template proposal, checked in a worktree of its
// own at the user's HEAD (learn.h).
#include <algorithm>

#include "core/atomic_file.h"
#include "core/clock.h"
#include "forge/generation_gap.h"
#include "forge/stamper.h"
#include "learn/learn.h"
#include "learn/workspace.h"
#include "mechanic/git.h"
#include "mechanic/worktrees.h"

namespace flywheel::learn {

namespace fs = std::filesystem;
using namespace detail;

namespace {

constexpr size_t kMaxFileBytes = 512u << 10;
constexpr size_t kMaxTotalBytes = 4u << 20;

Result<void> checkInput(const ProposalInput& in) {
  if (in.templates.empty() && in.files.empty())
    return fail(Error::invalidArgument("the proposal is empty: give templates (name and text) and the custom.rs / "
                                       "intent.lisp files they make change"));
  size_t total = 0;
  for (const auto& [name, text] : in.templates) {
    bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    }) && name.front() != '.';
    if (!ok) return fail(Error::invalidArgument("template name '" + name.substr(0, 64) + "' must be 1-64 letters, digits, '_', '-' or '.' (the file name without .tmpl)"));
    if (text.size() > kMaxFileBytes) return fail(Error::invalidArgument("template " + name + " is over 512 KiB"));
    total += text.size();
  }
  for (const auto& [path, text] : in.files) {
    if (auto why = refusePath(path)) return fail(Error::invalidArgument("file '" + path.substr(0, 200) + "': " + *why));
    if (text.size() > kMaxFileBytes) return fail(Error::invalidArgument("file " + path + " is over 512 KiB"));
    total += text.size();
  }
  if (total > kMaxTotalBytes) return fail(Error::invalidArgument("the proposal is over 4 MiB in all"));
  return {};
}

std::string proposalId(const ProposalInput& in, const std::string& head) {
  std::string key = in.candidate + "\n" + head + "\n";
  for (const auto& [n, t] : in.templates) key += "T" + std::to_string(n.size()) + ":" + n + std::to_string(t.size()) + ":" + t;
  for (const auto& [p, t] : in.files) key += "F" + std::to_string(p.size()) + ":" + p + std::to_string(t.size()) + ":" + t;
  return "p-" + forge::contentHash(key).substr(0, 10);
}

// One check: runs `step`, records it, and says whether to go on.
bool runCheck(Proposal& p, const std::string& name, const std::function<Result<std::string>()>& step) {
  double t0 = wallNow();
  auto r = step();
  CheckStep c{name, r.has_value(), r ? *r : r.error().message, wallNow() - t0};
  p.checks.push_back(c);
  if (!r) p.refusal = name + " failed: " + r.error().message;
  return r.has_value();
}

// The checks, in the proposal's worktree `dir` (universe root) building into `target`.
void checkInWorktree(Proposal& p, const fs::path& dir, const fs::path& target, const LearnConfig& cfg,
                     const ProgressFn& progress, const std::atomic<bool>* cancel) {
  auto say = [&](double done, const std::string& what) { if (progress) progress(done, 5, what); };
  std::optional<universe::LoadedUniverse> loaded;
  say(0, "templates");
  if (!runCheck(p, "templates", [&]() -> Result<std::string> {
        auto l = universe::loadUniverse(dir);
        if (!l) return fail(l.error());
        loaded = std::move(*l);
        auto stamper = forge::Stamper::create(cfg.templatesDir);
        if (!stamper) return fail(stamper.error());
        auto set = stamper->templatesFor(loaded->universe);
        if (!set) return fail(set.error());
        return std::to_string(p.templates.size()) + " template(s) parse";
      }))
    return;
  if (!runCheck(p, "intents", [&]() -> Result<std::string> {
        if (loaded->ok()) return std::to_string(loaded->universe.services.size()) + " services load";
        std::string msg;
        int n = 0;
        for (const auto& d : loaded->diagnostics)
          if (d.severity == universe::Severity::Error && n++ < 5) msg += "\n  " + d.toString();
        return fail(Error::failedPrecondition("the intents have errors:" + msg));
      }))
    return;
  say(1, "stamp");
  std::map<std::string, std::string> firstBytes;
  if (!runCheck(p, "stamp", [&]() -> Result<std::string> {
        auto w = stampUniverse(dir, cfg.templatesDir);
        if (!w) return fail(w.error());
        for (const auto& s : loaded->universe.services) {
          auto text = readFile(dir / s.dir / "src" / "generated.rs");
          if (text) firstBytes[s.name] = *text;
        }
        return std::to_string(w->size()) + " file(s) stamped";
      }))
    return;
  say(2, "deterministic");
  if (!runCheck(p, "deterministic", [&]() -> Result<std::string> {
        auto stamper = forge::Stamper::create(cfg.templatesDir);
        if (!stamper) return fail(stamper.error());
        auto again = universe::loadUniverse(dir);
        if (!again) return fail(again.error());
        for (const auto& s : again->universe.services) {
          if (!firstBytes.contains(s.name)) continue;
          auto render = stamper->renderGenerated(again->universe, s);
          if (!render) return fail(render.error());
          if (*render != firstBytes[s.name])
            return fail(Error::failedPrecondition(s.dir + "/src/generated.rs differs between two stamps: the templates "
                                                  "must not depend on anything but the intent"));
        }
        auto w = stampUniverse(dir, cfg.templatesDir);
        if (!w) return fail(w.error());
        if (!w->empty()) return fail(Error::failedPrecondition("a second stamp rewrote " + w->front()));
        return std::string("two stamps are byte-identical");
      }))
    return;
  say(3, "gates");
  runCheck(p, "gates", [&]() -> Result<std::string> {
    mechanic::GauntletSpec spec;
    spec.workspaceDir = dir;
    spec.targetDir = target;
    spec.gates = crateGates(loaded->universe.settings);
    if (cancel) spec.cancelFlags.push_back(cancel);
    spec.progress = [&](double, double, const std::string& m) { say(3, m); };
    auto g = mechanic::runGauntlet(spec);
    if (!g) return fail(g.error());
    if (g->cancelled) return fail(Error::cancelled("cancelled while the gates ran"));
    if (!g->green) return fail(Error::failedPrecondition(g->summary() + "\n" + g->details(4000)));
    return g->summary();
  });
  say(5, p.refusal.empty() ? "checked" : "refused");
}

}  // namespace

Result<Proposal> Learn::propose(const ProposalInput& input, const ProgressFn& progress, const std::atomic<bool>* cancel) {
  if (auto ok = checkInput(input); !ok) return fail(ok.error());
  std::lock_guard lock(*mutex_);
  auto place = repoPlace(config_.universeRoot);
  if (!place) return fail(place.error());
  auto repo = mechanic::GitRepo::discover(config_.universeRoot);
  if (!repo) return fail(repo.error());
  auto head = repo->resolve("HEAD");
  if (!head) return fail(head.error());
  auto cands = distill(1);
  if (!cands) return fail(cands.error());
  bool known = std::any_of(cands->candidates.begin(), cands->candidates.end(),
                           [&](const Candidate& c) { return c.id == input.candidate; });
  if (!known)
    return fail(Error::notFound("no candidate '" + input.candidate.substr(0, 40) + "' in the repair log; learn_distill lists them"));
  for (const auto& [path, text] : input.files) {
    auto atHead = showFile(place->repoRoot, *head, place->withPrefix(path));
    if (!atHead) return fail(atHead.error());
    if (!*atHead && path != "universe.lisp")
      return fail(Error::notFound("file '" + path + "' is not in the user's HEAD: a proposal changes files that exist"));
  }

  Proposal p;
  p.id = proposalId(input, *head);
  p.candidate = input.candidate;
  p.title = input.title.empty() ? "template for " + input.candidate : input.title;
  p.baseCommit = *head;
  p.templates = input.templates;
  p.files = input.files;
  p.createdAt = wallNow();

  mechanic::Worktrees wts(place->repoRoot, config_.stateDir, place->prefix);
  const std::string name = "learn-" + p.id;
  std::error_code ec;
  fs::path warm = config_.universeRoot / "target";
  auto wt = wts.open({.name = name, .kind = "proposal", .owner = "learn proposal " + p.id, .commit = *head,
                      .seedBuildFrom = fs::is_directory(warm, ec) ? warm : fs::path()});
  if (!wt) return fail(wt.error());
  auto loadedHead = universe::loadUniverse(wt->universeDir);
  std::string uname = loadedHead ? loadedHead->universe.name : config_.universeRoot.filename().string();
  for (const auto& [path, text] : input.files)
    if (auto w = writeFileAtomic(wt->universeDir / path, text); !w) {
      (void)wts.remove(name);
      return fail(w.error());
    }
  auto dir = writeTemplates(wt->universeDir, uname, input.templates);
  if (!dir) {
    (void)wts.remove(name);
    return fail(dir.error());
  }
  p.templatesDir = *dir;
  checkInWorktree(p, wt->universeDir, wt->buildDir, config_, progress, cancel);
  if (p.refusal.empty()) {
    auto wrepo = mechanic::GitRepo::open(wt->path);
    auto commit = wrepo ? wrepo->commitAll("flywheel learn: proposal " + p.id + " (" + p.title + ")", place->prefix)
                        : Result<std::string>(fail(wrepo.error()));
    if (!commit) {
      p.refusal = "commit failed: " + commit.error().message;
    } else {
      p.commit = *commit;
      if (auto r = repo->setRef("refs/flywheel/proposals/" + p.id, p.commit, "flywheel learn: proposal " + p.id); !r)
        p.refusal = "keeping the proposal's commit failed: " + r.error().message;
    }
  }
  p.status = p.refusal.empty() ? "checked" : "refused";
  (void)wts.remove(name);
  if (auto s = saveProposal(config_.stateDir, p); !s) return fail(s.error());
  return p;
}

}  // namespace flywheel::learn
