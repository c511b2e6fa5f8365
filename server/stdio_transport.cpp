// Newline-delimited JSON over two file descriptors, one session.
#include <poll.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <mutex>

#include "server/mcp_server.h"
#include "server/mcp_session.h"
#include "server/transport.h"

namespace flywheel::mcp {

using nlohmann::json;

namespace {

class FdSink final : public MessageSink {
 public:
  explicit FdSink(int fd) : fd_(fd) {}
  void send(const json& message, const json& related) override {
    sendText(message.dump(-1, ' ', false, json::error_handler_t::replace), related, false);
  }
  void sendText(std::string line, const json&, bool) override {
    line.push_back('\n');
    std::lock_guard lock(mu_);
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        spdlog::error("stdout closed; dropping {} bytes", left);
        return;
      }
      p += n, left -= static_cast<std::size_t>(n);
    }
  }

 private:
  int fd_;
  std::mutex mu_;
};

class StdioTransport final : public Transport {
 public:
  StdioTransport(int in, int out, std::size_t maxLine) : in_(in), out_(out), maxLine_(maxLine) {}

  Result<void> serve(McpServer& server) override {
    auto session = server.openSession(std::make_shared<FdSink>(out_));
    std::string line;
    bool discarding = false;
    std::size_t discarded = 0;
    char buf[1 << 16];
    while (!stop_) {
      pollfd pfd{in_, POLLIN, 0};
      int ready = ::poll(&pfd, 1, 200);
      if (ready < 0 && errno != EINTR) return fail(Error::io("polling stdin failed"));
      if (ready <= 0) continue;
      ssize_t n = ::read(in_, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) break;  // the client closed its end: the session is over
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
    if (line.find_first_not_of(" \t") == std::string::npos) return;
    json message = json::parse(line, nullptr, false);
    if (message.is_discarded()) {
      session.receiveUnparseable("a line of " + std::to_string(line.size()) + " bytes is not valid JSON");
      return;
    }
    session.receive(message);
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
