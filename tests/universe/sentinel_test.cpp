// The sentinel's subscribers: several listeners, told which service's Rust
// code changed, whether the change was found by a background or an
// on-demand poll; unsubscribe stops one and keeps the others.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "universe/sentinel.h"

using namespace flywheel::universe;
namespace fs = std::filesystem;

namespace {

struct Tree {
  fs::path dir;
  Tree() {
    dir = fs::temp_directory_path() / ("flywheel-sentinel-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(dir);
  }
  ~Tree() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel) << text;
  }
};

/// What one listener saw, safe to read from the test thread.
struct Seen {
  std::mutex m;
  std::vector<std::vector<std::string>> codeServices, codeFiles;
  void operator()(const SentinelReport& r) {
    std::lock_guard lock(m);
    codeServices.push_back(r.changedCodeServices);
    codeFiles.push_back(r.changedCodeFiles);
  }
  size_t count() {
    std::lock_guard lock(m);
    return codeServices.size();
  }
};

}  // namespace

TEST_CASE("the sentinel tells every subscriber which service's Rust code changed") {
  Tree t;
  t.write("services/user/intent.lisp", "(service user (type UserProfile (field id i32)))\n");
  t.write("services/user/src/custom.rs", "pub fn a() {}\n");
  t.write("services/billing/intent.lisp", "(service billing)\n");
  t.write("services/billing/src/custom.rs", "pub fn b() {}\n");
  Sentinel sentinel(t.dir);
  REQUIRE(sentinel.current());

  Seen first, second;
  auto a = sentinel.subscribe([&](const SentinelReport& r) { first(r); });
  auto b = sentinel.subscribe([&](const SentinelReport& r) { second(r); });
  CHECK(a != b);

  // An on-demand poll that finds a code-only change reaches both listeners.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  t.write("services/user/src/custom.rs", "pub fn a() { todo!() }\n");
  t.write("services/user/src/extra.rs", "pub fn c() {}\n");
  auto report = sentinel.poll();
  REQUIRE(report);
  CHECK(report->changed());
  CHECK(report->changedServices.empty());
  CHECK(report->changedCodeServices == std::vector<std::string>{"user"});
  CHECK(report->changedCodeFiles ==
        std::vector<std::string>{"services/user/src/custom.rs", "services/user/src/extra.rs"});
  REQUIRE(first.count() == 1);
  REQUIRE(second.count() == 1);
  CHECK(first.codeServices[0] == std::vector<std::string>{"user"});
  CHECK(second.codeFiles[0] == report->changedCodeFiles);

  // A quiet poll tells nobody.
  REQUIRE(sentinel.poll());
  CHECK(first.count() == 1);

  // After unsubscribe, only the other listener hears the background poller;
  // start()'s own callback is one more subscriber.
  sentinel.unsubscribe(a);
  Seen started;
  sentinel.start([&](const SentinelReport& r) { started(r); }, std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  fs::remove(t.dir / "services/billing/src/custom.rs");
  for (int k = 0; k < 300 && started.count() == 0; ++k) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  sentinel.stop();
  REQUIRE(started.count() == 1);
  CHECK(started.codeServices[0] == std::vector<std::string>{"billing"});
  CHECK(started.codeFiles[0] == std::vector<std::string>{"services/billing/src/custom.rs"});
  CHECK(second.count() == 2);
  CHECK(first.count() == 1);
}
