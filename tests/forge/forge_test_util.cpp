#include "forge_test_util.h"

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace flywheel::forge::test {

namespace fs = std::filesystem;

fs::path shopDir() { return fs::path(FLYWHEEL_SOURCE_DIR) / "examples" / "shop"; }
fs::path templatesDir() { return TemplateSet::rustDir(FLYWHEEL_SOURCE_DIR); }

TempDir::TempDir(const std::string& name) {
  path = fs::path(FLYWHEEL_BINARY_DIR) / "test-tmp" / "forge" / name;
  fs::remove_all(path);
  fs::create_directories(path);
}
TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

void copyShop(const fs::path& dest) {
  fs::create_directories(dest);
  for (const auto& entry : fs::directory_iterator(shopDir())) {
    auto name = entry.path().filename();
    if (name == "target" || name == ".flywheel") continue;
    fs::copy(entry.path(), dest / name, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  }
  REQUIRE(run("git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm shop", dest) == 0);
}

int cargoInSharedTarget(const std::string& args, const fs::path& root, std::string* out) {
  const fs::path target = fs::path(FLYWHEEL_BINARY_DIR) / "test-tmp" / "forge-cargo-target" / "docs";
  return run("CARGO_TARGET_DIR='" + target.string() + "' CARGO_TERM_COLOR=never cargo " + args, root, out);
}

void requireStampsClippyClean(const fs::path& root) {
  auto report = stamper().stamp(load(root), {});
  REQUIRE(report.has_value());
  for (const auto& p : report->problems) INFO(p.toString());
  REQUIRE(report->ok());
  std::string out;
  int rc = cargoInSharedTarget("clippy --offline --workspace --all-targets -- -D warnings", root, &out);
  INFO(out);
  CHECK(rc == 0);
}

int run(const std::string& command, const fs::path& cwd, std::string* out) {
  std::string full = "cd '" + cwd.string() + "' && (" + command + ") 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (!pipe) return -1;
  std::string text;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) text.append(buf.data(), n);
  int status = pclose(pipe);
  if (out) *out = std::move(text);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void writeText(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

universe::LoadedUniverse load(const fs::path& root) {
  auto loaded = universe::loadUniverse(root);
  REQUIRE(loaded.has_value());
  for (const auto& d : loaded->diagnostics) INFO(d.toString());
  return std::move(*loaded);
}

const Stamper& stamper() {
  static const Stamper s = [] {
    auto r = Stamper::create(templatesDir());
    if (!r) FAIL(r.error().message);
    return std::move(*r);
  }();
  return s;
}

}  // namespace flywheel::forge::test
