#include "server/http_gate.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <vector>

namespace flywheel::mcp {

namespace {

using Clock = std::chrono::steady_clock;

// A request is handed to a worker once this much of it is buffered even if
// it is not complete (a large body); the worker reads the rest under the
// request timeout. Also the most a waiting connection holds in memory.
constexpr std::size_t kWindow = 64 * 1024;
// How long a worker waits for the next request on a connection before it
// returns the connection to the gate: clients in a loop send it within
// microseconds, and the gate costs them a thread hop.
constexpr std::chrono::milliseconds kLinger{2};

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

bool exemptPeer(const std::string& ip) { return ip == "127.0.0.1" || ip == "::1" || ip == "::ffff:127.0.0.1"; }

std::string peerAddress(int fd, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  char text[INET6_ADDRSTRLEN] = "";
  port = 0;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return {};
  if (addr.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
  }
  return text;
}

// Best effort, never blocking: a short response, then the connection ends.
void sendAndClose(int fd, int status, const std::string& reason, const std::string& extraHeaders,
                  const std::string& body) {
  char sink[4096];
  while (::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {}  // unread input would turn close() into a reset
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n" + extraHeaders +
                  "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                  "\r\nConnection: close\r\n\r\n" + body;
  (void)!::send(fd, r.data(), r.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
}

std::string rpcErrorBody(const std::string& message) {
  std::string escaped;
  for (char c : message) {
    if (c == '"' || c == '\\') escaped.push_back('\\');
    escaped.push_back(c);
  }
  return R"({"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":")" + escaped + "\"}}";
}

// Runs httplib's workers; shutdown() joins them once.
class Workers final : public httplib::TaskQueue {
 public:
  explicit Workers(std::size_t n) : pool_(n) {}
  void enqueue(std::function<void()> fn) override { pool_.enqueue(std::move(fn)); }
  void shutdown() override {
    if (!done_.exchange(true)) pool_.shutdown();
  }

 private:
  httplib::ThreadPool pool_;
  std::atomic<bool> done_{false};
};

// What httplib's listen loop gets from new_task_queue: it shuts its queue
// down when it stops, but the gate may still hand out work then, so the
// real pool lives (and is joined) in the GatedServer.
class Forward final : public httplib::TaskQueue {
 public:
  explicit Forward(httplib::TaskQueue& to) : to_(to) {}
  void enqueue(std::function<void()> fn) override { to_.enqueue(std::move(fn)); }
  void shutdown() override {}

 private:
  httplib::TaskQueue& to_;
};

}  // namespace

struct GatedServer::Conn {
  enum class Fill { Open, Eof };
  int fd;
  std::string peer;
  int port;
  GatedServer* gate;
  std::string buf;  // received, not yet read by httplib
  std::size_t pos = 0;
  std::optional<Clock::time_point> firstByte;  // of the request being received
  Clock::time_point deadline;                 // of the wait in the gate
  std::size_t served = 0;

  Conn(int f, std::string p, int pt, GatedServer* g) : fd(f), peer(std::move(p)), port(pt), gate(g) {}
  ~Conn() {
    ::close(fd);
    gate->release(peer);
  }
  std::size_t buffered() const { return buf.size() - pos; }

  // Moves what the socket holds into buf (up to the window).
  Fill fill() {
    if (pos > 0 && pos == buf.size()) buf.clear(), pos = 0;
    while (buffered() < kWindow) {
      char tmp[16 * 1024];
      ssize_t n = ::recv(fd, tmp, std::min(sizeof tmp, kWindow - buffered()), MSG_DONTWAIT);
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

  // Until when the gate waits for the request: idle connections, heads and
  // bodies each have their own timeout.
  Clock::time_point waitUntil(const GateOptions& o) const {
    if (!firstByte) return Clock::now() + o.idleTimeout;
    bool headIn = std::string_view(buf.data() + pos, buffered()).find("\r\n\r\n") != std::string_view::npos;
    return *firstByte + (headIn ? o.requestTimeout : o.headerTimeout);
  }

  // Whether the buffered bytes hold a whole request (or a full window).
  bool requestReady() const {
    std::string_view data(buf.data() + pos, buffered());
    if (data.size() >= kWindow) return true;
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
    return data.size() - head - 4 >= std::min(length, kWindow);
  }
};

namespace {

// httplib's view of a connection: reads come from the gate's buffer first,
// and give up at the request deadline as well as at each read timeout.
class ConnStream final : public httplib::Stream {
 public:
  ConnStream(GatedServer::Conn& c, const GateOptions& o) : c_(c), o_(o) {}
  void startRequest() {
    deadline_ = c_.firstByte.value_or(Clock::now()) + o_.requestTimeout;
  }

  bool is_readable() const override { return c_.buffered() > 0 || wait(POLLIN, deadline_); }
  bool is_writable() const override { return wait(POLLOUT, Clock::now() + o_.writeTimeout); }

  ssize_t read(char* ptr, size_t size) override {
    if (c_.buffered() == 0) {
      if (!wait(POLLIN, deadline_)) return -1;
      if (size >= 4096) return ::recv(c_.fd, ptr, size, MSG_DONTWAIT);
      if (c_.fill() == GatedServer::Conn::Fill::Eof && c_.buffered() == 0) return 0;
      if (c_.buffered() == 0) return -1;
    }
    std::size_t n = std::min(size, c_.buffered());
    std::copy_n(c_.buf.data() + c_.pos, n, ptr);
    c_.pos += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    return ::send(c_.fd, ptr, size, MSG_NOSIGNAL);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = c_.peer;
    port = c_.port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip.clear();
    port = 0;
  }
  socket_t socket() const override { return c_.fd; }

 private:
  bool wait(short events, Clock::time_point until) const {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{c_.fd, events, 0};
      int r = ::poll(&p, 1, static_cast<int>(left));
      if (r < 0 && errno == EINTR) continue;
      return r > 0;
    }
  }

  GatedServer::Conn& c_;
  const GateOptions& o_;
  Clock::time_point deadline_ = Clock::now();
};

}  // namespace

GatedServer::GatedServer(GateOptions options) : opts_(options) {
  workers_ = std::make_unique<Workers>(opts_.threads);
  new_task_queue = [this] { return new Forward(*workers_); };
  set_keep_alive_max_count(opts_.keepAliveMaxCount);
  set_keep_alive_timeout(std::max<time_t>(1, std::chrono::duration_cast<std::chrono::seconds>(opts_.idleTimeout).count()));
  set_write_timeout(std::chrono::duration_cast<std::chrono::seconds>(opts_.writeTimeout).count());
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  gate_ = std::thread([this] { gateLoop(); });
}

GatedServer::~GatedServer() {
  joinWorkers();
  if (epoll_ >= 0) ::close(epoll_);
}

void GatedServer::stopGate() {
  if (stopping_.exchange(true)) return;
  if (gate_.joinable()) gate_.join();
  std::map<int, std::shared_ptr<Conn>> parked;
  {
    std::lock_guard lock(mu_);
    parked.swap(parked_);
  }
  for (auto& [fd, _] : parked) ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
}

void GatedServer::joinWorkers() {
  stopGate();
  workers_->shutdown();
}

bool GatedServer::admit(const std::string& peer, std::string& why) {
  std::lock_guard lock(mu_);
  if (open_.load() >= opts_.maxConnections) {
    why = std::to_string(open_.load()) + " connections are open, the limit";
    return false;
  }
  std::size_t& mine = perPeer_[peer];
  if (!exemptPeer(peer) && mine >= opts_.maxConnectionsPerPeer) {
    why = std::to_string(mine) + " connections from " + peer + " are open, the limit per address";
    return false;
  }
  ++mine;
  ++open_;
  return true;
}

void GatedServer::release(const std::string& peer) {
  std::lock_guard lock(mu_);
  if (auto it = perPeer_.find(peer); it != perPeer_.end() && --it->second == 0) perPeer_.erase(it);
  --open_;
}

bool GatedServer::process_and_close_socket(socket_t sock) {
  int port = 0;
  std::string peer = peerAddress(sock, port);
  std::string why = "the server is stopping";
  if (stopping_ || !admit(peer, why)) {
    spdlog::debug("refused a connection from {}: {}", peer, why);
    sendAndClose(sock, 503, "Service Unavailable", "Retry-After: " + std::to_string(opts_.retryAfterSeconds) + "\r\n",
                 rpcErrorBody("server busy: " + why + "; retry after " + std::to_string(opts_.retryAfterSeconds) +
                              " s, or close idle connections"));
    ::close(sock);
    return false;
  }
  auto c = std::make_shared<Conn>(sock, std::move(peer), port, this);
  serveConnection(std::move(c));
  return true;
}

// Serves requests while they arrive promptly; otherwise parks the connection.
void GatedServer::serveConnection(std::shared_ptr<Conn> c) {
  ConnStream stream(*c, opts_);
  for (;;) {
    if (!c->requestReady()) {
      auto until = Clock::now() + kLinger;
      bool eof = false;
      while (!c->requestReady() && !eof && Clock::now() < until) {
        pollfd p{c->fd, POLLIN, 0};
        int left = static_cast<int>(
            std::max<long>(1, std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count()));
        if (::poll(&p, 1, left) > 0) eof = c->fill() == Conn::Fill::Eof;
      }
      if (eof && !c->requestReady()) return;  // the client left
      if (!c->requestReady()) return park(std::move(c));
    }
    if (stopping_ || svr_sock_ == INVALID_SOCKET) return;
    bool last = ++c->served >= opts_.keepAliveMaxCount;
    bool closed = false;
    stream.startRequest();
    if (!process_request(stream, last, closed, nullptr) || closed || last) {
      ::shutdown(c->fd, SHUT_RDWR);
      return;
    }
    c->firstByte = c->buffered() > 0 ? std::optional(Clock::now()) : std::nullopt;
  }
}

void GatedServer::park(std::shared_ptr<Conn> c) {
  if (stopping_) return;
  c->deadline = c->waitUntil(opts_);
  int fd = c->fd;
  std::lock_guard lock(mu_);
  parked_[fd] = std::move(c);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) parked_.erase(fd);
}

void GatedServer::gateLoop() {
  std::vector<epoll_event> events(256);
  auto nextSweep = Clock::now();
  while (!stopping_) {
    int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 50);
    for (int i = 0; i < n; ++i) onReadable(events[i].data.fd);
    if (Clock::now() >= nextSweep) {
      sweep();
      nextSweep = Clock::now() + std::chrono::milliseconds(50);
    }
  }
}

void GatedServer::onReadable(int fd) {
  std::shared_ptr<Conn> c;
  {
    std::lock_guard lock(mu_);
    auto it = parked_.find(fd);
    if (it == parked_.end()) return;
    c = it->second;
  }
  bool eof = c->fill() == Conn::Fill::Eof;
  bool ready = c->requestReady();
  if (!ready && !eof) {
    if (c->firstByte) c->deadline = c->waitUntil(opts_);
    return;
  }
  {
    std::lock_guard lock(mu_);
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    parked_.erase(fd);
  }
  if (ready) workers_->enqueue([this, c] { serveConnection(c); });
}

void GatedServer::sweep() {
  auto now = Clock::now();
  std::vector<std::shared_ptr<Conn>> expired;
  {
    std::lock_guard lock(mu_);
    for (auto it = parked_.begin(); it != parked_.end();) {
      if (now < it->second->deadline) {
        ++it;
        continue;
      }
      ::epoll_ctl(epoll_, EPOLL_CTL_DEL, it->first, nullptr);
      expired.push_back(std::move(it->second));
      it = parked_.erase(it);
    }
  }
  for (auto& c : expired) {
    if (!c->firstByte) continue;  // an idle connection just closes
    spdlog::debug("closed a connection from {}: its request did not arrive in time", c->peer);
    sendAndClose(c->fd, 408, "Request Timeout", "",
                 rpcErrorBody("request timeout: the request's headers must arrive within " +
                              std::to_string(opts_.headerTimeout.count()) + " ms and its body within " +
                              std::to_string(opts_.requestTimeout.count()) + " ms of its first byte"));
  }
}

}  // namespace flywheel::mcp
