#include "server/http_guard.h"

namespace flywheel::mcp {

namespace {
bool isLoopbackName(const std::string& h) { return h == "localhost" || h == "127.0.0.1" || h == "[::1]" || h == "::1"; }

// Compares in time independent of where the strings differ.
bool sameSecret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
  return diff == 0 && !b.empty();
}
}  // namespace

std::string hostnameOf(const std::string& hostPort) {
  if (!hostPort.empty() && hostPort.front() == '[') {
    auto close = hostPort.find(']');
    return close == std::string::npos ? hostPort : hostPort.substr(0, close + 1);
  }
  auto colon = hostPort.find(':');
  return colon == std::string::npos ? hostPort : hostPort.substr(0, colon);
}

HttpGuard::HttpGuard(std::string boundHost, std::string token)
    : boundHost_(std::move(boundHost)), token_(std::move(token)), loopback_(isLoopbackName(boundHost_)) {}

bool HttpGuard::allowedHost(const std::string& hostname) const {
  if (isLoopbackName(hostname)) return true;
  if (loopback_) return false;
  // Bound to a non-loopback address: that address (or any, for 0.0.0.0) is fine.
  return boundHost_ == "0.0.0.0" || boundHost_ == "::" || hostname == boundHost_;
}

std::optional<Refusal> HttpGuard::check(const std::string& host, const std::string& origin,
                                        const std::string& authorization) const {
  if (!host.empty() && !allowedHost(hostnameOf(host)))
    return Refusal{403, "Forbidden: Host header \"" + host + "\" is not this server (DNS-rebinding protection)"};
  if (!origin.empty()) {
    auto scheme = origin.find("://");
    std::string authority = scheme == std::string::npos ? origin : origin.substr(scheme + 3);
    if (origin == "null" || !allowedHost(hostnameOf(authority)))
      return Refusal{403, "Forbidden: Origin \"" + origin + "\" is not allowed (DNS-rebinding protection)"};
  }
  if (!token_.empty()) {
    const std::string prefix = "Bearer ";
    if (authorization.rfind(prefix, 0) != 0 || !sameSecret(authorization.substr(prefix.size()), token_))
      return Refusal{401, "Unauthorized: send Authorization: Bearer <token> (flywheel serve --token / $FLYWHEEL_TOKEN)"};
  }
  return std::nullopt;
}

}  // namespace flywheel::mcp
