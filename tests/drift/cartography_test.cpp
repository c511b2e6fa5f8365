// Cartography (drift/cartography.h): drafts of the shop's services parse,
// validate and stamp back the same public types; a crate with no intent gets
// a draft with a proposed defmacro.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "drift/cartography.h"
#include "drift_fixture.h"
#include "forge/stamper.h"
#include "universe/report.h"

using namespace flywheel::drift;
using namespace flywheel::drift::testing;
namespace u = flywheel::universe;

namespace {

/// The reality line of each named type, enum or alias in generated.rs.
std::map<std::string, std::string> typeLines(const fs::path& root, const u::Universe& un, const std::string& service) {
  auto m = buildMirror(root, un, nullptr, {service});
  std::string s = realitySexp(m.crates.at(0), crateNamesOf(un));
  std::map<std::string, std::string> out;
  std::istringstream in(s.substr(s.find("src/generated.rs")));
  for (std::string line; std::getline(in, line);) {
    for (const char* head : {"    (type ", "    (enum ", "    (alias "}) {
      if (line.rfind(head, 0) != 0) continue;
      // The file's last item also carries the `)` closing its (file ...).
      while (std::count(line.begin(), line.end(), ')') > std::count(line.begin(), line.end(), '(')) line.pop_back();
      std::string rest = line.substr(std::char_traits<char>::length(head));
      out[rest.substr(0, rest.find_first_of(" )"))] = line;
    }
    if (line.find("(file ") != std::string::npos && line.find("generated.rs") == std::string::npos) break;
  }
  return out;
}

void stamp(const fs::path& root, const std::vector<std::string>& services) {
  auto loaded = u::loadUniverse(root);
  REQUIRE(loaded);
  INFO(u::formatDiagnostics(loaded->diagnostics));
  REQUIRE(loaded->ok());
  auto stamper = flywheel::forge::Stamper::create(flywheel::forge::TemplateSet::rustDir({}));
  REQUIRE(stamper);
  auto report = stamper->stamp(*loaded, {.services = services, .force = true});
  REQUIRE(report);
  INFO(u::formatDiagnostics(report->problems));
  std::string refused;
  for (const auto& f : report->files) refused += f.path + ": " + f.reason + "\n";
  INFO(refused);
  REQUIRE(report->ok());
}

}  // namespace

TEST_CASE("drafts of the shop's services validate and stamp the same public types") {
  auto original = u::loadUniverse(kShop);
  REQUIRE(original);
  const auto& un = original->universe;
  ShopCopy shop;
  std::map<std::string, std::map<std::string, std::string>> before;
  auto mirror = buildMirror(kShop, un, nullptr);
  for (const auto& svc : un.services) {
    auto draft = draftIntent(*mirror.crate(svc.name), crateNamesOf(un), &svc);
    INFO(draft.text);
    CHECK(draft.forms > 0);
    shop.write(svc.intentPath, draft.text);
    before[svc.name] = typeLines(kShop, un, svc.name);
  }
  stamp(shop.dir, {});
  auto drafted = u::loadUniverse(shop.dir);
  REQUIRE(drafted);
  for (const auto& svc : un.services) {
    auto after = typeLines(shop.dir, drafted->universe, svc.name);
    for (const auto& t : svc.types) CHECK(after[t.name] == before[svc.name][t.name]);
    for (const auto& e : svc.enums) CHECK(after[e.name] == before[svc.name][e.name]);
    for (const auto& a : svc.aliases) CHECK(after[a.name] == before[svc.name][a.name]);
    CHECK_FALSE(before[svc.name].empty());
  }
  // The rpcs come back too.
  CHECK(shop.read("services/user/src/generated.rs").find("fn get_user(&self, input: Email) -> Result<Option<UserProfile>, String>;") !=
        std::string::npos);
}

TEST_CASE("a crate with no intent gets a draft that proposes a macro for records sharing fields") {
  ShopCopy shop;
  shop.write("services/ledger/src/lib.rs", "pub mod model;\n");
  shop.write("services/ledger/src/model.rs",
             "pub struct Account { pub id: u64, pub created_at: i64, pub owner: String }\n"
             "pub struct Entry { pub id: u64, pub created_at: i64, pub cents: i64, pub tier: user::Tier }\n"
             "pub struct Audit { pub id: u64, pub created_at: i64 }\n"
             "pub enum Side { Debit, Credit }\n"
             "pub type Owner = String;\n");
  auto loaded = u::loadUniverse(shop.dir);
  REQUIRE(loaded);
  REQUIRE_FALSE(loaded->universe.findService("ledger"));
  u::Diagnostics warnings;
  auto crate = mirrorCrate(shop.dir, "ledger", "services/ledger", nullptr, warnings);
  auto draft = draftIntent(crate, crateNamesOf(loaded->universe), nullptr);
  INFO(draft.text);
  CHECK(draft.macros == std::vector<std::string>{"record-with-id"});
  CHECK(draft.text.find("(defmacro record-with-id (name &rest fields)\n  `(type ,name (field id u64) (field created-at i64) ,@fields))") !=
        std::string::npos);
  CHECK(draft.text.find("(record-with-id Entry (field cents i64) (field tier user/Tier))") != std::string::npos);
  CHECK(draft.text.find("(record-with-id Audit)") != std::string::npos);
  CHECK(draft.text.find("(depends-on user)") != std::string::npos);

  // Written only as a draft; as an intent it validates and stamps the same records.
  auto path = writeDraft(shop.dir, "services/ledger", draft);
  REQUIRE(path);
  CHECK(*path == "services/ledger/intent.draft.lisp");
  CHECK_FALSE(fs::exists(shop.dir / "services/ledger/intent.lisp"));
  shop.write("services/ledger/intent.lisp", draft.text);
  stamp(shop.dir, {"ledger"});
  auto after = u::loadUniverse(shop.dir);
  REQUIRE(after);
  auto lines = typeLines(shop.dir, after->universe, "ledger");
  CHECK(lines["Account"] == "    (type Account (field id u64) (field created-at i64) (field owner String))");
  CHECK(lines["Entry"] == "    (type Entry (field id u64) (field created-at i64) (field cents i64) (field tier user/Tier))");
  CHECK(lines["Side"] == "    (enum Side debit credit)");
  CHECK(lines["Owner"] == "    (alias Owner String)");
}
