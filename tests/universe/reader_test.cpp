// The reader: positions, atoms, escapes, comments, limits, collected errors.
#include <catch2/catch.hpp>

#include "universe/sexp.h"

using namespace flywheel::universe;

namespace {
std::vector<std::string> messages(const ReadResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics) out.push_back(d.toString());
  return out;
}
}  // namespace

TEST_CASE("reader keeps positions of every node and skips comments") {
  auto r = readSexps("; header\n(service user  ; trailing\n  (version 3))\n", "services/user/intent.lisp");
  REQUIRE(r.diagnostics.empty());
  REQUIRE(r.forms.size() == 1);
  const Sexp& s = r.forms[0];
  CHECK(s.pos == SourcePos{2, 1});
  CHECK(s.items[1].text == "user");
  CHECK(s.items[1].pos == SourcePos{2, 10});
  CHECK(s.items[2].pos == SourcePos{3, 3});
  CHECK(s.items[2].items[1].kind == Sexp::Kind::Integer);
  CHECK(s.items[2].items[1].integer == 3);
  CHECK(s.items[2].items[1].pos == SourcePos{3, 12});
}

TEST_CASE("reader reads strings with escapes, keywords, negative integers and symbols") {
  auto r = readSexps(R"((doc "a \"quoted\" \\ line\n\tend" :key -42 user/UserProfile &rest a.b?))", "f.lisp");
  REQUIRE(r.diagnostics.empty());
  const auto& it = r.forms.at(0).items;
  CHECK(it[1].kind == Sexp::Kind::String);
  CHECK(it[1].text == "a \"quoted\" \\ line\n\tend");
  CHECK(it[2].kind == Sexp::Kind::Keyword);
  CHECK(it[2].text == "key");
  CHECK(it[3].integer == -42);
  CHECK(it[4].text == "user/UserProfile");
  CHECK(it[5].text == "&rest");
  CHECK(it[6].text == "a.b?");
  CHECK(printSexp(r.forms[0]) == R"((doc "a \"quoted\" \\ line\n\tend" :key -42 user/UserProfile &rest a.b?))");
}

TEST_CASE("reader reports an unclosed paren like INTENT.md's example") {
  std::string text = "(service user\n  (type A\n    (field id i32))\n";
  for (int k = 0; k < 7; ++k) text += ";\n";
  text += "    ";  // line 11 ends at col 5
  auto r = readSexps(text + "\n    ", "services/user/intent.lisp");
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].toString() == "services/user/intent.lisp:12:5: unclosed '(' (opened at 1:1); add the missing ')'");
}

TEST_CASE("reader collects several errors in one file") {
  auto r = readSexps("(a \"x\\q\")\n)\n(b 99999999999999999999)\n(c 1abc)\n", "f.lisp");
  CHECK(messages(r) == std::vector<std::string>{
                           "f.lisp:1:6: invalid escape '\\q' in string; expected one of \\\" \\\\ \\n \\t",
                           "f.lisp:2:1: unexpected ')' with no matching '('; remove it",
                           "f.lisp:3:4: integer '99999999999999999999' does not fit in 64 bits",
                           "f.lisp:4:4: unexpected '1abc'; expected a symbol, an integer, a \"string\", a :keyword, '(' or ')'",
                       });
  CHECK(r.forms.size() == 3);  // a, b and c are still read
}

TEST_CASE("reader reports an unterminated string with where it opened") {
  auto r = readSexps("(doc \"never\n closed)", "f.lisp");
  CHECK(messages(r) == std::vector<std::string>{"f.lisp:2:9: unterminated string (opened at 1:6); add the closing '\"'",
                                                "f.lisp:2:9: unclosed '(' (opened at 1:1); add the missing ')'"});
}

TEST_CASE("reader limits: nesting, size, NUL, invalid UTF-8") {
  SECTION("nesting deeper than 256 is reported once and skipped") {
    std::string deep = std::string(300, '(') + std::string(300, ')') + " (ok)";
    auto r = readSexps(deep, "f.lisp");
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics[0].toString() == "f.lisp:1:257: nesting deeper than 256 levels; flatten this form (its contents are skipped)");
    CHECK(r.forms.size() == 2);
    CHECK(r.forms[1].head() == "ok");
  }
  SECTION("a million open parens neither crash nor hang") {
    auto r = readSexps(std::string(1'000'000, '('), "f.lisp");
    CHECK(r.diagnostics.size() == 2);
  }
  SECTION("over 4 MiB: positioned at 1:1, with the size") {
    auto r = readSexps(std::string(5'000'000, ' '), "big.lisp");
    CHECK(messages(r) == std::vector<std::string>{"big.lisp:1:1: file is 4.8 MiB, over the 4 MiB limit (4194304 bytes) "
                                                  "for intent files; split it or remove generated content"});
  }
  SECTION("NUL byte") {
    auto r = readSexps(std::string("(a\n b\0)", 7), "f.lisp");
    CHECK(messages(r) == std::vector<std::string>{"f.lisp:2:3: NUL byte in intent file; intent files are UTF-8 text"});
  }
  SECTION("invalid UTF-8, but valid UTF-8 in strings and comments is fine") {
    CHECK(readSexps("; héllo\n(doc \"naïve ✓\")", "f.lisp").diagnostics.empty());
    auto r = readSexps("(doc \"\xC3\x28\")", "f.lisp");
    CHECK(messages(r) == std::vector<std::string>{"f.lisp:1:7: invalid UTF-8 byte 0xC3; save the file as UTF-8"});
  }
}

TEST_CASE("reader reads quasi-quote marks") {
  auto r = readSexps("`(type ,name ,@fields)", "f.lisp");
  REQUIRE(r.diagnostics.empty());
  const Sexp& q = r.forms.at(0);
  CHECK(q.kind == Sexp::Kind::Quasi);
  CHECK(q.items[0].items[1].kind == Sexp::Kind::Unquote);
  CHECK(q.items[0].items[2].kind == Sexp::Kind::Splice);
  CHECK(printSexp(q) == "`(type ,name ,@fields)");
  CHECK(readSexps("(a `)", "f.lisp").diagnostics.at(0).toString() == "f.lisp:1:4: expected a form after '`'");
}

TEST_CASE("reader reads decimals as written and prints them back; malformed ones are errors") {
  auto r = readSexps("(meta-utility-threshold 0.6 -1.25)", "f.lisp");
  REQUIRE(r.diagnostics.empty());
  const auto& it = r.forms.at(0).items;
  CHECK(it[1].kind == Sexp::Kind::Decimal);
  CHECK(it[1].text == "0.6");
  CHECK(it[2].text == "-1.25");
  CHECK(printSexp(r.forms[0]) == "(meta-utility-threshold 0.6 -1.25)");
  auto bad = readSexps("(x 1. .5 1.2.3)", "f.lisp");
  REQUIRE(bad.diagnostics.size() == 3);
  CHECK(bad.diagnostics[0].toString() == "f.lisp:1:4: unexpected '1.'; expected a symbol, an integer, a \"string\", a :keyword, '(' or ')'");
}
