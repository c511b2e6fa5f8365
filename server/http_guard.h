// HttpGuard: the checks every HTTP request passes before it reaches a
// session: Host and Origin (DNS-rebinding protection: a page on
// evil.example must not drive the server through the user's browser) and
// the bearer token. Host names compare case-insensitively. Allowed are the
// loopback names, the bound address when it is a specific one, and the names
// the user allowed (flywheel serve --allow-host); binding 0.0.0.0 or :: does
// not allow every name.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace flywheel::mcp {

struct Refusal {
  int status;  // 401 or 403
  std::string message;
};

class HttpGuard {
 public:
  /// `boundHost`: the address the server listens on; `token`: empty = no
  /// auth; `allowedHosts`: further names Host and Origin may carry.
  HttpGuard(std::string boundHost, std::string token, std::vector<std::string> allowedHosts = {});
  std::optional<Refusal> check(const std::string& host, const std::string& origin,
                               const std::string& authorization) const;

 private:
  bool allowedHost(const std::string& hostname) const;
  std::string boundHost_;
  std::string token_;
  std::vector<std::string> allowed_;  // lower case
};

/// The host name of a Host header value or an origin's authority, without
/// port ("localhost:8080" -> "localhost", "[::1]:80" -> "[::1]").
std::string hostnameOf(const std::string& hostPort);

/// Whether a bind address or host name is loopback (localhost, 127.0.0.1,
/// ::1, [::1]; any case).
bool isLoopbackHost(const std::string& host);

}  // namespace flywheel::mcp
