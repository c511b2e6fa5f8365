// Shared steps of propose and evaluate (workspace.h).
#include "learn/workspace.h"

#include <chrono>

#include "core/atomic_file.h"
#include "core/process.h"
#include "forge/stamper.h"
#include "learn/transfer.h"
#include "mechanic/git.h"

namespace flywheel::learn::detail {

namespace fs = std::filesystem;

Result<RepoPlace> repoPlace(const fs::path& universeRoot) {
  auto repo = mechanic::GitRepo::discover(universeRoot);
  if (!repo) return fail(repo.error());
  RepoPlace out;
  out.repoRoot = fs::weakly_canonical(repo->workdir());
  auto rel = fs::weakly_canonical(universeRoot).lexically_relative(out.repoRoot).generic_string();
  out.prefix = (rel == "." || rel.empty()) ? "" : rel;
  while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  return out;
}

Result<std::string> git(const fs::path& cwd, const std::vector<std::string>& args) {
  ProcessSpec spec;
  spec.argv = {"git"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = cwd;
  spec.deadline = std::chrono::minutes(2);
  auto r = runProcess(spec);
  if (!r) return fail(r.error());
  if (!r->success()) return fail(Error::internal("git " + args.front() + " failed: " + r->err.substr(0, 400)));
  return r->out;
}

Result<std::optional<std::string>> showFile(const fs::path& repoRoot, const std::string& commit, const std::string& path) {
  ProcessSpec spec;
  spec.argv = {"git", "show", commit + ":" + path};
  spec.cwd = repoRoot;
  auto r = runProcess(spec);
  if (!r) return fail(r.error());
  if (!r->success()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(r->out));
}

std::optional<std::string> refusePath(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.find('\\') != std::string::npos || path.find('\0') != std::string::npos)
    return "must be a path relative to the universe root";
  for (size_t start = 0; start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    auto seg = path.substr(start, end - start);
    if (seg == ".." || seg == "." || seg.empty()) return "must not contain '..', '.' or empty segments";
    start = end + 1;
  }
  if (path == "universe.lisp" || path.ends_with("/intent.lisp")) return std::nullopt;
  if (path.ends_with("/src/generated.rs")) return "generated.rs is Forge's: change a template instead";
  if (path.ends_with(".rs") && path.find("/src/") != std::string::npos) return std::nullopt;
  return "a proposal changes templates, a service's src/*.rs (custom.rs), intent.lisp files or universe.lisp";
}

Result<std::string> writeTemplates(const fs::path& universeDir, const std::string& universeName,
                                   const std::map<std::string, std::string>& templates) {
  auto existing = readFile(universeDir / "universe.lisp");
  std::string dir;
  std::string text = withTemplatesSetting(existing ? *existing : std::string(), universeName, "forge-templates", &dir);
  if (!existing || text != *existing)
    if (auto w = writeFileAtomic(universeDir / "universe.lisp", text); !w) return fail(w.error());
  std::error_code ec;
  fs::create_directories(universeDir / dir, ec);
  for (const auto& [name, body] : templates)
    if (auto w = writeFileAtomic(universeDir / dir / (name + ".tmpl"), body); !w) return fail(w.error());
  return dir;
}

Result<std::vector<std::string>> stampUniverse(const fs::path& universeDir, const fs::path& baseTemplates) {
  auto stamper = forge::Stamper::create(baseTemplates);
  if (!stamper) return fail(stamper.error());
  auto loaded = universe::loadUniverse(universeDir);
  if (!loaded) return fail(loaded.error());
  if (!loaded->ok()) {
    std::string msg;
    int n = 0;
    for (const auto& d : loaded->diagnostics)
      if (d.severity == universe::Severity::Error && n++ < 5) msg += "\n  " + d.toString();
    return fail(Error::failedPrecondition("the intents do not load:" + msg));
  }
  auto report = stamper->stamp(*loaded, {});
  if (!report) return fail(report.error());
  std::string msg;
  for (const auto& p : report->problems) msg += "\n  " + p.toString();
  for (const auto& f : report->files)
    if (f.status == forge::FileStatus::Refused) msg += "\n  " + f.path + ": " + f.reason;
  if (!msg.empty()) return fail(Error::failedPrecondition("forge could not stamp:" + msg));
  std::vector<std::string> written;
  for (const auto& f : report->files) written.push_back(f.path);
  return written;
}

std::vector<std::string> crateGates(const universe::UniverseSettings& settings) {
  std::vector<std::string> out;
  for (auto g : settings.gates)
    if (g != universe::Gate::E2e) out.emplace_back(universe::gateName(g));
  return out;
}

}  // namespace flywheel::learn::detail
