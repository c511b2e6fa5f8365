#include "missiond/agent_run.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>
#include <mutex>

#include "core/process.h"

namespace flywheel::missiond {

using Clock = std::chrono::steady_clock;

struct AgentRun::State {
  std::unique_ptr<ChildProcess> child;
  std::FILE* log = nullptr;
  std::mutex mu;  // guards log, line, cost, subtype
  std::string line;
  std::optional<double> cost;
  std::string subtype;
  std::atomic<std::int64_t> lastOutputMs{0};
  std::atomic<bool> stopped{false};
  std::atomic<bool> silent{false};
  std::chrono::seconds deadline{0}, silence{0};
  Clock::time_point started = Clock::now();
  ~State() {
    if (log) std::fclose(log);
  }
  std::int64_t sinceStartMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  }
  void take(ChildStream stream, std::string_view chunk) {
    lastOutputMs = sinceStartMs();
    std::lock_guard lock(mu);
    if (log) {
      std::fwrite(chunk.data(), 1, chunk.size(), log);
      std::fflush(log);
    }
    if (stream != ChildStream::Out) return;
    for (char c : chunk) {
      if (c != '\n') {
        if (line.size() < (1u << 20)) line += c;
        continue;
      }
      if (auto r = parseResultEvent(line)) cost = r->first, subtype = r->second;
      line.clear();
    }
  }
};

std::optional<std::pair<double, std::string>> parseResultEvent(const std::string& line) {
  if (line.find("\"result\"") == std::string::npos) return std::nullopt;
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object() || j.value("type", "") != "result") return std::nullopt;
  double cost = 0;
  if (auto it = j.find("total_cost_usd"); it != j.end() && it->is_number()) cost = it->get<double>();
  return std::make_pair(cost, j.value("subtype", std::string()));
}

Result<std::unique_ptr<AgentRun>> AgentRun::start(const AgentSpec& spec) {
  auto s = std::make_shared<State>();
  std::error_code ec;
  std::filesystem::create_directories(spec.logPath.parent_path(), ec);
  s->log = std::fopen(spec.logPath.c_str(), "ab");
  if (!s->log)
    return fail(Error::io("cannot open the agent log " + spec.logPath.string() + "; check that .flywheel is writable"));
  s->deadline = spec.deadline;
  s->silence = spec.silence;
  ProcessSpec p{.argv = {"/bin/sh", "-c", spec.command}, .cwd = spec.cwd, .deadline = spec.deadline,
                .outputCap = 64u << 10};
  for (const auto& [k, v] : spec.env) p.env[k] = v;
  std::weak_ptr<State> weak = s;
  auto child = ChildProcess::spawn(std::move(p), [weak](ChildStream st, std::string_view chunk) {
    if (auto state = weak.lock()) state->take(st, chunk);
  });
  if (!child)
    return fail(Error::io("cannot start the agent command `" + spec.command + "`: " + child.error().message));
  s->child = std::move(*child);
  return std::unique_ptr<AgentRun>(new AgentRun(s));
}

AgentRun::~AgentRun() {
  if (s_->child) {
    s_->child->terminate();
    s_->child->wait();
  }
}

int AgentRun::pid() const { return s_->child->pid(); }

void AgentRun::stop() {
  s_->stopped = true;
  s_->child->terminate();
}

std::optional<AgentOutcome> AgentRun::poll(std::chrono::milliseconds step) {
  auto r = s_->child->waitFor(step);
  if (!r) {
    const auto silentMs = s_->sinceStartMs() - s_->lastOutputMs.load();
    if (!s_->silent && silentMs > std::chrono::duration_cast<std::chrono::milliseconds>(s_->silence).count()) {
      s_->silent = true;
      s_->child->terminate();
    }
    return std::nullopt;
  }
  AgentOutcome o;
  o.exitCode = r->exitCode;
  o.seconds = r->seconds;
  {
    std::lock_guard lock(s_->mu);
    if (!s_->line.empty())
      if (auto ev = parseResultEvent(s_->line)) s_->cost = ev->first, s_->subtype = ev->second;
    o.costUsd = s_->cost;
    o.resultSubtype = s_->subtype;
  }
  if (s_->stopped) o.failure = "stopped";
  else if (s_->silent) o.failure = "silent " + std::to_string(s_->silence.count()) + "s";
  else if (r->cancelled && !r->timedOut) o.failure = "stopped";  // the process-wide shutdown
  else if (r->timedOut) o.failure = "deadline " + std::to_string(s_->deadline.count()) + "s";
  else if (r->signal != 0) o.failure = "signal " + std::to_string(r->signal);
  else if (r->exitCode != 0) o.failure = "exit " + std::to_string(r->exitCode);
  return o;
}

}  // namespace flywheel::missiond
