// Loading a target's templates from disk.
#include "forge/template_set.h"

#include <array>

#include "core/atomic_file.h"
#include "forge/generation_gap.h"

namespace flywheel::forge {

namespace {
constexpr std::array<std::string_view, 20> kRustTemplates{
    "header",         "alias",         "enum",           "struct",       "rpc_api",
    "crud_gateway",   "event_listener", "cron_worker",   "mcp_tool",     "state_machine",
    "bootstrap",      "pure_utility",  "rpc_gateway",    "domain_engine", "lib.rs",
    "custom.rs",      "Cargo.toml",    "workspace.toml", "cargo_dependency", "workspace_member"};
}  // namespace

Result<TemplateSet> TemplateSet::load(const std::filesystem::path& dir) {
  TemplateSet set;
  set.dir_ = dir;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return fail(Error::notFound("forge templates: " + dir.string() +
                                " is not a directory; set FLYWHEEL_HOME to flywheel's source tree"));
  std::map<std::string, std::string> texts;  // sorted: the fingerprint ignores listing order
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto& p = entry.path();
    if (p.extension() != ".tmpl") continue;
    auto text = readFile(p);
    if (!text) return fail(text.error());
    auto t = Template::parse(p.filename().string(), *text);
    if (!t) return fail(Error::invalidArgument("forge templates: " + t.error().message));
    set.templates_[p.stem().string()] = *t;
    texts[p.stem().string()] = *text;
  }
  if (ec) return fail(Error::io("forge templates: cannot list " + dir.string() + ": " + ec.message()));
  for (auto name : kRustTemplates)
    if (!set.templates_.contains(name))
      return fail(Error::notFound("forge templates: " + (dir / (std::string(name) + ".tmpl")).string() +
                                  " is missing; restore it from flywheel's source tree"));
  std::string all;
  for (const auto& [name, text] : texts) all += std::to_string(name.size()) + ":" + name + std::to_string(text.size()) + ":" + text;
  set.fingerprint_ = contentHash(all);
  return set;
}

std::string TemplateSet::render(std::string_view name, const TemplateObject& context) const {
  auto it = templates_.find(name);
  return it == templates_.end() ? std::string() : it->second->render(context);
}

}  // namespace flywheel::forge
