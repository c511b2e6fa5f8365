// ToolRegistry: the tools, resources, resource templates and prompts one
// server offers, with each tool's schemas loaded and compiled.
//
// A tool's schemas live in `<schemaDir>/tools/<name>.json` (the built-in
// `schemas/tools/<name>.json` compiled into flywheel when schemaDir is empty) as
// {"name", "inputSchema", "outputSchema"?, "examples"?}; addTool refuses a
// tool whose file is missing or unusable, or whose name is taken, so a broken
// catalogue fails at start-up rather than at the first call. Schemas are
// passed to clients verbatim.
// Threads: adds take an exclusive lock, lookups a shared one; entries are
// shared_ptr-owned so a running call keeps its tool alive.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/error.h"
#include "server/schema_validator.h"
#include "server/tool_api.h"

namespace flywheel::mcp {

struct RegisteredTool {
  ToolSpec spec;
  nlohmann::json inputSchema;
  nlohmann::json outputSchema;  // null when the tool declares none
  SchemaValidator input;
  std::optional<SchemaValidator> output;
  nlohmann::json descriptor;  // the tools/list entry
};

/// One page of a list, with the cursor of the next page (empty: last page).
struct Page {
  nlohmann::json items = nlohmann::json::array();
  std::string nextCursor;
};

class ToolRegistry {
 public:
  explicit ToolRegistry(std::filesystem::path schemaDir, std::size_t pageSize = 100);

  Result<void> addTool(ToolSpec spec);
  Result<void> addResource(ResourceSpec spec);
  Result<void> addResourceTemplate(ResourceTemplateSpec spec);
  Result<void> addPrompt(PromptSpec spec);

  std::shared_ptr<const RegisteredTool> findTool(const std::string& name) const;
  std::shared_ptr<const PromptSpec> findPrompt(const std::string& name) const;
  std::shared_ptr<const ResourceSpec> findResource(const std::string& uri) const;
  /// The template whose pattern matches `uri`, with the extracted variables.
  std::shared_ptr<const ResourceTemplateSpec> matchTemplate(const std::string& uri,
                                                            std::map<std::string, std::string>& vars) const;
  std::shared_ptr<const ResourceTemplateSpec> findTemplate(const std::string& uriTemplate) const;

  /// Pages start at `offset` (from a decoded cursor).
  Result<Page> listTools(std::size_t offset) const;
  /// The whole tools/list result for a page, serialized (cached until the
  /// next addTool: tools/list is the hottest call an agent makes).
  Result<std::shared_ptr<const std::string>> listToolsSerialized(std::size_t offset) const;
  Result<Page> listResources(std::size_t offset) const;
  Result<Page> listResourceTemplates(std::size_t offset) const;
  Result<Page> listPrompts(std::size_t offset) const;

  std::vector<std::string> toolNames() const;
  bool hasResources() const;
  bool hasPrompts() const;

 private:
  std::filesystem::path schemaDir_;
  std::size_t pageSize_;
  mutable std::shared_mutex mu_;
  std::vector<std::shared_ptr<const RegisteredTool>> tools_;
  std::vector<std::shared_ptr<const ResourceSpec>> resources_;
  std::vector<std::shared_ptr<const ResourceTemplateSpec>> templates_;
  std::vector<std::shared_ptr<const PromptSpec>> prompts_;
  mutable std::mutex cacheMu_;
  mutable std::map<std::size_t, std::shared_ptr<const std::string>> toolPages_;
};

/// RFC 6570 level-1 matching: "flywheel://intent/{service}" against a URI.
/// A variable matches one or more characters other than '/'.
bool matchUriTemplate(const std::string& uriTemplate, const std::string& uri, std::map<std::string, std::string>& vars);

}  // namespace flywheel::mcp
