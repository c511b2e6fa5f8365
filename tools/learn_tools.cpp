// The learn tool group: learn_distill, learn_propose, learn_evaluate,
// learn_proposals and learn_status, over learn/learn.h. The agent writes the
// template; flywheel mines the log, checks, scores and guards.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "forge/template_set.h"
#include "learn/learn.h"
#include "server/params.h"
#include "tools/graph_support.h"
#include "tools/tool_groups.h"

namespace flywheel::tools {
namespace {

using nlohmann::json;
using mcp::ParamReader;
using mcp::ToolResult;
namespace l = flywheel::learn;
using graph::Page;

constexpr size_t kEvidenceShown = 20;
constexpr size_t kReplaysShown = 100;   // structuredContent; the rest is in the proposal's file
constexpr size_t kTextLines = 30;      // lines of a list in the text
constexpr size_t kServicesShown = 200;  // learn_status; `flywheel learn status` prints all

std::string fixed2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

/// Progress that only ever increases, as MCP wants, whatever the steps report.
struct Monotonic {
  mcp::ToolContext& ctx;
  double last = -1;
  void operator()(double done, double total, const std::string& msg) {
    double v = std::max(done, last + 0.001);
    last = v;
    ctx.progress(v, std::max(total, v), msg);
  }
};

json candidateJson(const l::Candidate& c) {
  json evidence = json::array();
  for (size_t k = 0; k < c.evidence.size() && k < kEvidenceShown; ++k) {
    const auto& e = c.evidence[k];
    evidence.push_back({{"repair", e.repair}, {"epoch", e.epoch}, {"service", e.service}, {"file", e.file},
                        {"startCommit", e.startCommit}, {"endCommit", e.endCommit}, {"intentFrom", e.intentFrom},
                        {"intentTo", e.intentTo}});
  }
  return {{"id", c.id}, {"level", c.shape.level}, {"before", c.shape.before}, {"after", c.shape.after},
          {"count", c.count}, {"services", c.services}, {"files", c.files}, {"intentChanges", c.intentChanges},
          {"generalises", c.generalises}, {"evidence", evidence}, {"evidenceTotal", c.evidence.size()}};
}

ToolResult distill(const l::Learn& learn, const json& args) {
  ParamReader r(args);
  std::optional<int> threshold;
  Page page;
  page.limit = 20;
  r.optional("threshold", threshold);
  graph::readPage(r, page);
  if (threshold && (*threshold < 1 || *threshold > 100000)) r.invalid("threshold", "must be 1..100000");
  if (auto e = r.finish(); !e) return graph::failed("learn_distill", e.error());
  auto res = learn.distill(threshold);
  if (!res) return graph::failed("learn_distill", res.error());
  json out = {{"committed", res->committed}, {"hunks", res->hunks}, {"shapes", res->shapes},
              {"total", res->candidates.size()}};
  graph::fillPage(out, "candidates", res->candidates.size(), page,
                  [&](size_t i) { return candidateJson(res->candidates[i]); });
  std::string text = std::to_string(res->candidates.size()) + " candidate(s) from " + std::to_string(res->committed) +
                     " committed repair(s), " + std::to_string(res->shapes) + " distinct shape(s)\n";
  for (const auto& c : out["candidates"]) {
    text += c["id"].get<std::string>() + " (level " + std::to_string(c["level"].get<int>()) + ", " +
            std::to_string(c["count"].get<int>()) + " repairs in";
    for (const auto& s : c["services"]) text += " " + s.get<std::string>();
    text += ")\n  before: " + c["before"].get<std::string>() + "\n  after:  " + c["after"].get<std::string>() + "\n";
    for (const auto& ch : c["intentChanges"]) text += "  after intent change: " + ch.get<std::string>() + "\n";
  }
  if (res->candidates.empty())
    text += "nothing repeats often enough yet (distill-threshold in universe.lisp; pass threshold to look lower)\n";
  else
    text += "next: write a template that generates the pattern, then learn_propose {candidate, templates, files}\n";
  if (out.contains("nextCursor")) text += "more: pass cursor " + out["nextCursor"].get<std::string>() + "\n";
  return ToolResult::ok(std::move(out), std::move(text));
}

std::string checksText(const l::Proposal& p) {
  std::string text;
  for (const auto& c : p.checks) text += "  " + c.name + ": " + (c.passed ? "ok" : "FAILED") + "\n";
  return text;
}

ToolResult propose(l::Learn& learn, const json& args, mcp::ToolContext& ctx) {
  ParamReader r(args);
  l::ProposalInput in;
  json templates = json::array(), files = json::array();
  r.required("candidate", in.candidate).optional("title", in.title).optional("templates", templates).optional("files", files);
  for (const auto& t : templates)
    if (t.is_object() && t.contains("name") && t["name"].is_string() && t.contains("text") && t["text"].is_string())
      in.templates[t["name"].get<std::string>()] = t["text"].get<std::string>();
    else r.invalid("templates", "items are {name, text} (the template's file name without .tmpl, and its text)");
  for (const auto& f : files)
    if (f.is_object() && f.contains("path") && f["path"].is_string() && f.contains("text") && f["text"].is_string())
      in.files[f["path"].get<std::string>()] = f["text"].get<std::string>();
    else r.invalid("files", "items are {path, text} (universe-relative path, the file's whole new text)");
  if (auto e = r.finish(); !e) return graph::failed("learn_propose", e.error());
  Monotonic progress{ctx};
  auto p = learn.propose(in, std::ref(progress), &ctx.cancelFlag());
  if (!p) return graph::failed("learn_propose", p.error());
  json out = json::parse(l::proposalJson(*p, false));
  std::string text = "proposal " + p->id + ": " + p->status + "\n" + checksText(*p);
  if (p->status == "refused")
    text += "REFUSED: " + p->refusal.substr(0, 6000) + "\nfix the templates or files and call learn_propose again\n";
  else
    text += "checked in a worktree of its own at " + p->baseCommit.substr(0, 12) + " (your branch is untouched)\n"
            "next: learn_evaluate {proposal: \"" + p->id + "\"} replays the candidate's repairs with it\n";
  return ToolResult::ok(std::move(out), std::move(text));
}

ToolResult evaluate(l::Learn& learn, const json& args, mcp::ToolContext& ctx) {
  ParamReader r(args);
  std::string id;
  l::EvaluateOptions o;
  r.required("proposal", id).optional("all", o.all).optional("parallel", o.parallel);
  if (o.parallel < 1 || o.parallel > 8) r.invalid("parallel", "must be 1..8");
  if (auto e = r.finish(); !e) return graph::failed("learn_evaluate", e.error());
  Monotonic progress{ctx};
  o.progress = std::ref(progress);
  o.cancel = &ctx.cancelFlag();
  auto e = learn.evaluate(id, o);
  if (!e) return graph::failed("learn_evaluate", e.error());
  json out = json::parse(l::evaluationJson(*e));
  out["proposal"] = id;
  out["replaysTotal"] = e->replays.size();
  if (out["replays"].size() > kReplaysShown) out["replays"].erase(out["replays"].begin() + kReplaysShown, out["replays"].end());
  std::string text = "proposal " + id + ": utility " + fixed2(e->utility) + " (" + std::to_string(e->unnecessary) + " of " +
                     std::to_string(e->replayed) + " replayed repairs unnecessary; threshold " + fixed2(e->threshold) +
                     "), same as the repair's code " + fixed2(e->sameAsHuman) + ", " +
                     std::to_string(e->regressions.size()) + " regression(s)\n";
  for (size_t k = 0; k < e->replays.size() && k < kTextLines; ++k) {
    const auto& rr = e->replays[k];
    text += "  " + rr.repair + " (epoch " + std::to_string(rr.epoch) + ", " + rr.service + "): " +
            (rr.neededNow ? "still needed: " + rr.note.substr(0, 200) : std::string("unnecessary")) + "\n";
  }
  if (e->replays.size() > kTextLines)
    text += "  ... " + std::to_string(e->replays.size() - kTextLines) + " more replays: learn_proposals {id: \"" + id +
            "\"} or .flywheel/learn/proposals/" + id + ".json\n";
  for (size_t k = 0; k < e->regressions.size() && k < 10; ++k) text += "  REGRESSION " + e->regressions[k].substr(0, 400) + "\n";
  for (size_t k = 0; k < e->notes.size() && k < 10; ++k) text += "  note: " + e->notes[k].substr(0, 300) + "\n";
  text += !e->branch.empty() ? "branch " + e->branch + " written (" + e->branchCommit.substr(0, 12) +
                                   "); a human merges it with git. The description is in .flywheel/learn/proposals/" + id + ".md\n"
                             : std::string("no branch: ") + (e->replayed == 0 ? "nothing could be replayed"
                                                             : !e->regressions.empty() ? "a regression fails the proposal"
                                                                                       : "the utility is below the threshold") + "\n";
  return ToolResult::ok(std::move(out), std::move(text));
}

ToolResult proposals(const l::Learn& learn, const json& args) {
  ParamReader r(args);
  std::optional<std::string> id;
  Page page;
  page.limit = 50;
  r.optional("id", id);
  graph::readPage(r, page);
  if (auto e = r.finish(); !e) return graph::failed("learn_proposals", e.error());
  json out = {{"proposals", json::array()}};
  std::string text;
  if (id) {
    auto p = learn.proposal(*id);
    if (!p) return graph::failed("learn_proposals", p.error());
    auto trimmed = [](json j) {  // an evaluation of `all` can replay thousands of repairs
      if (j.contains("evaluation") && j["evaluation"]["replays"].size() > kReplaysShown) {
        auto& rs = j["evaluation"]["replays"];
        rs.erase(rs.begin() + kReplaysShown, rs.end());
      }
      return j;
    };
    json one = trimmed(json::parse(l::proposalJson(*p, true)));
    // A page holds the texts only when they fit; the file always has them.
    if (one.dump().size() > graph::kPageChars) {
      one = trimmed(json::parse(l::proposalJson(*p, false)));
      one["textsOmitted"] = "the templates' and files' texts are over one page; read .flywheel/learn/proposals/" + p->id + ".json";
    }
    out["proposals"].push_back(std::move(one));
    text = "proposal " + p->id + " (" + p->status + "): " + p->title + "\n" + checksText(*p) +
           (p->refusal.empty() ? "" : "refusal: " + p->refusal.substr(0, 4000) + "\n");
    return ToolResult::ok(std::move(out), std::move(text));
  }
  auto all = learn.proposals();
  if (!all) return graph::failed("learn_proposals", all.error());
  graph::fillPage(out, "proposals", all->size(), page, [&](size_t i) {
    const auto& p = (*all)[i];
    return json{{"id", p.id}, {"status", p.status}, {"candidate", p.candidate}, {"title", p.title},
                {"utility", p.evaluation ? p.evaluation->utility : 0.0}};
  });
  for (const auto& p : out["proposals"])
    text += p["id"].get<std::string>() + " " + p["status"].get<std::string>() + " candidate " +
            p["candidate"].get<std::string>() + " utility " + fixed2(p["utility"].get<double>()) + ": " +
            p["title"].get<std::string>() + "\n";
  if (all->empty()) text = "no proposals yet; learn_distill finds candidates, learn_propose submits one\n";
  if (out.contains("nextCursor")) text += "more: pass cursor " + out["nextCursor"].get<std::string>() + "\n";
  return ToolResult::ok(std::move(out), std::move(text));
}

ToolResult status(const l::Learn& learn, const json& args) {
  ParamReader r(args);
  if (auto e = r.finish(); !e) return graph::failed("learn_status", e.error());
  auto st = learn.status();
  if (!st) return graph::failed("learn_status", st.error());
  json services = json::array();
  std::string text = "custom.rs " + std::to_string(st->customLines) + " lines, generated.rs " +
                     std::to_string(st->generatedLines) + " lines; repairs per cascade (epochs";
  for (auto e : st->epochs) text += " " + std::to_string(e);
  text += "):";
  for (int n : st->repairsPerEpoch) text += " " + std::to_string(n);
  text += "\n";
  for (size_t k = 0; k < st->services.size() && k < kServicesShown; ++k) {
    const auto& s = st->services[k];
    services.push_back({{"service", s.service}, {"customLines", s.customLines}, {"generatedLines", s.generatedLines},
                        {"repairsPerEpoch", s.repairsPerEpoch}});
    if (k < kTextLines)
      text += "  " + s.service + ": custom " + std::to_string(s.customLines) + ", generated " + std::to_string(s.generatedLines) + "\n";
  }
  if (st->services.size() > kTextLines)
    text += "  ... " + std::to_string(st->services.size() - kTextLines) + " more services (`flywheel learn status` lists all)\n";
  json cands = json::array(), props = json::array();
  for (size_t k = 0; k < st->candidates.size() && k < 20; ++k) cands.push_back({{"id", st->candidates[k].id}, {"count", st->candidates[k].count}});
  for (size_t k = st->proposals.size() > 20 ? st->proposals.size() - 20 : 0; k < st->proposals.size(); ++k) {
    const auto& p = st->proposals[k];  // the 20 newest
    props.push_back({{"id", p.id}, {"status", p.status}, {"candidate", p.candidate},
                     {"utility", p.evaluation ? p.evaluation->utility : 0.0}});
  }
  text += std::to_string(st->candidates.size()) + " open candidate(s), " + std::to_string(st->proposals.size()) +
          " proposal(s); " + fixed2(st->proposalsGreenShare) + " of proposals passed every gate unchanged\n";
  json out = {{"epochs", st->epochs}, {"customLines", st->customLines}, {"generatedLines", st->generatedLines},
              {"repairsPerEpoch", st->repairsPerEpoch}, {"services", services}, {"candidates", cands},
              {"proposals", props}, {"proposalsGreenShare", st->proposalsGreenShare},
              {"servicesTotal", st->services.size()}, {"candidatesTotal", st->candidates.size()},
              {"proposalsTotal", st->proposals.size()}};
  return ToolResult::ok(std::move(out), std::move(text));
}

}  // namespace

Result<void> registerLearnTools(mcp::Registry& registry, const Services& services) {
  auto learn = std::make_shared<l::Learn>(l::LearnConfig{services.config.universeRoot, services.config.stateDir,
                                                         forge::TemplateSet::rustDir(services.config.sourceDir)});
  auto r = registry.addTool(
      {.name = "learn_distill",
       .title = "Distill the repair log",
       .description = "Clusters the committed repairs of the repair log by the shape of their diffs (intent symbols, "
                      "primitive types and locals abstracted into numbered holes; level 2 abstracts every name). A "
                      "shape repeated at least distill-threshold times across two or more services is a candidate "
                      "for a Forge template: id (stable), before -> after, count, services, files, the intent changes "
                      "that triggered it and the evidence (repair, epoch, commits). Paged.",
       .annotations = {.readOnly = true, .idempotent = true},
       .handler = [learn](const json& args, mcp::ToolContext&) { return distill(*learn, args); }});
  if (r)
    r = registry.addTool(
        {.name = "learn_propose",
         .title = "Propose a template for a candidate",
         .description = "Submits a template proposal for a learn_distill candidate: templates ({name, text}: files of "
                        "the universe's templates folder, added or overriding built-ins) and files ({path, text}: the "
                        "whole new text of custom.rs files whose hand-written pattern the template now generates, and "
                        "of intent.lisp files opting in with (template NAME TYPE...)). flywheel checks it in a worktree "
                        "of its own, never your branch: templates parse, intents load, the universe stamps twice "
                        "byte-identically, every crate passes the gates. A refused proposal says which check failed.",
         .annotations = {.readOnly = false, .destructive = false, .idempotent = true},
         .handler = [learn](const json& args, mcp::ToolContext& ctx) { return propose(*learn, args, ctx); }});
  if (r)
    r = registry.addTool(
        {.name = "learn_evaluate",
         .title = "Score a proposal by replay",
         .description = "Replays the candidate's repairs (all=true: every repair of the log) with the proposal: at the "
                        "commit before each intent change, carry the proposal over, apply the change, stamp, run the "
                        "gates. utility = repairs made unnecessary / replayed; a crate green in history and red now is "
                        "a regression. When utility >= meta-utility-threshold with no regression, writes the branch "
                        "flywheel/proposal/<id> (never your branch) and a pull-request description.",
         .annotations = {.readOnly = false, .destructive = false, .idempotent = true},
         .handler = [learn](const json& args, mcp::ToolContext& ctx) { return evaluate(*learn, args, ctx); }});
  if (r)
    r = registry.addTool({.name = "learn_proposals",
                          .title = "Learn proposals",
                          .description = "Lists the template proposals (id, status, candidate, utility), or shows one "
                                         "(id) with its templates, files, checks and evaluation.",
                          .annotations = {.readOnly = true, .idempotent = true},
                          .handler = [learn](const json& args, mcp::ToolContext&) { return proposals(*learn, args); }});
  if (r)
    r = registry.addTool({.name = "learn_status",
                          .title = "How the flywheel turns",
                          .description = "Per service: lines of custom.rs and generated.rs, and repairs per cascade over "
                                         "the last epochs; the open candidates and proposals, and the share of "
                                         "proposals that passed every gate unchanged.",
                          .annotations = {.readOnly = true, .idempotent = true},
                          .handler = [learn](const json& args, mcp::ToolContext&) { return status(*learn, args); }});
  return r;
}

}  // namespace flywheel::tools
