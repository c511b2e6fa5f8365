// The template engine: values, sections, standalone lines, fit, errors.
#include <catch2/catch.hpp>

#include "forge/template.h"
#include "forge/template_set.h"
#include "forge_test_util.h"

using namespace flywheel::forge;

namespace {
std::string render(std::string_view text, const TemplateObject& ctx) {
  auto t = Template::parse("t.tmpl", text);
  REQUIRE(t.has_value());
  return (*t)->render(ctx);
}
}  // namespace

TEST_CASE("values, lists, flags and inverted sections", "[template]") {
  TemplateList items{{{"n", "a"}}, {{"n", "b"}}, {{"n", "c"}}};
  CHECK(render("{{#items}}{{n}}{{^@last}}, {{/@last}}{{/items}}", {{"items", items}}) == "a, b, c");
  CHECK(render("{{#items}}{{#@first}}[{{/@first}}{{n}}{{/items}}]", {{"items", items}}) == "[abc]");
  CHECK(render("{{#on}}yes{{/on}}{{^on}}no{{/on}}", {{"on", true}}) == "yes");
  CHECK(render("{{#on}}yes{{/on}}{{^on}}no{{/on}}", {{"on", false}}) == "no");
  CHECK(render("{{^missing}}absent{{/missing}}{{missing}}", {}) == "absent");
  // Inner contexts shadow outer ones; outer names stay visible.
  CHECK(render("{{#items}}{{outer}}{{n}}{{/items}}", {{"items", items}, {"outer", "-"}}) == "-a-b-c");
}

TEST_CASE("a line holding only a section tag leaves no trace", "[template]") {
  std::string text = "start\n{{#items}}\n  {{n}}\n{{/items}}\n{{! a comment }}\nend\n";
  CHECK(render(text, {{"items", TemplateList{{{"n", "x"}}, {{"n", "y"}}}}}) == "start\n  x\n  y\nend\n");
}

TEST_CASE("fit joins a tall list when it fits in 100 columns, like rustfmt", "[template]") {
  std::string tall = "pub fn f(\n    a: i32,\n    b: String,\n) -> bool {\n";
  CHECK(fitLines(tall) == "pub fn f(a: i32, b: String) -> bool {\n");
  std::string longer = "pub fn f(\n    a: " + std::string(90, 'x') + ",\n) -> bool {\n";
  CHECK(fitLines(longer) == longer);
  CHECK(fitLines("pub const X: &str =\n    \"hi\";\n") == "pub const X: &str = \"hi\";\n");
  // Struct-like variants: fields within 35 columns go on one line.
  CHECK(fitLines("    V {\n        a: A,\n        b: B,\n    },\n", 100, 35) == "    V { a: A, b: B },\n");
  // Calls: rustfmt keeps arguments wider than 60 columns tall.
  std::string call = "    f(\n        " + std::string(61, 'a') + ",\n    )\n";
  CHECK(fitLines(call, 100, 60) == call);
}

TEST_CASE("template errors name the file, the line and the fix", "[template]") {
  auto unclosed = Template::parse("x.tmpl", "a\n{{#list}}\nb\n");
  REQUIRE_FALSE(unclosed.has_value());
  CHECK(unclosed.error().message == "x.tmpl:2: section 'list' is never closed; add '{{/list}}'");
  auto mismatched = Template::parse("x.tmpl", "{{#a}}{{/b}}");
  REQUIRE_FALSE(mismatched.has_value());
  CHECK(mismatched.error().message.find("x.tmpl:1: '{{/b}}' closes 'a'") == 0);
  auto tag = Template::parse("x.tmpl", "{{name");
  REQUIRE_FALSE(tag.has_value());
  CHECK(tag.error().message.find("unclosed '{{'") != std::string::npos);
  CHECK_FALSE(Template::parse("x.tmpl", "{{%wrap}}{{/wrap}}").has_value());
}

TEST_CASE("every Rust template loads", "[template]") {
  auto set = TemplateSet::load(flywheel::forge::test::templatesDir());
  REQUIRE(set.has_value());
  auto missing = TemplateSet::load(flywheel::forge::test::templatesDir() / "nope");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message.find("is not a directory") != std::string::npos);
}
