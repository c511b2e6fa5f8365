// libFuzzer target: raw bytes on flywheel's stdio transport.
//
// Each input is written to the real stdio transport (newline-delimited
// JSON-RPC over a pipe, the way Claude Code talks to `flywheel serve`) as one
// or more lines, followed by a ping with a fresh id; the input is done when
// that ping's answer arrives. A crash, a hang (no answer within 10 s) or a
// sanitizer report is a finding. The session was initialized once at
// start-up, so inputs reach every method, tools included.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "fuzz/fuzz_universe.h"
#include "server/mcp_server.h"
#include "server/transport.h"

namespace {

struct StdioPeer {
  int toServer = -1;    // we write requests here
  int fromServer = -1;  // we read replies here
  std::mutex mu;
  std::condition_variable cv;
  std::string output;   // unread tail of what the server wrote

  void start() {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) std::abort();
    toServer = in[1];
    fromServer = out[0];
    auto& server = flywheel::fuzz::fuzzServer();
    std::thread([&server, fd = in[0], outFd = out[1]] {
      auto transport = flywheel::mcp::makeStdioTransport(fd, outFd);
      (void)transport->serve(server);
    }).detach();
    std::thread([this] { readLoop(); }).detach();
  }

  void readLoop() {
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(fromServer, buf, sizeof buf);
      if (n <= 0) return;
      std::lock_guard lock(mu);
      output.append(buf, static_cast<size_t>(n));
      // Keep only the last line fragment plus what a waiter looks for.
      if (output.size() > (1u << 20)) output.erase(0, output.size() - (1u << 16));
      cv.notify_all();
    }
  }

  void send(const std::string& text) {
    size_t off = 0;
    while (off < text.size()) {
      ssize_t n = ::write(toServer, text.data() + off, text.size() - off);
      if (n <= 0) std::abort();
      off += static_cast<size_t>(n);
    }
  }

  /// Waits until the server's output contains `needle`; aborts after 10 s.
  void waitFor(const std::string& needle) {
    std::unique_lock lock(mu);
    bool seen = cv.wait_for(lock, std::chrono::seconds(10), [&] { return output.find(needle) != std::string::npos; });
    if (!seen) {
      std::fprintf(stderr, "flywheel did not answer %s within 10 s (hang)\n", needle.c_str());
      std::abort();
    }
    output.clear();
  }
};

StdioPeer& peer() {
  static StdioPeer* p = [] {
    auto* s = new StdioPeer;
    s->start();
    s->send(R"({"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25",)"
            R"("capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}})"
            "\n"
            R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
            "\n");
    s->waitFor(R"("id":"init")");
    return s;
  }();
  return *p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::uint64_t counter = 0;
  StdioPeer& p = peer();
  std::string id = "fuzz-sync-" + std::to_string(++counter);
  std::string text(reinterpret_cast<const char*>(data), size);
  text += "\n{\"jsonrpc\":\"2.0\",\"id\":\"" + id + "\",\"method\":\"ping\"}\n";
  p.send(text);
  p.waitFor("\"" + id + "\"");
  return 0;
}
