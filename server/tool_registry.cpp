#include "server/tool_registry.h"

#include <fstream>
#include <mutex>
#include <sstream>

#include "core/assets.h"
#include "server/protocol.h"

namespace flywheel::mcp {

using nlohmann::json;

namespace {

bool validToolName(const std::string& n) {
  if (n.empty() || n.size() > 128) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

// The schema document of `tool`: `<schemaDir>/tools/<tool>.json`, or the
// built-in copy compiled into flywheel when `schemaDir` is empty.
Result<json> readSchemaFile(const std::filesystem::path& schemaDir, const std::filesystem::path& file,
                            const std::string& tool) {
  std::string text;
  if (schemaDir.empty()) {
    auto builtin = builtinAsset(file.generic_string());
    if (!builtin)
      return fail(Error::notFound("tool " + tool + " has no built-in schema " + file.generic_string() +
                                  "; add it to flywheel's schemas/tools/ and rebuild"));
    text = *builtin;
  } else {
    std::ifstream in(file);
    if (!in)
      return fail(Error::notFound("tool " + tool + " has no schema: " + file.string() +
                                  " is missing; add it ({\"name\", \"inputSchema\", \"outputSchema\", \"examples\"})"));
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return fail(Error::invalidArgument("schema file " + file.string() + " is not valid JSON"));
  if (!doc.is_object()) return fail(Error::invalidArgument("schema file " + file.string() + " must hold an object"));
  if (doc.contains("name") && doc["name"] != tool)
    return fail(Error::invalidArgument("schema file " + file.string() + " names \"" + doc["name"].dump() +
                                       "\", not \"" + tool + "\""));
  return doc;
}

Result<void> checkObjectSchema(const json& schema, const std::string& what, const std::filesystem::path& file) {
  if (!schema.is_object() || schema.value("type", json()) != "object")
    return fail(Error::invalidArgument(what + " in " + file.string() + " must be a JSON Schema with \"type\": \"object\""));
  return {};
}

json annotationsJson(const ToolSpec& spec) {
  json a{{"readOnlyHint", spec.annotations.readOnly},
         {"destructiveHint", spec.annotations.destructive},
         {"idempotentHint", spec.annotations.idempotent},
         {"openWorldHint", spec.annotations.openWorld}};
  if (!spec.title.empty()) a["title"] = spec.title;
  return a;
}

template <class T, class F>
Result<Page> page(const std::vector<T>& all, std::size_t offset, std::size_t size, F toJson) {
  if (offset > all.size())
    return fail(Error::invalidArgument("cursor points past the end of the list; start again without a cursor"));
  Page p;
  std::size_t end = std::min(all.size(), offset + size);
  for (std::size_t i = offset; i < end; ++i) p.items.push_back(toJson(*all[i]));
  if (end < all.size()) p.nextCursor = encodeCursor(end);
  return p;
}

}  // namespace

ToolRegistry::ToolRegistry(std::filesystem::path schemaDir, std::size_t pageSize)
    : schemaDir_(std::move(schemaDir)), pageSize_(pageSize ? pageSize : 100) {}

Result<void> ToolRegistry::addTool(ToolSpec spec) {
  if (!validToolName(spec.name))
    return fail(Error::invalidArgument("tool name \"" + spec.name + "\" is invalid; use 1-128 of [A-Za-z0-9_.-]"));
  if (!spec.handler) return fail(Error::invalidArgument("tool " + spec.name + " has no handler"));
  if (findTool(spec.name)) return fail(Error::alreadyExists("tool " + spec.name + " is registered twice"));
  auto file = (schemaDir_.empty() ? std::filesystem::path("schemas") : schemaDir_) / "tools" / (spec.name + ".json");
  auto doc = readSchemaFile(schemaDir_, file, spec.name);
  if (!doc) return fail(doc.error());
  auto tool = std::make_shared<RegisteredTool>();
  tool->inputSchema = doc->value("inputSchema", json());
  if (auto ok = checkObjectSchema(tool->inputSchema, "inputSchema", file); !ok) return ok;
  auto in = SchemaValidator::compile(tool->inputSchema);
  if (!in) return fail(Error::invalidArgument("inputSchema in " + file.string() + ": " + in.error().message));
  tool->input = std::move(*in);
  tool->outputSchema = doc->value("outputSchema", json());
  if (!tool->outputSchema.is_null()) {
    if (auto ok = checkObjectSchema(tool->outputSchema, "outputSchema", file); !ok) return ok;
    auto out = SchemaValidator::compile(tool->outputSchema);
    if (!out) return fail(Error::invalidArgument("outputSchema in " + file.string() + ": " + out.error().message));
    tool->output = std::move(*out);
  }
  json d{{"name", spec.name}, {"description", spec.description}, {"inputSchema", tool->inputSchema},
         {"annotations", annotationsJson(spec)}};
  if (!spec.title.empty()) d["title"] = spec.title;
  if (!tool->outputSchema.is_null()) d["outputSchema"] = tool->outputSchema;
  tool->descriptor = std::move(d);
  tool->spec = std::move(spec);
  std::unique_lock lock(mu_);
  for (const auto& t : tools_)
    if (t->spec.name == tool->spec.name) return fail(Error::alreadyExists("tool " + t->spec.name + " is registered twice"));
  tools_.push_back(std::move(tool));
  std::lock_guard cache(cacheMu_);
  toolPages_.clear();
  return {};
}

Result<void> ToolRegistry::addResource(ResourceSpec spec) {
  if (spec.uri.empty() || !spec.read) return fail(Error::invalidArgument("a resource needs a uri and a read function"));
  std::unique_lock lock(mu_);
  for (const auto& r : resources_)
    if (r->uri == spec.uri) return fail(Error::alreadyExists("resource " + spec.uri + " is registered twice"));
  resources_.push_back(std::make_shared<const ResourceSpec>(std::move(spec)));
  return {};
}

Result<void> ToolRegistry::addResourceTemplate(ResourceTemplateSpec spec) {
  if (spec.uriTemplate.empty() || !spec.read)
    return fail(Error::invalidArgument("a resource template needs a uriTemplate and a read function"));
  std::unique_lock lock(mu_);
  for (const auto& t : templates_)
    if (t->uriTemplate == spec.uriTemplate)
      return fail(Error::alreadyExists("resource template " + spec.uriTemplate + " is registered twice"));
  templates_.push_back(std::make_shared<const ResourceTemplateSpec>(std::move(spec)));
  return {};
}

Result<void> ToolRegistry::addPrompt(PromptSpec spec) {
  if (spec.name.empty() || !spec.get) return fail(Error::invalidArgument("a prompt needs a name and a get function"));
  std::unique_lock lock(mu_);
  for (const auto& p : prompts_)
    if (p->name == spec.name) return fail(Error::alreadyExists("prompt " + spec.name + " is registered twice"));
  prompts_.push_back(std::make_shared<const PromptSpec>(std::move(spec)));
  return {};
}

std::shared_ptr<const RegisteredTool> ToolRegistry::findTool(const std::string& name) const {
  std::shared_lock lock(mu_);
  for (const auto& t : tools_)
    if (t->spec.name == name) return t;
  return nullptr;
}

std::shared_ptr<const PromptSpec> ToolRegistry::findPrompt(const std::string& name) const {
  std::shared_lock lock(mu_);
  for (const auto& p : prompts_)
    if (p->name == name) return p;
  return nullptr;
}

std::shared_ptr<const ResourceSpec> ToolRegistry::findResource(const std::string& uri) const {
  std::shared_lock lock(mu_);
  for (const auto& r : resources_)
    if (r->uri == uri) return r;
  return nullptr;
}

std::shared_ptr<const ResourceTemplateSpec> ToolRegistry::matchTemplate(
    const std::string& uri, std::map<std::string, std::string>& vars) const {
  std::shared_lock lock(mu_);
  for (const auto& t : templates_) {
    vars.clear();
    if (matchUriTemplate(t->uriTemplate, uri, vars)) return t;
  }
  vars.clear();
  return nullptr;
}

std::shared_ptr<const ResourceTemplateSpec> ToolRegistry::findTemplate(const std::string& uriTemplate) const {
  std::shared_lock lock(mu_);
  for (const auto& t : templates_)
    if (t->uriTemplate == uriTemplate) return t;
  return nullptr;
}

Result<Page> ToolRegistry::listTools(std::size_t offset) const {
  std::shared_lock lock(mu_);
  return page(tools_, offset, pageSize_, [](const RegisteredTool& t) { return t.descriptor; });
}

Result<std::shared_ptr<const std::string>> ToolRegistry::listToolsSerialized(std::size_t offset) const {
  {
    std::lock_guard cache(cacheMu_);
    if (auto it = toolPages_.find(offset); it != toolPages_.end()) return it->second;
  }
  auto p = listTools(offset);
  if (!p) return fail(p.error());
  json result{{"tools", std::move(p->items)}};
  if (!p->nextCursor.empty()) result["nextCursor"] = p->nextCursor;
  auto text = std::make_shared<const std::string>(result.dump(-1, ' ', false, json::error_handler_t::replace));
  std::lock_guard cache(cacheMu_);
  toolPages_[offset] = text;
  return text;
}

namespace {
json resourceJson(const ResourceSpec& r) {
  json j{{"uri", r.uri}, {"name", r.name}, {"mimeType", r.mimeType}};
  if (!r.title.empty()) j["title"] = r.title;
  if (!r.description.empty()) j["description"] = r.description;
  return j;
}
}  // namespace

Result<Page> ToolRegistry::listResources(std::size_t offset) const {
  std::vector<std::shared_ptr<const ResourceSpec>> all;
  std::vector<std::shared_ptr<const ResourceTemplateSpec>> templates;
  {
    std::shared_lock lock(mu_);
    all = resources_;
    templates = templates_;
  }
  // Templates may enumerate concrete resources; computed outside the lock.
  for (const auto& t : templates)
    if (t->list)
      for (auto& r : t->list()) all.push_back(std::make_shared<const ResourceSpec>(std::move(r)));
  return page(all, offset, pageSize_, resourceJson);
}

Result<Page> ToolRegistry::listResourceTemplates(std::size_t offset) const {
  std::shared_lock lock(mu_);
  return page(templates_, offset, pageSize_, [](const ResourceTemplateSpec& t) {
    json j{{"uriTemplate", t.uriTemplate}, {"name", t.name}, {"mimeType", t.mimeType}};
    if (!t.title.empty()) j["title"] = t.title;
    if (!t.description.empty()) j["description"] = t.description;
    return j;
  });
}

Result<Page> ToolRegistry::listPrompts(std::size_t offset) const {
  std::shared_lock lock(mu_);
  return page(prompts_, offset, pageSize_, [](const PromptSpec& p) {
    json args = json::array();
    for (const auto& a : p.arguments) {
      json aj{{"name", a.name}, {"required", a.required}};
      if (!a.description.empty()) aj["description"] = a.description;
      args.push_back(std::move(aj));
    }
    json j{{"name", p.name}, {"arguments", std::move(args)}};
    if (!p.title.empty()) j["title"] = p.title;
    if (!p.description.empty()) j["description"] = p.description;
    return j;
  });
}

std::vector<std::string> ToolRegistry::toolNames() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> names;
  for (const auto& t : tools_) names.push_back(t->spec.name);
  return names;
}

bool ToolRegistry::hasResources() const {
  std::shared_lock lock(mu_);
  return !resources_.empty() || !templates_.empty();
}

bool ToolRegistry::hasPrompts() const {
  std::shared_lock lock(mu_);
  return !prompts_.empty();
}

bool matchUriTemplate(const std::string& tpl, const std::string& uri, std::map<std::string, std::string>& vars) {
  std::size_t ti = 0, ui = 0;
  while (ti < tpl.size()) {
    if (tpl[ti] != '{') {
      if (ui >= uri.size() || uri[ui] != tpl[ti]) return false;
      ++ti, ++ui;
      continue;
    }
    auto close = tpl.find('}', ti);
    if (close == std::string::npos) return false;
    std::string name = tpl.substr(ti + 1, close - ti - 1);
    ti = close + 1;
    char stop = ti < tpl.size() ? tpl[ti] : '\0';
    std::size_t start = ui;
    while (ui < uri.size() && uri[ui] != '/' && (stop == '\0' || uri[ui] != stop)) ++ui;
    if (ui == start) return false;
    vars[name] = uri.substr(start, ui - start);
  }
  return ui == uri.size();
}

}  // namespace flywheel::mcp
