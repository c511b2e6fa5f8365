// The mechanic end to end on a tiny real universe: cascade, sandbox, guarded
// edits, validation, two-phase commit, Hard Halt, preemption and crashes.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <thread>

#include "fixture.h"
#include "mechanic/mechanic.h"

using namespace flywheel::mechanic;
using namespace flywheel::mechanic::testing;
using flywheel::Result;
using flywheel::fail;
using namespace std::chrono_literals;

namespace {

// "Forge" for the tiny universe: alpha::answer now returns a String, which
// breaks beta's arithmetic.
Result<std::vector<std::string>> stampStringAnswer(const fs::path& root) {
  writeText(root / "alpha/src/lib.rs", "pub fn answer() -> String {\n    \"42\".to_string()\n}\n");
  return std::vector<std::string>{"alpha/src/lib.rs"};
}

CascadeStartSpec startSpec(const std::string& betaMode = "survival-patching", int maxCycles = 5) {
  CascadeStartSpec s;
  s.services = {{"alpha", "alpha", "alpha", "survival-patching", 0}, {"beta", "beta", "beta", betaMode, 1}};
  s.config.maxRepairCycles = maxCycles;
  s.intentChange = "alpha/answer: i32 -> String";
  s.stamp = stampStringAnswer;
  return s;
}

const QueueEntry& entry(const CascadeStatus& st, const std::string& svc) {
  for (const auto& q : st.queue)
    if (q.service == svc) return q;
  FAIL("no queue entry for " << svc);
  return st.queue.front();
}

}  // namespace

TEST_CASE("a cascade repairs a broken service and lands it in one ref update", "[mechanic][cargo]") {
  TinyWorkspace ws("cascade");
  const std::string base = git(ws.root, {"rev-parse", "HEAD"});
  auto m = Mechanic::open(ws.root);
  REQUIRE(m);
  auto st = (*m)->cascadeStart(startSpec(), {});
  REQUIRE(st);
  CHECK(st->epoch >= 1);
  CHECK(entry(*st, "alpha").status == "green");
  const auto& beta = entry(*st, "beta");
  CHECK(beta.status == "broken");
  CHECK(beta.gate == "check");
  REQUIRE_FALSE(beta.diagnostics.empty());
  CHECK(beta.diagnostics[0].file == "beta/src/lib.rs");
  // Nothing touched the user's branch or working tree.
  CHECK(git(ws.root, {"rev-parse", "HEAD"}) == base);
  CHECK(git(ws.root, {"status", "--porcelain"}).empty());

  auto sb = (*m)->repairOpen(st->epoch, "beta");
  REQUIRE(sb);
  const std::string id = sb->status.id;
  CHECK(sb->status.phase == "research");
  CHECK(fs::exists(sb->universeDir / "beta/src/lib.rs"));
  CHECK(sb->buildDir.string().find(".flywheel/builds/") != std::string::npos);

  // Research is read-only.
  auto early = (*m)->repairEdit(id, "beta/src/lib.rs", {.oldText = "* 2", .newText = "* 3"}, {});
  REQUIRE_FALSE(early);
  CHECK(early.error().message.find("research phase") != std::string::npos);
  auto view = (*m)->repairView(id, {.path = "beta/src/lib.rs"});
  REQUIRE(view);
  CHECK(view->text.find("     2|     alpha::answer() * 2") != std::string::npos);
  CHECK_FALSE((*m)->repairView(id, {.path = "../../../../etc/passwd"}));
  auto hits = (*m)->repairSearch(id, {.pattern = "answer"});
  REQUIRE(hits);
  CHECK(hits->total >= 2);

  REQUIRE((*m)->repairPlan(id, "parse alpha's String answer back into an i32 in beta"));

  // Editing another service's files is refused; so is a signature change.
  auto other = (*m)->repairEdit(id, "alpha/src/lib.rs", {.oldText = "String", .newText = "i32"}, {});
  REQUIRE_FALSE(other);
  CHECK(other.error().message.find("outside service 'beta'") != std::string::npos);
  auto sig = (*m)->repairEdit(id, "beta/src/lib.rs", {.oldText = "-> i32", .newText = "-> String"}, {});
  REQUIRE_FALSE(sig);
  CHECK(sig.error().message.find("survival-patching") != std::string::npos);
  CHECK(sig.error().message.find("changes public signatures") != std::string::npos);

  // An edit that only adds errors is rolled back.
  const std::string beforeBad = readText(sb->universeDir / "beta/src/lib.rs");
  auto bad = (*m)->repairEdit(id, "beta/src/lib.rs", {.startLine = 1, .endLine = 1,
                                                      .newText = "pub fn doubled() -> i32 {\n    let _x: u8 = \"no\";"},
                              {});
  REQUIRE(bad);
  CHECK_FALSE(bad->applied);
  CHECK(bad->message.find("not applied") != std::string::npos);
  REQUIRE_FALSE(bad->newErrors.empty());
  CHECK(readText(sb->universeDir / "beta/src/lib.rs") == beforeBad);

  // A syntax error never reaches the disk.
  auto broken = (*m)->repairEdit(id, "beta/src/lib.rs", {.oldText = "* 2\n}", .newText = "* 2\n"}, {});
  REQUIRE(broken);
  CHECK_FALSE(broken->applied);
  CHECK(readText(sb->universeDir / "beta/src/lib.rs") == beforeBad);

  // The fix.
  auto fix = (*m)->repairEdit(id, "beta/src/lib.rs",
                              {.oldText = "alpha::answer() * 2", .newText = "alpha::answer().parse::<i32>().unwrap() * 2"},
                              {});
  REQUIRE(fix);
  CHECK(fix->applied);
  CHECK(fix->errorsBefore >= 1);
  CHECK(fix->errorsAfter == 0);
  CHECK(fix->window.text.find("parse::<i32>()") != std::string::npos);

  // Commit needs a green validation first.
  CHECK_FALSE((*m)->repairCommit(id));
  std::vector<std::string> progress;
  auto val = (*m)->repairValidate(id, {.progress = [&](double, double, const std::string& msg) {
    progress.push_back(msg);
  }});
  REQUIRE(val);
  CHECK(val->gauntlet.green);
  CHECK(progress.size() >= 3);
  auto committed = (*m)->repairCommit(id);
  REQUIRE(committed);
  CHECK(committed->files == std::vector<std::string>{"beta/src/lib.rs"});

  auto fin = (*m)->cascadeFinish(st->epoch, {});
  REQUIRE(fin);
  CHECK(fin->landed);
  CHECK(git(ws.root, {"rev-parse", "HEAD"}) == fin->newCommit);
  CHECK(git(ws.root, {"rev-parse", "--abbrev-ref", "HEAD"}) == "main");
  CHECK(readText(ws.root / "beta/src/lib.rs").find("parse::<i32>()") != std::string::npos);
  CHECK(readText(ws.root / "alpha/src/lib.rs").find("-> String") != std::string::npos);
  CHECK(git(ws.root, {"status", "--porcelain"}).empty());
  auto log = git(ws.root, {"log", "--format=%s", base + "..HEAD"});
  CHECK(log.find("repair beta") != std::string::npos);
  CHECK(log.find("stamp") != std::string::npos);
  CHECK(git(ws.root, {"branch", "--list", "flywheel/*"}).empty());

  // The repair log holds one replayable line.
  auto jsonl = readText(ws.root / ".flywheel/repairs.jsonl");
  CHECK(std::count(jsonl.begin(), jsonl.end(), '\n') == 1);
  CHECK(jsonl.find("\"outcome\":\"committed\"") != std::string::npos);
  CHECK(jsonl.find("\"beta/src/lib.rs\":\"diff --git") != std::string::npos);
  CHECK(jsonl.find("parse alpha's String answer") != std::string::npos);

  // Epoch state survives a restart, and epoch ids keep growing.
  m->reset();
  auto again = Mechanic::open(ws.root);
  REQUIRE(again);
  auto status = (*again)->cascadeStatus(std::nullopt);
  REQUIRE(status);
  CHECK(status->state == "finished");
  CHECK((*again)->leftovers().empty());
}

TEST_CASE("cascade_finish with a red service changes nothing", "[mechanic][cargo]") {
  TinyWorkspace ws("red-finish");
  const std::string base = git(ws.root, {"rev-parse", "HEAD"});
  auto m = Mechanic::open(ws.root);
  REQUIRE(m);
  auto st = (*m)->cascadeStart(startSpec(), {});
  REQUIRE(st);
  auto fin = (*m)->cascadeFinish(st->epoch, {});
  REQUIRE(fin);
  CHECK_FALSE(fin->landed);
  CHECK(fin->message.find("nothing changed") != std::string::npos);
  CHECK(git(ws.root, {"rev-parse", "HEAD"}) == base);
  CHECK(git(ws.root, {"status", "--porcelain"}).empty());
  CHECK(readText(ws.root / "alpha/src/lib.rs").find("-> i32") != std::string::npos);
  // Still open: the agent can go on repairing, or abort cleanly.
  auto ab = (*m)->cascadeAbort(st->epoch);
  REQUIRE(ab);
  CHECK(ab->state == "aborted");
  CHECK(git(ws.root, {"branch", "--list", "flywheel/*"}).empty());
  CHECK_FALSE(fs::exists(ws.root / ".flywheel/sandboxes" / ("e" + std::to_string(st->epoch) + "-cascade")));
}

TEST_CASE("governance refuses newborn sandboxes and non-custom edits in strict-codegen", "[mechanic][cargo]") {
  TinyWorkspace ws("governance");
  auto m = Mechanic::open(ws.root);
  REQUIRE(m);
  auto st = (*m)->cascadeStart(startSpec("newborn"), {});
  REQUIRE(st);
  CHECK(entry(*st, "beta").status == "blocked: needs a human");
  auto nb = (*m)->repairOpen(st->epoch, "beta");
  REQUIRE_FALSE(nb);
  CHECK(nb.error().message.find("mode `newborn`") != std::string::npos);
  CHECK(nb.error().message.find("(governance MODE) in beta/intent.lisp") != std::string::npos);

  auto st2 = (*m)->cascadeStart(startSpec("strict-codegen"), {});
  REQUIRE(st2);
  auto sb = (*m)->repairOpen(st2->epoch, "beta");
  REQUIRE(sb);
  REQUIRE((*m)->repairPlan(sb->status.id, "try"));
  auto gen = (*m)->repairEdit(sb->status.id, "beta/src/lib.rs", {.oldText = "* 2", .newText = "* 3"}, {});
  REQUIRE_FALSE(gen);
  CHECK(gen.error().message.find("only src/custom.rs") != std::string::npos);
  // A symlink out of the sandbox is not followed.
  fs::create_symlink("/etc", sb->universeDir / "beta/escape");
  auto esc = (*m)->repairView(sb->status.id, {.path = "beta/escape/hostname"});
  REQUIRE_FALSE(esc);
  CHECK(esc.error().code == "permission_denied");
}

TEST_CASE("the queue names a failing test with its message and values", "[mechanic][cargo]") {
  TinyWorkspace ws("queue-test");
  auto m = Mechanic::open(ws.root);
  REQUIRE(m);
  auto spec = startSpec();
  spec.config.gates = {"check", "test"};
  spec.stamp = [](const fs::path& root) -> Result<std::vector<std::string>> {
    auto lib = readText(root / "alpha/src/lib.rs");
    lib.replace(lib.find("    42\n"), 7, "    41\n");  // compiles; alpha's own test fails
    writeText(root / "alpha/src/lib.rs", lib);
    return std::vector<std::string>{"alpha/src/lib.rs"};
  };
  auto st = (*m)->cascadeStart(spec, {});
  REQUIRE(st);
  const auto& alpha = entry(*st, "alpha");
  INFO(alpha.note);
  CHECK(alpha.gate == "test");
  CHECK(alpha.note.find("alpha/src/lib.rs:9:9: test tests::answers failed") != std::string::npos);
  CHECK(alpha.note.find("left: 41") != std::string::npos);
  REQUIRE((*m)->cascadeAbort(st->epoch));
}

TEST_CASE("Hard Halt stops a service after max-repair-cycles", "[mechanic][cargo]") {
  TinyWorkspace ws("halt");
  auto m = Mechanic::open(ws.root);
  REQUIRE(m);
  auto st = (*m)->cascadeStart(startSpec("survival-patching", 2), {});
  REQUIRE(st);
  auto sb = (*m)->repairOpen(st->epoch, "beta");
  REQUIRE(sb);
  const std::string id = sb->status.id;
  // Refusals are decided before any check: they are free, and say so.
  REQUIRE((*m)->repairPlan(id, "keep the signature"));
  auto sig = (*m)->repairEdit(id, "beta/src/lib.rs", {.oldText = "-> i32", .newText = "-> String"}, {});
  REQUIRE_FALSE(sig);
  CHECK(sig.error().message.find("This refusal is free: 0 of 2 repair cycles used (max-repair-cycles 2)") !=
        std::string::npos);
  auto first = (*m)->repairValidate(id, {});
  REQUIRE(first);
  CHECK(first->cycles == 1);
  CHECK(first->message.find("1 repair cycle(s) left") != std::string::npos);
  auto second = (*m)->repairValidate(id, {});
  REQUIRE(second);
  INFO(second->message);
  // With none left, the answer says what happens next instead of "validate again".
  CHECK(second->message.find("no repair cycles are left (2 of 2 repair cycles used (max-repair-cycles 2))") !=
        std::string::npos);
  CHECK(second->message.find("halts service beta") != std::string::npos);
  CHECK(second->message.find("validate again") == std::string::npos);
  auto third = (*m)->repairValidate(id, {});
  REQUIRE_FALSE(third);
  CHECK(third.error().message.find("halted") != std::string::npos);
  // One counter, one wording, in the halt and in cascade_finish's refusal.
  CHECK(third.error().message.find("2 of 2 repair cycles used (max-repair-cycles 2)") != std::string::npos);
  auto view = (*m)->repairView(id, {.path = "beta/src/lib.rs"});
  REQUIRE_FALSE(view);
  CHECK(view.error().message.find("preserved for a human") != std::string::npos);
  CHECK_FALSE((*m)->repairOpen(st->epoch, "beta"));
  auto fin = (*m)->cascadeFinish(st->epoch, {});
  REQUIRE_FALSE(fin);
  CHECK(fin.error().message.find("halted") != std::string::npos);
  CHECK(fin.error().message.find("2 of 2 repair cycles used (max-repair-cycles 2)") != std::string::npos);
  CHECK(fin.error().message.rfind("cascade_finish", 0) != 0);  // the tool adds its name; the domain does not
  CHECK(fs::exists(sb->universeDir / "beta/src/lib.rs"));
  CHECK(readText(ws.root / ".flywheel/repairs.jsonl").find("\"outcome\":\"halted\"") != std::string::npos);
}

TEST_CASE("a newer cascade preempts the older one and kills its cargo", "[mechanic][cargo]") {
  TinyWorkspace ws("preempt");
  auto m = Mechanic::open(ws.root);
  REQUIRE(m);
  auto spec = startSpec();
  spec.stamp = nullptr;  // everything compiles and passes
  spec.config.gates = {"check", "test"};
  auto st = (*m)->cascadeStart(spec, {});
  REQUIRE(st);
  auto sb = (*m)->repairOpen(st->epoch, "beta");
  REQUIRE(sb);
  // The agent adds a slow test, so validation is still running when preempted.
  REQUIRE((*m)->repairPlan(sb->status.id, "add a test"));
  auto edit = (*m)->repairEdit(sb->status.id, "beta/src/lib.rs", {.startLine = 4, .endLine = 3,
      .newText = "#[cfg(test)]\nmod tests {\n    #[test]\n    fn slow() {\n"
                 "        std::thread::sleep(std::time::Duration::from_secs(120));\n    }\n}"}, {});
  REQUIRE(edit);
  REQUIRE(edit->applied);
  Result<ValidateResult> val = fail(flywheel::Error::internal("not run"));
  auto t0 = std::chrono::steady_clock::now();
  std::thread validator([&] { val = (*m)->repairValidate(sb->status.id, {}); });
  std::this_thread::sleep_for(6s);
  auto st2 = (*m)->cascadeStart(spec, {});
  validator.join();
  REQUIRE(st2);
  CHECK(st2->preempted == std::vector<std::int64_t>{st->epoch});
  REQUIRE(val);
  CHECK(val->gauntlet.cancelled);
  CHECK(std::chrono::steady_clock::now() - t0 < 60s);
  auto later = (*m)->repairView(sb->status.id, {.path = "beta/src/lib.rs"});
  REQUIRE_FALSE(later);
  CHECK(later.error().message.find("superseded by epoch " + std::to_string(st2->epoch)) != std::string::npos);
  // Only the new epoch's cargo may still run (its prewarm); once it is
  // aborted too, nothing of either epoch is left running.
  REQUIRE((*m)->cascadeAbort(st2->epoch));
  CHECK(flywheel::runningChildren() == 0);
}

TEST_CASE("the cascade worktree is prewarmed while the agent works; finish waits for it and finds it built",
          "[mechanic][cargo]") {
  TinyWorkspace ws("prewarm");
  auto m = Mechanic::open(ws.root);
  REQUIRE(m);
  auto spec = startSpec();
  spec.stamp = nullptr;  // nothing is broken: the agent's time is all prewarm's
  spec.config.gates = {"check", "clippy", "test"};
  auto st = (*m)->cascadeStart(spec, {});
  REQUIRE(st);
  CHECK(flywheel::runningChildren() == 1);  // the prewarm, at low priority
  auto t0 = std::chrono::steady_clock::now();
  while (flywheel::runningChildren() > 0 && std::chrono::steady_clock::now() - t0 < 300s)
    std::this_thread::sleep_for(200ms);
  REQUIRE(flywheel::runningChildren() == 0);
  // The test binaries are there before cascade_finish asks for them.
  bool built = false;
  for (const auto& e : fs::directory_iterator(ws.root / ".flywheel/builds" / ("e" + std::to_string(st->epoch) + "-cascade") / "debug/deps"))
    built = built || (e.path().filename().string().starts_with("beta-") && e.path().extension().empty() &&
                      (fs::status(e.path()).permissions() & fs::perms::owner_exec) != fs::perms::none);
  CHECK(built);
  auto fin = (*m)->cascadeFinish(st->epoch, {});
  REQUIRE(fin);
  CHECK(fin->landed);
  for (const auto& g : fin->gauntlet.gates) {
    INFO(g.gate << " took " << g.seconds << " s");
    CHECK(g.passed);
  }
  // An aborted epoch's prewarm stops with it.
  auto st2 = (*m)->cascadeStart(spec, {});
  REQUIRE(st2);
  REQUIRE((*m)->cascadeAbort(st2->epoch));
  CHECK(flywheel::runningChildren() == 0);
}

TEST_CASE("an uncommitted intent change is carried into the cascade and lands", "[mechanic][cargo]") {
  TinyWorkspace ws("worktree-intent");
  writeText(ws.root / "alpha/intent.lisp", "(service alpha (version 1))\n");
  const std::string base = ws.commitAll("intent");
  writeText(ws.root / "alpha/intent.lisp", "(service alpha (version 2))\n");  // not committed
  auto m = Mechanic::open(ws.root);
  REQUIRE(m);
  REQUIRE((*m)->hasUncommittedIntent().value_or(false));
  auto spec = startSpec("experimental");
  auto st = (*m)->cascadeStart(spec, {});
  REQUIRE(st);
  auto sb = (*m)->repairOpen(st->epoch, "beta");
  REQUIRE(sb);
  CHECK(readText(sb->universeDir / "alpha/intent.lisp").find("version 2") != std::string::npos);
  REQUIRE((*m)->repairPlan(sb->status.id, "parse"));
  auto fix = (*m)->repairEdit(sb->status.id, "beta/src/lib.rs",
                              {.oldText = "alpha::answer() * 2", .newText = "alpha::answer().parse::<i32>().unwrap() * 2"},
                              {});
  REQUIRE(fix);
  REQUIRE(fix->applied);
  REQUIRE((*m)->repairValidate(sb->status.id, {}));
  REQUIRE((*m)->repairCommit(sb->status.id));
  auto fin = (*m)->cascadeFinish(st->epoch, {});
  REQUIRE(fin);
  INFO(fin->message);
  CHECK(fin->landed);
  CHECK(git(ws.root, {"status", "--porcelain"}).empty());
  CHECK(git(ws.root, {"log", "--format=%s", base + "..HEAD"}).find("intent change from the working tree") !=
        std::string::npos);
}
