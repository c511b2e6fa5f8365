// Applying a stamp plan: compare with disk, refuse, write what changes.
#include "forge/stamper.h"

#include <algorithm>

#include "core/atomic_file.h"
#include "forge/generation_gap.h"
#include "forge/line_diff.h"
#include "forge/rust_model.h"
#include "forge/stamp_plan.h"

namespace flywheel::forge {

namespace fs = std::filesystem;

std::string_view fileStatusName(FileStatus s) {
  switch (s) {
    case FileStatus::Unchanged: return "unchanged";
    case FileStatus::Created: return "created";
    case FileStatus::Updated: return "updated";
    case FileStatus::Refused: return "refused";
  }
  return "?";
}

bool StampReport::ok() const {
  if (!problems.empty()) return false;
  return std::none_of(files.begin(), files.end(), [](const FileOutcome& f) { return f.status == FileStatus::Refused; });
}

Result<Stamper> Stamper::create(const fs::path& templatesDir) {
  auto t = TemplateSet::load(templatesDir);
  if (!t) return fail(t.error());
  Stamper s;
  s.templates_ = std::move(*t);
  return s;
}

Result<std::string> Stamper::renderGenerated(const universe::Universe& u, const universe::Service& s) const {
  RustCrate crate;
  universe::Diagnostics problems;
  if (!RustModel(u, s, templates_).render(crate, problems)) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "\n") + p.toString();
    return fail(Error::invalidArgument(msg));
  }
  return generatedFile(templates_, s, crate.generatedBody);
}

namespace {

/// What the file should contain after the stamp, or a refusal.
struct Decision {
  std::optional<std::string> content;  // nullopt: leave as is
  std::string refusal;
};

Decision decide(const PlannedFile& f, const std::optional<std::string>& existing, bool force) {
  using Rule = PlannedFile::Rule;
  switch (f.rule) {
    case Rule::CreateOnce: return {existing ? std::nullopt : std::optional(f.content), ""};
    case Rule::Generated:
      if (existing && *existing != f.content && !force) {
        auto state = inspectGenerated(*existing);
        if (state == GeneratedState::HandEdited)
          return {std::nullopt, "edited by hand since the last stamp (its forge-hash does not match); move the "
                                "changes to src/custom.rs, or stamp with force to overwrite them"};
        if (state == GeneratedState::Foreign)
          return {std::nullopt, "has no forge header, so Forge did not write it; move its code to src/custom.rs, "
                                "or stamp with force to replace it"};
      }
      return {f.content, ""};
    case Rule::Block: {
      auto replaced = replaceForgeBlock(existing ? *existing : f.content, f.block, f.path);
      if (!replaced) return {std::nullopt, replaced.error().message};
      return {std::move(*replaced), ""};
    }
  }
  return {};
}

}  // namespace

Result<StampReport> Stamper::stamp(const universe::LoadedUniverse& loaded, const StampOptions& options) const {
  std::error_code ec;
  const fs::path& root = loaded.universe.root;
  if (!fs::is_directory(root, ec))
    return fail(Error::notFound("stamp: universe root " + root.string() + " is not a directory"));
  auto plan = planStamp(templates_, loaded, options);
  if (!plan) return fail(plan.error());
  StampReport report;
  report.dryRun = options.dryRun;
  report.stamped = std::move(plan->stamped);
  report.skipped = std::move(plan->skipped);
  report.problems = std::move(plan->problems);
  for (const auto& f : plan->files) {
    if (!insideRoot(root, f.path)) {
      report.files.push_back({f.path, f.service, FileStatus::Refused, "", "path leads outside the universe root"});
      continue;
    }
    std::optional<std::string> existing;
    fs::path abs = root / f.path;
    if (auto text = readFile(abs)) existing = std::move(*text);
    else if (text.error().code != "not_found") return fail(text.error());
    Decision d = decide(f, existing, options.force);
    if (!d.refusal.empty()) {
      std::string diff = existing && f.rule == PlannedFile::Rule::Generated
                             ? unifiedDiff(*existing, f.content, f.path, options.maxDiffChars)
                             : "";
      report.files.push_back({f.path, f.service, FileStatus::Refused, std::move(diff), d.refusal});
      continue;
    }
    if (!d.content || (existing && *existing == *d.content)) {
      ++report.unchanged;
      continue;
    }
    FileOutcome out{f.path, f.service, existing ? FileStatus::Updated : FileStatus::Created, "", ""};
    if (options.dryRun) {
      out.diff = unifiedDiff(existing.value_or(""), *d.content, f.path, options.maxDiffChars);
    } else {
      if (auto w = writeFileAtomic(abs, *d.content); !w)
        return fail(Error::io("stamp: cannot write " + f.path + ": " + w.error().message));
      ++report.written;
    }
    report.files.push_back(std::move(out));
  }
  std::sort(report.files.begin(), report.files.end(),
            [](const FileOutcome& a, const FileOutcome& b) { return a.path < b.path; });
  return report;
}

}  // namespace flywheel::forge
