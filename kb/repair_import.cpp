// importRepairLog: one memory per line of .flywheel/repairs.jsonl, read
// through the mechanic's typed record (flywheel_repair_log, which depends on
// core only, so kb does not depend on the mechanic).
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "kb/kb_import.h"
#include "kb/memory_rules.h"
#include "mechanic/repair_record.h"

namespace flywheel::kb {
namespace {

using mechanic::LoggedDiagnostic;

// "E0308 mismatched types (src/custom.rs:12)".
std::string describeDiagnostic(const LoggedDiagnostic& d, std::set<std::string>& codes) {
  if (!d.code.empty() && d.code.size() <= 16) codes.insert(d.code);
  std::string s = d.code.empty() ? d.message : d.code + " " + d.message;
  if (!d.file.empty()) s += " (" + d.file + (d.line > 0 ? ":" + std::to_string(d.line) : "") + ")";
  return s;
}

std::string describeDiff(const std::map<std::string, std::string>& diff) {
  std::string s;
  for (const auto& [file, change] : diff) {
    if (file.empty()) {  // a format-1 line's one diff text
      s += truncateUtf8(change, 3000);
      continue;
    }
    s += "- " + file;
    if (!change.empty()) s += "\n" + truncateUtf8(change, 1500);
    s += "\n";
  }
  return s;
}

}  // namespace

Result<MemoryDraft> repairMemory(const std::string& line) {
  auto rec = mechanic::parseRepairRecord(line);
  if (!rec) return fail(rec.error());
  const mechanic::RepairRecord& r = *rec;
  MemoryDraft d;
  d.kind = "repair";
  d.service = r.service;
  // Epoch ids start at 1: 0 means the line names no epoch.
  const std::string epoch = r.epoch > 0 ? std::to_string(r.epoch) : "";
  std::set<std::string> codes;
  std::string diags;
  for (const auto& x : r.diagnosticsBefore) diags += "- " + describeDiagnostic(x, codes) + "\n";
  std::string firstDiag = diags.empty() ? "" : diags.substr(2, diags.find('\n') - 2);
  d.title = "Repair of " + (d.service.empty() ? std::string("a service") : d.service) +
            (r.outcome.empty() ? "" : " (" + r.outcome + ")") + (firstDiag.empty() ? "" : ": " + firstDiag);
  d.title = truncateUtf8(d.title, kMaxTitleChars);
  std::string body;
  if (!r.intentChange.empty()) body += "Intent change: " + r.intentChange + "\n";
  if (!r.plan.empty()) body += "Plan: " + r.plan + "\n";
  body += "Outcome: " + (r.outcome.empty() ? std::string("unknown") : r.outcome);
  // The mechanic's records (they name a sandbox) always count their cycles.
  if (r.cycles > 0 || !r.sandbox.empty()) body += " after " + std::to_string(r.cycles) + " cycle(s)";
  if (!r.mode.empty()) body += ", governance " + r.mode;
  if (!epoch.empty()) body += ", epoch " + epoch;
  body += "\n";
  if (!diags.empty()) body += "Diagnostics before:\n" + diags;
  if (auto s = describeDiff(r.diff); !s.empty()) body += "Changed:\n" + s;
  if (!r.summary.empty()) body += r.summary + "\n";
  d.body = truncateUtf8(body, kMaxBodyChars);
  d.tags = {"repair"};
  if (!r.outcome.empty()) d.tags.push_back(r.outcome);
  for (const auto& c : codes) d.tags.push_back(c);
  if (d.tags.size() > kMaxTags) d.tags.resize(kMaxTags);
  for (auto& t : d.tags) t = truncateUtf8(t, kMaxTagChars);
  if (r.timings.finishedAt > 0) d.created = static_cast<std::int64_t>(std::floor(r.timings.finishedAt));
  d.sourceKey = !epoch.empty() && !r.sandbox.empty() ? "repair:e" + epoch + ":s" + r.sandbox : "repair:" + hashHex(line);
  // The record and the commit it made (kept reachable under refs/flywheel/log/).
  d.cite = "repair record " + (r.sandbox.empty() ? std::string("(no sandbox)") : r.sandbox) +
           (epoch.empty() ? "" : " of epoch " + epoch) + " in .flywheel/repairs.jsonl" +
           (r.endCommit.empty() ? std::string(", nothing committed (") + r.outcome + ")"
                                : ", commit " + r.endCommit.substr(0, 12));
  return d;
}

void tally(ImportReport& report, const std::vector<RememberResult>& results) {
  for (const auto& r : results) {
    if (r.outcome == WriteOutcome::Created) ++report.created;
    else if (r.outcome == WriteOutcome::Updated) ++report.updated;
    else ++report.unchanged;
  }
}

Result<ImportReport> importRepairLog(KnowledgeBase& kb, const std::filesystem::path& path) {
  ImportReport report;
  std::ifstream in(path);
  if (!in) return report;  // no repairs yet
  std::vector<MemoryDraft> batch;
  auto flush = [&]() -> Result<void> {
    if (batch.empty()) return {};
    auto r = kb.rememberMany(batch);
    if (!r) return fail(r.error());
    tally(report, *r);
    batch.clear();
    return {};
  };
  std::string line;
  size_t lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    ++report.read;
    auto d = repairMemory(line);
    if (!d) {
      if (report.problems.size() < 20)
        report.problems.push_back(path.filename().string() + ":" + std::to_string(lineNo) + ": " + d.error().message +
                                  " (skipped)");
      continue;
    }
    batch.push_back(std::move(*d));
    if (batch.size() >= 500)
      if (auto r = flush(); !r) return fail(r.error());
  }
  if (auto r = flush(); !r) return fail(r.error());
  return report;
}

}  // namespace flywheel::kb
