// StructuralGap: exported custom items no intent form describes, and intent
// types nothing uses (audit.h).
#include <algorithm>

#include "drift/audit_context.h"

namespace flywheel::drift::detail {

namespace u = flywheel::universe;

namespace {

/// The module a file of src/ is: "custom.rs" -> "custom", "api/mod.rs" -> "api", "lib.rs" -> "".
std::string moduleOf(const std::string& local) {
  if (local == "lib.rs") return "";
  std::string m = local.substr(0, local.size() - 3);
  if (m.size() > 4 && m.compare(m.size() - 4, 4, "/mod") == 0) m.resize(m.size() - 4);
  std::replace(m.begin(), m.end(), '/', ':');
  return m;
}

std::string stripSelf(std::string path) {
  for (const char* p : {"crate::", "self::"})
    if (path.rfind(p, 0) == 0) path = path.substr(std::char_traits<char>::length(p));
  return path;
}

bool exported(const CrateMirror& crate, const MirrorFile& f, const RustItem& it) {
  if (!it.pub || !it.module.empty()) return false;
  std::string m = moduleOf(f.local);
  if (m.empty()) return f.local == "lib.rs";
  const MirrorFile* lib = crate.file("lib.rs");
  if (!lib) return false;
  if (std::find(lib->api->pubModules.begin(), lib->api->pubModules.end(), m) != lib->api->pubModules.end()) return true;
  for (const auto& [path, name] : lib->api->reexports)
    if (stripSelf(path) == m && (name == "*" || name == it.name)) return true;
  return false;
}

/// Traits whose implementations are described by the intent.
std::set<std::string> intentTraits(const Context& c) {
  std::set<std::string> out;
  if (const MirrorFile* gen = c.crate.file("generated.rs"))
    for (const auto& it : gen->api->items)
      if (it.kind == ItemKind::Trait) out.insert(it.name);
  if (c.svc.bootstrap)
    for (const auto& p : c.svc.bootstrap->provides) out.insert(baseName(p.trait));
  return out;
}

bool implementsIntentTrait(const Context& c, const std::set<std::string>& traits, const std::string& type) {
  for (const auto& f : c.crate.files) {
    if (f.generated) continue;
    for (const auto& it : f.api->items) {
      if (it.kind != ItemKind::Impl || it.trait.empty() || it.name != type) continue;
      std::string t = it.trait.substr(0, it.trait.find('<'));
      auto sep = t.find("::");
      if (traits.count(baseName(t))) return true;
      if (sep != std::string::npos && c.crates.count(t.substr(0, sep))) return true;  // another service's trait
    }
  }
  return false;
}

bool declares(const u::Service* s, const std::string& name) {
  return s && (s->findType(name) || s->findEnum(name) || s->findAlias(name));
}

/// Every name in an intent type spelling resolves: primitives, this
/// service's declarations and uses, other services' declarations.
bool resolves(const Context& c, const std::string& spelling) {
  std::string token;
  auto ok = [&](const std::string& t) {
    if (t.empty() || t == "option" || t == "list" || t == "map" || u::parsePrimitive(t)) return true;
    if (auto slash = t.find('/'); slash != std::string::npos)
      return declares(c.u.findService(t.substr(0, slash)), t.substr(slash + 1));
    if (declares(&c.svc, t)) return true;
    for (const auto& use : c.svc.uses)
      for (const auto& n : use.names)
        if (n.name == t) return true;
    return false;
  };
  for (char ch : spelling + " ") {
    if (ch == '(' || ch == ')' || ch == ' ') {
      if (!ok(token)) return false;
      token.clear();
    } else {
      token += ch;
    }
  }
  return true;
}

/// The intent form that would describe `it`, or "" when the language cannot.
std::string liftedForm(const Context& c, const RustItem& it) {
  auto type = [&](const std::string& rust) -> std::optional<std::string> {
    auto t = intentTypeOf(rust, c.crates);
    if (!t || !resolves(c, *t)) return std::nullopt;
    return t;
  };
  if (it.kind == ItemKind::Struct) {
    if (it.tuple || it.fields.empty()) return "";
    std::string out = "(type " + it.name;
    for (const auto& f : it.fields) {
      auto t = type(f.type);
      if (!f.pub || !t) return "";
      out += " (field " + kebabOfSnake(f.name) + " " + *t + ")";
    }
    return out + ")";
  }
  if (it.kind == ItemKind::Enum) {
    std::string out = "(enum " + it.name;
    for (const auto& v : it.variants) {
      if (v.fields.empty()) {
        out += " " + kebabOfCamel(v.name);
        continue;
      }
      auto t = v.named || v.fields.size() != 1 ? std::nullopt : type(v.fields[0].type);
      if (!t) return "";
      out += " (" + kebabOfCamel(v.name) + " " + *t + ")";
    }
    return it.variants.empty() ? "" : out + ")";
  }
  if (it.kind == ItemKind::Function) {
    const RustFn& fn = it.fns.at(0);
    auto ret = type(fn.returns);
    if (fn.returns.empty() || !ret) return "";
    std::string out = "(pure-utility " + kebabOfSnake(fn.name);
    for (const auto& p : fn.params) {
      auto t = type(p.type);
      if (!t) return "";
      out += " (arg " + kebabOfSnake(p.name) + " " + *t + ")";
    }
    return out + " (returns " + *ret + "))";
  }
  return "";
}

void liftCandidates(const Context& c, std::vector<Finding>& out) {
  auto traits = intentTraits(c);
  for (const auto& f : c.crate.files) {
    if (f.generated) continue;
    for (const auto& it : f.api->items) {
      if (!exported(c.crate, f, it)) continue;
      if (c.svc.findType(it.name) || c.svc.findEnum(it.name) || c.svc.findAlias(it.name)) continue;  // LocationMismatch's
      if ((it.kind == ItemKind::Struct || it.kind == ItemKind::Enum) && implementsIntentTrait(c, traits, it.name)) continue;
      std::string form = liftedForm(c, it);
      if (form.empty()) continue;
      std::string name = it.kind == ItemKind::Function ? it.fns[0].name : it.name;
      Finding x = c.finding(DriftKind::StructuralGap, f.path, it.line, c.svc.name + "/" + name);
      x.code = "`" + name + "` is public API of crate " + c.svc.crateName + " (exported by src/lib.rs) that no intent form describes";
      x.todo += "lift it into " + c.svc.intentPath + " as " + form + ", or stop exporting it";
      out.push_back(std::move(x));
    }
  }
}

bool names(const MirrorFile& f, const std::string& name) {
  return std::binary_search(f.api->names.begin(), f.api->names.end(), name);
}

bool usedInCode(const Context& c, const std::string& name) {
  for (const auto& f : c.crate.files)
    if (!f.generated && names(f, name)) return true;
  auto id = c.g.findService(c.svc.name);
  if (!id) return false;
  for (u::ServiceId d : c.g.dependents(*id)) {
    const CrateMirror* other = c.mirror.crate(c.g.serviceName(d));
    if (!other) continue;
    for (const auto& f : other->files)
      if (names(f, name)) return true;
  }
  return false;
}

void unusedTypes(const Context& c, std::vector<Finding>& out) {
  auto check = [&](const std::string& name, const char* head, uint32_t line) {
    auto sym = c.g.findSymbol(c.svc.name + "/" + name);
    if (sym && !c.g.usedBy(*sym).empty()) return;
    if (usedInCode(c, name)) return;
    Finding x = c.finding(DriftKind::StructuralGap, c.svc.intentPath, line, c.svc.name + "/" + name);
    x.intent = std::string("(") + head + " " + name + " ...)";
    x.code = "nothing uses `" + name + "`: no intent form, no hand-written code of " + c.svc.crateName +
             ", no code of a dependent service";
    x.todo += "remove (" + std::string(head) + " " + name + ") from " + c.svc.intentPath + ", or use it";
    out.push_back(std::move(x));
  };
  for (const auto& t : c.svc.types) check(t.name, "type", t.pos.line);
  for (const auto& e : c.svc.enums) check(e.name, "enum", e.pos.line);
  for (const auto& a : c.svc.aliases) check(a.name, "alias", a.pos.line);
}

}  // namespace

void structureFindings(const Context& c, std::vector<Finding>& out) {
  liftCandidates(c, out);
  unusedTypes(c, out);
}

}  // namespace flywheel::drift::detail
