// The Learn facade: distill over the universe's log and settings, the
// proposals on disk, and the flywheel's status (learn.h).
#include "learn/learn.h"

#include <algorithm>
#include <fstream>
#include <set>

#include "core/atomic_file.h"

namespace flywheel::learn {

namespace fs = std::filesystem;

Learn::Learn(LearnConfig config) : config_(std::move(config)) {}

Result<DistillResult> Learn::distill(std::optional<int> threshold) const {
  auto loaded = universe::loadUniverse(config_.universeRoot);
  if (!loaded) return fail(loaded.error());
  auto log = readRepairLog(config_.stateDir / "repairs.jsonl");
  DistillOptions o;
  o.threshold = threshold.value_or(loaded->universe.settings.distillThreshold);
  return learn::distill(log.records, symbolsOf(loaded->universe), o);
}

Result<std::vector<Proposal>> Learn::proposals() const { return loadProposals(config_.stateDir); }
Result<Proposal> Learn::proposal(const std::string& id) const { return loadProposal(config_.stateDir, id); }

namespace {

int lineCount(const fs::path& p) {
  std::ifstream in(p);
  int n = 0;
  std::string line;
  while (std::getline(in, line)) ++n;
  return n;
}

}  // namespace

Result<LearnStatus> Learn::status() const {
  auto loaded = universe::loadUniverse(config_.universeRoot);
  if (!loaded) return fail(loaded.error());
  auto log = readRepairLog(config_.stateDir / "repairs.jsonl");
  LearnStatus st;
  std::set<std::int64_t> epochs;
  for (const auto& r : log.records) epochs.insert(r.epoch);
  for (auto it = epochs.rbegin(); it != epochs.rend() && st.epochs.size() < 5; ++it) st.epochs.insert(st.epochs.begin(), *it);
  st.repairsPerEpoch.assign(st.epochs.size(), 0);
  for (const auto& s : loaded->universe.services) {
    ServiceStatus ss;
    ss.service = s.name;
    ss.customLines = lineCount(config_.universeRoot / s.dir / "src" / "custom.rs");
    ss.generatedLines = lineCount(config_.universeRoot / s.dir / "src" / "generated.rs");
    ss.repairsPerEpoch.assign(st.epochs.size(), 0);
    for (const auto& r : log.records) {
      if (r.service != s.name || r.outcome != "committed") continue;
      auto at = std::find(st.epochs.begin(), st.epochs.end(), r.epoch);
      if (at == st.epochs.end()) continue;
      ++ss.repairsPerEpoch[at - st.epochs.begin()];
      ++st.repairsPerEpoch[at - st.epochs.begin()];
    }
    st.customLines += ss.customLines;
    st.generatedLines += ss.generatedLines;
    st.services.push_back(std::move(ss));
  }
  DistillOptions o;
  o.threshold = loaded->universe.settings.distillThreshold;
  st.candidates = learn::distill(log.records, symbolsOf(loaded->universe), o).candidates;
  auto props = proposals();
  if (!props) return fail(props.error());
  st.proposals = std::move(*props);
  int green = 0;
  for (const auto& p : st.proposals) green += p.status != "refused";
  st.proposalsGreenShare = st.proposals.empty() ? 0 : static_cast<double>(green) / static_cast<double>(st.proposals.size());
  return st;
}

}  // namespace flywheel::learn
