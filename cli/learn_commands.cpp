// `flywheel learn distill|propose|evaluate|proposals|status`: the Learn
// stroke on the command line, over learn/learn.h (the same as the learn_*
// tools; `propose` reads the tool's arguments from a JSON file).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "forge/template_set.h"
#include "learn/learn.h"

namespace flywheel::cli {

namespace {

namespace l = flywheel::learn;
using nlohmann::json;

int learnFail(const std::string& msg) { return failWith(msg, "flywheel learn"); }

l::Learn learnOf(const CliState& state) {
  auto root = resolveUniverse(state);
  return l::Learn({root, root / ".flywheel", forge::TemplateSet::rustDir(sourceDir())});
}

int runDistill(const CliState& state, int threshold) {
  auto res = learnOf(state).distill(threshold > 0 ? std::optional(threshold) : std::nullopt);
  if (!res) return learnFail(res.error().message);
  for (const auto& c : res->candidates) {
    std::cout << c.id << "  level " << c.shape.level << ", " << c.count << " repairs in";
    for (const auto& s : c.services) std::cout << " " << s;
    std::cout << "\n  before: " << c.shape.before << "\n  after:  " << c.shape.after << "\n";
  }
  std::cout << res->candidates.size() << " candidate(s) from " << res->committed << " committed repair(s)\n";
  return 0;
}

int runPropose(const CliState& state, const std::string& file) {
  auto text = readFile(file);
  if (!text) return learnFail(text.error().message);
  auto j = json::parse(*text, nullptr, false);
  if (!j.is_object()) return learnFail(file + " is not a JSON object like learn_propose's arguments");
  l::ProposalInput in;
  in.candidate = j.value("candidate", "");
  in.title = j.value("title", "");
  for (const auto& t : j.value("templates", json::array())) in.templates[t.value("name", "")] = t.value("text", "");
  for (const auto& f : j.value("files", json::array())) in.files[f.value("path", "")] = f.value("text", "");
  auto p = learnOf(state).propose(in, [](double, double, const std::string& m) { std::cerr << "  " << m << "\n"; });
  if (!p) return learnFail(p.error().message);
  std::cout << "proposal " << p->id << ": " << p->status << "\n";
  for (const auto& c : p->checks) std::cout << "  " << c.name << ": " << (c.passed ? "ok" : "FAILED") << "\n";
  if (!p->refusal.empty()) std::cout << p->refusal << "\n";
  return p->status == "refused" ? 1 : 0;
}

int runEvaluate(const CliState& state, const std::string& id, bool all, int parallel) {
  auto e = learnOf(state).evaluate(id, {.all = all, .parallel = parallel,
                                        .progress = [](double d, double t, const std::string& m) {
                                          std::cerr << "  [" << d << "/" << t << "] " << m << "\n";
                                        }});
  if (!e) return learnFail(e.error().message);
  std::printf("utility %.2f (%d of %d replayed repairs unnecessary), same as the repair %.2f, %zu regression(s)\n",
              e->utility, e->unnecessary, e->replayed, e->sameAsHuman, e->regressions.size());
  for (const auto& g : e->regressions) std::cout << "  REGRESSION " << g << "\n";
  for (const auto& n : e->notes) std::cout << "  note: " << n << "\n";
  if (!e->branch.empty()) std::cout << "branch " << e->branch << " " << e->branchCommit << "\n";
  return e->passed ? 0 : 1;
}

int runProposals(const CliState& state, const std::string& id) {
  auto learn = learnOf(state);
  if (!id.empty()) {
    auto p = learn.proposal(id);
    if (!p) return learnFail(p.error().message);
    std::cout << json::parse(l::proposalJson(*p, true)).dump(2) << "\n";
    return 0;
  }
  auto all = learn.proposals();
  if (!all) return learnFail(all.error().message);
  for (const auto& p : *all) std::cout << p.id << "  " << p.status << "  " << p.candidate << "  " << p.title << "\n";
  return 0;
}

int runStatus(const CliState& state) {
  auto st = learnOf(state).status();
  if (!st) return learnFail(st.error().message);
  std::cout << "service              custom.rs  generated.rs  repairs per epoch\n";
  for (const auto& s : st->services) {
    std::printf("%-20s %9d %13d ", s.service.c_str(), s.customLines, s.generatedLines);
    for (int n : s.repairsPerEpoch) std::printf(" %d", n);
    std::printf("\n");
  }
  std::printf("%-20s %9d %13d ", "total", st->customLines, st->generatedLines);
  for (int n : st->repairsPerEpoch) std::printf(" %d", n);
  std::printf("\n%zu open candidate(s), %zu proposal(s)\n", st->candidates.size(), st->proposals.size());
  return 0;
}

}  // namespace

void addLearnCommands(CLI::App& app, CliState& state) {
  auto* learn = app.add_subcommand("learn", "The Learn stroke: distill the repair log, propose and evaluate templates");
  learn->require_subcommand(1);
  auto threshold = std::make_shared<int>(0);
  auto* distill = learn->add_subcommand("distill", "Candidates for Forge templates: repeated repair shapes");
  distill->add_option("--threshold", *threshold, "Repairs of one shape (default: distill-threshold)");
  distill->callback([&state, threshold] { state.exitCode = runDistill(state, *threshold); });

  auto file = std::make_shared<std::string>();
  auto* propose = learn->add_subcommand("propose", "Check a proposal (a JSON file with learn_propose's arguments)");
  propose->add_option("file", *file, "The proposal's JSON")->required();
  propose->callback([&state, file] { state.exitCode = runPropose(state, *file); });

  auto id = std::make_shared<std::string>();
  auto all = std::make_shared<bool>(false);
  auto parallel = std::make_shared<int>(2);
  auto* evaluate = learn->add_subcommand("evaluate", "Score a proposal by replaying past repairs; writes its branch when it scores");
  evaluate->add_option("proposal", *id, "The proposal id")->required();
  evaluate->add_flag("--all", *all, "Replay every committed repair, not only the candidate's");
  evaluate->add_option("--parallel", *parallel, "Replays at once (1..8, default 2)")->check(CLI::Range(1, 8));
  evaluate->callback([&state, id, all, parallel] { state.exitCode = runEvaluate(state, *id, *all, *parallel); });

  auto showId = std::make_shared<std::string>();
  auto* proposals = learn->add_subcommand("proposals", "List the proposals, or show one");
  proposals->add_option("id", *showId, "A proposal id");
  proposals->callback([&state, showId] { state.exitCode = runProposals(state, *showId); });

  auto* status = learn->add_subcommand("status", "Lines of custom.rs and generated.rs, and repairs per cascade, per service");
  status->callback([&state] { state.exitCode = runStatus(state); });
}

}  // namespace flywheel::cli
