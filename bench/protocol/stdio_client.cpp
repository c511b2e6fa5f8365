// bench_protocol_stdio: a raw JSON-RPC client over stdio that measures
// round-trip latency of `ping` and `tools/list` against any MCP server
// command, the same way for every server (no SDK on either side).
//
//   bench_protocol_stdio [--n N] [--label L] [--wait spin|block] -- <server command...>
//
// Prints one machine-readable line per method:
//   label=flywheel wait=spin method=ping n=2000 p50_us=... p90_us=... p99_us=...
//
// --wait block sleeps in poll() until the reply arrives, so every round trip
// also pays the client's own wake-up (several µs on a VM). --wait spin (the
// default) busy-reads a non-blocking pipe, which takes the client's wake-up
// out of the number and leaves the server's latency plus the pipe transfer.
// Either way the client never parses JSON: with one request outstanding, the
// reply is the first line carrying the request's id that is not a
// server-to-client message, and it looks for the id at the line's ends first
// (where JSON-RPC implementations put it) before searching the whole line.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Child {
  pid_t pid = -1;
  int in = -1;   // we write
  int out = -1;  // we read
  std::string buffer;
};

bool spawnServer(char** argv, Child& c) {
  int toChild[2], fromChild[2];
  if (pipe(toChild) || pipe(fromChild)) return false;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, toChild[0], 0);
  posix_spawn_file_actions_adddup2(&fa, fromChild[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 0x1 /*O_WRONLY*/, 0);
  posix_spawn_file_actions_addclose(&fa, toChild[1]);
  posix_spawn_file_actions_addclose(&fa, fromChild[0]);
  int rc = posix_spawnp(&c.pid, argv[0], &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(toChild[0]);
  close(fromChild[1]);
  c.in = toChild[1];
  c.out = fromChild[0];
  return rc == 0;
}

bool writeAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

bool gSpin = true;

// Whether `line` is the response to the request whose id member is `needle`.
bool isResponseTo(const char* line, size_t len, const std::string& needle) {
  auto idAt = [&](const char* from, size_t n) {
    const char* at = static_cast<const char*>(memmem(from, n, needle.data(), needle.size()));
    if (!at) return false;
    const char* after = at + needle.size();
    return after < line + len && (*after == ',' || *after == '}');
  };
  size_t edge = std::min<size_t>(len, 96);
  if (!idAt(line, edge) && !idAt(line + len - edge, edge) && !idAt(line, len)) return false;
  // A server-to-client request may reuse the number; its "method" sits near an end too.
  static const char kMethod[] = "\"method\"";
  return !memmem(line, edge, kMethod, sizeof kMethod - 1) &&
         !memmem(line + len - edge, edge, kMethod, sizeof kMethod - 1);
}

// Reads one chunk of the server's output into c.buffer (false: closed or timed out).
bool readChunk(Child& c, int timeoutMs) {
  char buf[65536];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  for (;;) {
    if (gSpin && std::chrono::steady_clock::now() > deadline) return false;
    if (!gSpin) {
      pollfd p{c.out, POLLIN, 0};
      if (poll(&p, 1, timeoutMs) <= 0) return false;
    }
    ssize_t n = read(c.out, buf, sizeof buf);
    if (n > 0) {
      c.buffer.append(buf, static_cast<size_t>(n));
      return true;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) return false;
  }
}

// Reads lines until the response carrying `"id":<id>` arrives (notifications are skipped).
bool awaitResponse(Child& c, long id, int timeoutMs = 30000) {
  std::string needle = "\"id\":" + std::to_string(id);
  size_t scanned = 0;  // bytes of c.buffer known to hold no newline (avoids rescanning big responses)
  for (;;) {
    const char* base = c.buffer.data();
    if (const void* nl = memchr(base + scanned, '\n', c.buffer.size() - scanned)) {
      size_t len = static_cast<size_t>(static_cast<const char*>(nl) - base);
      bool match = isResponseTo(base, len, needle);
      c.buffer.erase(0, len + 1);
      scanned = 0;
      if (match) return true;
      continue;
    }
    scanned = c.buffer.size();
    if (!readChunk(c, timeoutMs)) return false;
  }
}

long nextId = 1;

bool roundTrip(Child& c, const std::string& method, const std::string& params) {
  long id = nextId++;
  std::string msg = "{\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(id) + ",\"method\":\"" + method + "\"" +
                    (params.empty() ? "" : ",\"params\":" + params) + "}\n";
  return writeAll(c.in, msg) && awaitResponse(c, id);
}

void measure(Child& c, const std::string& label, const std::string& method, int n) {
  std::vector<double> us;
  for (int i = 0; i < n / 10; ++i) roundTrip(c, method, "{}");  // warm-up
  for (int i = 0; i < n; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    if (!roundTrip(c, method, "{}")) {
      std::printf("label=%s method=%s error=no-response\n", label.c_str(), method.c_str());
      return;
    }
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  auto pct = [&](double p) { return us[std::min(us.size() - 1, static_cast<size_t>(p * us.size()))]; };
  std::printf("label=%s wait=%s method=%s n=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f\n", label.c_str(),
              gSpin ? "spin" : "block", method.c_str(), n, pct(0.50), pct(0.90), pct(0.99));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int n = 2000;
  std::string label = "server";
  int i = 1;
  for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
    if (!std::strcmp(argv[i], "--n") && i + 1 < argc) n = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--label") && i + 1 < argc) label = argv[++i];
    else if (!std::strcmp(argv[i], "--wait") && i + 1 < argc) gSpin = std::strcmp(argv[++i], "block") != 0;
  }
  if (i + 1 >= argc) {
    std::fprintf(stderr, "usage: bench_protocol_stdio [--n N] [--label L] [--wait spin|block] -- <server command...>\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  Child c;
  if (!spawnServer(argv + i + 1, c)) {
    std::fprintf(stderr, "bench: cannot start %s\n", argv[i + 1]);
    return 1;
  }
  if (gSpin) fcntl(c.out, F_SETFL, fcntl(c.out, F_GETFL) | O_NONBLOCK);  // our end of the pipe only
  bool ok = roundTrip(c, "initialize",
                      R"({"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}})");
  if (!ok) {
    std::fprintf(stderr, "bench: %s did not answer initialize\n", label.c_str());
    return 1;
  }
  writeAll(c.in, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
  measure(c, label, "ping", n);
  measure(c, label, "tools/list", n);
  close(c.in);
  kill(c.pid, SIGTERM);
  waitpid(c.pid, nullptr, 0);
  return 0;
}
