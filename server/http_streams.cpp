#include "server/http_streams.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace flywheel::mcp {

using nlohmann::json;

namespace {
constexpr std::size_t kReplayEvents = 1024;
constexpr std::size_t kRecentStreams = 64;
}  // namespace

SseStream::SseStream(std::string id, std::size_t expectedResponses)
    : id_(std::move(id)), remaining_(expectedResponses), standalone_(expectedResponses == 0) {}

void SseStream::push(std::string data, bool isResponse) {
  {
    std::lock_guard lock(mu_);
    log_.emplace_back(nextSeq_++, std::move(data));
    if (log_.size() > kReplayEvents) log_.pop_front();
    if (isResponse && remaining_ > 0) --remaining_;
  }
  cv_.notify_all();
}

void SseStream::abandon() {
  {
    std::lock_guard lock(mu_);
    remaining_ = 0;
  }
  cv_.notify_all();
}

void SseStream::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool SseStream::finished() const {
  std::lock_guard lock(mu_);
  return !standalone_ && remaining_ == 0;
}

bool SseStream::pump(std::uint64_t afterSeq, int retryMs, const std::function<bool(const std::string&)>& write) {
  // The priming event: an id and empty data, so the client can resume from here.
  if (!write("id: " + id_ + "-" + std::to_string(afterSeq) + "\nretry: " + std::to_string(retryMs) + "\ndata: \n\n"))
    return false;
  std::uint64_t sent = afterSeq;
  for (;;) {
    std::vector<std::pair<std::uint64_t, std::string>> batch;
    bool done = false;
    {
      std::unique_lock lock(mu_);
      bool ready = cv_.wait_for(lock, std::chrono::seconds(15), [&] {
        return closed_ || (!log_.empty() && log_.back().first > sent) || (!standalone_ && remaining_ == 0);
      });
      for (const auto& e : log_)
        if (e.first > sent) batch.push_back(e);
      done = closed_ || (!standalone_ && remaining_ == 0);
      if (!ready && batch.empty()) {
        lock.unlock();
        if (!write(": keepalive\n\n")) return false;
        continue;
      }
    }
    for (const auto& [seq, data] : batch) {
      if (!write("id: " + id_ + "-" + std::to_string(seq) + "\ndata: " + data + "\n\n")) return false;
      sent = seq;
    }
    if (done) {
      std::lock_guard lock(mu_);
      if (log_.empty() || log_.back().first <= sent) return !closed_ || !standalone_;
    }
  }
}

void HttpSink::send(const json& message, const json& related) {
  bool isResponse = message.is_array() || (message.is_object() && !message.contains("method"));
  sendText(message.dump(-1, ' ', false, json::error_handler_t::replace), related, isResponse);
}

void HttpSink::sendText(std::string data, const json& related, bool isResponse) {
  std::shared_ptr<SseStream> target;
  {
    std::lock_guard lock(mu_);
    std::string key = related.is_null() ? std::string() : rpc::idKey(related);
    if (!key.empty()) {
      if (auto it = byRequest_.find(key); it != byRequest_.end()) {
        target = it->second;
        if (isResponse) byRequest_.erase(it);
      } else if (auto w = jsonWaiters_.find(key); w != jsonWaiters_.end() && isResponse) {
        auto waiter = w->second;
        jsonWaiters_.erase(w);
        std::lock_guard wl(waiter->mu);
        waiter->response = std::move(data);
        waiter->cv.notify_all();
        return;
      }
    }
    if (!target && !standalone_.empty()) target = standalone_.front();
  }
  if (!target) {
    spdlog::debug("no open stream for a message; dropped: {}", data.substr(0, 200));
    return;
  }
  target->push(std::move(data), isResponse && !related.is_null());
}

void HttpSink::requestAbandoned(const json& id) {
  std::shared_ptr<SseStream> s;
  std::shared_ptr<JsonWaiter> w;
  {
    std::lock_guard lock(mu_);
    std::string key = rpc::idKey(id);
    if (auto it = byRequest_.find(key); it != byRequest_.end()) s = it->second, byRequest_.erase(it);
    if (auto it = jsonWaiters_.find(key); it != jsonWaiters_.end()) w = it->second, jsonWaiters_.erase(it);
  }
  if (s) s->abandon();
  if (w) {
    std::lock_guard wl(w->mu);
    w->response = rpc::makeErrorResponse(id, {rpc::code::kRequestTimeout, "request cancelled by the client"}).dump();
    w->cv.notify_all();
  }
}

bool HttpSink::expectJson(const std::string& key, std::shared_ptr<JsonWaiter> w) {
  std::lock_guard lock(mu_);
  if (jsonWaiters_.contains(key) || byRequest_.contains(key)) return false;
  jsonWaiters_[key] = std::move(w);
  return true;
}

void HttpSink::forgetJson(const std::string& key) {
  std::lock_guard lock(mu_);
  jsonWaiters_.erase(key);
}

bool HttpSink::attachRequestStream(const std::string& key, std::shared_ptr<SseStream> s) {
  std::lock_guard lock(mu_);
  if (jsonWaiters_.contains(key) || byRequest_.contains(key)) return false;
  byRequest_[key] = s;
  recent_.push_back(std::move(s));
  if (recent_.size() > kRecentStreams) recent_.pop_front();
  return true;
}

void HttpSink::addStandalone(std::shared_ptr<SseStream> s) {
  std::lock_guard lock(mu_);
  standalone_.push_back(s);
  recent_.push_back(std::move(s));
  if (recent_.size() > kRecentStreams) recent_.pop_front();
}

void HttpSink::removeStandalone(const std::shared_ptr<SseStream>& s) {
  std::lock_guard lock(mu_);
  std::erase(standalone_, s);
}

std::shared_ptr<SseStream> HttpSink::findForResume(const std::string& lastEventId, std::uint64_t& seq) {
  auto dash = lastEventId.rfind('-');
  if (dash == std::string::npos) return nullptr;
  std::string id = lastEventId.substr(0, dash);
  try {
    seq = std::stoull(lastEventId.substr(dash + 1));
  } catch (...) {
    return nullptr;
  }
  std::lock_guard lock(mu_);
  for (const auto& s : recent_)
    if (s->id() == id) return s;
  return nullptr;
}

void HttpSink::closeAll() {
  std::vector<std::shared_ptr<SseStream>> all;
  {
    std::lock_guard lock(mu_);
    all.assign(recent_.begin(), recent_.end());
    for (auto& [_, w] : jsonWaiters_) {
      std::lock_guard wl(w->mu);
      w->cv.notify_all();
    }
  }
  for (auto& s : all) s->close();
}

}  // namespace flywheel::mcp
