#include "server/schema_validator.h"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <exception>
#include <vector>

namespace flywheel::mcp {

using nlohmann::json;

struct SchemaValidator::Impl {
  json source;
  valijson::Schema schema;
};

Result<SchemaValidator> SchemaValidator::compile(const json& schema) {
  if (!schema.is_object()) return fail(Error::invalidArgument("a JSON Schema must be an object"));
  auto impl = std::make_shared<Impl>();
  impl->source = schema;
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(impl->source);
    parser.populateSchema(adapter, impl->schema);
  } catch (const std::exception& e) {
    return fail(Error::invalidArgument(std::string("not a usable JSON Schema: ") + e.what()));
  }
  SchemaValidator v;
  v.impl_ = std::move(impl);
  return v;
}

namespace {

const char* typeName(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

// valijson contexts look like {"<root>", "[limit]", "[0]"}; turn the segments
// into keys so both the instance and the schema can be walked.
std::vector<std::string> segments(const std::vector<std::string>& context) {
  std::vector<std::string> out;
  for (const auto& c : context) {
    if (c == "<root>") continue;
    if (c.size() >= 2 && c.front() == '[' && c.back() == ']') out.push_back(c.substr(1, c.size() - 2));
    else out.push_back(c);
  }
  return out;
}

bool isIndex(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

std::string describeExpected(const json* schema) {
  if (!schema || !schema->is_object()) return {};
  auto t = schema->find("type");
  if (t == schema->end()) return {};
  if (t->is_string()) return t->get<std::string>();
  if (t->is_array()) {
    std::string s;
    for (const auto& x : *t) s += (s.empty() ? "" : " or ") + x.get<std::string>();
    return s;
  }
  return {};
}

}  // namespace

std::optional<std::string> SchemaValidator::validate(const json& value, const std::string& rootName) const {
  valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(value);
  if (validator.validate(impl_->schema, target, &results)) return std::nullopt;

  // The deepest error is the most specific one.
  valijson::ValidationResults::Error best, e;
  std::size_t bestDepth = 0;
  bool any = false;
  while (results.popError(e)) {
    if (!any || e.context.size() > bestDepth) best = e, bestDepth = e.context.size(), any = true;
  }
  std::string path = rootName;
  const json* inst = &value;
  const json* sch = &impl_->source;
  for (const auto& seg : segments(best.context)) {
    bool idx = isIndex(seg);
    path += idx ? "[" + seg + "]" : "." + seg;
    if (inst && idx && inst->is_array() && std::stoul(seg) < inst->size()) inst = &(*inst)[std::stoul(seg)];
    else if (inst && inst->is_object() && inst->contains(seg)) inst = &(*inst)[seg];
    else inst = nullptr;
    if (sch && idx && sch->contains("items")) sch = &(*sch)["items"];
    else if (sch && sch->contains("properties") && (*sch)["properties"].contains(seg)) sch = &(*sch)["properties"][seg];
    else sch = nullptr;
  }
  std::string expected = describeExpected(sch);
  std::string msg = "at " + path + ": ";
  if (inst && !expected.empty() && best.description.find("type") != std::string::npos)
    msg += "expected " + expected + " (got " + typeName(*inst) + ")";
  else
    msg += best.description;
  if (!expected.empty() && msg.find("expected") == std::string::npos) msg += " (expected " + expected + ")";
  return msg;
}

}  // namespace flywheel::mcp
