#include "mechanic/repair_record.h"

#include <cstdlib>

#include "core/atomic_file.h"
#include "mechanic/repair_record_json.h"

namespace flywheel::mechanic {
using nlohmann::json;

namespace {

// A field as text whatever its JSON type (format-1 lines wrote the sandbox id
// as a number); "" when absent or null.
std::string text(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

template <class T>
T number(const json& j, const char* key, T otherwise) {
  auto it = j.find(key);
  if (it != j.end() && it->is_number()) return it->get<T>();
  if (it == j.end() || !it->is_string()) return otherwise;
  const std::string s = it->get<std::string>();  // format 1 wrote some numbers as text
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  return end != s.c_str() && *end == '\0' ? static_cast<T>(v) : otherwise;
}

bool flag(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

std::optional<int> optionalInt(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int>();
}

const json& arrayAt(const json& j, const char* key) {
  static const json kEmpty = json::array();
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : kEmpty;
}

std::map<std::string, std::string> diffFrom(const json& j) {
  std::map<std::string, std::string> out;
  auto it = j.find("diff");
  if (it == j.end()) return out;
  if (it->is_object())
    for (const auto& [path, patch] : it->items()) out[path] = patch.is_string() ? patch.get<std::string>() : patch.dump();
  else if (it->is_array())  // format 1: the changed paths only
    for (const auto& p : *it) out[p.is_string() ? p.get<std::string>() : p.dump()] = "";
  else if (it->is_string() && !it->get<std::string>().empty())  // format 1: one diff text
    out[""] = it->get<std::string>();
  return out;
}

json diagnosticJson(const LoggedDiagnostic& d) {
  if (!d.json.empty()) {
    json j = json::parse(d.json, nullptr, false);
    if (!j.is_discarded()) return j;
  }
  return {{"level", d.level}, {"code", d.code}, {"message", d.message}, {"file", d.file}, {"line", d.line}};
}

json editJson(const LoggedEdit& e) {
  json j = {{"at", e.at},
            {"path", e.path},
            {"applied", e.applied},
            {"errors_before", e.errorsBefore},
            {"errors_after", e.errorsAfter},
            {"new_text", e.newText},
            {"message", e.message}};
  if (e.oldText) j["old_text"] = *e.oldText;
  if (e.startLine) j["start_line"] = *e.startLine;
  if (e.endLine) j["end_line"] = *e.endLine;
  return j;
}

}  // namespace

std::vector<LoggedDiagnostic> loggedDiagnostics(const json& array) {
  std::vector<LoggedDiagnostic> out;
  if (!array.is_array()) return out;
  for (const auto& d : array) {
    LoggedDiagnostic l;
    if (d.is_object()) {
      l = {text(d, "level"), text(d, "code"), text(d, "message"), text(d, "file"), number(d, "line", 0), ""};
      if (l.message.empty()) l.message = text(d, "rendered");
    } else {
      l.message = d.is_string() ? d.get<std::string>() : d.dump();
    }
    l.json = d.dump();
    out.push_back(std::move(l));
  }
  return out;
}

std::vector<LoggedEdit> loggedEdits(const json& array) {
  std::vector<LoggedEdit> out;
  if (!array.is_array()) return out;
  for (const auto& e : array) {
    if (!e.is_object()) continue;
    LoggedEdit l{.at = number(e, "at", 0.0),
                 .path = text(e, "path"),
                 .applied = flag(e, "applied"),
                 .errorsBefore = number(e, "errors_before", 0),
                 .errorsAfter = number(e, "errors_after", 0)};
    if (e.contains("old_text")) l.oldText = text(e, "old_text");
    l.startLine = optionalInt(e, "start_line");
    l.endLine = optionalInt(e, "end_line");
    l.newText = text(e, "new_text");
    l.message = text(e, "message");
    out.push_back(std::move(l));
  }
  return out;
}

std::vector<LoggedValidation> loggedValidations(const json& array) {
  std::vector<LoggedValidation> out;
  if (!array.is_array()) return out;
  for (const auto& v : array)
    if (v.is_object())
      out.push_back({number(v, "at", 0.0), flag(v, "green"),
                     text(v, "summary")});
  return out;
}

RepairRecord repairRecordFromJson(const json& j) {
  RepairRecord r;
  r.format = number(j, "format", 1);
  r.epoch = number<std::int64_t>(j, "epoch", 0);
  r.sandbox = text(j, "sandbox");
  r.service = text(j, "service");
  r.mode = text(j, "mode");
  r.outcome = text(j, "outcome");
  r.cycles = number(j, "cycles", 0);
  r.intentChange = text(j, "intent_change");
  r.baseCommit = text(j, "base_commit");
  r.intentFrom = text(j, "intent_from");
  r.intentTo = text(j, "intent_to");
  r.templatesFingerprint = text(j, "templates_fingerprint");
  for (const auto& ref : arrayAt(j, "log_refs"))
    if (ref.is_string()) r.logRefs.push_back(ref.get<std::string>());
  r.startCommit = text(j, "start_commit");
  r.endCommit = text(j, "end_commit");
  r.plan = text(j, "plan");
  r.diagnosticsBefore = loggedDiagnostics(arrayAt(j, "diagnostics_before"));
  r.edits = loggedEdits(arrayAt(j, "edits"));
  r.validations = loggedValidations(arrayAt(j, "validations"));
  r.gatesJson = arrayAt(j, "gates").dump();
  if (auto b = j.find("benchmarks"); b != j.end() && !b->is_null()) r.benchmarksJson = b->dump();
  r.diff = diffFrom(j);
  r.summary = text(j, "summary");
  if (auto t = j.find("timings"); t != j.end() && t->is_object())
    r.timings = {number(*t, "opened_at", 0.0), number(*t, "finished_at", 0.0), number(*t, "seconds", 0.0)};
  return r;
}

json toJson(const RepairRecord& r) {
  json diags = json::array(), edits = json::array(), validations = json::array();
  for (const auto& d : r.diagnosticsBefore) diags.push_back(diagnosticJson(d));
  for (const auto& e : r.edits) edits.push_back(editJson(e));
  for (const auto& v : r.validations) validations.push_back({{"at", v.at}, {"green", v.green}, {"summary", v.summary}});
  json gates = json::parse(r.gatesJson, nullptr, false);
  json j = {{"format", kRepairRecordFormat},
            {"epoch", r.epoch},
            {"sandbox", r.sandbox},
            {"service", r.service},
            {"mode", r.mode},
            {"outcome", r.outcome},
            {"cycles", r.cycles},
            {"intent_change", r.intentChange},
            {"base_commit", r.baseCommit},
            {"intent_from", r.intentFrom},
            {"intent_to", r.intentTo},
            {"templates_fingerprint", r.templatesFingerprint},
            {"log_refs", r.logRefs},
            {"start_commit", r.startCommit},
            {"end_commit", r.endCommit},
            {"plan", r.plan},
            {"diagnostics_before", diags},
            {"edits", edits},
            {"validations", validations},
            {"gates", gates.is_array() ? gates : json::array()},
            {"diff", r.diff},
            {"timings",
             {{"opened_at", r.timings.openedAt}, {"finished_at", r.timings.finishedAt}, {"seconds", r.timings.seconds}}}};
  if (!r.benchmarksJson.empty())
    if (json b = json::parse(r.benchmarksJson, nullptr, false); !b.is_discarded()) j["benchmarks"] = b;
  if (!r.summary.empty()) j["summary"] = r.summary;
  return j;
}

Result<RepairRecord> parseRepairRecord(std::string_view line) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(Error::invalidArgument("not a JSON object"));
  if (auto f = j.find("format"); f != j.end()) {
    if (!f->is_number_integer() || f->get<std::int64_t>() < 1)
      return fail(Error::invalidArgument("format must be a positive integer (got " + f->dump() + ")"));
    if (f->get<std::int64_t>() > kRepairRecordFormat)
      return fail(Error::failedPrecondition("written in repair-log format " + f->dump() +
                                            " by a newer flywheel; this one reads up to format " +
                                            std::to_string(kRepairRecordFormat) + " — upgrade flywheel"));
  }
  return repairRecordFromJson(j);
}

std::string formatRepairRecord(const RepairRecord& record) { return toJson(record).dump(); }

Result<void> appendRepairRecord(const std::filesystem::path& log, const RepairRecord& record) {
  return appendLineDurable(log, formatRepairRecord(record));
}

std::string repairLogRef(std::int64_t epoch, const std::string& service, const std::string& which,
                         const std::string& commit) {
  return "refs/flywheel/log/" + std::to_string(epoch) + "/" + service + "/" + which + "-" + commit;
}

}  // namespace flywheel::mechanic
