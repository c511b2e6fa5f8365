// The templates of one Forge target: built into flywheel, or loaded once from
// a directory of data files, optionally with override directories on top (a
// universe's or a proposal's templates over the built-in ones).
//
// `forge/templates/rust/` holds one `<name>.tmpl` per piece of output (a
// pattern, a type kind, the header, the files created once). Loading checks
// that every template the Rust stamper needs is present and parses, so a
// missing or broken template is a start-up error, never a half-stamped crate.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "forge/template.h"

namespace flywheel::forge {

class TemplateSet {
 public:
  /// Loads every `*.tmpl` in `dir` (keyed by file name without `.tmpl`), or
  /// the built-in Rust templates compiled into flywheel when `dir` is empty,
  /// and checks that the Rust stamper's templates are all there.
  [[nodiscard]] static Result<TemplateSet> load(const std::filesystem::path& dir);

  /// The set of `dir` (the built-in one when empty) with each directory of
  /// `overrideDirs` laid on top, in order: a `<name>.tmpl` there replaces the
  /// template of that name or adds a new one. The result is checked and
  /// fingerprinted as a whole. A missing override directory is an error
  /// (an empty one changes nothing).
  [[nodiscard]] static Result<TemplateSet> load(const std::filesystem::path& dir,
                                  const std::vector<std::filesystem::path>& overrideDirs);

  /// `<sourceDir>/forge/templates/rust`; empty (the built-in templates) when
  /// `sourceDir` is empty, i.e. FLYWHEEL_HOME is not set.
  static std::filesystem::path rustDir(const std::filesystem::path& sourceDir) {
    return sourceDir.empty() ? sourceDir : sourceDir / "forge" / "templates" / "rust";
  }

  /// Renders template `name`; a name load() did not check renders as "".
  std::string render(std::string_view name, const TemplateObject& context) const;

  bool has(std::string_view name) const { return templates_.find(name) != templates_.end(); }
  /// The names beyond the built-in ones (templates a universe added), sorted.
  std::vector<std::string> addedNames() const;
  /// A hash of one template's text ("" when absent): what a service that
  /// stamps it with `(template NAME ...)` depends on.
  std::string textHash(std::string_view name) const;

  /// The fingerprint of the built-in names only (each possibly overridden):
  /// what every service's stamp depends on. Added templates count only for
  /// the services that use them (see input_hash.h).
  const std::string& coreFingerprint() const { return coreFingerprint_; }

  /// Where the templates came from; empty for the built-in ones.
  const std::filesystem::path& dir() const { return dir_; }
  /// The override directories laid over dir(), in order (load's second form).
  const std::vector<std::filesystem::path>& overrideDirs() const { return overrideDirs_; }

  /// A hash of every template's name and text (16 hex digits): changes when
  /// any template does, so that stamps re-render (see input_hash.h).
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  [[nodiscard]] static Result<TemplateSet> fromTexts(const std::map<std::string, std::string>& texts,
                                       const std::filesystem::path& dir, const std::string& where);

  std::filesystem::path dir_;
  std::vector<std::filesystem::path> overrideDirs_;
  std::string fingerprint_, coreFingerprint_;
  std::map<std::string, std::shared_ptr<const Template>, std::less<>> templates_;
  std::map<std::string, std::string, std::less<>> textHashes_;
};

}  // namespace flywheel::forge
