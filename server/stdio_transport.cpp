// Newline-delimited JSON over two file descriptors, one session.
#include <fcntl.h>  // vmsplice
#include <poll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

#include "server/incoming.h"
#include "server/mcp_server.h"
#include "server/mcp_session.h"
#include "server/transport.h"

namespace flywheel::mcp {

using nlohmann::json;

namespace {

// Writes each message as one line. A cached result page (tools/list) is
// handed to the kernel with vmsplice(2) when the output is a pipe: the pipe
// then references a stored copy of the response's fixed head and the page
// instead of a fresh copy of them, and only the short tail (the id) is
// written. The kernel reads that memory whenever the client gets round to
// reading, so a spliced block is kept for the life of the process
// (catalogues change rarely; past kMaxRetained distinct blocks, further
// responses are copied as usual).
class FdSink final : public MessageSink {
 public:
  explicit FdSink(int fd) : fd_(fd) {
    struct stat st {};
    splice_ = ::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
  }
  // The pipe may still refer to spliced blocks after this sink is gone (the
  // client reads late, even after flywheel exited): freed, their first bytes
  // would be overwritten by the allocator before the client reads them. So
  // they are never freed: at most kMaxRetained blocks, once per process.
  ~FdSink() override {
    for (auto& b : retained_) (void)b.text.release();
  }
  void send(const json& message, const json& related) override {
    sendText(message.dump(-1, ' ', false, json::error_handler_t::replace), related, false);
  }
  void sendText(std::string line, const json&, bool) override {
    line.push_back('\n');
    std::lock_guard lock(mu_);
    writeAll(line.data(), line.size());
  }
  void sendRaw(rpc::RawResponse r, const json& related, bool isResponse) override {
    if (r.body && r.body->size() >= kSpliceMin) {
      std::lock_guard lock(mu_);
      if (const std::string* block = splice_ ? retain(r) : nullptr) {
        r.tail.push_back('\n');
        if (spliceAll(*block)) writeAll(r.tail.data(), r.tail.size());
        return;
      }
    }
    sendText(r.joined(), related, isResponse);
  }

 private:
  static constexpr std::size_t kSpliceMin = 16 * 1024;  // below this a copy is as cheap as the page bookkeeping
  static constexpr std::size_t kMaxRetained = 64;

  struct Block {
    std::shared_ptr<const std::string> page;
    std::string head;
    std::unique_ptr<const std::string> text;  // head + page: what the kernel reads
  };

  // The stored head+page block for this response (null: copy it instead).
  const std::string* retain(const rpc::RawResponse& r) {
    for (const auto& b : retained_)
      if (b.page == r.body && b.head == r.head) return b.text.get();
    if (retained_.size() >= kMaxRetained) return nullptr;
    auto text = std::make_unique<const std::string>(r.head + *r.body);
    const std::string* block = text.get();
    retained_.push_back({r.body, r.head, std::move(text)});
    return block;
  }

  bool spliceAll(const std::string& page) {
    iovec v{const_cast<char*>(page.data()), page.size()};
    while (v.iov_len > 0) {
      ssize_t n = ::vmsplice(fd_, &v, 1, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EPIPE) {  // no vmsplice here: copy from now on
        splice_ = false;
        return writeAll(static_cast<const char*>(v.iov_base), v.iov_len);
      }
      if (n <= 0) return closed(v.iov_len);
      v.iov_base = static_cast<char*>(v.iov_base) + n, v.iov_len -= static_cast<std::size_t>(n);
    }
    return true;
  }

  bool writeAll(const char* p, std::size_t left) {
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return closed(left);
      p += n, left -= static_cast<std::size_t>(n);
    }
    return true;
  }

  static bool closed(std::size_t left) {
    spdlog::error("stdout closed; dropping {} bytes", left);
    return false;
  }

  int fd_;
  bool splice_ = false;  // the output is a pipe and vmsplice works on it
  std::mutex mu_;
  std::vector<Block> retained_;  // blocks the kernel may still read
};

// How long the reader keeps polling stdin without sleeping after input
// arrived. Clients send in bursts (initialize, then the list calls; a tool
// call, then a status check), and a sleeping reader on a VM pays a wake-up of
// several µs on every message of a burst. Polling for 100 µs costs at most
// that much CPU per message and took 20-35% off tools/list and ping round
// trips in bench/protocol. FLYWHEEL_STDIO_SPIN_US sets it (0: never poll).
std::chrono::microseconds burstSpin() {
  const char* v = std::getenv("FLYWHEEL_STDIO_SPIN_US");
  if (!v || !*v) return std::chrono::microseconds(100);
  char* end = nullptr;
  long us = std::strtol(v, &end, 10);
  if (*end != '\0' || us < 0 || us > 100000) {
    spdlog::warn("FLYWHEEL_STDIO_SPIN_US='{}' is not a number of microseconds 0..100000; using 100", v);
    return std::chrono::microseconds(100);
  }
  return std::chrono::microseconds(us);
}

class StdioTransport final : public Transport {
 public:
  StdioTransport(int in, int out, std::size_t maxLine) : in_(in), out_(out), maxLine_(maxLine) {}

  Result<void> serve(McpServer& server) override {
    auto session = server.openSession(std::make_shared<FdSink>(out_));
    std::string line;
    bool discarding = false;
    std::size_t discarded = 0;
    char buf[1 << 16];
    const auto spin = burstSpin();
    auto lastInput = std::chrono::steady_clock::now();
    while (!stop_) {
      pollfd pfd{in_, POLLIN, 0};
      bool spinning = std::chrono::steady_clock::now() - lastInput < spin;
      int ready = ::poll(&pfd, 1, spinning ? 0 : 200);
      if (ready < 0 && errno != EINTR) return fail(Error::io("polling stdin failed"));
      if (ready <= 0) continue;
      ssize_t n = ::read(in_, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) break;  // the client closed its end: the session is over
      lastInput = std::chrono::steady_clock::now();
      std::size_t start = 0;
      for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
        if (buf[i] != '\n') continue;
        if (discarding) {
          discarded += i - start;
          rejectOversized(*session, discarded);
          discarding = false;
        } else {
          line.append(buf + start, i - start);
          handleLine(*session, line);
        }
        line.clear();
        start = i + 1;
      }
      std::size_t tail = static_cast<std::size_t>(n) - start;
      if (discarding) {
        discarded += tail;
      } else {
        line.append(buf + start, tail);
        if (line.size() > maxLine_) {
          discarding = true;
          discarded = line.size();
          std::string().swap(line);
        }
      }
    }
    session->close();
    return {};
  }

  void stop() override { stop_ = true; }

 private:
  void handleLine(McpSession& session, std::string& line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    receiveText(session, line);
  }

  void rejectOversized(McpSession& session, std::size_t bytes) {
    spdlog::warn("rejected a message of {} bytes (limit {})", bytes, maxLine_);
    session.receiveUnparseable("a line of " + std::to_string(bytes) + " bytes exceeds the limit of " +
                               std::to_string(maxLine_) + " bytes; send smaller messages");
  }

  int in_, out_;
  std::size_t maxLine_;
  std::atomic<bool> stop_{false};
};

}  // namespace

std::unique_ptr<Transport> makeStdioTransport(int inFd, int outFd, std::size_t maxLineBytes) {
  return std::make_unique<StdioTransport>(inFd, outFd, maxLineBytes);
}

}  // namespace flywheel::mcp
