// The Learn facade's guards, without cargo: what a proposal may not touch,
// an unknown candidate, a hostile proposal id; and the store round trip.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/atomic_file.h"
#include "learn/learn.h"
#include "learn_fixture.h"

namespace fs = std::filesystem;
using namespace flywheel;
using namespace flywheel::learn;

namespace {

struct Repo {
  fs::path root;
  Repo() : root(testing::oneServiceRepo("learn-api")) {}
  ~Repo() { fs::remove_all(root); }
};

}  // namespace

TEST_CASE("a proposal may change only custom code, intents and universe.lisp, inside the universe", "[learn][api]") {
  Repo repo;
  Learn learn({repo.root, repo.root / ".flywheel", {}});
  auto refused = [&](const std::string& path) {
    auto p = learn.propose({"c-0000000000", "", {}, {{path, "x"}}});
    REQUIRE_FALSE(p.has_value());
    return p.error().message;
  };
  CHECK(refused("../../etc/passwd").find("must not contain '..'") != std::string::npos);
  CHECK(refused("/etc/passwd").find("relative to the universe root") != std::string::npos);
  CHECK(refused("services/a/src/generated.rs").find("generated.rs is Forge's: change a template instead") != std::string::npos);
  CHECK(refused("services/a/Cargo.toml").find("a proposal changes templates") != std::string::npos);
  auto bad = learn.propose({"c-0000000000", "", {{"../x", "t"}}, {}});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.find("template name '../x'") != std::string::npos);
  auto empty = learn.propose({"c-0000000000", "", {}, {}});
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().message.find("the proposal is empty") != std::string::npos);
  auto unknown = learn.propose({"c-0000000000", "", {{"view", "x"}}, {}});
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().message == "no candidate 'c-0000000000' in the repair log; learn_distill lists them");
  CHECK_FALSE(fs::exists(repo.root / ".flywheel/sandboxes"));  // nothing was opened
}

TEST_CASE("proposals round-trip through the store; a hostile id is refused", "[learn][api]") {
  Repo repo;
  Proposal p;
  p.id = "p-0123456789";
  p.candidate = "c-abcdef0123";
  p.status = "refused";
  p.templates["view"] = "{{name}}";
  p.files["services/a/src/custom.rs"] = "// x\n";
  p.checks.push_back({"gates", false, "check: FAILED", 1.5});
  p.refusal = "gates failed: check: FAILED";
  REQUIRE(saveProposal(repo.root / ".flywheel", p));
  auto back = loadProposal(repo.root / ".flywheel", p.id);
  REQUIRE(back.has_value());
  CHECK(back->templates == p.templates);
  CHECK(back->files == p.files);
  CHECK(back->checks.at(0).detail == "check: FAILED");
  CHECK(back->refusal == p.refusal);
  auto hostile = loadProposal(repo.root / ".flywheel", "../../etc/passwd");
  REQUIRE_FALSE(hostile.has_value());
  CHECK(hostile.error().message.find("is not a proposal id") != std::string::npos);
  Learn learn({repo.root, repo.root / ".flywheel", {}});
  auto refusedEval = learn.evaluate(p.id, {});
  REQUIRE_FALSE(refusedEval.has_value());
  CHECK(refusedEval.error().message.find("was refused") != std::string::npos);
}
