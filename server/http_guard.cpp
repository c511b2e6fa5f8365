#include "server/http_guard.h"

#include <algorithm>
#include <cctype>

namespace flywheel::mcp {

namespace {
// Lower case, without IPv6 brackets or the root label's trailing dot
// ("LOCALHOST." -> "localhost", "[::1]" -> "::1").
std::string canonicalName(std::string h) {
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.size() > 1 && h.back() == '.') h.pop_back();
  return h;
}

// Compares in time independent of where the strings differ.
bool sameSecret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
  return diff == 0 && !b.empty();
}

bool isWildcard(const std::string& h) { return h == "0.0.0.0" || h == "::"; }
}  // namespace

bool isLoopbackHost(const std::string& host) {
  std::string h = canonicalName(host);
  return h == "localhost" || h == "127.0.0.1" || h == "::1";
}

std::string hostnameOf(const std::string& hostPort) {
  if (!hostPort.empty() && hostPort.front() == '[') {
    auto close = hostPort.find(']');
    return close == std::string::npos ? hostPort : hostPort.substr(0, close + 1);
  }
  auto colon = hostPort.find(':');
  return colon == std::string::npos ? hostPort : hostPort.substr(0, colon);
}

HttpGuard::HttpGuard(std::string boundHost, std::string token, std::vector<std::string> allowedHosts)
    : boundHost_(canonicalName(std::move(boundHost))), token_(std::move(token)) {
  for (auto& h : allowedHosts) allowed_.push_back(canonicalName(h));
  // A specific address the server was bound to names this server.
  if (!isLoopbackHost(boundHost_) && !isWildcard(boundHost_)) allowed_.push_back(boundHost_);
}

bool HttpGuard::allowedHost(const std::string& hostname) const {
  std::string h = canonicalName(hostname);
  return isLoopbackHost(h) || std::find(allowed_.begin(), allowed_.end(), h) != allowed_.end();
}

std::optional<Refusal> HttpGuard::check(const std::string& host, const std::string& origin,
                                        const std::string& authorization) const {
  if (!host.empty() && !allowedHost(hostnameOf(host)))
    return Refusal{403, "Forbidden: Host header \"" + host +
                            "\" is not a name of this server (DNS-rebinding protection); if clients reach the "
                            "server by that name, start it with --allow-host " + hostnameOf(host)};
  if (!origin.empty()) {
    auto scheme = origin.find("://");
    std::string authority = scheme == std::string::npos ? origin : origin.substr(scheme + 3);
    if (origin == "null" || !allowedHost(hostnameOf(authority)))
      return Refusal{403, "Forbidden: Origin \"" + origin +
                              "\" is not allowed (DNS-rebinding protection); allow its host with --allow-host"};
  }
  if (!token_.empty()) {
    const std::string prefix = "Bearer ";
    if (authorization.rfind(prefix, 0) != 0 || !sameSecret(authorization.substr(prefix.size()), token_))
      return Refusal{401, "Unauthorized: send Authorization: Bearer <token> (flywheel serve --token / $FLYWHEEL_TOKEN)"};
  }
  return std::nullopt;
}

}  // namespace flywheel::mcp
