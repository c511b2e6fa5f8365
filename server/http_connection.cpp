#include "server/http_connection.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace flywheel::mcp {

namespace {

std::string lower(std::string_view s) {
  std::string r(s);
  std::transform(r.begin(), r.end(), r.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return r;
}

// The value of header `name` (lower case) in a request head, if present.
std::optional<std::string> headerValue(std::string_view head, std::string_view name) {
  std::size_t at = head.find("\r\n");
  while (at != std::string_view::npos && at + 2 < head.size()) {
    std::size_t start = at + 2, end = head.find("\r\n", start);
    std::string_view line = head.substr(start, end == std::string_view::npos ? head.size() - start : end - start);
    auto colon = line.find(':');
    if (colon != std::string_view::npos && lower(line.substr(0, colon)) == name) {
      auto v = line.substr(colon + 1);
      auto b = v.find_first_not_of(" \t");
      return b == std::string_view::npos ? std::string() : lower(v.substr(b));
    }
    at = end;
  }
  return std::nullopt;
}

}  // namespace

HttpConnection::HttpConnection(int f, std::string p, int pt, std::function<void(const std::string&)> onClose)
    : fd(f), peer(std::move(p)), port(pt), onClose_(std::move(onClose)) {}

HttpConnection::~HttpConnection() {
  ::close(fd);
  if (onClose_) onClose_(peer);
}

HttpConnection::Fill HttpConnection::fill() {
  if (pos > 0 && pos == buf.size()) buf.clear(), pos = 0;
  while (buffered() < kRequestWindow) {
    char tmp[16 * 1024];
    ssize_t n = ::recv(fd, tmp, std::min(sizeof tmp, kRequestWindow - buffered()), MSG_DONTWAIT);
    if (n > 0) {
      if (!firstByte) firstByte = Clock::now();
      buf.append(tmp, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Fill::Open;
    return Fill::Eof;  // closed or failed
  }
  return Fill::Open;
}

HttpConnection::Clock::time_point HttpConnection::waitUntil(const GateOptions& o) const {
  if (!firstByte) return Clock::now() + o.idleTimeout;
  bool headIn = std::string_view(buf.data() + pos, buffered()).find("\r\n\r\n") != std::string_view::npos;
  return *firstByte + (headIn ? o.requestTimeout : o.headerTimeout);
}

bool HttpConnection::requestReady() const {
  std::string_view data(buf.data() + pos, buffered());
  if (data.size() >= kRequestWindow) return true;
  auto head = data.find("\r\n\r\n");
  if (head == std::string_view::npos) return false;
  std::string_view h = data.substr(0, head + 2);
  // The client waits for httplib's "100 Continue" before it sends the body
  // (curl does for bodies over 1 KiB): the worker reads that body under
  // the request timeout.
  if (auto ex = headerValue(h, "expect"); ex && *ex == "100-continue") return true;
  if (auto te = headerValue(h, "transfer-encoding"); te && te->find("chunked") != std::string::npos)
    return data.size() >= head + 9 && data.substr(data.size() - 5) == "0\r\n\r\n";
  std::size_t length = 0;
  if (auto cl = headerValue(h, "content-length")) length = std::strtoull(cl->c_str(), nullptr, 10);
  return data.size() - head - 4 >= std::min(length, kRequestWindow);
}

void ConnectionStream::startRequest() {
  deadline_ = c_.firstByte.value_or(Clock::now()) + o_.requestTimeout;
}

bool ConnectionStream::is_readable() const { return c_.buffered() > 0 || wait(POLLIN, deadline_); }

bool ConnectionStream::is_writable() const { return wait(POLLOUT, Clock::now() + o_.writeTimeout); }

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (c_.buffered() == 0) {
    if (!wait(POLLIN, deadline_)) return -1;
    if (size >= 4096) return ::recv(c_.fd, ptr, size, MSG_DONTWAIT);
    if (c_.fill() == HttpConnection::Fill::Eof && c_.buffered() == 0) return 0;
    if (c_.buffered() == 0) return -1;
  }
  std::size_t n = std::min(size, c_.buffered());
  std::copy_n(c_.buf.data() + c_.pos, n, ptr);
  c_.pos += n;
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  if (!is_writable()) return -1;
  return ::send(c_.fd, ptr, size, MSG_NOSIGNAL);
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  ip = c_.peer;
  port = c_.port;
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  ip.clear();
  port = 0;
}

bool ConnectionStream::wait(short events, Clock::time_point until) const {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{c_.fd, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

}  // namespace flywheel::mcp
