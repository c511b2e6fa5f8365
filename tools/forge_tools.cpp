// The forge tool group: `stamp` and `forge_patterns` over forge/ (see
// forge/stamper.h, forge/cargo_check.h, forge/patterns.h).
//
// Each `stamp` call loads the universe fresh from the working tree (intents
// are small; a stale cache would stamp the wrong code), stamps, and when asked
// runs cargo check on the stamped crates and their dependents, in
// <universe>/.flywheel/builds/forge-stamp. Output stays under a 20k page:
// diffs share a budget and are dropped past it (`diffsTruncated`).
#include <memory>

#include "forge/cargo_check.h"
#include "forge/patterns.h"
#include "forge/stamper.h"
#include "server/params.h"
#include "tools/tool_groups.h"
#include "universe/ir.h"

namespace flywheel::tools {
namespace {

using nlohmann::json;
using mcp::ParamReader;
using mcp::ToolResult;

constexpr size_t kDiffBudget = 14000;  // characters of diffs per reply
constexpr size_t kMaxProblems = 40;

struct StampParams {
  std::vector<std::string> services;
  bool dryRun = false;
  bool force = false;
  bool check = false;
};

Result<StampParams> readStampParams(const json& args) {
  StampParams p;
  ParamReader r(args);
  r.optional("services", p.services).optional("dryRun", p.dryRun).optional("force", p.force).optional("check", p.check);
  if (p.services.size() > 1000) r.invalid("services", "lists more than 1000 names; pass none to stamp every service");
  if (p.dryRun && p.check) r.invalid("check", "cannot run with dryRun (nothing is written to check); drop one");
  if (auto e = r.finish(); !e) return fail(e.error());
  return p;
}

json problemsJson(const universe::Diagnostics& problems) {
  json out = json::array();
  for (size_t i = 0; i < problems.size() && i < kMaxProblems; ++i) {
    const auto& d = problems[i];
    out.push_back({{"file", d.file}, {"line", d.pos.line}, {"col", d.pos.col}, {"message", d.message}});
  }
  return out;
}

json reportJson(const forge::StampReport& report) {
  json files = json::array();
  size_t budget = kDiffBudget;
  bool truncated = false;
  for (const auto& f : report.files) {
    json j = {{"path", f.path}, {"service", f.service}, {"status", std::string(forge::fileStatusName(f.status))}};
    if (!f.reason.empty()) j["reason"] = f.reason;
    if (!f.diff.empty()) {
      if (f.diff.size() <= budget) {
        j["diff"] = f.diff;
        budget -= f.diff.size();
      } else {
        truncated = true;
      }
    }
    files.push_back(std::move(j));
  }
  return {{"ok", report.ok()},           {"dryRun", report.dryRun},     {"stamped", report.stamped},
          {"skipped", report.skipped},   {"files", files},              {"unchanged", report.unchanged},
          {"written", report.written},   {"diffsTruncated", truncated}, {"problems", problemsJson(report.problems)},
          {"problemCount", report.problems.size()}};
}

json checkJson(const forge::CheckReport& check) {
  json crates = json::array();
  for (const auto& c : check.crates) {
    json j = {{"service", c.service}, {"crate", c.crate}, {"status", std::string(forge::crateStatusName(c.status))}};
    if (c.errors) j["errors"] = c.errors;
    if (!c.firstError.empty()) j["firstError"] = c.firstError;
    if (!c.blockedBy.empty()) j["blockedBy"] = c.blockedBy;
    crates.push_back(std::move(j));
  }
  return {{"crates", crates},           {"failing", check.failing()}, {"seconds", check.seconds},
          {"timedOut", check.timedOut}, {"cancelled", check.cancelled}};
}

/// The stamp's outcome as text: per file its status (and diff or reason),
/// the problems, the cargo check; diffs as plain text, not JSON-escaped.
std::string stampText(const json& out) {
  std::string t = std::string(out["dryRun"].get<bool>() ? "dry run: " : "") + "stamped " +
                  std::to_string(out["stamped"].size()) + " service(s), " + std::to_string(out["written"].get<size_t>()) +
                  " file(s) written, " + std::to_string(out["unchanged"].get<size_t>()) + " unchanged\n";
  for (const auto& f : out["files"]) {
    t += "  " + f["status"].get<std::string>() + " " + f["path"].get<std::string>() + "\n";
    if (f.contains("reason")) t += "    " + f["reason"].get<std::string>() + "\n";
    if (f.contains("diff")) t += f["diff"].get<std::string>() + "\n";
  }
  if (out["diffsTruncated"].get<bool>()) t += "(some diffs left out to keep the page small: stamp fewer services)\n";
  for (const auto& p : out["problems"])
    t += p["file"].get<std::string>() + ":" + std::to_string(p["line"].get<int>()) + ":" +
         std::to_string(p["col"].get<int>()) + ": " + p["message"].get<std::string>() + "\n";
  if (out.contains("check"))
    for (const auto& c : out["check"]["crates"])
      t += "cargo check " + c["crate"].get<std::string>() + ": " + c["status"].get<std::string>() +
           (c.contains("firstError") ? ": " + c["firstError"].get<std::string>() : "") + "\n";
  return t;
}

ToolResult runStamp(const forge::Stamper& stamper, const AppConfig& config, const json& args, mcp::ToolContext& ctx) {
  auto p = readStampParams(args);
  if (!p) return ToolResult::error("stamp: " + p.error().message);
  auto loaded = universe::loadUniverse(config.universeRoot);
  if (!loaded) return ToolResult::error("stamp: cannot load the universe: " + loaded.error().message);
  auto report = stamper.stamp(*loaded, {.services = p->services, .dryRun = p->dryRun, .force = p->force});
  if (!report) return ToolResult::error(report.error().message);
  json out = reportJson(*report);
  if (p->check && !report->stamped.empty()) {
    ctx.progress(0, 1, "cargo check of the stamped crates and their dependents");
    auto reloaded = universe::loadUniverse(config.universeRoot);
    if (!reloaded) return ToolResult::error("stamp: cannot reload the universe: " + reloaded.error().message);
    auto set = forge::withDependents(reloaded->universe, report->stamped);
    auto check = forge::cargoCheck(reloaded->universe, set,
                                   {.targetDir = config.stateDir / "builds" / "forge-stamp",
                                    .cancel = &ctx.cancelFlag()});
    if (!check) return ToolResult::error("stamp: files stamped, but cargo check could not run: " + check.error().message);
    out["check"] = checkJson(*check);
    ctx.progress(1, 1, "cargo check done");
  }
  std::string text = stampText(out);
  return ToolResult::ok(std::move(out), std::move(text));
}

ToolResult listPatterns(const json& args) {
  std::string only;
  ParamReader r(args);
  r.optional("pattern", only);
  if (auto e = r.finish(); !e) return ToolResult::error("forge_patterns: " + e.error().message);
  json patterns = json::array();
  for (const auto& pat : forge::patternCatalog()) {
    if (!only.empty() && pat.name != only) continue;
    patterns.push_back({{"name", pat.name},           {"title", pat.title},   {"form", pat.form},
                        {"generated", pat.generated}, {"custom", pat.custom}, {"example", pat.example}});
  }
  if (patterns.empty()) {
    std::string names;
    for (const auto& pat : forge::patternCatalog()) names += (names.empty() ? "" : ", ") + std::string(pat.name);
    return ToolResult::error("forge_patterns: no pattern '" + only + "'; known: " + names);
  }
  return ToolResult::ok({{"patterns", patterns}, {"docs", "docs/forge.md"}});
}

}  // namespace

Result<void> registerForgeTools(mcp::Registry& registry, const Services& services) {
  const AppConfig& config = services.config;
  auto created = forge::Stamper::create(forge::TemplateSet::rustDir(config.sourceDir));
  if (!created) return fail(created.error());
  auto stamper = std::make_shared<const forge::Stamper>(std::move(*created));
  auto r = registry.addTool(
      {.name = "stamp",
       .title = "Stamp generated code from intents",
       .description =
           "Rewrites src/generated.rs of the given services (none: all) from their intent.lisp, keeps the forge "
           "blocks of Cargo.toml in sync and creates lib.rs/custom.rs once. Never touches custom.rs. Refuses a "
           "hand-edited generated.rs unless force. dryRun returns the diff per file without writing. check runs "
           "cargo check on the stamped crates and their dependents and returns which fail (first error each).",
       .annotations = {.readOnly = false, .destructive = false, .idempotent = true},
       .handler = [stamper, config](const json& args, mcp::ToolContext& ctx) {
         return runStamp(*stamper, config, args, ctx);
       }});
  if (!r) return r;
  return registry.addTool(
      {.name = "forge_patterns",
       .title = "List Forge's stamping patterns",
       .description = "The 8 stamping patterns (cron-worker listed apart): intent form, the Rust API generated.rs "
                      "gets, and what custom.rs implements. Pass pattern to get one.",
       .annotations = {.readOnly = true, .idempotent = true},
       .handler = [](const json& args, mcp::ToolContext&) { return listPatterns(args); }});
}

}  // namespace flywheel::tools
