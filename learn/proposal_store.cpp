// Proposals on disk: <stateDir>/learn/proposals/<id>.json, written atomically.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "learn/learn.h"

namespace flywheel::learn {

namespace {
using nlohmann::json;

json evalToJson(const Evaluation& e) {
  json replays = json::array();
  for (const auto& r : e.replays)
    replays.push_back({{"repair", r.repair}, {"service", r.service}, {"file", r.file}, {"epoch", r.epoch},
                       {"neededBefore", r.neededBefore}, {"neededNow", r.neededNow},
                       {"sameAsHuman", r.sameAsHuman}, {"note", r.note}});
  return {{"replayed", e.replayed}, {"unnecessary", e.unnecessary}, {"skipped", e.skipped}, {"utility", e.utility},
          {"sameAsHuman", e.sameAsHuman}, {"replays", replays}, {"regressions", e.regressions}, {"notes", e.notes},
          {"threshold", e.threshold}, {"passed", e.passed}, {"branch", e.branch}, {"branchCommit", e.branchCommit},
          {"seconds", e.seconds}};
}

Evaluation evalFromJson(const json& j) {
  Evaluation e;
  e.replayed = j.value("replayed", 0);
  e.unnecessary = j.value("unnecessary", 0);
  e.skipped = j.value("skipped", 0);
  e.utility = j.value("utility", 0.0);
  e.sameAsHuman = j.value("sameAsHuman", 0.0);
  for (const auto& r : j.value("replays", json::array()))
    e.replays.push_back({r.value("repair", ""), r.value("service", ""), r.value("file", ""), r.value("epoch", int64_t{0}),
                         r.value("neededBefore", true), r.value("neededNow", true), r.value("sameAsHuman", false),
                         r.value("note", "")});
  e.regressions = j.value("regressions", std::vector<std::string>{});
  e.notes = j.value("notes", std::vector<std::string>{});
  e.threshold = j.value("threshold", 0.6);
  e.passed = j.value("passed", false);
  e.branch = j.value("branch", "");
  e.branchCommit = j.value("branchCommit", "");
  e.seconds = j.value("seconds", 0.0);
  return e;
}

json toJson(const Proposal& p, bool withTexts) {
  json checks = json::array();
  for (const auto& c : p.checks)
    checks.push_back({{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}, {"seconds", c.seconds}});
  json templates = json::array(), files = json::array();
  for (const auto& [name, text] : p.templates) {
    json t = {{"name", name}, {"bytes", text.size()}};
    if (withTexts) t["text"] = text;
    templates.push_back(t);
  }
  for (const auto& [path, text] : p.files) {
    json f = {{"path", path}, {"bytes", text.size()}};
    if (withTexts) f["text"] = text;
    files.push_back(f);
  }
  json out = {{"id", p.id}, {"candidate", p.candidate}, {"title", p.title}, {"status", p.status},
              {"baseCommit", p.baseCommit}, {"commit", p.commit}, {"templatesDir", p.templatesDir},
              {"templates", templates}, {"files", files}, {"checks", checks}, {"refusal", p.refusal},
              {"createdAt", p.createdAt}};
  if (p.evaluation) out["evaluation"] = evalToJson(*p.evaluation);
  return out;
}

}  // namespace

std::filesystem::path proposalPath(const std::filesystem::path& stateDir, const std::string& id) {
  return stateDir / "learn" / "proposals" / (id + ".json");
}

std::string proposalJson(const Proposal& p, bool withTexts) { return toJson(p, withTexts).dump(); }
std::string evaluationJson(const Evaluation& e) { return evalToJson(e).dump(); }

Result<void> saveProposal(const std::filesystem::path& stateDir, const Proposal& p) {
  std::error_code ec;
  std::filesystem::create_directories(proposalPath(stateDir, p.id).parent_path(), ec);
  return writeFileAtomic(proposalPath(stateDir, p.id), toJson(p, true).dump(1) + "\n");
}

Result<Proposal> loadProposal(const std::filesystem::path& stateDir, const std::string& id) {
  bool safe = !id.empty() && id.size() <= 40 &&
              std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; });
  if (!safe) return fail(Error::invalidArgument("'" + id.substr(0, 60) + "' is not a proposal id (p- and 10 hex digits); learn_proposals lists them"));
  auto text = readFile(proposalPath(stateDir, id));
  if (!text) return fail(Error::notFound("no proposal '" + id + "'; learn_proposals lists them"));
  auto j = json::parse(*text, nullptr, false);
  if (!j.is_object()) return fail(Error::internal("proposal " + id + " is unreadable (" + proposalPath(stateDir, id).string() + ")"));
  Proposal p;
  p.id = j.value("id", id);
  p.candidate = j.value("candidate", "");
  p.title = j.value("title", "");
  p.status = j.value("status", "");
  p.baseCommit = j.value("baseCommit", "");
  p.commit = j.value("commit", "");
  p.templatesDir = j.value("templatesDir", "");
  for (const auto& t : j.value("templates", json::array())) p.templates[t.value("name", "")] = t.value("text", "");
  for (const auto& f : j.value("files", json::array())) p.files[f.value("path", "")] = f.value("text", "");
  for (const auto& c : j.value("checks", json::array()))
    p.checks.push_back({c.value("name", ""), c.value("passed", false), c.value("detail", ""), c.value("seconds", 0.0)});
  p.refusal = j.value("refusal", "");
  p.createdAt = j.value("createdAt", 0.0);
  if (j.contains("evaluation")) p.evaluation = evalFromJson(j["evaluation"]);
  return p;
}

Result<std::vector<Proposal>> loadProposals(const std::filesystem::path& stateDir) {
  std::vector<Proposal> out;
  std::error_code ec;
  auto dir = stateDir / "learn" / "proposals";
  if (!std::filesystem::is_directory(dir, ec)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".json") continue;
    auto p = loadProposal(stateDir, e.path().stem().string());
    if (p) out.push_back(std::move(*p));
  }
  std::sort(out.begin(), out.end(), [](const Proposal& a, const Proposal& b) {
    return a.createdAt != b.createdAt ? a.createdAt < b.createdAt : a.id < b.id;
  });
  return out;
}

}  // namespace flywheel::learn
