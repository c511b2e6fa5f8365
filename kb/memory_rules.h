// Validation and normalisation of what callers write into the knowledge
// base, shared by the store and the importers. Everything that reaches
// SQLite has passed through here: bounded sizes, valid UTF-8 (so JSON output
// never fails), lowercase sorted tags, a kind from [a-z][a-z0-9-]*.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "kb/memory.h"

namespace flywheel::kb {

/// A Memory (id 0) from a draft, or invalid_argument naming the field, the
/// limit and the fix. `now` fills created/updated when the draft has none.
[[nodiscard]] Result<Memory> normalizeDraft(const MemoryDraft& draft, std::int64_t now);

bool isValidUtf8(std::string_view s);
/// Cuts `s` to at most `maxBytes` without splitting a UTF-8 sequence.
std::string truncateUtf8(std::string_view s, size_t maxBytes);
/// 16 hex digits of a 64-bit FNV-1a hash.
std::string hashHex(std::string_view s);
std::int64_t nowSeconds();

}  // namespace flywheel::kb
