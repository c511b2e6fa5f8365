#include <catch2/catch.hpp>

#include <algorithm>

#include "kb/text_terms.h"

using namespace flywheel::kb;

static bool has(const std::string& terms, const std::string& t) {
  return (" " + terms + " ").find(" " + t + " ") != std::string::npos;
}

TEST_CASE("identifiers yield their parts and compounds", "[kb][terms]") {
  auto t = indexTerms("auth-service calls UserProfile.id, see user_profile and HTTPServer E0308 v1.2");
  for (auto w : {"auth", "service", "authservice", "user", "profile", "id", "userprofile", "userprofileid",
                 "http", "server", "httpserver", "e0308", "v1", "2"})
    CHECK(has(t, w));
  CHECK_FALSE(has(t, "auth-service"));
}

TEST_CASE("query terms drop stopwords unless nothing else is left", "[kb][terms]") {
  auto q = queryTerms("how did we fix the auth-service?");
  CHECK(std::find(q.begin(), q.end(), "the") == q.end());
  CHECK(std::find(q.begin(), q.end(), "authservice") != q.end());
  auto only = queryTerms("NOT");
  REQUIRE(only.size() == 1);
  CHECK(only[0] == "not");
}

TEST_CASE("FTS5 expressions quote every term", "[kb][terms]") {
  CHECK(ftsMatchExpression({"not", "title"}) == "\"not\" OR \"title\"");
  CHECK(ftsMatchExpression({"a\"b"}) == "\"a\"\"b\"");
  CHECK(ftsMatchExpression({}).empty());
}

TEST_CASE("tokenizer survives hostile input", "[kb][terms]") {
  std::string big(1 << 20, 'a');
  CHECK(tokenizeText(big).size() >= 1);
  std::string junk = "\xff\xfe--__..::// \"\"\" ((( ))) ***";
  CHECK_NOTHROW(indexTerms(junk));
}
