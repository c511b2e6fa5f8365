// The Learn stroke's facade: distill the repair log, check an agent's
// template proposal, score it by replay, write a proposal branch, and say
// how the flywheel is turning. learn/ never moves the user's branch or
// touches their working tree: every check and replay runs in a worktree of
// its own (mechanic/worktrees.h, kind "proposal" or "replay").
//
//   Learn learn({.universeRoot = root, .stateDir = root / ".flywheel"});
//   auto cands = learn.distill();                          // learn_distill
//   auto p = learn.propose({.candidate = id, .templates = {...}, .files = {...}});
//   auto e = learn.evaluate(p->id, {});                    // learn_evaluate
//
// State: <stateDir>/learn/proposals/<id>.json (and <id>.md, the pull-request
// description), refs/flywheel/proposals/<id> (the checked commit) and the
// branch flywheel/proposal/<id> once a proposal scores.
//
// Threads: propose and evaluate of one Learn are serialised (a mutex); the
// replays of one evaluation run in parallel up to EvaluateOptions::parallel.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "learn/distill.h"

namespace flywheel::learn {

struct LearnConfig {
  std::filesystem::path universeRoot;
  std::filesystem::path stateDir;      ///< <universe>/.flywheel
  std::filesystem::path templatesDir;  ///< flywheel's base templates (empty: built in)
};

using ProgressFn = std::function<void(double done, double total, const std::string& message)>;

struct ProposalInput {
  std::string candidate;  ///< a learn_distill candidate id
  std::string title;
  std::map<std::string, std::string> templates;  ///< template name (no .tmpl) -> text
  std::map<std::string, std::string> files;      ///< universe-relative path -> full new text
};

struct CheckStep {
  std::string name;  ///< templates, intents, stamp, deterministic, gates
  bool passed = false;
  std::string detail;
  double seconds = 0;
};

struct ReplayResult {
  std::string repair, service, file;
  std::int64_t epoch = 0;
  bool neededBefore = true;  ///< history needed this repair
  bool neededNow = true;     ///< with the proposal, the crate is still red
  bool sameAsHuman = false;  ///< the generated items equal the ones the repair wrote
  std::string note;
};

struct Evaluation {
  int replayed = 0, unnecessary = 0, skipped = 0;
  double utility = 0;
  double sameAsHuman = 0;  ///< share of replayed repairs whose generated code equals the repair's
  std::vector<ReplayResult> replays;
  std::vector<std::string> regressions;  ///< "e3: billing was green and is red: <first error>"
  std::vector<std::string> notes;        ///< replays skipped and why
  double threshold = 0.6;
  bool passed = false;  ///< utility >= threshold, no regression, something replayed
  std::string branch, branchCommit;
  double seconds = 0;
};

struct Proposal {
  std::string id, candidate, title;
  std::string status;  ///< refused, checked, evaluated (scored below threshold), branched
  std::string baseCommit, commit;  ///< the user's HEAD when proposed; the checked commit
  std::string templatesDir;        ///< the universe's templates folder the proposal writes to
  std::map<std::string, std::string> templates, files;
  std::vector<CheckStep> checks;
  std::string refusal;  ///< which check failed, where, what to do
  std::optional<Evaluation> evaluation;
  double createdAt = 0;
};

struct EvaluateOptions {
  bool all = false;  ///< replay every committed repair of the log, not only the candidate's evidence
  int parallel = 2;
  const std::atomic<bool>* cancel = nullptr;
  ProgressFn progress;
};

struct ServiceStatus {
  std::string service;
  int customLines = 0, generatedLines = 0;
  std::vector<int> repairsPerEpoch;  ///< committed repairs in each of LearnStatus::epochs
};

struct LearnStatus {
  std::vector<std::int64_t> epochs;  ///< the last epochs of the log (at most 5), oldest first
  std::vector<ServiceStatus> services;
  int customLines = 0, generatedLines = 0;
  std::vector<int> repairsPerEpoch;  ///< all services
  std::vector<Candidate> candidates;
  std::vector<Proposal> proposals;
  double proposalsGreenShare = 0;  ///< proposals whose commit passed every gate unchanged
};

class Learn {
 public:
  explicit Learn(LearnConfig config);

  /// Candidates at the universe's distill-threshold (or `threshold`).
  [[nodiscard]] Result<DistillResult> distill(std::optional<int> threshold = std::nullopt) const;

  /// Checks the proposal in a worktree of its own at the user's HEAD:
  /// templates parse, intents load, the universe stamps, twice
  /// byte-identically, and every crate passes the universe's gates. A
  /// refused proposal is stored too (status "refused", `refusal` says why).
  /// Errors: a bad request (unknown candidate, a path outside what a
  /// proposal may change, oversized input).
  [[nodiscard]] Result<Proposal> propose(const ProposalInput& input, const ProgressFn& progress = {},
                                         const std::atomic<bool>* cancel = nullptr);

  [[nodiscard]] Result<std::vector<Proposal>> proposals() const;
  [[nodiscard]] Result<Proposal> proposal(const std::string& id) const;

  /// Replays the candidate's repairs (or all) with the proposal; writes the
  /// proposal branch when it scores.
  [[nodiscard]] Result<Evaluation> evaluate(const std::string& id, const EvaluateOptions& options);

  [[nodiscard]] Result<LearnStatus> status() const;

  const LearnConfig& config() const { return config_; }

 private:
  LearnConfig config_;
  std::shared_ptr<std::mutex> mutex_ = std::make_shared<std::mutex>();
};

// The proposal store (proposal_store.cpp).
std::filesystem::path proposalPath(const std::filesystem::path& stateDir, const std::string& id);
[[nodiscard]] Result<void> saveProposal(const std::filesystem::path& stateDir, const Proposal& p);
[[nodiscard]] Result<Proposal> loadProposal(const std::filesystem::path& stateDir, const std::string& id);
[[nodiscard]] Result<std::vector<Proposal>> loadProposals(const std::filesystem::path& stateDir);

/// The proposal as JSON text (the tools' structuredContent reuses it).
std::string proposalJson(const Proposal& p, bool withTexts);
std::string evaluationJson(const Evaluation& e);

}  // namespace flywheel::learn
