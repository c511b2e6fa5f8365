// libFuzzer target: raw bytes on flywheel's Streamable HTTP endpoint.
//
// The real HTTP transport listens on a loopback port with every tool group
// registered; each input is sent as is over a new TCP connection (so it is
// parsed by the same code a remote client reaches: request line, headers,
// Host/Origin/token checks, sessions, bodies, batches), the write side is
// shut, and the reply is read to the end. A crash, a sanitizer report or a
// connection the server neither answers nor closes within 10 s is a finding.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "fuzz/fuzz_universe.h"
#include "server/mcp_server.h"
#include "server/transport.h"

namespace {

int serverPort() {
  static int port = [] {
    flywheel::mcp::HttpOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    auto* transport = flywheel::mcp::makeHttpTransport(options).release();
    std::thread([transport] { (void)transport->serve(flywheel::fuzz::fuzzServer()); }).detach();
    if (!transport->waitListening(10000)) {
      std::fprintf(stderr, "fuzz set-up failed: the HTTP transport did not listen\n");
      std::abort();
    }
    return transport->boundPort();
  }();
  return port;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ::setenv("PATH", "/usr/bin:/bin", 1);  // no cargo: tools that build fail fast
  (void)serverPort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) std::abort();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(serverPort()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::abort();
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  size_t off = 0;
  while (off < size) {
    ssize_t n = ::send(fd, data + off, size - off, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early on a bad request
    off += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  // An event stream (GET /mcp, or a POST answered with SSE) stays open by
  // design: once the server has said anything, a quiet second ends the read.
  char buf[65536];
  bool answered = false;
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if ((errno == EAGAIN || errno == EWOULDBLOCK) && !answered) {
        std::fprintf(stderr, "the HTTP server neither answered nor closed within 10 s (hang)\n");
        std::abort();
      }
      break;  // reset by the server, or a quiet open stream: fine
    }
    if (!answered) {
      answered = true;
      timeval quiet{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &quiet, sizeof quiet);
    }
  }
  ::close(fd);
  return 0;
}
