#include "mechanic/codec.h"

namespace flywheel::mechanic {
using nlohmann::json;

namespace {
std::string s(const json& j, const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : ""; }
int i(const json& j, const char* k) { return j.contains(k) && j[k].is_number_integer() ? j[k].get<int>() : 0; }
json failuresJson(const std::vector<TestFailure>& fs) {
  json a = json::array();
  for (const auto& f : fs)
    a.push_back({{"name", f.name}, {"message", f.message}, {"left", f.left}, {"right", f.right}, {"file", f.file},
                 {"line", f.line}, {"column", f.column}});
  return a;
}
}  // namespace

json toJson(const CargoDiagnostic& d) {
  json sug = json::array();
  for (const auto& x : d.suggestions) {
    json j = {{"message", x.message}, {"file", x.file}, {"line", x.line}, {"column", x.column},
              {"replacement", x.replacement}};
    if (!x.applicability.empty()) j["applicability"] = x.applicability;
    sug.push_back(std::move(j));
  }
  json out = {{"level", d.level}, {"code", d.code},         {"message", d.message}, {"file", d.file},
              {"line", d.line},   {"column", d.column},     {"span_text", d.spanText}, {"span_start", d.spanStart}, {"label", d.label},
              {"suggestions", sug}};
  if (!d.related.empty()) {
    json rel = json::array();
    for (const auto& r : d.related)
      rel.push_back({{"file", r.file}, {"line", r.line}, {"end_line", r.endLine}, {"text", r.text}, {"label", r.label}});
    out["related"] = std::move(rel);
  }
  if (!d.required.empty()) out["required"] = d.required;
  if (!d.intent.empty()) out["intent"] = d.intent;
  return out;
}

json toJson(const std::vector<CargoDiagnostic>& ds) {
  json a = json::array();
  for (const auto& d : ds) a.push_back(toJson(d));
  return a;
}

CargoDiagnostic diagnosticFromJson(const json& j) {
  CargoDiagnostic d{s(j, "level"), s(j, "code"), s(j, "message"), s(j, "file"), i(j, "line"), i(j, "column"),
                    s(j, "span_text"), i(j, "span_start"), s(j, "label"), {}};
  if (j.contains("suggestions") && j["suggestions"].is_array())
    for (const auto& x : j["suggestions"])
      d.suggestions.push_back({s(x, "message"), s(x, "file"), i(x, "line"), i(x, "column"), s(x, "replacement"),
                               s(x, "applicability")});
  if (j.contains("related") && j["related"].is_array())
    for (const auto& x : j["related"])
      d.related.push_back({s(x, "file"), i(x, "line"), i(x, "end_line"), s(x, "text"), s(x, "label")});
  d.required = s(j, "required");
  d.intent = s(j, "intent");
  return d;
}

json toJson(const ServicePlan& p) {
  return {{"name", p.name}, {"dir", p.dir}, {"package", p.package}, {"mode", p.mode}, {"wave", p.wave}};
}

ServicePlan servicePlanFromJson(const json& j) {
  return {s(j, "name"), s(j, "dir"), s(j, "package"), s(j, "mode"), i(j, "wave")};
}

json toJson(const QueueEntry& q) {
  return {{"service", q.service}, {"wave", q.wave},     {"mode", q.mode},
          {"status", q.status},   {"gate", q.gate},     {"errors", q.errors},
          {"diagnostics", toJson(q.diagnostics)},       {"note", q.note}};
}

QueueEntry queueEntryFromJson(const json& j) {
  QueueEntry q{s(j, "service"), i(j, "wave"), s(j, "mode"), s(j, "status"), s(j, "gate"), i(j, "errors"), {},
               s(j, "note")};
  if (j.contains("diagnostics") && j["diagnostics"].is_array())
    for (const auto& d : j["diagnostics"]) q.diagnostics.push_back(diagnosticFromJson(d));
  return q;
}

json toJson(const GateResult& g) {
  return {{"gate", g.gate},
          {"passed", g.passed},
          {"seconds", std::round(g.seconds * 100) / 100},
          {"errors", g.errors},
          {"warnings", g.warnings},
          {"diagnostics", toJson(g.diagnostics)},
          {"failed_tests", g.failedTests},
          {"failures", failuresJson(g.failures)},
          {"note", g.note}};
}

json toJson(const GauntletResult& g) {
  json gates = json::array();
  for (const auto& x : g.gates) gates.push_back(toJson(x));
  return {{"green", g.green}, {"cancelled", g.cancelled}, {"gates", gates},
          {"seconds", std::round(g.seconds * 100) / 100}, {"summary", g.summary()}};
}

json toJson(const SandboxStatus& x) {
  return {{"sandbox", x.id},   {"service", x.service},       {"state", x.state},
          {"phase", x.phase},  {"cycles", x.cycles},         {"max_cycles", x.maxCycles},
          {"validated_green", x.validatedGreen}, {"path", x.path}};
}

json toJson(const Window& w) {
  return {{"path", w.path}, {"first_line", w.firstLine}, {"last_line", w.lastLine},
          {"total_lines", w.totalLines}, {"text", w.text}};
}

}  // namespace flywheel::mechanic
