// Loading a target's templates: built in, or from a directory on disk.
#include "forge/template_set.h"

#include <algorithm>
#include <array>

#include "core/assets.h"
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

// Parses `texts` (name -> template text) into a set and checks that every
// template the Rust stamper needs is there; `where` names their origin.
Result<TemplateSet> TemplateSet::fromTexts(const std::map<std::string, std::string>& texts,
                                           const std::filesystem::path& dir, const std::string& where) {
  TemplateSet set;
  set.dir_ = dir;
  for (const auto& [name, text] : texts) {
    auto t = Template::parse(name + ".tmpl", text);
    if (!t) return fail(Error::invalidArgument("forge templates: " + t.error().message));
    set.templates_[name] = *t;
  }
  for (auto name : kRustTemplates)
    if (!set.templates_.contains(name))
      return fail(Error::notFound("forge templates: " + where + std::string(name) +
                                  ".tmpl is missing; restore it from flywheel's source tree"));
  std::string all, core;  // sorted by name: the fingerprints ignore listing order
  for (const auto& [name, text] : texts) {
    std::string entry = std::to_string(name.size()) + ":" + name + std::to_string(text.size()) + ":" + text;
    all += entry;
    if (std::find(kRustTemplates.begin(), kRustTemplates.end(), name) != kRustTemplates.end()) core += entry;
    set.textHashes_[name] = contentHash(text);
  }
  set.fingerprint_ = contentHash(all);
  set.coreFingerprint_ = contentHash(core);
  return set;
}

namespace {

// Every `*.tmpl` of `dir`, keyed by name without `.tmpl`, into `texts`
// (replacing a template of the same name). `role` says what the dir is for.
Result<void> readTemplateDir(const std::filesystem::path& dir, const std::string& role,
                             std::map<std::string, std::string>& texts) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return fail(Error::notFound("forge templates: " + dir.string() + " is not a directory; " + role));
  std::map<std::string, std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto& p = entry.path();
    if (p.extension() != ".tmpl") continue;
    auto text = readFile(p);
    if (!text) return fail(text.error());
    found[p.stem().string()] = *text;
  }
  if (ec) return fail(Error::io("forge templates: cannot list " + dir.string() + ": " + ec.message()));
  for (auto& [name, text] : found) texts[name] = std::move(text);
  return {};
}

std::map<std::string, std::string> builtinTexts() {
  std::map<std::string, std::string> texts;
  constexpr std::string_view kPrefix = "forge/templates/rust/";
  for (const auto& [path, text] : builtinAssetsUnder(kPrefix)) {
    std::string_view file = path.substr(kPrefix.size());
    if (file.ends_with(".tmpl") && file.find('/') == std::string_view::npos)
      texts[std::string(file.substr(0, file.size() - 5))] = std::string(text);
  }
  return texts;
}

}  // namespace

Result<TemplateSet> TemplateSet::load(const std::filesystem::path& dir) {
  if (dir.empty()) return fromTexts(builtinTexts(), dir, "the built-in ");
  std::map<std::string, std::string> texts;
  if (auto r = readTemplateDir(dir, "unset FLYWHEEL_HOME to use the built-in templates, or point it at a tree "
                                    "holding forge/templates/rust", texts);
      !r)
    return fail(r.error());
  return fromTexts(texts, dir, (dir / "").string());
}

Result<TemplateSet> TemplateSet::load(const std::filesystem::path& dir,
                                      const std::vector<std::filesystem::path>& overrideDirs) {
  if (overrideDirs.empty()) return load(dir);
  std::map<std::string, std::string> texts;
  if (dir.empty()) texts = builtinTexts();
  else if (auto r = readTemplateDir(dir, "pass an existing base directory, or none for the built-in templates", texts);
           !r)
    return fail(r.error());
  for (const auto& o : overrideDirs)
    if (auto r = readTemplateDir(o, "an override directory must exist (it may be empty)", texts); !r)
      return fail(r.error());
  // Overrides only replace or add, so a missing template is missing from the base.
  auto set = fromTexts(texts, dir, dir.empty() ? "the built-in " : (dir / "").string());
  if (set) set->overrideDirs_ = overrideDirs;
  return set;
}

std::vector<std::string> TemplateSet::addedNames() const {
  std::vector<std::string> out;
  for (const auto& [name, t] : templates_)
    if (std::find(kRustTemplates.begin(), kRustTemplates.end(), name) == kRustTemplates.end()) out.push_back(name);
  return out;
}

std::string TemplateSet::textHash(std::string_view name) const {
  auto it = textHashes_.find(name);
  return it == textHashes_.end() ? std::string() : it->second;
}

std::string TemplateSet::render(std::string_view name, const TemplateObject& context) const {
  auto it = templates_.find(name);
  return it == templates_.end() ? std::string() : it->second->render(context);
}

}  // namespace flywheel::forge
