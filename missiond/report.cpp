// The morning report of an epoch, the live status file, and the default
// agent's command and prompt.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <sstream>

#include "core/atomic_file.h"
#include "missiond/daemon_impl.h"
#include "missiond/status.h"

namespace flywheel::missiond {
namespace {

using nlohmann::json;

std::string money(double usd) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.2f", usd);
  return buf;
}

std::string secs(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", s);
  return buf;
}

std::string markdown(const EpochLedger& l) {
  std::ostringstream md;
  md << "# flywheel daemon: epoch " << l.epoch << " — " << l.state << "\n\n";
  md << "- commits: `" << l.from.substr(0, 12) << ".." << l.to.substr(0, 12) << "`\n";
  if (!l.newCommit.empty())
    md << "- user's branch: `" << l.oldCommit.substr(0, 12) << "` -> `" << l.newCommit.substr(0, 12) << "`\n";
  if (!l.stopReason.empty()) md << "- why it stopped: " << l.stopReason << "\n";
  int tier0 = 0;
  for (const auto& [n, s] : l.services) tier0 += s.outcome == "tier 0" ? 1 : 0;
  md << "- agent runs: " << l.runs << ", cost " << money(l.costUsd) << ", services repaired by tier 0: " << tier0 << "\n";
  md << "- time: " << secs(l.seconds) << " (cascade start " << secs(l.cascadeSeconds) << ", tier 0 "
     << secs(l.tier0Seconds) << ", agents " << secs(l.agentSeconds) << ", finish " << secs(l.finishSeconds) << ")\n\n";
  md << "## What changed\n\n```\n" << l.change << "\n```\n\n## Services\n\n";
  md << "| service | wave | task | outcome | failed runs | tier 0 fixes | cost | runs and notes |\n|---|---|---|---|---|---|---|---|\n";
  for (const auto& [name, s] : l.services) {
    std::string notes = s.haltReason;
    for (const auto& r : s.runs) notes += (notes.empty() ? "" : "; ") + r;
    md << "| " << name << " | " << s.wave << " | " << (s.taskId.empty() ? "-" : s.taskId) << " | "
       << (s.outcome.empty() ? "pending" : s.outcome) << " | " << s.attempts << " | " << s.tier0Fixes << " | "
       << money(s.costUsd) << " | " << notes << " |\n";
  }
  md << "\n## Gates\n\n```\n" << (l.gates.empty() ? "(cascade_finish did not run)" : l.gates) << "\n```\n";
  return md.str();
}

json ledgerJson(const EpochLedger& l) {
  json services = json::object();
  for (const auto& [n, s] : l.services)
    services[n] = {{"task", s.taskId},       {"outcome", s.outcome.empty() ? "pending" : s.outcome},
                   {"attempts", s.attempts}, {"tier0_fixes", s.tier0Fixes},
                   {"halt_reason", s.haltReason}, {"cost_usd", s.costUsd}};
  return {{"epoch", l.epoch},   {"state", l.state}, {"stop_reason", l.stopReason}, {"runs", l.runs},
          {"cost_usd", l.costUsd}, {"from", l.from}, {"to", l.to}, {"new_commit", l.newCommit},
          {"services", services}};
}

}  // namespace

void Daemon::Impl::reportLocked() {
  if (!ledger) return;
  const std::string md = markdown(*ledger);
  const auto path = stateDir / "reports" / ("epoch-" + std::to_string(ledger->epoch) + ".md");
  if (auto r = writeFileAtomic(path, md); !r) spdlog::error("missiond: cannot write {}: {}", path.string(), r.error().message);
  const std::string title = "daemon report: epoch " + std::to_string(ledger->epoch) + " " + ledger->state;
  if (hooks.remember) hooks.remember(title, md);
  if (hooks.announce) hooks.announce(title + (ledger->stopReason.empty() ? "" : " (" + ledger->stopReason + ")") +
                                     "; report: " + path.string());
  ledger->reported = true;
  spdlog::info("missiond: {}; report at {}", title, path.string());
}

void Daemon::Impl::writeStatus() {
  std::int64_t epoch = 0;
  {
    std::lock_guard lock(mu);
    epoch = state.epoch;
  }
  json tasks = json::array();
  if (epoch > 0)
    (void)withBoard([&](board::Board& b) -> Result<void> {
      auto page = b.list({.epoch = epoch, .limit = board::kMaxPageLimit});
      if (!page) return fail(page.error());
      for (const auto& t : page->tasks)
        tasks.push_back({{"id", t.id}, {"service", t.service}, {"status", board::toString(t.status)},
                         {"wave", t.wave}, {"assignee", t.assignee}, {"note", t.note.substr(0, 300)}});
      return {};
    });
  std::lock_guard lock(mu);
  json slotsJ = json::array();
  for (const auto& s : slots)
    slotsJ.push_back({{"slot", s.slot}, {"phase", s.phase}, {"task", s.task}, {"service", s.service},
                      {"epoch", s.epoch}, {"pid", s.pid}, {"since", s.since}});
  json j = {{"pid", ::getpid()},     {"mcp_url", opt.mcpUrl}, {"slots", slotsJ},     {"tasks", tasks},
            {"epoch", ledger ? ledgerJson(*ledger) : json(nullptr)},
            {"budget", {{"today_runs", day.runs}, {"today_cost_usd", day.costUsd}, {"stop", budgetStop()}}},
            {"last_error", lastError},       {"stopping", stopping.load()}};
  std::string text = j.dump(1);
  if (text == lastStatus) return;
  lastStatus = text;
  if (auto r = writeFileAtomic(daemonDir(stateDir) / "status.json", text); !r)
    spdlog::error("missiond: cannot write status.json: {}", r.error().message);
}

Result<DaemonStatusFile> readDaemonStatus(const std::filesystem::path& stateDir) {
  auto text = readFile(daemonDir(stateDir) / "status.json");
  if (!text) {
    if (text.error().code == "not_found")
      return fail(Error::notFound("no flywheel daemon has run on this universe (no " +
                                  (daemonDir(stateDir) / "status.json").string() + "); start one with `flywheel daemon`"));
    return fail(text.error());
  }
  DaemonStatusFile out;
  int fd = ::open((daemonDir(stateDir) / "lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    out.running = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
    ::close(fd);
  }
  auto j = json::parse(*text, nullptr, false);
  if (!j.is_object()) return fail(Error::io("status.json is not JSON; restart the daemon"));
  j["running"] = out.running;
  out.json = j.dump();
  std::ostringstream t;
  t << "daemon: " << (out.running ? "running" : "not running") << " (pid " << j.value("pid", 0) << ", "
    << j.value("mcp_url", "") << ")\n";
  for (const auto& s : j["slots"])
    t << "  slot " << s.value("slot", 0) << ": " << s.value("phase", "") << (s.value("task", "").empty() ? "" : " ")
      << s.value("task", "") << (s.value("service", "").empty() ? "" : " (" + s.value("service", "") + ")") << "\n";
  if (j["epoch"].is_object()) {
    const auto& e = j["epoch"];
    t << "epoch " << e.value("epoch", 0) << ": " << e.value("state", "") << ", " << e.value("runs", 0)
      << " agent run(s), " << money(e.value("cost_usd", 0.0));
    if (!e.value("stop_reason", "").empty()) t << " — " << e.value("stop_reason", "");
    t << "\n";
  }
  for (const auto& task : j["tasks"])
    t << "  " << task.value("id", "") << " " << task.value("service", "") << ": " << task.value("status", "")
      << (task.value("assignee", "").empty() ? "" : " by " + task.value("assignee", "")) << "\n";
  if (!j["budget"].value("stop", "").empty()) t << "budget: " << j["budget"].value("stop", "") << "\n";
  out.text = t.str();
  return out;
}

std::string defaultAgentCommand(const DaemonOptions& o) {
  const std::string tools =
      "mcp__flywheel__repair_open,mcp__flywheel__repair_view,mcp__flywheel__repair_search,"
      "mcp__flywheel__repair_plan,mcp__flywheel__repair_edit,mcp__flywheel__repair_validate,"
      "mcp__flywheel__repair_commit,mcp__flywheel__cascade_status,mcp__flywheel__kb_search,mcp__flywheel__kb_get";
  char budget[32];
  std::snprintf(budget, sizeof budget, "%.2f", o.agentBudgetUsd);
  return "claude -p \"$FLYWHEEL_PROMPT\" --mcp-config \"$FLYWHEEL_MCP_CONFIG\" --strict-mcp-config --tools \"\""
         " --allowedTools \"" + tools + "\" --permission-mode dontAsk --max-turns " + std::to_string(o.agentMaxTurns) +
         " --max-budget-usd " + budget + " --output-format stream-json --verbose --no-session-persistence";
}

std::string agentPrompt(const std::string& task, std::int64_t epoch, const std::string& service) {
  const std::string e = std::to_string(epoch);
  return "You are a background repair agent of flywheel (task " + task + ", epoch " + e + ", service " + service +
         "). An intent change broke the service `" + service + "`; repair it through flywheel's MCP tools only.\n"
         "1. repair_open {\"epoch\": " + e + ", \"service\": \"" + service + "\"}: read the diagnostics.\n"
         "2. repair_view / repair_search / kb_search to understand each error; then repair_plan with your strategy.\n"
         "3. repair_edit to fix the hand-written code (governance rules are enforced; generated.rs is Forge's).\n"
         "4. repair_validate until the gauntlet is green, then repair_commit.\n"
         "Do not call cascade_finish: the daemon lands the cascade when every service is green. "
         "Every edit and validation counts toward the service's repair-cycle limit; stop when repair_commit succeeds.";
}

}  // namespace flywheel::missiond
