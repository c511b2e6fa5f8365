// Prewarming the cascade worktree's build dir.
//
// cascade_finish runs clippy and the tests of the whole workspace in the
// cascade worktree. Its build dir is its own (never shared: a shared one can
// give a false green), so without help it compiles the test profile of every
// changed crate from scratch at finish, while the agent's minutes of repair
// work left both cores idle between validations. A prewarm runs the finish
// gates' own compilations (the exact clippy command, then `cargo test
// --no-run`) at low priority in that build dir after cascade_start and after
// every repair_commit, so finish finds them built. It never decides
// anything: finish still runs every gate itself. It stops when the epoch is
// superseded or aborted (the epoch's cancel flag), when repair_open copies
// the build dir to seed a sandbox (restarted after the copy), and at finish,
// which waits for it (the work is what finish needs next). A killed cargo
// leaves no artifact with a fresh fingerprint, so a stop is always safe.
// FLYWHEEL_PREWARM=0 turns it off.
#include <cstdlib>
#include <cstring>

#include "mechanic/gauntlet.h"
#include "mechanic/mechanic.h"

namespace flywheel::mechanic {

namespace {

bool prewarmEnabled() {
  const char* v = std::getenv("FLYWHEEL_PREWARM");
  return !(v && std::strcmp(v, "0") == 0);
}

}  // namespace

void Mechanic::startPrewarm(std::int64_t epoch) {
  if (!prewarmEnabled()) return;
  stopPrewarm(epoch, false);
  const std::string name = cascadeWorktreeName(epoch);
  GauntletSpec gates{.workspaceDir = worktreeUniverse(name), .targetDir = buildDir(name)};
  auto clippy = gateCommand("clippy", {});
  auto test = gateCommand("test", {});
  if (!clippy || !test) return;
  test->push_back("--no-run");
  auto quoted = [](const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) out += " '" + a + "'";
    return out;
  };
  // Both in one low-priority shell: clippy's metadata, then the test binaries.
  ProcessSpec spec = cargoProcess(gates, {"nice", "-n", "15", "sh", "-c",
                                          "exec >/dev/null 2>&1;" + quoted(*clippy) + ";" + quoted(*test)});
  spec.deadline = std::chrono::minutes(30);
  spec.outputCap = 4096;
  spec.cancelFlags = {epochFlag(epoch).get()};
  auto child = ChildProcess::spawn(std::move(spec));
  if (!child) return;  // a prewarm that cannot start changes nothing but speed
  std::lock_guard lock(prewarmMu_);
  std::erase_if(prewarm_, [](const auto& kv) { return !kv.second->running(); });  // finished or superseded
  prewarm_[epoch] = std::shared_ptr<ChildProcess>(std::move(*child));
}

void Mechanic::stopPrewarm(std::int64_t epoch, bool wait, const std::atomic<bool>* cancel) {
  std::shared_ptr<ChildProcess> child;
  {
    std::lock_guard lock(prewarmMu_);
    auto it = prewarm_.find(epoch);
    if (it == prewarm_.end()) return;
    child = std::move(it->second);
    prewarm_.erase(it);
  }
  if (wait)
    while (!child->waitFor(std::chrono::milliseconds(200)))
      if (cancel && cancel->load()) break;
  child->terminate();
  (void)child->wait();
}

}  // namespace flywheel::mechanic
