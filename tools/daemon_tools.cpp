// The daemon tool group: daemon_status, the live picture of a `flywheel
// daemon` on this universe (missiond/status.h): its slots, the current
// epoch's tasks and the epoch's state, budget and stop reason. It reads the
// status file the daemon rewrites as things change, so any flywheel process
// on the universe (the daemon's own server, a person's `flywheel serve`)
// answers the same.
#include "missiond/status.h"
#include "server/params.h"
#include "tools/tool_groups.h"

namespace flywheel::tools {
namespace {

using nlohmann::json;
using mcp::ToolResult;

ToolResult daemonStatus(const std::filesystem::path& stateDir, const json& args) {
  mcp::ParamReader r(args);
  if (auto e = r.finish(); !e) return ToolResult::error("daemon_status: " + e.error().message);
  auto st = missiond::readDaemonStatus(stateDir);
  if (!st) {
    if (st.error().code == "not_found")
      return ToolResult::ok({{"running", false}, {"message", st.error().message}}, st.error().message);
    return ToolResult::error("daemon_status: " + st.error().message);
  }
  return ToolResult::ok(json::parse(st->json), st->text);
}

}  // namespace

Result<void> registerDaemonTools(mcp::Registry& registry, const Services& services) {
  const auto stateDir = services.config.stateDir;
  return registry.addTool(
      {"daemon_status", "Show the daemon's slots, tasks and epochs",
       "The live state of `flywheel daemon` on this universe: whether it runs (pid, MCP address), what each agent "
       "slot is doing (idle, tier 0, agent: task, service, pid), the current epoch's tasks on the board, the epoch's "
       "state (running, landed, halted, budget, superseded, not-landed) with its agent runs, cost and why it stopped, "
       "and today's budget.",
       {.readOnly = true, .idempotent = true},
       [stateDir](const json& args, mcp::ToolContext&) { return daemonStatus(stateDir, args); }});
}

}  // namespace flywheel::tools
