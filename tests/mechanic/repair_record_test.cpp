// The typed repair log: old (format 1) lines still read, new lines carry the
// epoch's base, the intent change's revisions and the templates' fingerprint,
// and the commits a record names stay reachable after the branches go.
#include <catch2/catch.hpp>

#include "fixture.h"
#include "forge/template_set.h"
#include "kb/kb_import.h"
#include "mechanic/intent_cascade.h"
#include "mechanic/mechanic.h"
#include "mechanic/repair_record.h"

using namespace flywheel::mechanic;
using namespace flywheel::mechanic::testing;

namespace {

// A line as the mechanic wrote it before the typed record (no "format").
const char* kFormat1Line =
    R"j({"cycles":2,"diagnostics_before":[{"code":"E0308","column":5,"file":"beta/src/lib.rs","label":"expected `i32`",)j"
    R"j("level":"error","line":2,"message":"mismatched types","span_start":4,"span_text":"alpha::answer() * 2"}],)j"
    R"j("diff":{"beta/src/lib.rs":"diff --git a/beta/src/lib.rs b/beta/src/lib.rs\n-x\n+y\n"},)j"
    R"j("edits":[{"applied":true,"at":1764150000.25,"errors_after":0,"errors_before":1,"message":"errors 1 -> 0",)j"
    R"j("new_text":"-> i64","old_text":"-> i32","path":"beta/src/lib.rs"}],"end_commit":"1111111111111111111111111111111111111111",)j"
    R"j("epoch":3,"gates":[{"gate":"check","green":true}],"intent_change":"alpha/answer: i32 -> String",)j"
    R"j("mode":"survival-patching","outcome":"committed","plan":"widen to i64","sandbox":"e3-beta","service":"beta",)j"
    R"j("start_commit":"2222222222222222222222222222222222222222",)j"
    R"j("timings":{"finished_at":1764150001.5,"opened_at":1764149990.0,"seconds":11.5},)j"
    R"j("validations":[{"at":1764150001.0,"green":true,"summary":"check green"}]})j";

}  // namespace

TEST_CASE("a format-1 repair-log line reads into the typed record", "[mechanic][repairlog]") {
  auto r = parseRepairRecord(kFormat1Line);
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r);
  CHECK(r->format == 1);
  CHECK(r->epoch == 3);
  CHECK(r->sandbox == "e3-beta");
  CHECK(r->service == "beta");
  CHECK(r->mode == "survival-patching");
  CHECK(r->outcome == "committed");
  CHECK(r->cycles == 2);
  CHECK(r->startCommit == std::string(40, '2'));
  CHECK(r->endCommit == std::string(40, '1'));
  CHECK(r->baseCommit.empty());  // format 2 only
  REQUIRE(r->diagnosticsBefore.size() == 1);
  CHECK(r->diagnosticsBefore[0].code == "E0308");
  CHECK(r->diagnosticsBefore[0].line == 2);
  REQUIRE(r->edits.size() == 1);
  CHECK(r->edits[0].applied);
  CHECK(r->edits[0].oldText == std::optional<std::string>("-> i32"));
  CHECK_FALSE(r->edits[0].startLine);
  REQUIRE(r->validations.size() == 1);
  CHECK(r->validations[0].green);
  CHECK(r->diff.at("beta/src/lib.rs").starts_with("diff --git"));
  CHECK(r->timings.finishedAt == 1764150001.5);

  // Written back it is format 2 and loses nothing it had.
  const std::string again = formatRepairRecord(*r);
  CHECK(again.find("\"format\":2") != std::string::npos);
  CHECK(again.find("\"span_text\":\"alpha::answer() * 2\"") != std::string::npos);
  CHECK(again.find("\"gates\":[{\"gate\":\"check\",\"green\":true}]") != std::string::npos);
  auto back = parseRepairRecord(again);
  REQUIRE(back);
  CHECK(formatRepairRecord(*back) == again);

  // The knowledge base reads it through the same record.
  auto memory = flywheel::kb::repairMemory(kFormat1Line);
  REQUIRE(memory);
  CHECK(memory->title == "Repair of beta (committed): E0308 mismatched types (beta/src/lib.rs:2)");
  CHECK(memory->sourceKey == "repair:e3:se3-beta");
}

TEST_CASE("a repair-log line of a newer format, or not an object, is refused with the reason",
          "[mechanic][repairlog]") {
  auto newer = parseRepairRecord(R"({"format":3,"service":"beta"})");
  REQUIRE_FALSE(newer);
  CHECK_THAT(newer.error().message, Catch::Contains("newer flywheel"));
  auto junk = parseRepairRecord("[1,2]");
  REQUIRE_FALSE(junk);
  CHECK_THAT(junk.error().message, Catch::Contains("not a JSON object"));
  // Format-1 shapes: a numeric sandbox id, a diff as a list of paths.
  auto odd = parseRepairRecord(R"({"sandbox":7,"epoch":"4","diff":["a.rs","b.rs"]})");
  REQUIRE(odd);
  CHECK(odd->sandbox == "7");
  CHECK(odd->epoch == 4);
  CHECK(odd->diff.size() == 2);
}

TEST_CASE("a planned cascade carries its revisions as commits and the templates' fingerprint",
          "[mechanic][repairlog][shop]") {
  fs::path root = copyShopRepo("flywheel-mech-record-plan");
  const std::string before = git(root, {"rev-parse", "HEAD"});
  std::string intent = readText(root / "services/user/intent.lisp");
  intent.insert(intent.find("(enum Tier free vip)") + 20, "\n  (type Note (field text String))");
  writeText(root / "services/user/intent.lisp", intent);
  git(root, {"commit", "-q", "-am", "a note"});
  auto plan = planIntentCascade(root, "HEAD~1", "HEAD", {});
  INFO((plan ? std::string() : plan.error().message));
  REQUIRE(plan);
  CHECK(plan->spec.intentFrom == before);
  CHECK(plan->spec.intentTo == git(root, {"rev-parse", "HEAD"}));
  CHECK(plan->spec.templatesFingerprint == flywheel::forge::TemplateSet::load({})->fingerprint());
  fs::remove_all(root);
}

TEST_CASE("a landed repair's record names its epoch's base and keeps its commits reachable",
          "[mechanic][repairlog][cargo]") {
  TinyWorkspace ws("repair-record");
  const std::string base = git(ws.root, {"rev-parse", "HEAD"});
  auto m = Mechanic::open(ws.root);
  REQUIRE(m);
  CascadeStartSpec spec;
  spec.services = {{"alpha", "alpha", "alpha", "experimental", 0}, {"beta", "beta", "beta", "experimental", 1}};
  spec.config.gates = {"check"};
  spec.intentChange = "alpha/answer: i32 -> i64";
  spec.intentFrom = base;
  spec.intentTo = "worktree";
  spec.templatesFingerprint = "0123456789abcdef";
  spec.stamp = widenAlphaAnswer();
  auto st = (*m)->cascadeStart(spec, {});
  REQUIRE(st);
  auto sb = (*m)->repairOpen(st->epoch, "beta");
  REQUIRE(sb);
  REQUIRE((*m)->repairPlan(sb->status.id, "widen to i64"));
  REQUIRE((*m)->repairEdit(sb->status.id, "beta/src/lib.rs", {.oldText = "-> i32", .newText = "-> i64"}, {}));
  auto v = (*m)->repairValidate(sb->status.id, {});
  REQUIRE(v);
  REQUIRE(v->gauntlet.green);
  auto c = (*m)->repairCommit(sb->status.id);
  REQUIRE(c);
  auto fin = (*m)->cascadeFinish(st->epoch, {});
  REQUIRE(fin);
  REQUIRE(fin->landed);
  CHECK(git(ws.root, {"branch", "--list", "flywheel/*"}).empty());  // the sandbox branches are gone

  auto log = readText(ws.root / ".flywheel/repairs.jsonl");
  auto rec = parseRepairRecord(log.substr(0, log.find('\n')));
  REQUIRE(rec);
  CHECK(rec->format == kRepairRecordFormat);
  CHECK(rec->outcome == "committed");
  CHECK(rec->baseCommit == base);
  CHECK(rec->intentFrom == base);
  CHECK(rec->intentTo == "worktree");
  CHECK(rec->templatesFingerprint == "0123456789abcdef");
  CHECK(rec->endCommit == c->sandboxCommit);
  REQUIRE(rec->edits.size() == 1);
  CHECK(rec->edits[0].newText == "-> i64");
  REQUIRE(rec->logRefs.size() == 2);
  CHECK(rec->logRefs[0] == repairLogRef(st->epoch, "beta", "start", rec->startCommit));
  // The state before the repair can be rebuilt: both commits resolve by their refs.
  CHECK(git(ws.root, {"rev-parse", rec->logRefs[0]}) == rec->startCommit);
  CHECK(git(ws.root, {"rev-parse", rec->logRefs[1]}) == rec->endCommit);
  CHECK(git(ws.root, {"show", rec->startCommit + ":beta/src/lib.rs"}).find("-> i32") != std::string::npos);
  CHECK(rec->logRefs[1].starts_with("refs/flywheel/log/" + std::to_string(st->epoch) + "/beta/end-"));
}
