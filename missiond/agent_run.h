// One supervised agent run: the configured command (through /bin/sh -c) in
// its own process group, with a deadline, a watchdog on silent output, and
// everything it prints captured to a log file.
//
// Headless agents hang after their last event (anchors: 2 of 12 stream-json
// runs with 6 in parallel), so a run that prints nothing for `silence` is
// killed by pid, as is one past its deadline. When the agent prints Claude
// Code's stream-json, the final `result` event's `total_cost_usd` (the
// cumulative cost of the run) and `subtype` are read from it.
//
//   auto run = AgentRun::start(spec);
//   while (true) if (auto out = (*run)->poll(std::chrono::seconds(1))) break;
//
// Threads: poll() and stop() may be called from different threads.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"

namespace flywheel::missiond {

struct AgentSpec {
  std::string command;  ///< a shell command line
  std::filesystem::path cwd;
  std::map<std::string, std::string> env;  ///< added to the daemon's environment
  std::filesystem::path logPath;           ///< appended to (created with its directory)
  std::chrono::seconds deadline{1800};
  std::chrono::seconds silence{300};  ///< watchdog: no output this long kills the run
};

struct AgentOutcome {
  /// Empty when the agent exited 0; otherwise a short stable phrase: "exit 3",
  /// "signal 9", "deadline 1800s", "silent 300s", "stopped".
  std::string failure;
  int exitCode = -1;
  double seconds = 0;
  std::optional<double> costUsd;  ///< from the stream-json result event
  std::string resultSubtype;      ///< "success", "error_max_turns", ...
  bool stopped() const { return failure == "stopped"; }
};

class AgentRun {
 public:
  /// Starts the command. Fails when the log cannot be opened or the shell
  /// cannot be started.
  [[nodiscard]] static Result<std::unique_ptr<AgentRun>> start(const AgentSpec& spec);
  ~AgentRun();
  int pid() const;
  /// Waits up to `step`; the outcome once the run ended (the watchdog kills a
  /// silent run from here).
  std::optional<AgentOutcome> poll(std::chrono::milliseconds step);
  /// Kills the run (preemption, shutdown); poll() then reports "stopped".
  void stop();

  struct State;

 private:
  explicit AgentRun(std::shared_ptr<State> s) : s_(std::move(s)) {}
  std::shared_ptr<State> s_;
};

/// Reads Claude Code's stream-json `result` event from one output line:
/// (total_cost_usd, subtype); nullopt for any other line.
std::optional<std::pair<double, std::string>> parseResultEvent(const std::string& line);

}  // namespace flywheel::missiond
