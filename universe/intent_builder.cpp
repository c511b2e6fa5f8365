// The `(service ...)` and `(universe ...)` forms, clause by clause.
#include "universe/intent_builder.h"

#include <algorithm>
#include <functional>
#include <map>

#include "universe/form_reader.h"
#include "universe/pattern_builder.h"
#include "universe/suggest.h"

namespace flywheel::universe {

namespace {

void addDecl(Service& s, DeclKind kind, size_t index) {
  s.declOrder.push_back({kind, static_cast<uint32_t>(index)});
}

void readTypeDecl(const FormReader& r, const Sexp& c, Service& s) {
  if (!r.minArity(c, 1, "(type NAME (field NAME TYPE)...)")) return;
  auto name = r.name(c.items[1], "a type name");
  if (!name) return;
  TypeDecl t{*name, {}, c.pos};
  for (size_t k = 2; k < c.items.size(); ++k) {
    const Sexp& f = c.items[k];
    if (f.head() != "field") {
      r.error(f.pos, "expected (field NAME TYPE) in type '" + *name + "', got " + describeSexp(f));
      continue;
    }
    if (!r.arity(f, 2, "(field NAME TYPE)")) continue;
    auto fname = r.name(f.items[1], "a field name");
    auto ftype = r.type(f.items[2]);
    if (fname && ftype) t.fields.push_back({*fname, std::move(*ftype), f.pos});
  }
  s.types.push_back(std::move(t));
  addDecl(s, DeclKind::Type, s.types.size() - 1);
}

void readEnumDecl(const FormReader& r, const Sexp& c, Service& s) {
  if (!r.minArity(c, 1, "(enum NAME VARIANT...)")) return;
  auto name = r.name(c.items[1], "an enum name");
  if (!name) return;
  EnumDecl e{*name, {}, c.pos};
  for (size_t k = 2; k < c.items.size(); ++k) {
    const Sexp& v = c.items[k];
    if (v.isSymbol()) {
      if (auto vn = r.name(v, "a variant name")) e.variants.push_back({*vn, std::nullopt, v.pos});
      continue;
    }
    if (!v.isList() || v.items.size() != 2) {
      r.error(v.pos, "expected a variant NAME or (NAME TYPE) in enum '" + *name + "', got " + describeSexp(v));
      continue;
    }
    auto vn = r.name(v.items[0], "a variant name");
    auto vt = r.type(v.items[1]);
    if (vn && vt) e.variants.push_back({*vn, std::move(*vt), v.pos});
  }
  s.enums.push_back(std::move(e));
  addDecl(s, DeclKind::Enum, s.enums.size() - 1);
}

void readRpc(const FormReader& r, const Sexp& c, Service& s) {
  if (!r.minArity(c, 1, "(rpc NAME (input TYPE) (output TYPE))")) return;
  auto name = r.name(c.items[1], "an rpc name");
  if (!name) return;
  Rpc rpc{*name, {}, {}, c.pos};
  if (!readSubClauses(r, c, 2, "rpc '" + *name + "'",
                      {{"input", {true, [&](const Sexp& x) { return readTypeInto(r, x, rpc.input); }}},
                       {"output", {true, [&](const Sexp& x) { return readTypeInto(r, x, rpc.output); }}}}))
    return;
  s.rpcs.push_back(std::move(rpc));
  addDecl(s, DeclKind::Rpc, s.rpcs.size() - 1);
}

void readUse(const FormReader& r, const Sexp& c, Service& s) {
  if (!r.minArity(c, 2, "(use SVC NAME...)")) return;
  auto svc = r.name(c.items[1], "a service name");
  if (!svc) return;
  Use u{*svc, c.items[1].pos, {}, c.pos};
  for (size_t k = 2; k < c.items.size(); ++k)
    if (auto n = r.name(c.items[k], "an imported type name")) u.names.push_back({*n, c.items[k].pos});
  s.uses.push_back(std::move(u));
}

void readTemplateUse(const FormReader& r, const Sexp& c, Service& s) {
  if (!r.minArity(c, 2, "(template NAME TYPE...)")) return;
  auto name = r.name(c.items[1], "a Forge template's name (its file without .tmpl)");
  if (!name) return;
  TemplateUse use{*name, {}, c.pos};
  for (size_t k = 2; k < c.items.size(); ++k)
    if (auto t = r.type(c.items[k])) use.types.push_back(std::move(*t));
  s.templateUses.push_back(std::move(use));
}

void readAlias(const FormReader& r, const Sexp& c, Service& s) {
  if (!r.arity(c, 2, "(alias NAME TYPE)")) return;
  auto name = r.name(c.items[1], "an alias name");
  auto t = r.type(c.items[2]);
  if (!name || !t) return;
  s.aliases.push_back({*name, std::move(*t), c.pos});
  addDecl(s, DeclKind::Alias, s.aliases.size() - 1);
}

void readGovernance(const FormReader& r, const Sexp& c, Service& s) {
  if (!r.arity(c, 1, "(governance MODE)")) return;
  std::vector<std::string> modes;
  for (int g = 0; g <= static_cast<int>(Governance::Polisher); ++g)
    modes.emplace_back(governanceName(static_cast<Governance>(g)));
  auto g = c.items[1].isSymbol() ? parseGovernance(c.items[1].text) : std::nullopt;
  if (!g) {
    r.error(c.items[1].pos, "unknown governance mode " + describeSexp(c.items[1]) +
                                (c.items[1].isSymbol() ? didYouMean(c.items[1].text, modes) : "") +
                                "; the modes are: " + joinNames(modes, " "));
    return;
  }
  s.governance = *g;
  s.governancePos = c.pos;
}

void readSimpleClause(const FormReader& r, const Sexp& c, Service& s) {
  std::string_view h = c.head();
  if (h == "version") {
    if (r.arity(c, 1, "(version N)"))
      if (auto v = r.integer(c.items[1], "a version number")) s.version = *v;
  } else if (h == "status") {
    if (!r.arity(c, 1, "(status draft|stable)")) return;
    if (c.items[1].isSymbol("draft")) s.status = Status::Draft;
    else if (c.items[1].isSymbol("stable")) s.status = Status::Stable;
    else r.error(c.items[1].pos, "expected draft or stable, got " + describeSexp(c.items[1]));
  } else if (h == "gap") {
    if (r.arity(c, 1, "(gap \"text\")"))
      if (auto t = r.string(c.items[1], "the gap's text")) s.gaps.push_back({*t, c.pos});
  } else if (h == "targets") {
    if (!r.minArity(c, 1, "(targets rust typescript python)")) return;
    s.targets.clear();
    for (size_t k = 1; k < c.items.size(); ++k) {
      const Sexp& t = c.items[k];
      if (t.isSymbol("rust")) s.targets.push_back(Target::Rust);
      else if (t.isSymbol("typescript")) s.targets.push_back(Target::TypeScript);
      else if (t.isSymbol("python")) s.targets.push_back(Target::Python);
      else r.error(t.pos, "unknown target " + describeSexp(t) + "; the targets are: rust typescript python");
    }
  } else if (h == "depends-on") {
    for (size_t k = 1; k < c.items.size(); ++k)
      if (auto n = r.name(c.items[k], "a service name")) s.dependsOn.push_back({*n, c.items[k].pos});
  }
}

using ClauseFn = void (*)(const FormReader&, const Sexp&, Service&);

const std::map<std::string, ClauseFn, std::less<>>& clauseTable() {
  static const std::map<std::string, ClauseFn, std::less<>> table = {
      {"version", readSimpleClause}, {"status", readSimpleClause}, {"gap", readSimpleClause},
      {"targets", readSimpleClause}, {"depends-on", readSimpleClause}, {"governance", readGovernance},
      {"use", readUse}, {"alias", readAlias}, {"type", readTypeDecl}, {"enum", readEnumDecl}, {"rpc", readRpc},
      {"crud-gateway", readPattern}, {"event-listener", readPattern}, {"cron-worker", readPattern},
      {"mcp-tool", readPattern}, {"state-machine", readPattern}, {"bootstrap", readPattern},
      {"pure-utility", readPattern}, {"rpc-gateway", readPattern}, {"domain-engine", readPattern},
      {"template", readTemplateUse},
  };
  return table;
}

}  // namespace

const std::vector<std::string>& knownServiceClauses() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [k, v] : clauseTable()) out.push_back(k);
    return out;
  }();
  return names;
}

bool isKebabName(std::string_view s) {
  if (s.empty() || !(s[0] >= 'a' && s[0] <= 'z') || s.back() == '-') return false;
  for (size_t k = 0; k < s.size(); ++k) {
    char c = s[k];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && s[k - 1] != '-');
    if (!ok) return false;
  }
  return true;
}

Service buildService(const Sexp& form, std::string_view file, Diagnostics& diags) {
  FormReader r(file, diags);
  Service s;
  s.pos = form.pos;
  if (form.items.size() < 2 || !form.items[1].isSymbol() || !isKebabName(form.items[1].text)) {
    r.error(form.items.size() < 2 ? form.pos : form.items[1].pos,
            "expected (service NAME CLAUSE...) with NAME in lowercase kebab-case (e.g. user-profile)");
    s.valid = false;
    if (form.items.size() >= 2 && form.items[1].isSymbol()) s.name = form.items[1].text;
  } else {
    s.name = form.items[1].text;
  }
  s.crateName = crateNameOf(s.name);
  std::map<std::string, SourcePos> singletons;
  for (size_t k = 2; k < form.items.size(); ++k) {
    const Sexp& c = form.items[k];
    auto it = clauseTable().find(c.head());
    if (it == clauseTable().end()) {
      std::string what = c.head().empty() ? describeSexp(c) : "'" + std::string(c.head()) + "'";
      r.error(c.pos, "unknown clause " + what + " in service '" + s.name + "'" +
                         (c.head().empty() ? "" : didYouMean(c.head(), knownServiceClauses())) +
                         "; known clauses: " + joinNames(knownServiceClauses(), " "));
      continue;
    }
    std::string_view h = c.head();
    if (h == "version" || h == "status" || h == "governance" || h == "targets" || h == "bootstrap") {
      auto [prev, fresh] = singletons.emplace(std::string(h), c.pos);
      if (!fresh) {
        r.error(c.pos, "duplicate (" + std::string(h) + " ...) in service '" + s.name + "' (first at " +
                           std::to_string(prev->second.line) + ":" + std::to_string(prev->second.col) + ")");
        continue;
      }
    }
    it->second(r, c, s);
  }
  return s;
}

}  // namespace flywheel::universe
