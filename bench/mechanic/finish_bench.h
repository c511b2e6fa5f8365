// cascade_finish against one warm `cargo test --workspace` of the same
// change, on the same machine in the same run (issue 15: target <= 1.5x).
//
// For a universe (the shop, or a generated chain of N services): the
// repository is built once in place with its own target dir (`cargo test
// --workspace`, the warm-up), an intent is changed in the working tree, a
// cascade starts (startIntentCascade: stamp, per-crate gates of the changed
// services) and finishes (whole-workspace gauntlet, ref update, checkout).
// Then the same warm target dir runs `cargo test --workspace` on the landed
// tree: what a person would run in place after the change.
#pragma once

#include <filesystem>
#include <string>

namespace flywheel::bench {

/// Runs the comparison on examples/shop (service `user` gains a type) and on
/// a generated universe of `generated` services (its root service gains a
/// type), printing one JSON object per measurement. Returns 0 on success.
/// `agentSeconds`: the pause between cascade_start and cascade_finish, the
/// time an agent spends repairing (the cascade worktree's build dir is
/// prewarmed meanwhile; 0: finish at once, nothing prewarmed in time).
int benchFinish(const std::filesystem::path& base, int generated, int agentSeconds = 0);

}  // namespace flywheel::bench
