// A universe's own Forge templates: `(templates "dir")` in universe.lisp lays
// a folder over the built-in templates, and `(template NAME TYPE...)` in an
// intent stamps an added template once per record type. Changing an added
// template re-renders exactly the services that use it.
#include <catch2/catch.hpp>

#include <set>

#include "forge/stamp_plan.h"
#include "forge_test_util.h"

namespace fs = std::filesystem;
using namespace flywheel;
using namespace flywheel::forge;
using namespace flywheel::forge::test;

namespace {

constexpr const char* kSummary =
    "/// {{rust_name}}'s fields as `name=value` pairs (universe template `summary`).\n"
    "pub fn {{snake_name}}_summary(value: &{{path}}) -> String {\n"
    "    let parts: Vec<String> = vec![\n"
    "{{#fields}}\n"
    "        format!(\"{{field}}={:?}\", value.{{field}}),\n"
    "{{/fields}}\n"
    "    ];\n"
    "    parts.join(\" \")\n"
    "}\n";

void addLine(const fs::path& file, const std::string& before, const std::string& line) {
  std::string text = readText(file);
  auto at = text.rfind(before);
  REQUIRE(at != std::string::npos);
  text.insert(at, line);
  writeText(file, text);
}

/// The shop with (templates "forge-templates"), summary.tmpl there, and
/// order stamping it for user's UserProfile.
fs::path shopWithSummary(TempDir& tmp) {
  fs::path u = tmp.path / "u";
  copyShop(u);
  addLine(u / "universe.lisp", "(sentinel-interval 30))", "(templates \"forge-templates\")\n  ");
  fs::create_directories(u / "forge-templates");
  writeText(u / "forge-templates/summary.tmpl", kSummary);
  addLine(u / "services/order/intent.lisp", "\n  (type LineItem", "\n  (template summary user/UserProfile)\n");
  return u;
}

std::set<std::string> rendered(const Stamper& st, const universe::LoadedUniverse& loaded) {
  auto templates = st.templatesFor(loaded.universe);
  REQUIRE(templates.has_value());
  auto plan = planStamp(*templates, loaded, {});
  REQUIRE(plan.has_value());
  std::set<std::string> out;
  for (const auto& f : plan->files)
    if (f.rule == PlannedFile::Rule::Generated) out.insert(f.service);
  return out;
}

}  // namespace

TEST_CASE("an intent stamps a universe's added template for a record of another service", "[forge][templates]") {
  TempDir tmp("universe-templates");
  fs::path u = shopWithSummary(tmp);
  auto first = stamper().stamp(load(u), {});
  REQUIRE(first.has_value());
  REQUIRE(first->ok());
  std::string order = readText(u / "services/order/src/generated.rs");
  CHECK(order.find("pub fn user_profile_summary(value: &user::UserProfile) -> String {") != std::string::npos);
  CHECK(order.find("format!(\"id={:?}\", value.id),") != std::string::npos);
  CHECK(readText(u / "services/user/src/generated.rs").find("_summary") == std::string::npos);
  // Deterministic and idempotent: a second stamp writes nothing.
  CHECK(stamper().stamp(load(u), {})->written == 0);

  // Editing the added template re-renders order (its only user) and nothing else.
  CHECK(rendered(stamper(), load(u)).empty());
  std::string text = readText(u / "forge-templates/summary.tmpl");
  text.replace(text.find("parts.join(\" \")"), 15, "parts.join(\", \")");
  writeText(u / "forge-templates/summary.tmpl", text);
  CHECK(rendered(stamper(), load(u)) == std::set<std::string>{"order"});
  auto second = stamper().stamp(load(u), {});
  REQUIRE(second.has_value());
  CHECK(second->written == 1);
  CHECK(readText(u / "services/order/src/generated.rs").find("parts.join(\", \")") != std::string::npos);
}

TEST_CASE("a universe template overrides the built-in of the same name, and re-renders every service", "[forge][templates]") {
  TempDir tmp("universe-templates-override");
  fs::path u = shopWithSummary(tmp);
  REQUIRE(stamper().stamp(load(u), {})->ok());
  std::string alias = readText(templatesDir() / "alias.tmpl");
  alias.replace(alias.find("(alias)."), 8, "(an alias).");
  writeText(u / "forge-templates/alias.tmpl", alias);
  auto loaded = load(u);
  CHECK(rendered(stamper(), loaded).size() == loaded.universe.services.size());
  REQUIRE(stamper().stamp(loaded, {})->ok());
  CHECK(readText(u / "services/catalog/src/generated.rs").find("(an alias).") != std::string::npos);
}

TEST_CASE("an unknown template or a missing templates folder is an error naming the fix", "[forge][templates]") {
  TempDir tmp("universe-templates-errors");
  fs::path u = shopWithSummary(tmp);
  addLine(u / "services/order/intent.lisp", "\n  (type LineItem", "\n  (template sumary Order)\n");
  auto report = stamper().stamp(load(u), {.services = {"order"}});
  REQUIRE(report.has_value());
  REQUIRE(report->problems.size() == 1);
  CHECK(report->problems[0].toString().find("no Forge template 'sumary': add sumary.tmpl to the universe's templates "
                                            "folder ((templates \"dir\") in universe.lisp); the universe's templates "
                                            "are: summary") != std::string::npos);
  CHECK_FALSE(fs::exists(u / "services/order/src/generated.rs.tmp"));

  fs::remove_all(u / "forge-templates");
  auto missing = stamper().stamp(load(u), {});
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message.find("forge-templates is not a directory") != std::string::npos);
  CHECK(missing.error().message.find("(templates \"forge-templates\"); create the folder or fix the setting") !=
        std::string::npos);
}
