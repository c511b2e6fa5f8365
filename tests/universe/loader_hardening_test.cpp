// The loader never answers "no errors" when it skipped or misread something:
// symlinked intent files, a macro file outside the universe, a revision with
// a NUL byte, an oversized intent file (real files, real git).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "universe/file_source.h"
#include "universe/ir.h"

namespace fs = std::filesystem;
using namespace flywheel::universe;

namespace {

struct TempUniverse {
  fs::path root;
  explicit TempUniverse(const std::string& tag)
      : root(fs::temp_directory_path() / ("flywheel-loader-" + tag + "-" + std::to_string(::getpid()))) {
    fs::remove_all(root);
    fs::create_directories(root / "services/a");
    write("services/a/intent.lisp", "(service a (type A (field x i32)))\n");
  }
  ~TempUniverse() { fs::remove_all(root); }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel, std::ios::binary) << text;
  }
  void git(const std::string& cmd) const {
    std::string full = "cd '" + root.string() + "' && " + cmd + " >/dev/null 2>&1";
    REQUIRE(std::system(full.c_str()) == 0);
  }
};

std::vector<std::string> report(const LoadedUniverse& u) {
  std::vector<std::string> out;
  for (const auto& d : u.diagnostics) out.push_back(d.toString());
  return out;
}

}  // namespace

TEST_CASE("a symlinked intent file is reported as skipped, with the reason", "[hardening]") {
  TempUniverse u("symlink");
  fs::path outside = u.root.string() + "-outside";
  fs::create_directories(outside / "svc");
  std::ofstream(outside / "intent.lisp") << "(service evil (type E (field x i32)))\n";
  std::ofstream(outside / "svc/intent.lisp") << "(service evil2)\n";
  fs::create_directories(u.root / "services/evil");
  fs::create_symlink(outside / "intent.lisp", u.root / "services/evil/intent.lisp");
  fs::create_directory_symlink(outside / "svc", u.root / "services/linked");
  fs::create_symlink(u.root / "services/a/intent.lisp", u.root / "services/a/alias.lisp");

  auto loaded = loadUniverse(u.root);
  REQUIRE(loaded.has_value());
  CHECK(loaded->ok());  // warnings, not errors: the rest of the universe loads
  REQUIRE(loaded->universe.services.size() == 1);
  auto lines = report(*loaded);
  INFO(lines.size());
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "services/a/alias.lisp: warning: skipped: is a symbolic link to " +
                        (u.root / "services/a/intent.lisp").string() +
                        "; flywheel never follows links; replace the link with the file itself");
  CHECK(lines[1] == "services/evil/intent.lisp: warning: skipped: is a symbolic link to " +
                        (outside / "intent.lisp").string() +
                        ", outside the universe; flywheel reads only files inside the universe root; copy the file "
                        "into the universe");
  CHECK(lines[2].rfind("services/linked/intent.lisp: warning: skipped: is a directory symlink to " +
                           (outside / "svc").string() + ", outside the universe",
                       0) == 0);
  fs::remove_all(outside);
}

TEST_CASE("a macro file that leaves the universe says so", "[hardening]") {
  TempUniverse u("macros");
  fs::path outside = u.root.string() + "-etc";
  fs::create_directories(outside);
  std::ofstream(outside / "macros.lisp") << "(defmacro m () `(x))\n";
  fs::create_symlink(outside / "macros.lisp", u.root / "macros.lisp");
  u.write("universe.lisp", "(universe u (macros \"macros.lisp\"))\n");
  auto linked = loadUniverse(u.root);
  REQUIRE(linked.has_value());
  auto lines = report(*linked);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "universe.lisp:1:1: macro file \"macros.lisp\" leaves the universe (it resolves to " +
                        fs::weakly_canonical(outside / "macros.lisp").string() +
                        " through a symbolic link); flywheel reads only files inside the universe root: copy the file in");

  u.write("universe.lisp", "(universe u (macros \"/etc/passwd\"))\n");
  auto absolute = loadUniverse(u.root);
  REQUIRE(absolute.has_value());
  REQUIRE(report(*absolute).size() == 2);  // the settings' own error, and the still-skipped link
  CHECK(report(*absolute)[1].find("\"/etc/passwd\" must be relative to the universe root") != std::string::npos);

  u.write("universe.lisp", "(universe u (macros \"../../etc/m.lisp\"))\n");
  auto climbing = loadUniverse(u.root);
  REQUIRE(climbing.has_value());
  CHECK(report(*climbing)[1].find("must be relative to the universe root, without '..'") != std::string::npos);

  fs::remove(u.root / "macros.lisp");
  u.write("universe.lisp", "(universe u (macros \"missing.lisp\"))\n");
  auto missing = loadUniverse(u.root);
  REQUIRE(missing.has_value());
  REQUIRE(report(*missing).size() == 1);
  CHECK(report(*missing)[0] == "universe.lisp:1:1: macro file \"missing.lisp\" does not exist; create it or remove (macros ...)");
  fs::remove_all(outside);
}

TEST_CASE("a revision with a NUL byte is refused, not read as its prefix", "[hardening]") {
  TempUniverse u("nul");
  u.git("git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -q -m one");
  REQUIRE(loadUniverse(u.root, std::string("HEAD")).has_value());
  auto nul = loadUniverse(u.root, std::string("HEAD\0x", 6));
  REQUIRE_FALSE(nul);
  CHECK(nul.error().code == "invalid_argument");
  CHECK(nul.error().message == "revision 'HEAD\\x00x' contains a NUL byte; pass a commit id, branch or HEAD~N without it");
  CHECK_FALSE(resolveCommit(u.root, std::string("HEAD\0", 5)));
}

TEST_CASE("an oversized intent file's error has a position and the size", "[hardening]") {
  TempUniverse u("big");
  u.write("services/big/intent.lisp", "(service big)\n" + std::string(5u << 20, ';'));
  auto loaded = loadUniverse(u.root);
  REQUIRE(loaded.has_value());
  auto lines = report(*loaded);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "services/big/intent.lisp:1:1: file is 5.0 MiB, over the 4 MiB limit (4194304 bytes) for intent "
                    "files; split it or remove generated content");
}
