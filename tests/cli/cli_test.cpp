// The `flywheel` CLI end to end: the real binary, spawned with an argument
// array (posix_spawn, no shell), on a git copy of examples/shop.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/files.h"

namespace fs = std::filesystem;
extern char** environ;

namespace {

struct Run {
  int exitCode = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

using flywheel::test::slurp;

/// Runs `argv[0]` (looked up in PATH when it has no slash) with `argv`,
/// stdout and stderr captured in files under `scratch`.
Run spawn(const std::vector<std::string>& args, const fs::path& scratch) {
  Run r;
  fs::path outFile = scratch / "stdout.txt", errFile = scratch / "stderr.txt";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, outFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, errFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return r;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(outFile);
  r.err = slurp(errFile);
  return r;
}

/// A git repository holding a copy of examples/shop (without build output).
struct ShopCopy {
  fs::path dir, root, scratch;
  ShopCopy() {
    dir = fs::path(FLYWHEEL_BINARY_DIR) / "test-tmp" /
          ("cli-" + std::to_string(::getpid()) + "-" +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    root = dir / "shop";
    scratch = dir / "io";
    fs::create_directories(scratch);
    fs::copy(fs::path(FLYWHEEL_SOURCE_DIR) / "examples" / "shop", root, fs::copy_options::recursive);
    std::error_code ec;
    fs::remove_all(root / "target", ec);
    fs::remove_all(root / ".git", ec);
    git({"init", "-q"});
    commit("shop");
  }
  ~ShopCopy() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void git(std::vector<std::string> args) const {
    std::vector<std::string> full{"git", "-C", root.string(), "-c", "user.name=t", "-c", "user.email=t@t"};
    full.insert(full.end(), args.begin(), args.end());
    auto r = spawn(full, scratch);
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
  }
  void commit(const std::string& msg) const {
    git({"add", "-A"});
    git({"commit", "-q", "-m", msg});
  }
  void replaceIn(const std::string& rel, const std::string& from, const std::string& to) const {
    std::string text = slurp(root / rel);
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    std::ofstream(root / rel, std::ios::binary | std::ios::trunc) << text;
  }
  Run flywheel(std::vector<std::string> args) const {
    std::vector<std::string> full{FLYWHEEL_CLI_BINARY, "--universe", root.string()};
    full.insert(full.end(), args.begin(), args.end());
    return spawn(full, scratch);
  }
};

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

const char* kUserIntent = "services/user/intent.lisp";

}  // namespace

TEST_CASE("flywheel --version and help") {
  ShopCopy shop;
  auto v = shop.flywheel({"--version"});
  CHECK(v.exitCode == 0);
  CHECK(has(v.out + v.err, "0.1.0"));
  // `flywheel help` prints only the help subcommand's own usage for now
  // (cli/main.cpp calls app.help() while `help` is the selected subcommand);
  // the full listing comes from --help.
  auto h = shop.flywheel({"help"});
  CHECK(h.exitCode == 0);
  CHECK(has(h.out, "Usage:"));
  auto full = shop.flywheel({"--help"});
  CHECK(full.exitCode == 0);
  for (const char* cmd : {"check", "graph", "blast-radius", "plan", "diff", "expand"}) {
    INFO(cmd);
    CHECK(has(full.out, std::string("  ") + cmd + " "));
  }
}

TEST_CASE("flywheel check: exit 0 on the shop, compiler-style errors on a broken intent") {
  ShopCopy shop;
  auto ok = shop.flywheel({"check"});
  INFO(ok.err);
  CHECK(ok.exitCode == 0);
  CHECK(has(ok.out, "universe 'shop'"));
  CHECK(has(ok.out, "no errors"));

  shop.replaceIn(kUserIntent, "(field id i32)", "(field id i32");  // unbalanced
  auto bad = shop.flywheel({"check"});
  CHECK(bad.exitCode != 0);
  INFO(bad.err);
  // file:line:col: error: ...
  CHECK(has(bad.err, "services/user/intent.lisp:"));
  CHECK(has(bad.err, "error"));
  CHECK(has(bad.err, "error(s) in universe 'shop'"));
}

TEST_CASE("flywheel graph lists every service with its dependencies") {
  ShopCopy shop;
  auto g = shop.flywheel({"graph"});
  INFO(g.err);
  REQUIRE(g.exitCode == 0);
  for (const char* s : {"auth ->", "billing ->", "catalog ->", "order ->", "user ->"}) {
    INFO(s);
    CHECK(has(g.out, s));
  }
  auto m = shop.flywheel({"graph", "--mermaid"});
  CHECK(m.exitCode == 0);
  CHECK(m.out.rfind("graph LR", 0) == 0);
}

TEST_CASE("flywheel blast-radius and plan of user/UserProfile.id") {
  ShopCopy shop;
  auto b = shop.flywheel({"blast-radius", "user/UserProfile.id"});
  INFO(b.err);
  REQUIRE(b.exitCode == 0);
  CHECK(has(b.out, "4 affected service(s)"));
  for (const char* s : {"  user (distance 0)", "  auth (distance 1)", "  order (distance 1)", "  billing ("}) {
    INFO(s);
    CHECK(has(b.out, s));
  }
  CHECK_FALSE(has(b.out, "catalog"));
  CHECK(has(b.out, "order/Order.customer -> user/UserProfile -> user/UserProfile.id"));

  auto p = shop.flywheel({"plan", "user/UserProfile.id"});
  INFO(p.err);
  REQUIRE(p.exitCode == 0);
  CHECK(has(p.out, "4 service(s) in 3 wave(s)"));
  CHECK(has(p.out, "wave 1:\n  user"));
  CHECK(has(p.out, "wave 3:\n  billing"));
  CHECK_FALSE(has(p.out, "catalog"));

  auto unknown = shop.flywheel({"blast-radius", "usr/UserProfile.id"});
  CHECK(unknown.exitCode != 0);
  CHECK(has(unknown.err, "usr/UserProfile.id"));
}

TEST_CASE("flywheel diff, blast-radius and plan after a committed change of user/UserProfile.id") {
  ShopCopy shop;
  shop.replaceIn(kUserIntent, "(field id i32)", "(field id String)");
  shop.commit("id becomes a String");
  auto d = shop.flywheel({"diff", "--from", "HEAD~1", "--to", "HEAD"});
  INFO(d.err);
  REQUIRE(d.exitCode == 0);
  CHECK(has(d.out, "1 change(s)"));
  CHECK(has(d.out, "user/UserProfile.id: field changed (i32 -> String), breaking"));

  auto b = shop.flywheel({"blast-radius", "--from", "HEAD~1", "--to", "HEAD"});
  INFO(b.err);
  REQUIRE(b.exitCode == 0);
  for (const char* s : {"  auth (", "  order (", "  billing ("}) {
    INFO(s);
    CHECK(has(b.out, s));
  }
  CHECK_FALSE(has(b.out, "catalog"));

  auto p = shop.flywheel({"plan", "--from", "HEAD~1", "--to", "HEAD"});
  INFO(p.err);
  REQUIRE(p.exitCode == 0);
  CHECK(has(p.out, "4 service(s) in 3 wave(s)"));
  CHECK(has(p.out, "wave 1:\n  user"));
  CHECK(has(p.out, "wave 2:\n"));
  CHECK(has(p.out, "wave 3:\n  billing"));
  auto wave2 = p.out.substr(p.out.find("wave 2:"), p.out.find("wave 3:") - p.out.find("wave 2:"));
  CHECK(has(wave2, "auth"));
  CHECK(has(wave2, "order"));
  CHECK_FALSE(has(p.out, "catalog"));

  // Nothing changed since HEAD: the working-tree diff is empty.
  auto none = shop.flywheel({"diff"});
  CHECK(none.exitCode == 0);
  CHECK(has(none.out, "0 change(s)"));
}

TEST_CASE("flywheel expand prints the expanded intent; a missing file is an error") {
  ShopCopy shop;
  auto e = shop.flywheel({"expand", (shop.root / kUserIntent).string()});
  INFO(e.err);
  REQUIRE(e.exitCode == 0);
  CHECK(has(e.out, "(service user"));
  CHECK(has(e.out, "UserProfile"));
  auto missing = shop.flywheel({"expand", (shop.root / "no such dir" / "intent.lisp").string()});
  CHECK(missing.exitCode != 0);
  CHECK(has(missing.err, "cannot read"));
}
