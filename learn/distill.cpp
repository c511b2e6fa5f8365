// Clustering committed repairs by diff shape (distill.h).
#include "learn/distill.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "forge/generation_gap.h"
#include "forge/rust_names.h"

namespace flywheel::learn {

namespace {

struct Cluster {
  Shape shape;
  std::set<size_t> members;  // record indexes
  std::set<std::string> services, files, changes, children;
  std::vector<std::pair<size_t, std::string>> evidence;  // record index, file
};

void add(Cluster& c, const mechanic::RepairRecord& r, size_t index, const std::string& file) {
  if (!c.members.insert(index).second) return;
  c.services.insert(r.service);
  c.files.insert(file);
  if (!r.intentChange.empty()) c.changes.insert(r.intentChange);
  c.evidence.emplace_back(index, file);
}

Candidate toCandidate(const Cluster& c, const std::vector<mechanic::RepairRecord>& records) {
  Candidate out;
  out.shape = c.shape;
  out.id = candidateId(c.shape);
  out.count = static_cast<int>(c.members.size());
  out.services.assign(c.services.begin(), c.services.end());
  out.files.assign(c.files.begin(), c.files.end());
  out.intentChanges.assign(c.changes.begin(), c.changes.end());
  out.generalises.assign(c.children.begin(), c.children.end());
  for (const auto& [i, file] : c.evidence) {
    const auto& r = records[i];
    out.evidence.push_back({repairId(r), r.epoch, r.service, file, r.startCommit, r.endCommit, r.intentFrom,
                            r.intentTo, r.baseCommit});
  }
  return out;
}

}  // namespace

LogRead readRepairLog(const std::filesystem::path& log) {
  LogRead out;
  std::ifstream in(log);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    auto r = mechanic::parseRepairRecord(line);
    if (r) out.records.push_back(std::move(*r));
    else out.warnings.push_back(log.filename().string() + ":" + std::to_string(n) + ": " + r.error().message);
  }
  return out;
}

std::string repairId(const mechanic::RepairRecord& r) {
  return !r.sandbox.empty() ? r.sandbox : "e" + std::to_string(r.epoch) + "-" + r.service;
}

SymbolSet symbolsOf(const universe::Universe& u) {
  SymbolSet out;
  for (const auto& s : u.services) {
    out.insert(s.crateName);
    for (const auto& t : s.types) {
      out.insert(forge::rustCamel(t.name));
      for (const auto& f : t.fields) out.insert(forge::rustSnakeBare(f.name));
    }
    for (const auto& e : s.enums) {
      out.insert(forge::rustCamel(e.name));
      for (const auto& v : e.variants) out.insert(forge::rustCamel(v.name));
    }
    for (const auto& a : s.aliases) out.insert(forge::rustCamel(a.name));
    for (const auto& r : s.rpcs) out.insert(forge::rustSnakeBare(r.name));
  }
  return out;
}

std::string candidateId(const Shape& s) { return "c-" + forge::contentHash(s.key()).substr(0, 10); }

DistillResult distill(const std::vector<mechanic::RepairRecord>& records, const SymbolSet& symbols,
                      const DistillOptions& options) {
  DistillResult res;
  std::map<std::string, Cluster> level1, level2;
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    if (r.outcome != "committed") continue;
    ++res.committed;
    for (const auto& [file, diff] : r.diff) {
      if (!file.ends_with(".rs")) continue;
      for (const auto& hunk : hunksOf(diff, file)) {
        ++res.hunks;
        Shape s1 = shapeOf(hunk, symbols, 1), s2 = shapeOf(hunk, symbols, 2);
        auto& c1 = level1[s1.key()];
        c1.shape = s1;
        add(c1, r, i, file);
        auto& c2 = level2[s2.key()];
        c2.shape = s2;
        c2.children.insert(candidateId(s1));
        add(c2, r, i, file);
      }
    }
  }
  res.shapes = static_cast<int>(level1.size());
  auto qualifies = [&](const Cluster& c) {
    return static_cast<int>(c.members.size()) >= options.threshold &&
           static_cast<int>(c.services.size()) >= options.minServices;
  };
  for (const auto& [key, c] : level1)
    if (qualifies(c)) res.candidates.push_back(toCandidate(c, records));
  for (const auto& [key, c] : level2)
    if (qualifies(c) && c.children.size() >= 2) res.candidates.push_back(toCandidate(c, records));
  std::stable_sort(res.candidates.begin(), res.candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.shape.level != b.shape.level) return a.shape.level < b.shape.level;
    if (a.count != b.count) return a.count > b.count;
    return a.id < b.id;
  });
  return res;
}

}  // namespace flywheel::learn
