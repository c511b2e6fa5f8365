// Streamable HTTP (MCP 2025-11-25) on one endpoint, /mcp, with cpp-httplib.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <random>

#include "server/http_guard.h"
#include "server/http_streams.h"
#include "server/mcp_server.h"
#include "server/mcp_session.h"
#include "server/protocol.h"
#include "server/transport.h"

namespace flywheel::mcp {

using nlohmann::json;

namespace {

struct SessionEntry {
  std::shared_ptr<McpSession> session;
  std::shared_ptr<HttpSink> sink;
  std::chrono::steady_clock::time_point lastUsed;
};

std::string randomId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 32; ++i) s.push_back(hex[rng() & 15]);
  return s;
}

void jsonError(httplib::Response& res, int status, int code, const std::string& message, const json& id = nullptr) {
  res.status = status;
  res.set_content(rpc::makeErrorResponse(id, {code, message}).dump(), "application/json");
}

// The ids of the requests in a message or batch, as the session reports them.
json requestIds(const json& body) {
  if (!body.is_array()) return body.is_object() && body.contains("method") && body.contains("id") ? body["id"] : json();
  json ids = json::array();
  for (const auto& m : body)
    if (m.is_object() && m.contains("method") && m.contains("id")) ids.push_back(m["id"]);
  return ids.empty() ? json() : ids;
}

class StreamableHttp final : public HttpTransport {
 public:
  explicit StreamableHttp(HttpOptions o) : opts_(std::move(o)), guard_(opts_.host, opts_.token) {}

  Result<void> serve(McpServer& server) override;
  void stop() override {
    // Open SSE streams hold httplib workers; end them first so stop is prompt.
    {
      std::lock_guard lock(mu_);
      for (auto& [_, e] : sessions_) e.sink->closeAll();
    }
    svr_.stop();
  }
  int boundPort() const override { return port_.load(); }
  bool waitListening(int timeoutMs) const override {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (!svr_.is_running() || port_.load() == 0) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

 private:
  void onPost(const httplib::Request& req, httplib::Response& res);
  void onGet(const httplib::Request& req, httplib::Response& res);
  void onDelete(const httplib::Request& req, httplib::Response& res);
  std::optional<SessionEntry> lookup(const httplib::Request& req, httplib::Response& res);
  SessionEntry create();
  void serveStream(httplib::Response& res, std::shared_ptr<SseStream> s, std::uint64_t after,
                   std::function<void()> onEnd);
  void answerJson(httplib::Response& res, SessionEntry& e, const json& body, const json& ids);

  HttpOptions opts_;
  HttpGuard guard_;
  McpServer* server_ = nullptr;
  httplib::Server svr_;
  std::atomic<int> port_{0};
  std::atomic<std::size_t> openStreams_{0};
  std::mutex mu_;
  std::map<std::string, SessionEntry> sessions_;
};

Result<void> StreamableHttp::serve(McpServer& server) {
  server_ = &server;
  std::size_t threads = std::max(opts_.threads, opts_.maxStreams + 16);
  svr_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr_.set_keep_alive_timeout(5);
  svr_.set_tcp_nodelay(true);  // headers and body are separate writes: avoid Nagle + delayed-ACK stalls
  svr_.set_payload_max_length(opts_.maxBodyBytes);
  auto guarded = [this](auto handler) {
    return [this, handler](const httplib::Request& req, httplib::Response& res) {
      if (auto refusal = guard_.check(req.get_header_value("Host"), req.get_header_value("Origin"),
                                      req.get_header_value("Authorization"))) {
        res.status = refusal->status;
        if (refusal->status == 401) res.set_header("WWW-Authenticate", "Bearer");
        res.set_content(rpc::makeErrorResponse(nullptr, {-32000, refusal->message}).dump(), "application/json");
        return;
      }
      (this->*handler)(req, res);
    };
  };
  svr_.Post("/mcp", guarded(&StreamableHttp::onPost));
  svr_.Get("/mcp", guarded(&StreamableHttp::onGet));
  svr_.Delete("/mcp", guarded(&StreamableHttp::onDelete));
  int port = opts_.port == 0 ? svr_.bind_to_any_port(opts_.host) : (svr_.bind_to_port(opts_.host, opts_.port) ? opts_.port : -1);
  if (port < 0)
    return fail(Error::io("cannot listen on " + opts_.host + ":" + std::to_string(opts_.port) +
                          "; is the port in use? pick another with --http HOST:PORT"));
  port_ = port;
  bool ok = svr_.listen_after_bind();
  std::map<std::string, SessionEntry> sessions;
  {
    std::lock_guard lock(mu_);
    sessions.swap(sessions_);
  }
  for (auto& [_, e] : sessions) e.sink->closeAll(), e.session->close();
  if (!ok) return fail(Error::io("the HTTP server stopped with an error"));
  return {};
}

SessionEntry StreamableHttp::create() {
  SessionEntry e;
  e.sink = std::make_shared<HttpSink>();
  e.session = server_->openSession(e.sink);
  e.lastUsed = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (sessions_.size() >= opts_.maxSessions) {  // evict the least recently used
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
      if (it->second.lastUsed < oldest->second.lastUsed) oldest = it;
    spdlog::info("session limit reached; closing idle session {}", oldest->first);
    oldest->second.sink->closeAll();
    oldest->second.session->close();
    sessions_.erase(oldest);
  }
  return e;
}

std::optional<SessionEntry> StreamableHttp::lookup(const httplib::Request& req, httplib::Response& res) {
  std::string id = req.get_header_value("Mcp-Session-Id");
  if (id.empty()) {
    jsonError(res, 400, -32000, "Bad Request: Mcp-Session-Id header is required (send initialize first)");
    return std::nullopt;
  }
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) {
    jsonError(res, 404, -32001, "Session not found: it ended or never existed; send initialize for a new one");
    return std::nullopt;
  }
  it->second.lastUsed = std::chrono::steady_clock::now();
  return it->second;
}

void StreamableHttp::onPost(const httplib::Request& req, httplib::Response& res) {
  std::string accept = req.get_header_value("Accept");
  if (accept.find("application/json") == std::string::npos && accept.find("*/*") == std::string::npos &&
      accept.find("text/event-stream") == std::string::npos)
    return jsonError(res, 406, -32000, "Not Acceptable: Accept must list application/json and text/event-stream");
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded())
    return jsonError(res, 400, rpc::code::kParseError, "Parse error: the request body is not valid JSON");
  bool isInit = body.is_object() && body.value("method", "") == "initialize";
  std::optional<SessionEntry> entry;
  if (isInit) {
    entry = create();
  } else {
    entry = lookup(req, res);
    if (!entry) return;
    std::string v = req.get_header_value("MCP-Protocol-Version");
    if (!v.empty() && !isSupportedVersion(v))
      return jsonError(res, 400, -32000, "Bad Request: unsupported MCP-Protocol-Version " + v +
                                              " (supported: 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05)");
  }
  json ids = requestIds(body);
  if (ids.is_null()) {  // only notifications and responses
    entry->session->receive(body);
    res.status = 202;
    return;
  }
  bool sse = body.is_object() && body.value("method", "") == "tools/call" &&
             accept.find("text/event-stream") != std::string::npos && openStreams_.load() < opts_.maxStreams;
  if (!sse) {
    answerJson(res, *entry, body, ids);
  } else {
    auto stream = std::make_shared<SseStream>(randomId(), 1);
    if (!entry->sink->attachRequestStream(rpc::idKey(ids), stream))
      return jsonError(res, 409, rpc::code::kInvalidRequest, "request id " + rpc::idKey(ids) +
                                                                  " is already in use by a running request; use unique ids", ids);
    entry->session->receive(body);
    serveStream(res, stream, 0, nullptr);
  }
  if (isInit && res.status < 300 && !res.body.empty()) {
    json r = json::parse(res.body, nullptr, false);
    if (r.is_object() && r.contains("result")) {
      std::string sid = randomId();
      res.set_header("Mcp-Session-Id", sid);
      std::lock_guard lock(mu_);
      sessions_[sid] = *entry;
    }
  }
}

void StreamableHttp::answerJson(httplib::Response& res, SessionEntry& e, const json& body, const json& ids) {
  auto waiter = std::make_shared<JsonWaiter>();
  std::string key = rpc::idKey(ids);
  if (!e.sink->expectJson(key, waiter))
    return jsonError(res, 409, rpc::code::kInvalidRequest,
                     "request id " + key + " is already in use by a running request on this session; use unique ids", ids);
  e.session->receive(body);
  std::unique_lock lock(waiter->mu);
  waiter->cv.wait_for(lock, std::chrono::minutes(10), [&] { return waiter->response || e.session->closed(); });
  if (!waiter->response) {
    lock.unlock();
    e.sink->forgetJson(key);
    return jsonError(res, 503, rpc::code::kInternalError, "the session ended before answering", ids);
  }
  res.status = 200;
  res.set_content(*waiter->response, "application/json");
}

void StreamableHttp::serveStream(httplib::Response& res, std::shared_ptr<SseStream> s, std::uint64_t after,
                                 std::function<void()> onEnd) {
  ++openStreams_;
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  int retry = opts_.sseRetryMs;
  res.set_chunked_content_provider(
      "text/event-stream",
      [s, after, retry](std::size_t, httplib::DataSink& sink) {
        s->pump(after, retry, [&sink](const std::string& chunk) { return sink.write(chunk.data(), chunk.size()); });
        sink.done();
        return true;
      },
      [this, onEnd](bool) {
        --openStreams_;
        if (onEnd) onEnd();
      });
}

void StreamableHttp::onGet(const httplib::Request& req, httplib::Response& res) {
  if (req.get_header_value("Accept").find("text/event-stream") == std::string::npos)
    return jsonError(res, 406, -32000, "Not Acceptable: a GET stream needs Accept: text/event-stream");
  auto entry = lookup(req, res);
  if (!entry) return;
  if (openStreams_.load() >= opts_.maxStreams) {
    res.set_header("Retry-After", "5");
    return jsonError(res, 503, -32000, "too many open streams; retry later");
  }
  std::string last = req.get_header_value("Last-Event-ID");
  if (!last.empty()) {
    std::uint64_t seq = 0;
    if (auto s = entry->sink->findForResume(last, seq)) return serveStream(res, s, seq, nullptr);
    return jsonError(res, 404, -32000, "unknown Last-Event-ID " + last + "; the stream expired");
  }
  auto stream = std::make_shared<SseStream>(randomId(), 0);
  entry->sink->addStandalone(stream);
  std::weak_ptr<HttpSink> sink = entry->sink;
  serveStream(res, stream, 0, [sink, stream] {
    stream->close();
    if (auto s = sink.lock()) s->removeStandalone(stream);
  });
}

void StreamableHttp::onDelete(const httplib::Request& req, httplib::Response& res) {
  auto entry = lookup(req, res);
  if (!entry) return;
  {
    std::lock_guard lock(mu_);
    sessions_.erase(req.get_header_value("Mcp-Session-Id"));
  }
  entry->sink->closeAll();
  entry->session->close();
  res.status = 200;
}

}  // namespace

std::unique_ptr<HttpTransport> makeHttpTransport(HttpOptions options) {
  return std::make_unique<StreamableHttp>(std::move(options));
}

}  // namespace flywheel::mcp
