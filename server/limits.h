// The resource limits a peer's input meets before it reaches a session, in
// one place (docs/protocol.md, "Resource limits", lists them with what a
// client gets when it passes each). Per-transport knobs that tests shorten
// (timeouts, connection caps) live in HttpOptions and default to these.
#pragma once

#include <chrono>
#include <cstddef>

namespace flywheel::mcp::limits {

/// Bytes in one message: a stdio line or an HTTP request body. The largest
/// tool arguments are two 100,000-character texts (repair_edit).
inline constexpr std::size_t kMaxMessageBytes = 4u << 20;
/// JSON values in one message (batch included). A parsed value takes 50-150
/// bytes per element: a 32 MiB line of {"a":1} objects took 1.5 GB and 13 s.
inline constexpr std::size_t kMaxValues = 100'000;
/// Arrays and objects nested inside one another in a message (a batch's own
/// array counts). Copying and printing a JSON value recurse once per level;
/// 60,000 levels overflowed the stack, so deeper text is refused unparsed.
inline constexpr int kMaxNestingDepth = 128;
/// Messages in one JSON-RPC batch (protocol 2025-03-26 only).
inline constexpr std::size_t kMaxBatchSize = 100;

/// HTTP: initialized sessions open at once; past it initialize gets 503.
inline constexpr std::size_t kMaxSessions = 256;
/// HTTP: open connections in total, and from one peer address other than
/// 127.0.0.1 and ::1 (every local client shares those).
inline constexpr std::size_t kMaxConnections = 512;
inline constexpr std::size_t kMaxConnectionsPerPeer = 32;
/// HTTP: from a request's first byte until its headers are in.
inline constexpr std::chrono::milliseconds kHeaderTimeout{10'000};
/// HTTP: from a request's first byte until its body is in.
inline constexpr std::chrono::milliseconds kRequestTimeout{60'000};
/// HTTP: an idle keep-alive connection (or a new one that sends nothing) is
/// closed after this.
inline constexpr std::chrono::milliseconds kIdleTimeout{5'000};
/// HTTP: the Retry-After of a 503 that refuses a session or connection.
inline constexpr int kRetryAfterSeconds = 30;

}  // namespace flywheel::mcp::limits
