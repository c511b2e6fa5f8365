// Built-in assets: the data files flywheel needs at run time (the Forge
// templates of forge/templates/, the tool schemas of schemas/), compiled into
// the binary so that an installed or copied flywheel needs no source tree.
//
//   auto text = builtinAsset("schemas/tools/kb_search.json");   // nullopt if absent
//   for (auto& [path, text] : builtinAssetsUnder("forge/templates/rust/")) ...
//
// Paths are relative to flywheel's source tree, with '/' separators. The
// texts are static: views stay valid for the life of the process.
// FLYWHEEL_HOME (see docs) still points flywheel at a tree on disk instead,
// for people editing templates or schemas without rebuilding.
#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace flywheel {

/// The text of the built-in asset at `path`, or nullopt when there is none.
std::optional<std::string_view> builtinAsset(std::string_view path);

/// Every built-in asset whose path starts with `prefix`, sorted by path.
std::vector<std::pair<std::string_view, std::string_view>> builtinAssetsUnder(std::string_view prefix);

}  // namespace flywheel
