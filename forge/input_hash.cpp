// Merkle-style input hashes over the dependency closure of a service.
#include "forge/input_hash.h"

#include <set>

#include "core/atomic_file.h"
#include "forge/generation_gap.h"

namespace flywheel::forge {

namespace {

/// Appends a length-prefixed field, so that no two field lists collide.
void field(std::string& out, std::string_view v) {
  out += std::to_string(v.size());
  out += ':';
  out += v;
  out += ';';
}

/// Services `s` reads while rendering: its dependencies, and the owners of
/// `svc/Trait` in a bootstrap (not part of allDependencies).
std::set<std::string> readsOf(const universe::Service& s) {
  std::set<std::string> out(s.allDependencies.begin(), s.allDependencies.end());
  if (s.bootstrap)
    for (const auto& p : s.bootstrap->provides)
      if (auto slash = p.trait.find('/'); slash != std::string::npos) out.insert(p.trait.substr(0, slash));
  out.erase(s.name);
  return out;
}

}  // namespace

InputHasher::InputHasher(const universe::Universe& u, const TemplateSet& templates, std::string_view revision)
    : u_(u), templates_(templates) {
  std::string ctx;
  field(ctx, kForgeRenderVersion);
  field(ctx, templates.coreFingerprint());
  for (const auto& m : u.macros) {
    field(ctx, m.name);
    for (const auto& p : m.params) field(ctx, p);
    field(ctx, m.restParam);
    field(ctx, m.file);
    field(ctx, std::to_string(m.pos.line) + ":" + std::to_string(m.pos.col));
  }
  if (u.settings.macrosFile) {
    // Macro bodies are not in the IR: hash the file as it is on disk, and
    // never skip when the universe came from a revision (disk may differ).
    field(ctx, *u.settings.macrosFile);
    auto text = readFile(u.root / *u.settings.macrosFile);
    field(ctx, text ? *text : std::string("<unreadable>"));
    contextSkippable_ = revision.empty();
  }
  context_ = contentHash(ctx);
}

InputHasher::Hash InputHasher::of(const universe::Service& s) {
  Hash h = closure(s);
  if (!contextSkippable_) h.skippable = false;
  // The added templates a service stamps change its own render only, not its
  // dependents': they are folded in here, outside the Merkle chain.
  if (!s.templateUses.empty() && !h.hex.empty()) {
    std::string in = h.hex;
    for (const auto& use : s.templateUses) field(in, use.name + "=" + templates_.textHash(use.name));
    h.hex = contentHash(in);
  }
  return h;
}

InputHasher::Hash InputHasher::closure(const universe::Service& s) {
  Node& node = nodes_[s.name];
  if (node.state == 2) return node.hash;
  if (node.state == 1) return {"", false};  // a cycle: never skip anything on it
  node.state = 1;
  std::string in;
  field(in, context_);
  field(in, s.name);
  field(in, s.crateName);
  field(in, s.dir);
  field(in, s.intentPath);
  field(in, s.valid ? "valid" : "invalid");
  field(in, s.sourceText);
  std::string deps;
  bool skippable = true;
  for (const auto& dep : readsOf(s)) {
    field(in, dep);
    const universe::Service* d = u_.findService(dep);
    if (!d) {
      field(in, "<missing>");
      continue;
    }
    Hash dh = closure(*d);
    skippable = skippable && dh.skippable;
    field(deps, dh.hex);
  }
  // On a cycle the dependencies' hashes depend on the order of the walk:
  // record only the service's own inputs (deterministic) and never skip.
  Node& done = nodes_[s.name];
  done.state = 2;
  done.hash = {contentHash(skippable ? in + deps : in), skippable};
  return done.hash;
}

}  // namespace flywheel::forge
