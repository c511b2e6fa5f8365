#include "mechanic/store.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "core/clock.h"
#include "mechanic/codec.h"

namespace flywheel::mechanic {
using nlohmann::json;

namespace {

const std::vector<Migration> kMigrations = {
    {1, R"(
CREATE TABLE mechanic_epochs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  state TEXT NOT NULL,
  user_ref TEXT NOT NULL,
  base_commit TEXT NOT NULL,
  cascade_branch TEXT NOT NULL,
  body TEXT NOT NULL,
  superseded_by INTEGER,
  target_commit TEXT NOT NULL DEFAULT '',
  created_at REAL NOT NULL);
CREATE TABLE mechanic_sandboxes(
  id TEXT PRIMARY KEY,
  epoch INTEGER NOT NULL REFERENCES mechanic_epochs(id),
  service TEXT NOT NULL,
  state TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at REAL NOT NULL);
CREATE INDEX mechanic_sandboxes_epoch ON mechanic_sandboxes(epoch);
)"}};

json epochBody(const EpochRow& r) {
  json services = json::array(), queue = json::array();
  for (const auto& s : r.services) services.push_back(toJson(s));
  for (const auto& q : r.queue) queue.push_back(toJson(q));
  return {{"services", services},
          {"gates", r.config.gates},
          {"max_repair_cycles", r.config.maxRepairCycles},
          {"gate_deadline_seconds", r.config.gateDeadlineSeconds},
          {"e2e_command", r.config.e2eCommand},
          {"e2e", {{"state", r.e2e.state}, {"seconds", r.e2e.seconds}, {"note", r.e2e.note}}},
          {"intent_change", r.intentChange},
          {"intent_from", r.intentFrom},
          {"intent_to", r.intentTo},
          {"templates_fingerprint", r.templatesFingerprint},
          {"queue", queue},
          {"stamped_files", r.stampedFiles}};
}

EpochRow epochFrom(Stmt& st) {
  EpochRow r;
  r.id = st.int64(0);
  r.state = st.text(1);
  r.userRef = st.text(2);
  r.baseCommit = st.text(3);
  r.cascadeBranch = st.text(4);
  json b = json::parse(st.text(5), nullptr, false);
  if (b.is_object()) {
    for (const auto& s : b.value("services", json::array())) r.services.push_back(servicePlanFromJson(s));
    for (const auto& q : b.value("queue", json::array())) r.queue.push_back(queueEntryFromJson(q));
    r.config.gates = b.value("gates", kDefaultGates);
    r.config.maxRepairCycles = b.value("max_repair_cycles", 5);
    r.config.gateDeadlineSeconds = b.value("gate_deadline_seconds", 600);
    r.config.e2eCommand = b.value("e2e_command", "");
    if (const json e2e = b.value("e2e", json::object()); e2e.is_object()) {
      r.e2e.state = e2e.value("state", "not run");
      r.e2e.seconds = e2e.value("seconds", 0.0);
      r.e2e.note = e2e.value("note", "");
    }
    r.intentChange = b.value("intent_change", "");
    r.intentFrom = b.value("intent_from", "");
    r.intentTo = b.value("intent_to", "");
    r.templatesFingerprint = b.value("templates_fingerprint", "");
    r.stampedFiles = b.value("stamped_files", std::vector<std::string>{});
  }
  if (!st.isNull(6)) r.supersededBy = st.int64(6);
  r.targetCommit = st.text(7);
  r.createdAt = st.real(8);
  return r;
}

json sandboxBody(const SandboxRow& r) {
  json b = {{"phase", r.phase},           {"cycles", r.cycles},
            {"start_commit", r.startCommit}, {"plan", r.plan},
            {"record", r.record},         {"edit_seq", r.editSeq},
            {"validated_seq", r.validatedSeq}, {"validated_green", r.validatedGreen}};
  if (r.baseline) b["baseline"] = toJson(*r.baseline);
  return b;
}

SandboxRow sandboxFrom(Stmt& st) {
  SandboxRow r;
  r.id = st.text(0);
  r.epoch = st.int64(1);
  r.service = st.text(2);
  r.state = st.text(3);
  json b = json::parse(st.text(4), nullptr, false);
  if (b.is_object()) {
    r.phase = b.value("phase", "research");
    r.cycles = b.value("cycles", 0);
    r.startCommit = b.value("start_commit", "");
    r.plan = b.value("plan", "");
    r.record = b.value("record", "{}");
    r.editSeq = b.value("edit_seq", 0);
    r.validatedSeq = b.value("validated_seq", -1);
    r.validatedGreen = b.value("validated_green", false);
    if (b.contains("baseline") && b["baseline"].is_array()) {
      r.baseline.emplace();
      for (const auto& d : b["baseline"]) r.baseline->push_back(diagnosticFromJson(d));
    }
  }
  r.createdAt = st.real(5);
  return r;
}

constexpr const char* kEpochCols =
    "id, state, user_ref, base_commit, cascade_branch, body, superseded_by, target_commit, created_at";

}  // namespace

std::string cyclesText(int used, int max) {
  return std::to_string(std::min(used, max)) + " of " + std::to_string(max) + " repair cycles used (max-repair-cycles " +
         std::to_string(max) + ")";
}

bool epochIsLive(const std::string& state) {
  return state == "starting" || state == "open" || state == "finishing";
}

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& dbPath) {
  auto db = Db::open(dbPath);
  if (!db) return fail(db.error());
  if (auto r = db->migrate("mechanic", kMigrations); !r) return fail(r.error());
  return std::unique_ptr<Store>(new Store(std::move(*db)));
}

Result<void> Store::writeEpoch(const EpochRow& r, bool insert, std::int64_t* id) {
  auto st = db_.prepare(insert ? "INSERT INTO mechanic_epochs(state, user_ref, base_commit, cascade_branch, body, "
                                 "superseded_by, target_commit, created_at) VALUES(?,?,?,?,?,?,?,?)"
                               : "UPDATE mechanic_epochs SET state=?, user_ref=?, base_commit=?, cascade_branch=?, "
                                 "body=?, superseded_by=?, target_commit=? WHERE id=?");
  if (!st) return fail(st.error());
  st->bind(1, r.state).bind(2, r.userRef).bind(3, r.baseCommit).bind(4, r.cascadeBranch);
  st->bind(5, epochBody(r).dump()).bind(6, r.supersededBy).bind(7, r.targetCommit);
  if (insert) st->bind(8, r.createdAt ? r.createdAt : wallNow());
  else st->bind(8, r.id);
  if (auto x = st->run(); !x) return x;
  if (id) *id = db_.lastInsertId();
  return {};
}

Result<std::int64_t> Store::insertEpoch(const EpochRow& row) {
  std::lock_guard lock(mu_);
  std::int64_t id = 0;
  if (auto r = db_.transaction([&] { return writeEpoch(row, true, &id); }); !r) return fail(r.error());
  return id;
}

Result<void> Store::updateEpoch(const EpochRow& row) {
  std::lock_guard lock(mu_);
  return db_.transaction([&] { return writeEpoch(row, false, nullptr); });
}

Result<EpochRow> Store::epoch(std::int64_t id) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(std::string("SELECT ") + kEpochCols + " FROM mechanic_epochs WHERE id=?");
  if (!st) return fail(st.error());
  st->bind(1, id);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row)
    return fail(Error::notFound("no cascade epoch " + std::to_string(id) +
                                "; cascade_status lists the epochs, cascade_start opens one"));
  return epochFrom(*st);
}

Result<std::vector<EpochRow>> Store::readEpochs() {
  auto st = db_.prepare(std::string("SELECT ") + kEpochCols + " FROM mechanic_epochs ORDER BY id");
  if (!st) return fail(st.error());
  std::vector<EpochRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out.push_back(epochFrom(*st));
  }
  return out;
}

Result<std::vector<EpochRow>> Store::epochs() {
  std::lock_guard lock(mu_);
  return readEpochs();
}

Result<std::vector<std::int64_t>> Store::supersedeOverlapping(std::int64_t newer,
                                                             const std::vector<ServicePlan>& services) {
  std::set<std::string> names;
  for (const auto& s : services) names.insert(s.name);
  std::vector<std::int64_t> out;
  std::lock_guard lock(mu_);
  // One IMMEDIATE transaction: no other process can start, finish or
  // supersede an epoch between reading the live ones and marking them.
  auto r = db_.transaction([&]() -> Result<void> {
    out.clear();
    auto all = readEpochs();
    if (!all) return fail(all.error());
    for (auto& e : *all) {
      if (e.id == newer || !epochIsLive(e.state)) continue;
      bool overlap = false;
      for (const auto& s : e.services) overlap = overlap || names.count(s.name);
      if (!overlap) continue;
      e.state = "superseded";
      e.supersededBy = newer;
      if (auto w = writeEpoch(e, false, nullptr); !w) return w;
      out.push_back(e.id);
    }
    return {};
  });
  if (!r) return fail(r.error());
  return out;
}

Result<void> Store::upsertSandbox(const SandboxRow& r) {
  std::lock_guard lock(mu_);
  return db_.transaction([&]() -> Result<void> {
    auto st = db_.prepare(
        "INSERT INTO mechanic_sandboxes(id, epoch, service, state, body, created_at) VALUES(?,?,?,?,?,?) "
        "ON CONFLICT(id) DO UPDATE SET state=excluded.state, body=excluded.body");
    if (!st) return fail(st.error());
    st->bind(1, r.id).bind(2, r.epoch).bind(3, r.service).bind(4, r.state);
    st->bind(5, sandboxBody(r).dump()).bind(6, r.createdAt ? r.createdAt : wallNow());
    return st->run();
  });
}

Result<SandboxRow> Store::sandbox(const std::string& id) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare("SELECT id, epoch, service, state, body, created_at FROM mechanic_sandboxes WHERE id=?");
  if (!st) return fail(st.error());
  st->bind(1, id);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row)
    return fail(Error::notFound("no sandbox '" + id.substr(0, 80) +
                                "'; repair_open returns sandbox ids, cascade_status lists them"));
  return sandboxFrom(*st);
}

Result<std::vector<SandboxRow>> Store::sandboxesOf(std::int64_t epoch) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(
      "SELECT id, epoch, service, state, body, created_at FROM mechanic_sandboxes WHERE epoch=? ORDER BY id");
  if (!st) return fail(st.error());
  st->bind(1, epoch);
  std::vector<SandboxRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out.push_back(sandboxFrom(*st));
  }
  return out;
}

}  // namespace flywheel::mechanic
