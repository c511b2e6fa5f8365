#include "mechanic/bench_gate.h"

#include <cmath>
#include <cstdio>
#include <regex>
#include <sstream>

#include "core/process.h"

namespace flywheel::mechanic {

std::map<std::string, double> parseBenchLines(std::string_view out) {
  static const std::regex kLine(R"(^test (\S+)\s+\.\.\. bench:\s+([0-9][0-9,]*(?:\.[0-9]+)?) ns/iter)");
  std::map<std::string, double> res;
  std::istringstream in{std::string(out)};
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (!std::regex_search(line, m, kLine)) continue;
    std::string digits;
    for (char c : m[2].str())
      if (c != ',') digits.push_back(c);
    res[m[1]] = std::strtod(digits.c_str(), nullptr);
  }
  return res;
}

Result<BenchRun> runBenches(const GauntletSpec& spec) {
  std::vector<std::string> argv = {"cargo", "bench", "--offline"};
  for (const auto& p : spec.packages) {
    if (p.empty() || p[0] == '-') return fail(Error::invalidArgument("package name '" + p + "' is not a crate name"));
    argv.insert(argv.end(), {"-p", p});
  }
  auto run = runProcess(cargoProcess(spec, std::move(argv)));
  if (!run) return fail(run.error());
  BenchRun b{.built = run->success(), .stopped = run->timedOut || run->cancelled, .seconds = run->seconds};
  b.nsPerIter = parseBenchLines(run->out);
  if (!b.built) {
    std::string err = run->err.size() > 1500 ? run->err.substr(run->err.size() - 1500) : run->err;
    b.note = run->timedOut ? "cargo bench exceeded its deadline" : run->cancelled ? "cargo bench was cancelled" : err;
  }
  return b;
}

BenchVerdict compareBenches(const std::map<std::string, double>& baseline,
                            const std::map<std::string, double>& variant, double minGain) {
  BenchVerdict v;
  double logSum = 0;
  int shared = 0;
  bool missing = false;
  char buf[256];
  for (const auto& [name, base] : baseline) {
    auto it = variant.find(name);
    if (it == variant.end()) {
      missing = true;
      v.summary += name + ": " + std::to_string(static_cast<long long>(base)) + " ns/iter -> missing\n";
      continue;
    }
    double r = base > 0 ? it->second / base : 1;
    logSum += std::log(std::max(r, 1e-9));
    ++shared;
    std::snprintf(buf, sizeof buf, "%s: %.0f -> %.0f ns/iter (%.2fx)\n", name.c_str(), base, it->second, r);
    v.summary += buf;
  }
  v.ratio = shared ? std::exp(logSum / shared) : 1;
  v.improved = shared > 0 && !missing && v.ratio <= 1 - minGain;
  std::snprintf(buf, sizeof buf, "geometric mean %.2fx (a variant is kept at %.2fx or better)", v.ratio, 1 - minGain);
  v.summary += shared ? buf : "no benchmark ran in both the baseline and the variant";
  return v;
}

}  // namespace flywheel::mechanic
