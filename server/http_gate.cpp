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

// How long a worker waits for the next request on a connection before it
// returns the connection to the gate: clients in a loop send it within
// microseconds, and the gate costs them a thread hop.
constexpr std::chrono::milliseconds kLinger{2};

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

// Debian's libcpp-httplib is compiled with a listen backlog of 5, so a burst
// of connections (32 clients reconnecting at once under wrk; a client
// opening its POST and GET streams together) overflows the accept queue, the
// kernel drops the handshakes, and those requests wait out TCP's
// retransmission timers (0.2-1.6 s). The backlog cannot be configured through
// the library, but listen() on a listening socket only resizes its queue:
// find our bound socket and widen it.
void GatedServer::widenListenBacklog(int port) {
  for (int fd = 3; fd < 1024; ++fd) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage addr{};
    socklen_t alen = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) continue;
    int bound = addr.ss_family == AF_INET    ? ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port)
                : addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                             : -1;
    if (bound == port && ::listen(fd, SOMAXCONN) == 0) return;
  }
  spdlog::warn("could not widen the listen backlog of port {}; bursts of connections may wait", port);
}

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
  std::map<int, std::shared_ptr<HttpConnection>> parked;
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
  auto c = std::make_shared<HttpConnection>(sock, std::move(peer), port, [this](const std::string& p) { release(p); });
  serveConnection(std::move(c));
  return true;
}

// Serves requests while they arrive promptly; otherwise parks the connection.
void GatedServer::serveConnection(std::shared_ptr<HttpConnection> c) {
  ConnectionStream stream(*c, opts_);
  for (;;) {
    if (!c->requestReady()) {
      auto until = Clock::now() + kLinger;
      bool eof = false;
      while (!c->requestReady() && !eof && Clock::now() < until) {
        pollfd p{c->fd, POLLIN, 0};
        int left = static_cast<int>(
            std::max<long>(1, std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count()));
        if (::poll(&p, 1, left) > 0) eof = c->fill() == HttpConnection::Fill::Eof;
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

// A connection dropped here closes when `c` goes, after the lock is released
// (its destructor takes the lock to release its counts).
void GatedServer::park(std::shared_ptr<HttpConnection> c) {
  c->deadline = c->waitUntil(opts_);
  int fd = c->fd;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = fd;
  std::lock_guard lock(mu_);
  if (stopping_) return;  // checked under the lock: stopGate() sets it, then empties parked_ under the lock
  if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) return;
  parked_[fd] = std::move(c);
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
  std::shared_ptr<HttpConnection> c;
  {
    std::lock_guard lock(mu_);
    auto it = parked_.find(fd);
    if (it == parked_.end()) return;
    c = it->second;
  }
  bool eof = c->fill() == HttpConnection::Fill::Eof;
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
  std::vector<std::shared_ptr<HttpConnection>> expired;
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
