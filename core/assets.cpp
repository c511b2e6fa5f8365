#include "core/assets.h"

#include <algorithm>

namespace flywheel {

// Defined in the generated assets_data.cpp (core/embed_assets.cmake), sorted by path.
struct BuiltinAsset {
  std::string_view path;
  std::string_view text;
};
extern const BuiltinAsset kBuiltinAssets[];
extern const std::size_t kBuiltinAssetCount;

std::optional<std::string_view> builtinAsset(std::string_view path) {
  const BuiltinAsset* end = kBuiltinAssets + kBuiltinAssetCount;
  auto it = std::lower_bound(kBuiltinAssets, end, path, [](const BuiltinAsset& a, std::string_view p) { return a.path < p; });
  if (it == end || it->path != path) return std::nullopt;
  return it->text;
}

std::vector<std::pair<std::string_view, std::string_view>> builtinAssetsUnder(std::string_view prefix) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  for (std::size_t i = 0; i < kBuiltinAssetCount; ++i)
    if (kBuiltinAssets[i].path.starts_with(prefix)) out.emplace_back(kBuiltinAssets[i].path, kBuiltinAssets[i].text);
  return out;
}

}  // namespace flywheel
