#include "mechanic/gauntlet.h"

#include <algorithm>
#include <cstdio>
#include <regex>

#include "core/process.h"

namespace flywheel::mechanic {

namespace {

std::string fmtSeconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", s);
  return buf;
}

std::string tail(const std::string& s, size_t lines) {
  size_t pos = s.size(), n = 0;
  while (pos > 0 && n <= lines) {
    pos = s.rfind('\n', pos - 1);
    if (pos == std::string::npos) return s.substr(0, 2000);
    ++n;
  }
  std::string t = s.substr(pos + 1);
  return t.size() > 2000 ? t.substr(t.size() - 2000) : t;
}

std::vector<std::string> failedTestsIn(const std::vector<std::string>& lines) {
  static const std::regex kFailed(R"(^test (\S+) \.\.\. FAILED)");
  std::vector<std::string> out;
  std::smatch m;
  for (const auto& l : lines)
    if (std::regex_search(l, m, kFailed)) out.push_back(m[1]);
  return out;
}

}  // namespace

std::string GauntletResult::summary() const {
  std::string out;
  for (const auto& g : gates) {
    out += g.gate + ": " + (g.passed ? "ok" : "FAILED");
    if (!g.passed && g.errors) out += " " + std::to_string(g.errors) + " error(s)";
    if (!g.passed && g.gate == "e2e" && !g.stopped) out += ", exit status " + std::to_string(g.exitStatus);
    if (!g.failedTests.empty()) out += " " + std::to_string(g.failedTests.size()) + " failing test(s)";
    if (g.warnings) out += ", " + std::to_string(g.warnings) + " warning(s)";
    out += " (" + fmtSeconds(g.seconds) + ")\n";
  }
  if (cancelled) out += "cancelled\n";
  return out;
}

std::string diagnosticsText(const std::vector<CargoDiagnostic>& diags, size_t maxChars) {
  std::string out;
  size_t shown = 0;
  for (const auto& d : diags) {
    std::string item = d.oneLine() + "\n";
    if (out.size() + item.size() > maxChars) break;
    out += item;
    ++shown;
  }
  if (shown < diags.size()) out += "... " + std::to_string(diags.size() - shown) + " more in structuredContent\n";
  return out;
}

std::string GauntletResult::details(size_t maxChars) const {
  if (gates.empty() || gates.back().passed) return {};
  const GateResult& red = gates.back();
  std::string out;
  if (!red.diagnostics.empty()) out += diagnosticsText(red.diagnostics, maxChars / 2);
  size_t shown = 0;
  auto add = [&](const std::string& item) {
    if (out.size() + item.size() + 1 > maxChars) return false;
    out += item + "\n";
    ++shown;
    return true;
  };
  for (const auto& f : red.failures)
    if (!add(f.oneLine())) break;
  for (size_t i = red.failures.size(); i < red.failedTests.size(); ++i)
    if (!add("test " + red.failedTests[i] + " failed")) break;
  const size_t total = std::max(red.failures.size(), red.failedTests.size());
  if (shown < total) out += "... " + std::to_string(total - shown) + " more failing test(s) in structuredContent\n";
  if (red.diagnostics.empty() && total == 0 && !red.note.empty()) out += red.note + "\n";
  return out;
}

Result<std::vector<std::string>> gateCommand(const std::string& gate, const std::vector<std::string>& packages) {
  std::vector<std::string> argv = {"cargo"};
  if (gate == "check") argv.push_back("check");
  else if (gate == "clippy") argv.push_back("clippy");
  else if (gate == "test") argv.push_back("test");
  else
    return fail(Error::invalidArgument("unknown gate '" + gate + "'; the gates are check, clippy and test"));
  argv.insert(argv.end(), {"--offline", "--message-format=json"});
  for (const auto& p : packages) {
    if (p.empty() || p[0] == '-')
      return fail(Error::invalidArgument("package name '" + p + "' is not a crate name"));
    argv.insert(argv.end(), {"-p", p});
  }
  if (packages.empty()) argv.push_back("--workspace");
  // Tests, examples and benches too: an edit inside #[cfg(test)] must be
  // compiled and linted now, not first found by the test gate.
  if (gate != "test") argv.push_back("--all-targets");
  if (gate == "clippy") argv.insert(argv.end(), {"--", "-D", "warnings"});
  return argv;
}

ProcessSpec cargoProcess(const GauntletSpec& spec, std::vector<std::string> argv) {
  return ProcessSpec{.argv = std::move(argv),
                     .cwd = spec.workspaceDir,
                     .env = {{"CARGO_TARGET_DIR", spec.targetDir.string()},
                             {"CARGO_TERM_COLOR", "never"},
                             {"RUSTFLAGS", std::nullopt},
                             {"RUST_BACKTRACE", "0"},  // a failing test's message, not its stack
                             {"CARGO_BUILD_JOBS", "2"}},
                     .deadline = spec.gateDeadline,
                     .cancelFlags = spec.cancelFlags};
}

Result<GateResult> runGate(const GauntletSpec& spec, const std::string& gate) {
  auto argv = gateCommand(gate, spec.packages);
  if (!argv) return fail(argv.error());
  auto run = runProcess(cargoProcess(spec, std::move(*argv)));
  if (!run) return fail(run.error());
  auto parsed = parseCargoJson(run->out, spec.workspaceDir.string());
  GateResult g;
  g.gate = gate;
  g.seconds = run->seconds;
  g.errors = countLevel(parsed.diagnostics, "error");
  g.warnings = countLevel(parsed.diagnostics, "warning");
  g.passed = run->success();
  g.diagnostics = std::move(parsed.diagnostics);
  if (g.diagnostics.size() > spec.maxDiagnostics) g.diagnostics.resize(spec.maxDiagnostics);
  if (gate == "test") {
    g.failedTests = failedTestsIn(parsed.otherLines);
    g.failures = parseTestFailures(parsed.otherLines);
  }
  g.stopped = run->timedOut || run->cancelled;
  if (run->timedOut) g.note = gate + " exceeded its deadline and was stopped";
  else if (run->cancelled) g.note = gate + " was cancelled";
  else if (!g.passed && g.errors == 0 && g.failedTests.empty()) g.note = tail(run->err, 15);
  return g;
}

Result<GateResult> runE2eGate(const E2eSpec& spec) {
  auto run = runProcess({.argv = {"sh", "-c", spec.command},
                         .cwd = spec.universeDir,
                         .env = {{"FLYWHEEL_EPOCH", std::to_string(spec.epoch)},
                                 {"CARGO_TARGET_DIR", spec.targetDir.string()},
                                 {"CARGO_TERM_COLOR", "never"}},
                         .deadline = spec.deadline,
                         .cancelFlags = spec.cancelFlags});
  if (!run) return fail(Error{run.error().code, "the e2e gate `" + spec.command + "` could not start: " + run.error().message});
  GateResult g;
  g.gate = "e2e";
  g.seconds = run->seconds;
  g.passed = run->success();
  g.exitStatus = run->exitCode;
  g.stopped = run->timedOut || run->cancelled;
  const long deadline = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(spec.deadline).count());
  if (run->timedOut)
    g.note = "e2e `" + spec.command + "` exceeded its deadline (" + std::to_string(deadline) +
             " s) and was stopped with everything it started";
  else if (run->cancelled)
    g.note = "e2e was cancelled";
  else if (!g.passed)
    g.note = "e2e `" + spec.command + "` " +
             (run->signal ? "was killed by signal " + std::to_string(run->signal)
                          : "exited with status " + std::to_string(run->exitCode));
  if (!g.passed) {
    if (!run->out.empty()) g.note += "\nits stdout ends with:\n" + tail(run->out, 20);
    if (!run->err.empty()) g.note += "\nits stderr ends with:\n" + tail(run->err, 20);
  }
  return g;
}

namespace {

/// The check gate as the covering clippy run reports it: passed, no run of its own.
GateResult coveredCheck() {
  GateResult g;
  g.gate = "check";
  g.passed = true;
  g.note = "covered by clippy: the clippy gate type-checked the same targets and passed";
  return g;
}

}  // namespace

Result<GauntletResult> runGauntlet(const GauntletSpec& spec) {
  GauntletResult res;
  const double total = static_cast<double>(spec.gates.size());
  auto finishWith = [&](GateResult g) {  // true: stop here
    res.seconds += g.seconds;
    const bool red = !g.passed, cancelled = g.stopped;
    res.gates.push_back(std::move(g));
    if (cancelled) res.cancelled = true;
    return red || cancelled;
  };
  for (size_t i = 0; i < spec.gates.size(); ++i) {
    const auto& gate = spec.gates[i];
    const bool coverCheck = spec.clippyCoversCheck && gate == "check" && i + 1 < spec.gates.size() &&
                            spec.gates[i + 1] == "clippy";
    if (spec.progress) spec.progress(static_cast<double>(i), total, "running " + (coverCheck ? "clippy" : gate));
    if (coverCheck) {
      auto clippy = runGate(spec, "clippy");
      if (!clippy) return fail(clippy.error());
      if (clippy->passed || clippy->stopped) {
        if (clippy->passed) res.gates.push_back(coveredCheck());
        if (finishWith(std::move(*clippy))) return res;
        ++i;  // clippy ran
        continue;
      }
      // Red: what check says comes first, as in the plain order.
      auto check = runGate(spec, "check");
      if (!check) return fail(check.error());
      if (finishWith(std::move(*check))) {
        res.seconds += clippy->seconds;  // spent, though check's verdict is the one reported
        return res;
      }
      finishWith(std::move(*clippy));
      return res;
    }
    auto g = runGate(spec, gate);
    if (!g) return fail(g.error());
    if (finishWith(std::move(*g))) return res;
  }
  if (spec.progress) spec.progress(total, total, "all gates passed");
  res.green = true;
  return res;
}

}  // namespace flywheel::mechanic
