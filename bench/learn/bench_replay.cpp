// bench_learn --replay: what a replay costs per repaired crate, against the
// floor of doing it by hand: `git worktree add` at the commit before the
// intent change plus `cargo check -p CRATE`, once per repair, cold target.
//
// The universe: ledger and N readers whose custom.rs hold a flat view of
// ledger::Record; commit c0 (id i32), c1 (id i64: the intent change), c2
// (the readers repaired). The repair log has one record per reader, as the
// mechanic writes them; the proposal is the view template of learn_e2e.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/process.h"
#include "forge/stamper.h"
#include "learn/learn.h"
#include "mechanic/repair_record.h"

using namespace flywheel;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

bool sh(const fs::path& cwd, const std::string& cmd, std::string* out = nullptr) {
  ProcessSpec spec{.argv = {"sh", "-c", cmd}, .cwd = cwd};
  auto r = runProcess(spec);
  if (out && r) *out = r->out;
  if (!r || !r->success()) std::fprintf(stderr, "failed: %s\n%s\n", cmd.c_str(), r ? r->err.c_str() : "");
  return r && r->success();
}

std::string custom(const std::string& svc, const std::string& idType) {
  return "#[allow(unused_imports)]\nuse crate::generated::*;\n\n/// A flat view of a ledger record.\n"
         "#[derive(Debug, Clone, PartialEq)]\npub struct RecordView {\n    pub id: " + idType +
         ",\n    pub name: String,\n}\n\npub fn record_view(value: &ledger::Record) -> RecordView {\n    RecordView {\n"
         "        id: value.id,\n        name: value.name.clone(),\n    }\n}\n\npub fn describe(value: &ledger::Record) -> String {\n"
         "    format!(\"" + svc + ": {:?}\", record_view(value))\n}\n";
}

std::string ledger(const std::string& t) {
  return "(service ledger\n  (type Record\n    (field id " + t + ")\n    (field name String)))\n";
}

bool stamp(const fs::path& u) {
  auto st = forge::Stamper::create({});
  auto loaded = universe::loadUniverse(u);
  return st && loaded && st->stamp(*loaded, {}) && true;
}

}  // namespace

int benchReplay(int readers, bool check) {
  fs::path base = fs::temp_directory_path() / ("bench_learn_replay_" + std::to_string(::getpid()));
  fs::path u = base / "u";
  fs::create_directories(u / "services/ledger");
  (void)writeFileAtomic(u / "universe.lisp", "(universe bench (services \"services/*\") (gates check))\n");
  (void)writeFileAtomic(u / "services/ledger/intent.lisp", ledger("i32"));
  std::vector<std::string> names;
  for (int k = 0; k < readers; ++k) {
    std::string s = "reader" + std::to_string(k);
    names.push_back(s);
    fs::create_directories(u / "services" / s);
    (void)writeFileAtomic(u / "services" / s / "intent.lisp",
                          "(service " + s + "\n  (governance experimental)\n  (use ledger Record)\n  (type Seen (field record Record)))\n");
  }
  if (!stamp(u)) return 2;
  for (const auto& s : names) (void)writeFileAtomic(u / "services" / s / "src/custom.rs", custom(s, "i32"));
  (void)writeFileAtomic(u / ".gitignore", "/target\n/.flywheel\n");
  std::string c0, c1, c2;
  if (!sh(u, "git init -q -b main && git -c user.name=b -c user.email=b@b add -A && git -c user.name=b -c user.email=b@b commit -qm c0 && git rev-parse HEAD", &c0)) return 2;
  (void)writeFileAtomic(u / "services/ledger/intent.lisp", ledger("i64"));
  if (!sh(u, "git -c user.name=b -c user.email=b@b commit -qam c1 && git rev-parse HEAD", &c1)) return 2;
  if (!stamp(u)) return 2;
  for (const auto& s : names) (void)writeFileAtomic(u / "services" / s / "src/custom.rs", custom(s, "i64"));
  if (!sh(u, "git -c user.name=b -c user.email=b@b commit -qam c2 && git rev-parse HEAD", &c2)) return 2;
  c0.pop_back(), c1.pop_back(), c2.pop_back();
  std::string log;
  for (const auto& s : names) {
    mechanic::RepairRecord r;
    r.epoch = 1;
    r.service = s;
    r.sandbox = "e1-" + s;
    r.outcome = "committed";
    r.intentChange = "ledger/Record.id: field changed (i32 -> i64), breaking";
    r.intentFrom = c0, r.intentTo = c1, r.baseCommit = c1, r.startCommit = c1, r.endCommit = c2;
    r.diff["services/" + s + "/src/custom.rs"] = "@@ -6,3 +6,3 @@\n pub struct RecordView {\n-    pub id: i32,\n+    pub id: i64,\n";
    log += mechanic::formatRepairRecord(r) + "\n";
  }
  fs::create_directories(u / ".flywheel");
  (void)writeFileAtomic(u / ".flywheel/repairs.jsonl", log);

  learn::Learn learn({u, u / ".flywheel", {}});
  auto cands = learn.distill(1);
  if (!cands || cands->candidates.empty()) return std::fprintf(stderr, "no candidate\n"), 2;
  learn::ProposalInput in{cands->candidates[0].id, "view", {}, {}};
  in.templates["view"] =
      "#[derive(Debug, Clone, PartialEq)]\npub struct {{rust_name}}View {\n{{#fields}}\n    pub {{field}}: {{type}},\n{{/fields}}\n}\n\n"
      "pub fn {{snake_name}}_view(value: &{{path}}) -> {{rust_name}}View {\n    {{rust_name}}View {\n{{#fields}}\n"
      "        {{field}}: value.{{field}}{{^copy}}.clone(){{/copy}},\n{{/fields}}\n    }\n}\n";
  for (const auto& s : names) {
    std::string c = custom(s, "i64");
    c = c.substr(0, c.find("/// A flat view")) + c.substr(c.find("pub fn describe"));
    in.files["services/" + s + "/src/custom.rs"] = c;
    in.files["services/" + s + "/intent.lisp"] =
        "(service " + s + "\n  (governance experimental)\n  (use ledger Record)\n  (type Seen (field record Record))\n  (template view ledger/Record))\n";
  }
  auto tp = Clock::now();
  auto p = learn.propose(in);
  double proposeS = since(tp);
  if (!p || p->status != "checked") return std::fprintf(stderr, "proposal: %s\n", p ? p->refusal.c_str() : p.error().message.c_str()), 2;
  auto te = Clock::now();
  auto e = learn.evaluate(p->id, {.parallel = 1});
  double evalS = since(te);
  if (!e) return std::fprintf(stderr, "evaluate: %s\n", e.error().message.c_str()), 2;

  auto tb = Clock::now();
  for (const auto& s : names) {
    fs::path wt = base / ("plain-" + s);
    if (!sh(u, "git worktree add -q --detach " + wt.string() + " " + c1)) return 2;
    sh(wt, "CARGO_TARGET_DIR=" + (base / ("target-" + s)).string() + " cargo check -q --offline -p " + s + " 2>/dev/null || true");
    sh(u, "git worktree remove --force " + wt.string());
  }
  double plainS = since(tb);
  double perReplay = evalS / std::max(1, e->replayed), perPlain = plainS / readers;
  std::printf("replay: %d repairs of one epoch, evaluate %.2f s (%.2f s per repair; utility %.2f), propose %.2f s\n",
              e->replayed, evalS, perReplay, e->utility, proposeS);
  std::printf("plain:  git worktree add + cargo check -p, cold, per repair %.2f s (%d runs, %.2f s)\n", perPlain, readers, plainS);
  std::printf("ratio:  %.2fx (target <= 1.5x)\n", perReplay / perPlain);
  fs::remove_all(base);
  return check && perReplay > 1.5 * perPlain ? 1 : 0;
}
