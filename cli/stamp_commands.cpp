// `flywheel stamp [SERVICE...] [--dry-run] [--check] [--force]`: Forge from the
// command line, over the same domain API as the `stamp` tool.
//
// Prints one line per file that changes (or would, with --dry-run, followed
// by its diff), intent problems like a compiler, and with --check one line
// per checked crate. Exit status: 0 when everything was stamped (and, with
// --check, every crate checks); 1 otherwise.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "forge/cargo_check.h"
#include "forge/stamper.h"
#include "universe/ir.h"

namespace flywheel::cli {

namespace {

struct StampArgs {
  std::vector<std::string> services;
  bool dryRun = false;
  bool check = false;
  bool force = false;
};

void printReport(const forge::StampReport& report) {
  for (const auto& d : report.problems) std::cerr << d.toString() << "\n";
  for (const auto& f : report.files) {
    std::cout << (report.dryRun && f.status != forge::FileStatus::Refused ? "would be " : "")
              << forge::fileStatusName(f.status) << " " << f.path;
    if (!f.reason.empty()) std::cout << ": " << f.reason;
    std::cout << "\n";
    if (!f.diff.empty() && (report.dryRun || f.status == forge::FileStatus::Refused)) std::cout << f.diff;
  }
  for (const auto& s : report.skipped) std::cout << "skipped " << s << ": no rust target\n";
  std::cout << "stamped " << report.stamped.size() << " service(s): " << report.written << " file(s) written, "
            << report.unchanged << " unchanged\n";
}

int runCheck(const std::filesystem::path& root, const std::vector<std::string>& stamped) {
  auto loaded = universe::loadUniverse(root);
  if (!loaded) {
    std::cerr << "flywheel: " << loaded.error().message << "\n";
    return 1;
  }
  auto set = forge::withDependents(loaded->universe, stamped);
  auto check = forge::cargoCheck(loaded->universe, set, {.targetDir = root / ".flywheel" / "builds" / "forge-stamp"});
  if (!check) {
    std::cerr << "flywheel: " << check.error().message << "\n";
    return 1;
  }
  for (const auto& c : check->crates) {
    std::cout << "check " << c.service << ": " << forge::crateStatusName(c.status);
    if (!c.blockedBy.empty()) std::cout << " (by " << c.blockedBy << ")";
    if (c.errors) std::cout << ", " << c.errors << " error(s); first: " << c.firstError;
    std::cout << "\n";
  }
  if (check->timedOut) std::cerr << "flywheel: cargo check timed out\n";
  return check->failing().empty() && !check->timedOut ? 0 : 1;
}

int runStamp(const CliState& state, const StampArgs& args) {
  auto root = resolveUniverse(state);
  auto stamper = forge::Stamper::create(forge::TemplateSet::rustDir(sourceDir()));
  if (!stamper) {
    std::cerr << "flywheel: " << stamper.error().message << "\n";
    return 1;
  }
  auto loaded = universe::loadUniverse(root);
  if (!loaded) {
    std::cerr << "flywheel: " << loaded.error().message << "\n";
    return 1;
  }
  auto report = stamper->stamp(*loaded, {.services = args.services, .dryRun = args.dryRun, .force = args.force});
  if (!report) {
    std::cerr << "flywheel: " << report.error().message << "\n";
    return 1;
  }
  printReport(*report);
  int rc = report->ok() ? 0 : 1;
  if (args.check && !args.dryRun && !report->stamped.empty() && runCheck(root, report->stamped) != 0) rc = 1;
  return rc;
}

}  // namespace

void addStampCommands(CLI::App& app, CliState& state) {
  auto args = std::make_shared<StampArgs>();
  auto* cmd = app.add_subcommand("stamp", "Stamp src/generated.rs (and Cargo.toml forge blocks) from intents");
  cmd->add_option("services", args->services, "Services to stamp (default: all)");
  cmd->add_flag("--dry-run", args->dryRun, "Print what would change, with diffs; write nothing");
  cmd->add_flag("--check", args->check, "Then cargo check the stamped crates and their dependents");
  cmd->add_flag("--force", args->force, "Overwrite a generated.rs edited by hand");
  cmd->callback([&state, args]() { state.exitCode = runStamp(state, *args); });
}

}  // namespace flywheel::cli
