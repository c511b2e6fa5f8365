// The Generation Gap: which bytes of a crate are Forge's and which are yours.
//
// - `src/generated.rs` is Forge's: rewritten on every stamp. Its header lines
//   name the intent it came from, a hash of everything below them (so a hand
//   edit is detected before a stamp would overwrite it), and the input hash
//   and dependencies of the render (input_hash.h: a no-op stamp skips
//   rendering when they still match).
// - `src/custom.rs` and `src/lib.rs` are yours: created once, never touched.
// - In `Cargo.toml` (the crate's and the workspace's) only the lines between
//   `# forge:begin` and `# forge:end` are Forge's.
#pragma once

#include <string>
#include <optional>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace flywheel::forge {

inline constexpr std::string_view kBlockBegin = "# forge:begin";
inline constexpr std::string_view kBlockEnd = "# forge:end";
inline constexpr size_t kHeaderLines = 3;  ///< plus `// forge-input:` when present
inline constexpr std::string_view kInputTag = "// forge-input: ";

/// FNV-1a, 64 bits, as 16 lowercase hex digits. Stable on every machine.
std::string contentHash(std::string_view bytes);

enum class GeneratedState {
  Intact,      ///< header hash matches the body: Forge wrote it, nobody edited it
  HandEdited,  ///< a forge header whose hash does not match the body
  Foreign,     ///< no forge header at all: not a file Forge wrote
};

/// Classifies an existing generated.rs.
GeneratedState inspectGenerated(std::string_view text);

/// The body of a generated.rs (everything after its header lines).
std::string_view generatedBody(std::string_view text);

/// What the `// forge-input: HASH deps [a b]` header line records.
struct RecordedInput {
  std::string hash;               ///< 16 hex digits
  std::vector<std::string> deps;  ///< service names, sorted
};
/// The recorded input of a generated.rs; nullopt when its header has none
/// (written by an older Forge) or the line is malformed.
std::optional<RecordedInput> recordedInput(std::string_view text);

/// Replaces the lines between the forge markers of `text` with `lines` (each
/// ending in '\n'). Fails when the markers are missing, repeated or out of
/// order, naming `file` and how to add them.
[[nodiscard]] Result<std::string> replaceForgeBlock(std::string_view text, std::string_view lines, std::string_view file);

}  // namespace flywheel::forge
