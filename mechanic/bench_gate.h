// The benchmark gate of `self-distillation`.
//
// In self-distillation a variant of a service is kept only when the gauntlet
// passes and `cargo bench` improves on the code the variant started from
// (INTENT.md, governance modes). Benchmarks report in libtest's format, one
// line per benchmark:
//
//   test parse_big ... bench:       1,234 ns/iter (+/- 56)
//
// which `#[bench]` prints on nightly and a `harness = false` bench target
// prints on stable (the shop's and the tests' benches do). The verdict
// compares the benchmarks both runs have, by the geometric mean of their
// variant/baseline ratios, and asks for a clear gain so that noise alone
// never keeps a variant.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "core/error.h"
#include "mechanic/gauntlet.h"

namespace flywheel::mechanic {

/// One `cargo bench` run of a package.
struct BenchRun {
  bool built = false;                         ///< cargo bench exited 0
  bool stopped = false;                       ///< cancelled or past its deadline
  double seconds = 0;
  std::map<std::string, double> nsPerIter;    ///< benchmark name -> ns/iter
  std::string note;                           ///< why it failed (the tail of cargo's stderr)
};

/// The benchmarks in libtest-format output (other lines are ignored).
std::map<std::string, double> parseBenchLines(std::string_view out);

/// Runs `cargo bench --offline -p PKG` for spec.packages in spec.workspaceDir
/// with spec.targetDir (no shell; the spec's deadline and cancel flags apply).
[[nodiscard]] Result<BenchRun> runBenches(const GauntletSpec& spec);

struct BenchVerdict {
  bool improved = false;
  double ratio = 1;       ///< geometric mean of variant/baseline over shared benchmarks
  std::string summary;    ///< one line per benchmark, then the verdict
};

/// Improved when every baseline benchmark ran in the variant too and the
/// geometric mean ratio is at most 1 - minGain.
BenchVerdict compareBenches(const std::map<std::string, double>& baseline,
                            const std::map<std::string, double>& variant, double minGain = 0.05);

}  // namespace flywheel::mechanic
