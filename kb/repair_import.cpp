// importRepairLog: one memory per line of .flywheel/repairs.jsonl.
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <set>

#include "kb/kb_import.h"
#include "kb/memory_rules.h"

namespace flywheel::kb {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

// "E0308 mismatched types (src/custom.rs:12)" from whatever shape a diagnostic has.
std::string describeDiagnostic(const json& d, std::set<std::string>& codes) {
  if (d.is_string()) return d.get<std::string>();
  if (!d.is_object()) return d.dump();
  std::string code = str(d, "code"), message = str(d, "message"), file = str(d, "file");
  if (message.empty()) message = str(d, "rendered");
  if (!code.empty() && code.size() <= 16) codes.insert(code);
  std::string s = code.empty() ? message : code + " " + message;
  if (!file.empty()) s += " (" + file + (d.contains("line") ? ":" + str(d, "line") : "") + ")";
  return s;
}

std::string describeDiff(const json& diff) {
  std::string s;
  if (diff.is_object()) {
    for (const auto& [file, change] : diff.items()) {
      s += "- " + file;
      if (change.is_string()) s += "\n" + truncateUtf8(change.get<std::string>(), 1500);
      s += "\n";
    }
  } else if (diff.is_array()) {
    for (const auto& f : diff) s += "- " + (f.is_string() ? f.get<std::string>() : f.dump()) + "\n";
  } else if (diff.is_string()) {
    s = truncateUtf8(diff.get<std::string>(), 3000);
  }
  return s;
}

}  // namespace

Result<MemoryDraft> repairMemory(const std::string& line) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(Error::invalidArgument("not a JSON object"));
  MemoryDraft d;
  d.kind = "repair";
  d.service = str(j, "service");
  std::string outcome = str(j, "outcome"), epoch = str(j, "epoch"), plan = str(j, "plan");
  std::set<std::string> codes;
  std::string diags;
  if (auto it = j.find("diagnostics_before"); it != j.end() && it->is_array())
    for (const auto& x : *it) diags += "- " + describeDiagnostic(x, codes) + "\n";
  std::string firstDiag = diags.empty() ? "" : diags.substr(2, diags.find('\n') - 2);
  d.title = "Repair of " + (d.service.empty() ? std::string("a service") : d.service) +
            (outcome.empty() ? "" : " (" + outcome + ")") + (firstDiag.empty() ? "" : ": " + firstDiag);
  d.title = truncateUtf8(d.title, kMaxTitleChars);
  std::string body;
  if (auto ic = str(j, "intent_change"); !ic.empty()) body += "Intent change: " + ic + "\n";
  if (!plan.empty()) body += "Plan: " + plan + "\n";
  body += "Outcome: " + (outcome.empty() ? std::string("unknown") : outcome);
  if (auto c = str(j, "cycles"); !c.empty()) body += " after " + c + " cycle(s)";
  if (auto m = str(j, "mode"); !m.empty()) body += ", governance " + m;
  if (!epoch.empty()) body += ", epoch " + epoch;
  body += "\n";
  if (!diags.empty()) body += "Diagnostics before:\n" + diags;
  if (auto it = j.find("diff"); it != j.end())
    if (auto s = describeDiff(*it); !s.empty()) body += "Changed:\n" + s;
  if (auto it = j.find("summary"); it != j.end() && it->is_string()) body += it->get<std::string>() + "\n";
  d.body = truncateUtf8(body, kMaxBodyChars);
  d.tags = {"repair"};
  if (!outcome.empty()) d.tags.push_back(outcome);
  for (const auto& c : codes) d.tags.push_back(c);
  if (d.tags.size() > kMaxTags) d.tags.resize(kMaxTags);
  for (auto& t : d.tags) t = truncateUtf8(t, kMaxTagChars);
  if (auto t = j.find("timings"); t != j.end() && t->is_object() && t->contains("finished_at") &&
                                  (*t)["finished_at"].is_number())
    d.created = static_cast<std::int64_t>(std::floor((*t)["finished_at"].get<double>()));
  std::string sandbox = str(j, "sandbox");
  d.sourceKey = !epoch.empty() && !sandbox.empty() ? "repair:e" + epoch + ":s" + sandbox : "repair:" + hashHex(line);
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
