// Planning a stamp: select services, refuse the invalid, render the rest.
#include "forge/stamp_plan.h"

#include <algorithm>
#include <set>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "forge/generation_gap.h"
#include "forge/input_hash.h"
#include "forge/rust_model.h"

namespace flywheel::forge {

namespace fs = std::filesystem;
using universe::Service;

namespace {

bool targetsRust(const Service& s) {
  return std::find(s.targets.begin(), s.targets.end(), universe::Target::Rust) != s.targets.end();
}

std::string joinPath(const std::string& dir, const std::string& rest) { return dir.empty() ? rest : dir + "/" + rest; }

Result<std::vector<const Service*>> selectServices(const universe::Universe& u, const StampOptions& options) {
  std::vector<const Service*> out;
  if (options.services.empty()) {
    for (const auto& s : u.services) out.push_back(&s);
    return out;
  }
  std::set<std::string> seen;
  for (const auto& name : options.services) {
    const Service* s = u.findService(name);
    if (!s) {
      std::string known;
      for (size_t i = 0; i < u.services.size() && i < 20; ++i) known += (i ? ", " : "") + u.services[i].name;
      return fail(Error::notFound("stamp: no service '" + name + "' in universe " + u.name + " (known: " + known +
                                  "); pass names from universe_overview, or none for all"));
    }
    if (seen.insert(name).second) out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const Service* a, const Service* b) { return a->name < b->name; });
  return out;
}

/// Diagnostics that keep `s` from being stamped: its own intent errors, and
/// errors in any service it depends on (its types would not resolve).
universe::Diagnostics blockers(const universe::LoadedUniverse& loaded, const Service& s) {
  universe::Diagnostics out;
  for (const auto& d : loaded.diagnostics)
    if (d.severity == universe::Severity::Error && d.file == s.intentPath) out.push_back(d);
  if (out.empty() && !s.valid)
    out.push_back({universe::Severity::Error, s.intentPath, s.pos, "the intent of " + s.name + " has errors"});
  for (const auto& dep : s.allDependencies) {
    const Service* d = loaded.universe.findService(dep);
    if (d && !d->valid)
      out.push_back({universe::Severity::Error, s.intentPath, s.pos,
                     "depends on " + dep + ", whose intent has errors; fix " + d->intentPath + " first"});
  }
  if (s.dir.empty())
    out.push_back({universe::Severity::Error, s.intentPath, s.pos,
                   "a service at the universe root cannot be a workspace member; move it into a subdirectory"});
  return out;
}

std::string dependencyBlock(const TemplateSet& t, const universe::Universe& u, const Service& s,
                            const std::set<std::string>& deps) {
  std::vector<std::pair<std::string, std::string>> lines;  // (crate, path)
  for (const auto& name : deps) {
    const Service* d = u.findService(name);
    if (!d) continue;
    std::string rel = fs::path(d->dir).lexically_relative(fs::path(s.dir)).generic_string();
    lines.push_back({d->crateName, rel});
  }
  std::sort(lines.begin(), lines.end());
  std::string block;
  for (const auto& [crate, path] : lines) block += t.render("cargo_dependency", {{"crate", crate}, {"path", path}});
  return block;
}

/// Opens directory `rel` under `rootFd` without following any symlink (so
/// it provably lies inside the root); -1 when a component is missing, a
/// symlink, `.` or `..`: the caller then takes the slow, checked path.
int openDirNoFollow(int rootFd, std::string_view rel) {
  int fd = rootFd;
  while (!rel.empty()) {
    size_t slash = rel.find('/');
    std::string part(rel.substr(0, slash));
    rel = slash == std::string_view::npos ? std::string_view() : rel.substr(slash + 1);
    int next = part.empty() || part == "." || part == ".."
                   ? -1
                   : ::openat(fd, part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd != rootFd) ::close(fd);
    if (next < 0) return -1;
    fd = next;
  }
  return fd == rootFd ? -1 : fd;
}

/// The whole content of `name` in directory `dirFd` (not following a symlink).
std::optional<std::string> readAt(int dirFd, const char* name) {
  int fd = ::openat(dirFd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return n == 0 ? std::optional(std::move(out)) : std::nullopt;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

/// The dependencies recorded in `s`'s generated.rs when that file is exactly
/// what rendering with inputs `inputHash` gave (header and body hash verify,
/// nobody edited it), lib.rs and custom.rs exist, and no symlink is on the
/// way from the root: rendering can be skipped. nullopt: take the slow path
/// (render and check), for a missing, hand-edited, stale or older file.
std::optional<std::set<std::string>> upToDate(const TemplateSet& t, int rootFd, const Service& s,
                                              const std::string& inputHash) {
  if (rootFd < 0) return std::nullopt;
  int src = openDirNoFollow(rootFd, joinPath(s.dir, "src"));
  if (src < 0) return std::nullopt;
  std::optional<std::string> text;
  if (::faccessat(src, "lib.rs", F_OK, 0) == 0 && ::faccessat(src, "custom.rs", F_OK, 0) == 0)
    text = readAt(src, "generated.rs");
  ::close(src);
  if (!text) return std::nullopt;
  auto recorded = recordedInput(*text);
  if (!recorded || recorded->hash != inputHash) return std::nullopt;
  std::set<std::string> deps(recorded->deps.begin(), recorded->deps.end());
  if (generatedFile(t, s, generatedBody(*text), inputHash, deps) != *text) return std::nullopt;
  return deps;
}

}  // namespace

std::string generatedFile(const TemplateSet& templates, const Service& s, std::string_view body,
                          std::string_view inputHash, const std::set<std::string>& deps) {
  std::string depList;
  for (const auto& d : deps) depList += (depList.empty() ? "" : " ") + d;
  return templates.render("header", {{"intent_path", s.intentPath},
                                     {"hash", contentHash(body)},
                                     {"input", std::string(inputHash)},
                                     {"deps", depList}}) +
         std::string(body);
}

bool insideRoot(const fs::path& root, const std::string& rel) {
  std::error_code ec;
  fs::path canonicalRoot = fs::weakly_canonical(root, ec);
  return !ec && insideCanonicalRoot(canonicalRoot, rel);
}

bool insideCanonicalRoot(const fs::path& canonicalRoot, const std::string& rel) {
  fs::path p(rel);
  if (rel.empty() || p.is_absolute() || p.has_root_name()) return false;
  for (const auto& part : p)
    if (part == "..") return false;
  std::error_code ec;
  const fs::path& root = canonicalRoot;
  fs::path resolved = fs::weakly_canonical(root / p, ec);
  if (ec) return false;
  auto r = resolved.lexically_relative(canonicalRoot);
  return !r.empty() && *r.begin() != "..";
}

Result<StampPlan> planStamp(const TemplateSet& templates, const universe::LoadedUniverse& loaded,
                            const StampOptions& options) {
  const universe::Universe& u = loaded.universe;
  auto selected = selectServices(u, options);
  if (!selected) return fail(selected.error());
  StampPlan plan;
  std::error_code ec;
  fs::path canonicalRoot = fs::weakly_canonical(u.root, ec);
  InputHasher hasher(u, templates, loaded.revision);
  int rootFd = ec ? -1 : ::open(canonicalRoot.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (const Service* s : *selected) {
    if (!targetsRust(*s)) {
      if (!options.services.empty()) plan.skipped.push_back(s->name);
      continue;
    }
    auto blocked = blockers(loaded, *s);
    auto input = hasher.of(*s);
    if (auto deps = blocked.empty() && input.skippable && !s->dir.empty()
                        ? upToDate(templates, rootFd, *s, input.hex)
                        : std::nullopt) {
      // Same inputs as the intact file on disk: its render would be identical.
      plan.stamped.push_back(s->name);
      plan.verified += 3;  // generated.rs, lib.rs, custom.rs
      plan.files.push_back({joinPath(s->dir, "Cargo.toml"), s->name, PlannedFile::Rule::Block,
                            templates.render("Cargo.toml", {{"crate", s->crateName}}),
                            dependencyBlock(templates, u, *s, *deps)});
      continue;
    }
    if (blocked.empty() && !insideCanonicalRoot(canonicalRoot, joinPath(s->dir, "src/generated.rs")))
      blocked.push_back({universe::Severity::Error, s->intentPath, s->pos,
                         "service directory '" + s->dir + "' leads outside the universe root; refusing to write there"});
    if (!blocked.empty()) {
      plan.problems.insert(plan.problems.end(), blocked.begin(), blocked.end());
      continue;
    }
    RustCrate crate;
    if (!RustModel(u, *s, templates).render(crate, plan.problems)) continue;
    plan.stamped.push_back(s->name);
    plan.files.push_back({joinPath(s->dir, "src/generated.rs"), s->name, PlannedFile::Rule::Generated,
                          generatedFile(templates, *s, crate.generatedBody, input.hex, crate.dependencies), ""});
    plan.files.push_back({joinPath(s->dir, "src/lib.rs"), s->name, PlannedFile::Rule::CreateOnce, crate.libRs, ""});
    plan.files.push_back(
        {joinPath(s->dir, "src/custom.rs"), s->name, PlannedFile::Rule::CreateOnce, crate.customRs, ""});
    plan.files.push_back({joinPath(s->dir, "Cargo.toml"), s->name, PlannedFile::Rule::Block,
                          templates.render("Cargo.toml", {{"crate", s->crateName}}),
                          dependencyBlock(templates, u, *s, crate.dependencies)});
  }
  if (rootFd >= 0) ::close(rootFd);
  // The workspace lists every rust crate that exists or is being created.
  std::set<std::string> planned;
  for (const auto& f : plan.files) planned.insert(f.path);
  std::vector<std::string> members;
  for (const auto& s : u.services) {
    if (!targetsRust(s) || s.dir.empty()) continue;
    std::string manifest = joinPath(s.dir, "Cargo.toml");
    if (planned.contains(manifest) || fs::exists(u.root / manifest, ec)) members.push_back(s.dir);
  }
  std::sort(members.begin(), members.end());
  if (!plan.stamped.empty() || !members.empty()) {
    std::string block;
    for (const auto& m : members) block += templates.render("workspace_member", {{"dir", m}});
    plan.files.push_back({"Cargo.toml", "", PlannedFile::Rule::Block, templates.render("workspace.toml", {}), block});
  }
  return plan;
}

}  // namespace flywheel::forge
