// SchemaValidator: a compiled JSON Schema that checks tool arguments.
//
// Schemas come verbatim from schemas/tools/<name>.json and are sent to
// clients unchanged; this class only compiles them (valijson, draft-7
// keywords, which are the subset flywheel's schemas may use) and reports the
// first violation with the JSON path and the expected type, e.g.
// "at arguments.limit: expected integer (got string)".
// Threads: validate() is const and safe to call concurrently.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/error.h"
#include "server/json_rpc.h"

namespace flywheel::mcp {

class SchemaValidator {
 public:
  /// Compiles `schema`; an Error says why it is not a usable JSON Schema.
  static Result<SchemaValidator> compile(const nlohmann::json& schema);

  /// nullopt when `value` conforms, else a message naming the path (rooted at
  /// `rootName`, e.g. "arguments") and what was expected.
  std::optional<std::string> validate(const nlohmann::json& value, const std::string& rootName) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace flywheel::mcp
