// Stamping the example universe: as checked in, idempotent, deterministic,
// rustfmt-clean, and green under real cargo.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "forge/generation_gap.h"
#include "forge_test_util.h"

namespace fs = std::filesystem;
using namespace flywheel;
using namespace flywheel::forge;
using namespace flywheel::forge::test;

namespace {

/// Every file under `root` except .git and target, path -> bytes.
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    auto name = it->path().filename();
    if (name == ".git" || name == "target") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) files[it->path().lexically_relative(root).generic_string()] = readText(it->path());
  }
  return files;
}

std::map<std::string, fs::file_time_type> mtimes(const fs::path& root) {
  std::map<std::string, fs::file_time_type> out;
  for (const auto& [path, _] : snapshot(root)) out[path] = fs::last_write_time(root / path);
  return out;
}

}  // namespace

TEST_CASE("the example universe loads cleanly and its generated.rs are exactly what Forge stamps", "[stamp]") {
  auto loaded = load(shopDir());
  for (const auto& d : loaded.diagnostics) INFO(d.toString());
  REQUIRE(loaded.diagnostics.empty());
  REQUIRE(loaded.universe.services.size() == 5);
  for (const auto& s : loaded.universe.services) {
    INFO(s.name);
    auto generated = stamper().renderGenerated(loaded.universe, s);
    REQUIRE(generated.has_value());
    if (std::getenv("FORGE_DUMP")) writeText(fs::path(std::getenv("FORGE_DUMP")) / (s.name + ".rs"), *generated);
    auto onDisk = readText(shopDir() / s.dir / "src" / "generated.rs");
    CHECK(inspectGenerated(onDisk) == GeneratedState::Intact);
    CHECK(*generated == onDisk);
  }
}

TEST_CASE("stamping the stamped example writes nothing and leaves every mtime alone", "[stamp]") {
  TempDir tmp("noop");
  copyShop(tmp.path);
  auto before = mtimes(tmp.path);
  auto report = stamper().stamp(load(tmp.path), {});
  REQUIRE(report.has_value());
  CHECK(report->ok());
  CHECK(report->written == 0);
  CHECK(report->files.empty());
  CHECK(report->stamped.size() == 5);
  CHECK(report->unchanged == 21);  // 5 x (generated, lib, custom, Cargo.toml) + workspace
  CHECK(mtimes(tmp.path) == before);
}

TEST_CASE("stamping is byte-identical in any order and from any location", "[stamp]") {
  TempDir a("order-a"), b("order-b");
  copyShop(a.path);
  copyShop(b.path / "elsewhere" / "deeper");
  fs::path bRoot = b.path / "elsewhere" / "deeper";
  // Start both from nothing Forge owns, so every file is rendered fresh.
  for (const auto& root : {a.path, bRoot})
    for (const char* svc : {"user", "auth", "order", "billing", "catalog"}) {
      fs::remove(root / "services" / svc / "src" / "generated.rs");
      fs::remove(root / "services" / svc / "src" / "custom.rs");
      fs::remove(root / "services" / svc / "src" / "lib.rs");
      fs::remove(root / "services" / svc / "Cargo.toml");
    }
  std::vector<std::string> order{"billing", "auth", "catalog", "user", "order"};
  for (const auto& svc : order) REQUIRE(stamper().stamp(load(a.path), {.services = {svc}}).has_value());
  std::reverse(order.begin(), order.end());
  REQUIRE(stamper().stamp(load(bRoot), {.services = order}).has_value());
  auto sa = snapshot(a.path), sb = snapshot(bRoot);
  REQUIRE(sa.size() == sb.size());
  for (const auto& [path, bytes] : sa) {
    INFO(path);
    CHECK(sb[path] == bytes);
  }
  // The second stamp of everything writes nothing.
  auto again = stamper().stamp(load(a.path), {});
  REQUIRE(again.has_value());
  CHECK(again->written == 0);
}

TEST_CASE("stamped Rust is rustfmt-clean", "[stamp][cargo]") {
  std::string out;
  int rc = run("rustfmt --edition 2021 --check services/*/src/generated.rs", shopDir(), &out);
  INFO(out);
  CHECK(rc == 0);
}
