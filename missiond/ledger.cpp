#include "missiond/ledger.h"

#include <nlohmann/json.hpp>

#include <ctime>

#include "core/atomic_file.h"

namespace flywheel::missiond {
namespace {

using nlohmann::json;

json toJson(const ServiceLedger& s) {
  return {{"task", s.taskId},         {"wave", s.wave},           {"outcome", s.outcome},
          {"halt_reason", s.haltReason}, {"attempts", s.attempts}, {"last_failure", s.lastFailure},
          {"not_before_ms", s.notBeforeMs}, {"tier0_fixes", s.tier0Fixes}, {"cost_usd", s.costUsd},
          {"runs", s.runs}};
}

ServiceLedger serviceFrom(const json& j) {
  ServiceLedger s;
  s.taskId = j.value("task", "");
  s.wave = j.value("wave", 0);
  s.outcome = j.value("outcome", "");
  s.haltReason = j.value("halt_reason", "");
  s.attempts = j.value("attempts", 0);
  s.lastFailure = j.value("last_failure", "");
  s.notBeforeMs = j.value("not_before_ms", std::int64_t{0});
  s.tier0Fixes = j.value("tier0_fixes", 0);
  s.costUsd = j.value("cost_usd", 0.0);
  s.runs = j.value("runs", std::vector<std::string>{});
  return s;
}

Result<std::optional<json>> readJson(const std::filesystem::path& p) {
  auto text = readFile(p);
  if (!text) {
    if (text.error().code == "not_found") return std::optional<json>();
    return fail(text.error());
  }
  auto j = json::parse(*text, nullptr, false);
  if (!j.is_object())
    return fail(Error::io(p.string() + " is not a JSON object; move it aside and restart the daemon"));
  return std::optional<json>(std::move(j));
}

std::string today() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace

std::filesystem::path daemonDir(const std::filesystem::path& stateDir) { return stateDir / "daemon"; }

Result<void> saveLedger(const std::filesystem::path& stateDir, const EpochLedger& l) {
  json services = json::object();
  for (const auto& [name, s] : l.services) services[name] = toJson(s);
  json j = {{"epoch", l.epoch},         {"from", l.from},         {"to", l.to},
            {"change", l.change},       {"state", l.state},       {"stop_reason", l.stopReason},
            {"runs", l.runs},           {"cost_usd", l.costUsd},  {"services", services},
            {"gates", l.gates},         {"old_commit", l.oldCommit}, {"new_commit", l.newCommit},
            {"started_at", l.startedAt}, {"seconds", l.seconds}, {"cascade_seconds", l.cascadeSeconds},
            {"tier0_seconds", l.tier0Seconds}, {"agent_seconds", l.agentSeconds},
            {"finish_seconds", l.finishSeconds}, {"reported", l.reported}, {"busy", l.busy}};
  return writeFileAtomic(daemonDir(stateDir) / ("epoch-" + std::to_string(l.epoch) + ".json"), j.dump(1));
}

Result<std::optional<EpochLedger>> loadLedger(const std::filesystem::path& stateDir, std::int64_t epoch) {
  auto j = readJson(daemonDir(stateDir) / ("epoch-" + std::to_string(epoch) + ".json"));
  if (!j) return fail(j.error());
  if (!*j) return std::optional<EpochLedger>();
  const json& v = **j;
  EpochLedger l;
  l.epoch = v.value("epoch", epoch);
  l.from = v.value("from", "");
  l.to = v.value("to", "");
  l.change = v.value("change", "");
  l.state = v.value("state", "running");
  l.stopReason = v.value("stop_reason", "");
  l.runs = v.value("runs", 0);
  l.costUsd = v.value("cost_usd", 0.0);
  if (auto it = v.find("services"); it != v.end() && it->is_object())
    for (const auto& [name, s] : it->items()) l.services[name] = serviceFrom(s);
  l.gates = v.value("gates", "");
  l.oldCommit = v.value("old_commit", "");
  l.newCommit = v.value("new_commit", "");
  l.startedAt = v.value("started_at", 0.0);
  l.seconds = v.value("seconds", 0.0);
  l.cascadeSeconds = v.value("cascade_seconds", 0.0);
  l.tier0Seconds = v.value("tier0_seconds", 0.0);
  l.agentSeconds = v.value("agent_seconds", 0.0);
  l.finishSeconds = v.value("finish_seconds", 0.0);
  l.reported = v.value("reported", false);
  if (auto it = v.find("busy"); it != v.end() && it->is_array())
    for (const auto& b : *it)
      if (b.is_array() && b.size() == 2 && b[0].is_number() && b[1].is_number())
        l.busy.emplace_back(b[0].get<double>(), b[1].get<double>());
  return std::optional<EpochLedger>(std::move(l));
}

Result<void> saveState(const std::filesystem::path& stateDir, const DaemonState& s) {
  json j = {{"last_head", s.lastHead}, {"pending_from", s.pendingFrom}, {"epoch", s.epoch}};
  return writeFileAtomic(daemonDir(stateDir) / "state.json", j.dump(1));
}

Result<DaemonState> loadState(const std::filesystem::path& stateDir) {
  auto j = readJson(daemonDir(stateDir) / "state.json");
  if (!j) return fail(j.error());
  DaemonState s;
  if (*j) {
    s.lastHead = (*j)->value("last_head", "");
    s.pendingFrom = (*j)->value("pending_from", "");
    s.epoch = (*j)->value("epoch", std::int64_t{0});
  }
  return s;
}

Result<void> saveDay(const std::filesystem::path& stateDir, const DayBudget& d) {
  json j = {{"day", d.day}, {"runs", d.runs}, {"cost_usd", d.costUsd}};
  return writeFileAtomic(daemonDir(stateDir) / ("day-" + d.day + ".json"), j.dump(1));
}

Result<DayBudget> loadToday(const std::filesystem::path& stateDir) {
  DayBudget d{.day = today()};
  auto j = readJson(daemonDir(stateDir) / ("day-" + d.day + ".json"));
  if (!j) return fail(j.error());
  if (*j) {
    d.runs = (*j)->value("runs", 0);
    d.costUsd = (*j)->value("cost_usd", 0.0);
  }
  return d;
}

}  // namespace flywheel::missiond
