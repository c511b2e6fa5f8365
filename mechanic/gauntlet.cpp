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

Result<GauntletResult> runGauntlet(const GauntletSpec& spec) {
  GauntletResult res;
  const double total = static_cast<double>(spec.gates.size());
  for (size_t i = 0; i < spec.gates.size(); ++i) {
    const auto& gate = spec.gates[i];
    if (spec.progress) spec.progress(static_cast<double>(i), total, "running " + gate);
    auto g = runGate(spec, gate);
    if (!g) return fail(g.error());
    res.seconds += g->seconds;
    bool red = !g->passed;
    bool cancelled = g->stopped;
    res.gates.push_back(std::move(*g));
    if (cancelled) {
      res.cancelled = true;
      return res;
    }
    if (red) return res;
  }
  if (spec.progress) spec.progress(total, total, "all gates passed");
  res.green = true;
  return res;
}

}  // namespace flywheel::mechanic
