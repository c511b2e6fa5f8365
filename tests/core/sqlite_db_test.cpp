#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/sqlite_db.h"

namespace fs = std::filesystem;
using namespace flywheel;

namespace {
fs::path freshDb(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("flywheel-db-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir / "kb.sqlite";
}
}  // namespace

TEST_CASE("Db opens in WAL mode and migrates each module once", "[core]") {
  auto path = freshDb("migrate");
  std::vector<Migration> steps = {{1, "CREATE TABLE t(a INTEGER)"}, {2, "ALTER TABLE t ADD COLUMN b TEXT"}};
  {
    auto db = Db::open(path);
    REQUIRE(db);
    {
      auto mode = db->prepare("PRAGMA journal_mode");
      REQUIRE(mode);
      REQUIRE(*mode->step());
      CHECK(mode->text(0) == "wal");
    }  // a pending statement would hold the transaction open
    REQUIRE(db->migrate("demo", steps));
    REQUIRE(db->migrate("demo", steps));  // idempotent: re-running adds nothing
    auto ins = db->prepare("INSERT INTO t(a, b) VALUES(?, ?)");
    REQUIRE(ins);
    ins->bind(1, std::int64_t{7}).bind(2, "seven");
    REQUIRE(ins->run());
  }
  auto db = Db::open(path);
  REQUIRE(db);
  auto q = db->prepare("SELECT version FROM schema_versions WHERE module='demo'");
  REQUIRE(q);
  REQUIRE(*q->step());
  CHECK(q->int64(0) == 2);
  auto rows = db->prepare("SELECT a, b FROM t");
  REQUIRE(rows);
  REQUIRE(*rows->step());
  CHECK(rows->int64(0) == 7);
  CHECK(rows->text(1) == "seven");
  fs::remove_all(path.parent_path());
}

TEST_CASE("a failed transaction rolls back and reports the cause", "[core]") {
  auto path = freshDb("tx");
  auto db = Db::open(path);
  REQUIRE(db);
  REQUIRE(db->exec("CREATE TABLE t(a INTEGER UNIQUE)"));
  auto r = db->transaction([&]() -> Result<void> {
    if (auto e = db->exec("INSERT INTO t VALUES(1)"); !e) return e;
    return db->exec("INSERT INTO t VALUES(1)");  // violates UNIQUE
  });
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("UNIQUE") != std::string::npos);
  auto count = db->prepare("SELECT count(*) FROM t");
  REQUIRE(count);
  REQUIRE(*count->step());
  CHECK(count->int64(0) == 0);
  fs::remove_all(path.parent_path());
}

TEST_CASE("a broken migration names the module and version", "[core]") {
  auto path = freshDb("badmig");
  auto db = Db::open(path);
  REQUIRE(db);
  auto r = db->migrate("demo", {{1, "CREATE TABLE ok(a)"}, {2, "THIS IS NOT SQL"}});
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("demo migration to version 2") != std::string::npos);
  fs::remove_all(path.parent_path());
}
