// The `(universe NAME ...)` form of universe.lisp.
#include <algorithm>
#include <map>

#include "universe/form_reader.h"
#include "universe/intent_builder.h"
#include "universe/suggest.h"

namespace flywheel::universe {

namespace {

void readGates(const FormReader& r, const Sexp& c, UniverseSettings& u) {
  u.gates.clear();
  for (size_t k = 1; k < c.items.size(); ++k) {
    const Sexp& g = c.items[k];
    std::optional<Gate> gate = g.isSymbol("check") ? std::optional(Gate::Check)
                               : g.isSymbol("clippy") ? std::optional(Gate::Clippy)
                               : g.isSymbol("test") ? std::optional(Gate::Test)
                               : g.isSymbol("e2e") ? std::optional(Gate::E2e) : std::nullopt;
    if (!gate) {
      r.error(g.pos, "unknown gate " + describeSexp(g) + "; the gates are: check clippy test e2e");
    } else if (std::find(u.gates.begin(), u.gates.end(), *gate) != u.gates.end()) {
      r.error(g.pos, "gate " + printSexp(g) + " listed twice");
    } else {
      u.gates.push_back(*gate);
    }
  }
}

void readPositive(const FormReader& r, const Sexp& c, int& out, int64_t max) {
  if (!r.arity(c, 1, "(" + std::string(c.head()) + " N)")) return;
  auto v = r.integer(c.items[1], "a number");
  if (!v) return;
  if (*v < 1 || *v > max) {
    r.error(c.items[1].pos, std::string(c.head()) + " must be 1.." + std::to_string(max) + " (got " + std::to_string(*v) + ")");
    return;
  }
  out = static_cast<int>(*v);
}

bool safeRelative(std::string_view p) {
  if (p.empty() || p[0] == '/' || p.find('\\') != std::string_view::npos) return false;
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    if (p.substr(start, end - start) == "..") return false;
    start = end + 1;
  }
  return true;
}

// The settings of the e2e gate, learn and missiond (docs/intent.md).
void readNextComponentSetting(const FormReader& r, const Sexp& c, const std::string& h, UniverseSettings& u) {
  auto text = [&](std::string_view shape, std::string_view what) -> std::optional<std::string> {
    if (!r.arity(c, 1, shape)) return std::nullopt;
    auto s = r.string(c.items[1], what);
    if (s && s->empty()) {
      r.error(c.items[1].pos, "(" + h + " \"\") is empty; give " + std::string(what));
      return std::nullopt;
    }
    return s;
  };
  if (h == "e2e") {
    u.e2eCommand = text("(e2e \"command\")", "the command run in the cascade worktree");
  } else if (h == "agent") {
    u.agentCommand = text("(agent \"command\")", "the command an unattended slot runs");
  } else if (h == "templates") {
    auto d = text("(templates \"dir\")", "the folder of the universe's Forge templates");
    if (d && !safeRelative(*d)) r.error(c.items[1].pos, "templates folder \"" + *d + "\" must be relative to the universe root, without '..'");
    else if (d) u.templatesDir = *d;
  } else if (h == "distill-threshold") {
    readPositive(r, c, u.distillThreshold, 100000);
  } else if (h == "slots") {
    readPositive(r, c, u.slots, 64);
  } else if (h == "agent-deadline") {
    readPositive(r, c, u.agentDeadlineSeconds, 86400);
  } else if (h == "meta-utility-threshold" && r.arity(c, 1, "(meta-utility-threshold 0.6)")) {
    auto v = r.decimal(c.items[1], "the replay score a proposal needs");
    if (v && (*v < 0 || *v > 1)) r.error(c.items[1].pos, "meta-utility-threshold must be between 0 and 1 (got " + printSexp(c.items[1]) + ")");
    else if (v) u.metaUtilityThreshold = *v;
  }
}

}  // namespace

UniverseSettings buildSettings(const Sexp& form, std::string_view file, Diagnostics& diags) {
  FormReader r(file, diags);
  UniverseSettings u;
  u.hasUniverseFile = true;
  u.pos = form.pos;
  if (form.items.size() < 2 || !form.items[1].isSymbol()) {
    r.error(form.pos, "expected (universe NAME CLAUSE...)");
  } else {
    u.name = form.items[1].text;
  }
  static const std::vector<std::string> known = {"agent", "agent-deadline", "distill-threshold", "e2e", "gates", "macros",
                                                 "max-repair-cycles", "meta-utility-threshold", "sentinel-interval",
                                                 "services", "slots", "templates"};
  std::map<std::string, SourcePos> seen;
  for (size_t k = 2; k < form.items.size(); ++k) {
    const Sexp& c = form.items[k];
    std::string h(c.head());
    if (std::find(known.begin(), known.end(), h) == known.end()) {
      r.error(c.pos, "unknown clause " + (h.empty() ? describeSexp(c) : "'" + h + "'") + " in universe" +
                         (h.empty() ? "" : didYouMean(h, known)) + "; known clauses: " + joinNames(known, " "));
      continue;
    }
    if (!seen.emplace(h, c.pos).second) {
      r.error(c.pos, "duplicate (" + h + " ...) in universe");
      continue;
    }
    if (h == "services") {
      for (size_t j = 1; j < c.items.size(); ++j) {
        auto g = r.string(c.items[j], "a directory glob like \"services/*\"");
        if (g && !safeRelative(*g)) r.error(c.items[j].pos, "service glob \"" + *g + "\" must be relative to the universe root, without '..'");
        else if (g) u.serviceGlobs.push_back(*g);
      }
    } else if (h == "gates") {
      readGates(r, c, u);
    } else if (h == "max-repair-cycles") {
      readPositive(r, c, u.maxRepairCycles, 1000);
    } else if (h == "sentinel-interval") {
      readPositive(r, c, u.sentinelIntervalSeconds, 86400);
    } else if (h == "macros" && r.arity(c, 1, "(macros \"file\")")) {
      auto f = r.string(c.items[1], "the macro file's path");
      if (f && !safeRelative(*f)) r.error(c.items[1].pos, "macro file \"" + *f + "\" must be relative to the universe root, without '..'");
      else if (f) u.macrosFile = *f;
    } else {
      readNextComponentSetting(r, c, h, u);
    }
  }
  if (std::find(u.gates.begin(), u.gates.end(), Gate::E2e) != u.gates.end()) {
    if (!u.e2eCommand) r.error(seen["gates"], "the e2e gate needs its command: add (e2e \"scripts/e2e.sh\")");
    else if (u.gates.back() != Gate::E2e) r.error(seen["gates"], "e2e must be the last gate (it runs once every crate is green)");
  }
  return u;
}

}  // namespace flywheel::universe
