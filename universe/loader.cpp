// Loading a universe: settings, macro file, every intent, validation.
#include <fnmatch.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "universe/file_source.h"
#include "universe/intent_builder.h"
#include "universe/intent_file.h"
#include "universe/validate.h"

namespace fs = std::filesystem;

namespace flywheel::universe {

namespace {

bool matchesGlobs(const std::string& dir, const std::vector<std::string>& globs) {
  if (globs.empty()) return true;
  for (const auto& g : globs)
    if (fnmatch(g.c_str(), dir.c_str(), FNM_PATHNAME) == 0) return true;
  return false;
}

bool inSkippedDirectory(const std::string& path) {
  size_t start = 0;
  while (true) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) return false;
    if (isSkippedDirectory(std::string_view(path).substr(start, end - start))) return true;
    start = end + 1;
  }
}

void readSettings(Universe& u, const std::map<std::string, const std::string*>& byPath, Diagnostics& diags) {
  auto it = byPath.find("universe.lisp");
  if (it == byPath.end()) return;
  ReadResult read = readSexps(*it->second, "universe.lisp");
  diags.insert(diags.end(), read.diagnostics.begin(), read.diagnostics.end());
  bool seen = false;
  for (const auto& f : read.forms) {
    if (f.head() != "universe" || seen) {
      diags.push_back({Severity::Error, "universe.lisp", f.pos,
                       seen ? "a second (universe ...) form; universe.lisp holds exactly one"
                            : "expected (universe NAME CLAUSE...), got " + describeSexp(f)});
      continue;
    }
    seen = true;
    u.settings = buildSettings(f, "universe.lisp", diags);
  }
  u.settings.hasUniverseFile = true;
}

void sortDiagnostics(Diagnostics& diags) {
  std::stable_sort(diags.begin(), diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.file, a.pos.line, a.pos.col) < std::tie(b.file, b.pos.line, b.pos.col);
  });
}

Service placeholderFor(const std::string& dir, const std::string& path, std::string_view text) {
  Service s;
  s.name = dir.empty() ? "root" : dir.substr(dir.rfind('/') == std::string::npos ? 0 : dir.rfind('/') + 1);
  s.crateName = crateNameOf(s.name);
  s.valid = false;
  s.intentPath = path;
  s.sourceText = std::string(text);
  return s;
}

}  // namespace

LoadedUniverse loadUniverseFromFiles(const fs::path& root, const std::vector<std::pair<std::string, std::string>>& files) {
  LoadedUniverse out;
  Universe& u = out.universe;
  u.root = root;
  std::map<std::string, const std::string*> byPath;
  for (const auto& [p, c] : files) byPath[p] = &c;
  readSettings(u, byPath, out.diagnostics);
  if (u.settings.name.empty()) u.settings.name = root.filename().empty() ? root.parent_path().filename().string() : root.filename().string();
  u.name = u.settings.name;

  MacroTable macros;
  if (u.settings.macrosFile) {
    auto it = byPath.find(*u.settings.macrosFile);
    if (it == byPath.end()) {
      std::string why = whyNotRead(root, *u.settings.macrosFile);
      if (why == "does not exist") why += "; create it or remove (macros ...)";
      out.diagnostics.push_back({Severity::Error, "universe.lisp", u.settings.pos,
                                 "macro file \"" + *u.settings.macrosFile + "\" " + why});
    }
    else
      loadMacroFile(*it->second, it->first, macros, out.diagnostics);
  }
  for (const auto& [name, def] : macros) u.macros.push_back(def.info());

  std::map<std::string, std::string> firstDefinition;  // service name -> path
  for (const auto& [path, text] : files) {
    bool isIntent = path == "intent.lisp" || path.ends_with("/intent.lisp");
    if (!isIntent || inSkippedDirectory(path)) continue;
    std::string dir = path == "intent.lisp" ? "" : path.substr(0, path.size() - std::string("/intent.lisp").size());
    if (!matchesGlobs(dir, u.settings.serviceGlobs)) continue;
    IntentFile f = parseIntentFile(text, path, macros);
    out.diagnostics.insert(out.diagnostics.end(), f.diagnostics.begin(), f.diagnostics.end());
    Service s = f.service ? std::move(*f.service) : placeholderFor(dir, path, text);
    if (f.service && f.expanded) s.expandedText = printSexp(*f.expanded);
    s.dir = dir;
    s.intentPath = path;
    s.sourceText = text;
    if (s.name.empty()) continue;
    if (auto [prev, fresh] = firstDefinition.emplace(s.name, path); !fresh) {
      out.diagnostics.push_back({Severity::Error, path, s.pos, "service '" + s.name + "' is already defined in " + prev->second +
                                                                   "; service names must be unique in the universe"});
      continue;
    }
    u.services.push_back(std::move(s));
  }
  std::sort(u.services.begin(), u.services.end(), [](const Service& a, const Service& b) { return a.name < b.name; });
  validateUniverse(u, out.diagnostics);
  sortDiagnostics(out.diagnostics);
  return out;
}

Result<LoadedUniverse> loadUniverse(const fs::path& root, const std::optional<std::string>& revision) {
  std::error_code ec;
  fs::path abs = fs::weakly_canonical(fs::absolute(root, ec), ec);
  if (ec || !fs::is_directory(abs, ec))
    return fail(Error::notFound("universe root " + root.string() + " is not a directory; pass --universe DIR"));
  std::string commit;
  std::vector<SkippedFile> skipped;
  auto files = revision ? readRevision(abs, *revision, commit) : readWorkingTree(abs, &skipped);
  if (!files) return fail(files.error());
  LoadedUniverse loaded = loadUniverseFromFiles(abs, *files);
  loaded.revision = commit;
  if (skipped.empty()) return loaded;
  // Say what was not read, so that "no errors" never hides a skipped intent.
  const std::string macros = loaded.universe.settings.macrosFile.value_or("");
  for (const auto& s : skipped)
    if (s.path != fs::path(macros).lexically_normal().generic_string())  // that one is an error already
      loaded.diagnostics.push_back({Severity::Warning, s.path, {}, s.reason});
  sortDiagnostics(loaded.diagnostics);
  return loaded;
}

}  // namespace flywheel::universe
