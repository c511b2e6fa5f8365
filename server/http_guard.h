// HttpGuard: the checks every HTTP request passes before it reaches a
// session: Host and Origin (DNS-rebinding protection for a server on
// loopback: a page on evil.example must not drive a local server through the
// user's browser) and the optional bearer token.
#pragma once

#include <optional>
#include <string>

namespace flywheel::mcp {

struct Refusal {
  int status;  // 401 or 403
  std::string message;
};

class HttpGuard {
 public:
  /// `boundHost`: the address the server listens on; `token`: empty = no auth.
  HttpGuard(std::string boundHost, std::string token);
  std::optional<Refusal> check(const std::string& host, const std::string& origin,
                               const std::string& authorization) const;

 private:
  bool allowedHost(const std::string& hostname) const;
  std::string boundHost_;
  std::string token_;
  bool loopback_;
};

/// The host name of a Host header value or an origin's authority, without
/// port ("localhost:8080" -> "localhost", "[::1]:80" -> "[::1]").
std::string hostnameOf(const std::string& hostPort);

}  // namespace flywheel::mcp
