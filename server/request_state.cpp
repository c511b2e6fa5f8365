#include "server/request_state.h"

#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>

#include "server/incoming.h"
#include "server/limits.h"

namespace flywheel::mcp {

using nlohmann::json;

namespace {

constexpr std::array<std::uint32_t, 64> kK = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

// SHA-256 (FIPS 180-4) of a byte string; 32 raw bytes.
std::string sha256(std::string_view data) {
  std::array<std::uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string msg(data);
  std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  msg.push_back(static_cast<char>(0x80));
  while (msg.size() % 64 != 56) msg.push_back('\0');
  for (int i = 7; i >= 0; --i) msg.push_back(static_cast<char>((bits >> (i * 8)) & 0xff));
  for (std::size_t off = 0; off < msg.size(); off += 64) {
    std::array<std::uint32_t, 64> w{};
    for (int i = 0; i < 16; ++i)
      for (int b = 0; b < 4; ++b) w[i] = (w[i] << 8) | static_cast<unsigned char>(msg[off + i * 4 + b]);
    for (int i = 16; i < 64; ++i) {
      std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    auto v = h;
    for (int i = 0; i < 64; ++i) {
      std::uint32_t s1 = rotr(v[4], 6) ^ rotr(v[4], 11) ^ rotr(v[4], 25);
      std::uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
      std::uint32_t t1 = v[7] + s1 + ch + kK[i] + w[i];
      std::uint32_t s0 = rotr(v[0], 2) ^ rotr(v[0], 13) ^ rotr(v[0], 22);
      std::uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
      std::uint32_t t2 = s0 + maj;
      v = {t1 + t2, v[0], v[1], v[2], v[3] + t1, v[4], v[5], v[6]};
    }
    for (int i = 0; i < 8; ++i) h[i] += v[i];
  }
  std::string out;
  for (auto x : h)
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((x >> (i * 8)) & 0xff));
  return out;
}

std::string hex(std::string_view raw) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) out += {d[c >> 4], d[c & 15]};
  return out;
}

const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(std::string_view raw) {
  std::string out;
  std::uint32_t acc = 0;
  int n = 0;
  for (unsigned char c : raw) {
    acc = (acc << 8) | c, n += 8;
    while (n >= 6) out.push_back(kB64[(acc >> (n -= 6)) & 63]);
  }
  if (n > 0) out.push_back(kB64[(acc << (6 - n)) & 63]);
  return out;
}

std::optional<std::string> unbase64url(std::string_view text) {
  std::string out;
  std::uint32_t acc = 0;
  int n = 0;
  for (char c : text) {
    const char* p = std::strchr(kB64, c);
    if (!p || c == '\0') return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(p - kB64), n += 6;
    if (n >= 8) out.push_back(static_cast<char>((acc >> (n -= 8)) & 0xff));
  }
  return out;
}

const std::string& processKey() {
  static const std::string key = [] {
    std::random_device rd;
    std::string k;
    for (int i = 0; i < 32; ++i) k.push_back(static_cast<char>(rd() & 0xff));
    return k;
  }();
  return key;
}

long long nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

constexpr long long kMaxAgeSeconds = 3600;

}  // namespace

std::string hmacSha256Hex(std::string_view key, std::string_view message) {
  std::string k(key);
  if (k.size() > 64) k = sha256(k);
  k.resize(64, '\0');
  std::string inner(64, '\0'), outer(64, '\0');
  for (int i = 0; i < 64; ++i) inner[i] = static_cast<char>(k[i] ^ 0x36), outer[i] = static_cast<char>(k[i] ^ 0x5c);
  return hex(sha256(outer + sha256(inner + std::string(message))));
}

std::string sealState(const json& payload, std::string_view method, std::string_view target) {
  json envelope{{"m", method}, {"t", target}, {"at", nowSeconds()}, {"p", payload}};
  std::string body = base64url(envelope.dump());
  return body + "." + hmacSha256Hex(processKey(), body);
}

Result<json> openState(std::string_view sealed, std::string_view method, std::string_view target) {
  auto dot = sealed.rfind('.');
  if (dot == std::string_view::npos)
    return fail(Error::invalidArgument("requestState is not a state this server issued (no seal); retry without it"));
  std::string_view body = sealed.substr(0, dot);
  if (hmacSha256Hex(processKey(), body) != sealed.substr(dot + 1))
    return fail(Error::invalidArgument("requestState failed its integrity check (altered, or issued by another "
                                       "server process); retry the request without requestState"));
  auto raw = unbase64url(body);
  // The payload holds a client's earlier answers (each within the message
  // nesting limit) under a few levels of our own: refuse anything deeper
  // before building a value whose copies would recurse that deep.
  constexpr int kDepth = limits::kMaxNestingDepth + 8;
  json envelope = raw && scanShape(*raw, kDepth).maxDepth <= kDepth ? json::parse(*raw, nullptr, false) : json();
  if (!envelope.is_object() || !envelope.contains("p"))
    return fail(Error::invalidArgument("requestState is malformed; retry the request without it"));
  if (envelope.value("m", "") != method || envelope.value("t", "") != target)
    return fail(Error::invalidArgument("requestState was issued for " + envelope.value("m", std::string()) + " " +
                                       envelope.value("t", std::string()) + ", not for " + std::string(method) + " " +
                                       std::string(target)));
  if (nowSeconds() - envelope.value("at", 0LL) > kMaxAgeSeconds)
    return fail(Error::invalidArgument("requestState expired (older than an hour); retry the request without it"));
  return envelope["p"];
}

}  // namespace flywheel::mcp
