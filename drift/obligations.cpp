// ImplementationGap and LocationMismatch: the traits an intent obliges
// custom.rs to implement, and where the code implements them (audit.h).
#include <algorithm>

#include "drift/audit_context.h"
#include "forge/rust_names.h"

namespace flywheel::drift::detail {

namespace u = flywheel::universe;

namespace {

struct Method {
  std::string name;     // Rust: `validate_session`
  std::string subject;  // `auth/validate-session`
  std::string form;     // the intent form
  uint32_t line = 0;    // in the intent file
};

struct Obligation {
  std::string trait;  // `AuthApi`
  std::vector<Method> methods;
  /// One finding per method when the whole impl is missing (rpcs: each is a form).
  bool perMethod = false;
};

std::string formOf(const std::string& head, const std::string& name) { return "(" + head + " " + name + " ...)"; }

std::vector<Obligation> obligationsOf(const u::Service& s) {
  using forge::rustCamel;
  using forge::rustSnake;
  std::vector<Obligation> out;
  const std::string svc = s.name + "/";
  if (!s.rpcs.empty()) {
    Obligation o{rustCamel(s.name) + "Api", {}, true};
    for (const auto& r : s.rpcs)
      o.methods.push_back({rustSnake(r.name), svc + r.name,
                           "(rpc " + r.name + " (input " + r.input.toString() + ") (output " + r.output.toString() + "))",
                           r.pos.line});
    out.push_back(std::move(o));
  }
  auto one = [&](const std::string& name, const char* head, const std::string& suffix, std::vector<std::string> methods,
                 uint32_t line) {
    Obligation o{suffix == "Bootstrap" ? suffix : rustCamel(name) + suffix, {}, false};
    for (auto& m : methods) o.methods.push_back({m, svc + name, formOf(head, name), line});
    out.push_back(std::move(o));
  };
  for (const auto& p : s.crudGateways) one(p.name, "crud-gateway", "Rules", {"validate"}, p.pos.line);
  for (const auto& p : s.eventListeners) one(p.name, "event-listener", "Listener", {"on_event"}, p.pos.line);
  for (const auto& p : s.cronWorkers) one(p.name, "cron-worker", "Job", {"run"}, p.pos.line);
  for (const auto& p : s.mcpTools) one(p.name, "mcp-tool", "Tool", {"call"}, p.pos.line);
  for (const auto& p : s.pureUtilities) one(p.name, "pure-utility", "Fn", {"call"}, p.pos.line);
  for (const auto& p : s.stateMachines) {
    std::vector<std::string> events;
    for (const auto& t : p.transitions)
      if (std::find(events.begin(), events.end(), "on_" + forge::rustSnakeBare(t.event)) == events.end())
        events.push_back("on_" + forge::rustSnakeBare(t.event));
    one(p.name, "state-machine", "Hooks", events, p.pos.line);
  }
  for (const auto& p : s.domainEngines) {
    std::vector<std::string> methods{"seed"};
    for (const auto& r : p.rules) methods.push_back(rustSnake(r.name));
    one(p.name, "domain-engine", "Rules", methods, p.pos.line);
  }
  if (s.bootstrap && !s.bootstrap->provides.empty()) {
    std::vector<std::string> methods;
    for (const auto& p : s.bootstrap->provides) methods.push_back(rustSnake(p.name));
    Obligation o{"Bootstrap", {}, false};
    for (auto& m : methods) o.methods.push_back({m, svc + "bootstrap", "(bootstrap ...)", s.bootstrap->pos.line});
    out.push_back(std::move(o));
  }
  return out;
}

std::string where(const ImplSite& s) { return s.file->path + ":" + std::to_string(s.item->line); }

void missingImpl(const Context& c, const Obligation& o, const std::vector<ImplSite>& elsewhere,
                 std::vector<Finding>& out) {
  size_t n = o.perMethod ? o.methods.size() : 1;
  for (size_t k = 0; k < n; ++k) {
    const Method& m = o.methods[k];
    if (!elsewhere.empty()) {
      Finding f = c.finding(DriftKind::LocationMismatch, elsewhere[0].file->path, elsewhere[0].item->line, m.subject);
      f.intent = m.form;
      f.code = "impl " + elsewhere[0].item->trait + " for " + elsewhere[0].item->selfType + " is in crate " +
               elsewhere[0].crate->crate + " (" + where(elsewhere[0]) + "), not in " + c.svc.crateName;
      f.todo = "move the impl into " + c.customPath() + " (Forge's layout: a service implements its own traits in its custom.rs)";
      out.push_back(std::move(f));
      continue;
    }
    Finding f = c.finding(DriftKind::ImplementationGap, c.customPath(), 0, m.subject);
    f.intent = m.form;
    f.code = "no `impl " + o.trait + " for ...` in crate " + c.svc.crateName;
    f.todo = "implement " + o.trait + (o.perMethod ? "::" + m.name : "") + " in " + c.customPath() +
             " (cargo check lists what the trait needs)";
    out.push_back(std::move(f));
  }
}

void checkImpl(const Context& c, const Obligation& o, const ImplSite& site, std::vector<Finding>& out) {
  for (const auto& m : o.methods) {
    auto fn = std::find_if(site.item->fns.begin(), site.item->fns.end(), [&](const RustFn& f) { return f.name == m.name; });
    if (fn == site.item->fns.end()) {
      Finding f = c.finding(DriftKind::ImplementationGap, site.file->path, site.item->line, m.subject);
      f.intent = m.form;
      f.code = "impl " + o.trait + " for " + site.item->selfType + " has no `fn " + m.name + "`";
      f.todo = "add `fn " + m.name + "` to that impl (the trait in " + c.generatedPath() + " has its signature)";
      out.push_back(std::move(f));
    } else if (fn->stub) {
      Finding f = c.finding(DriftKind::ImplementationGap, site.file->path, fn->line, m.subject);
      f.intent = m.form;
      f.code = "fn " + m.name + " of impl " + o.trait + " for " + site.item->selfType + " is only `" + fn->stubMacro + "`";
      f.todo = "write the body of " + o.trait + "::" + m.name + " (it panics when called)";
      out.push_back(std::move(f));
    }
  }
}

/// Declared types defined again by hand, in this crate's own files.
void redefinedTypes(const Context& c, std::vector<Finding>& out) {
  std::map<std::string, std::string> declared;  // name -> form
  for (const auto& t : c.svc.types) declared.emplace(t.name, "(type " + t.name + " ...)");
  for (const auto& e : c.svc.enums) declared.emplace(e.name, "(enum " + e.name + " ...)");
  for (const auto& a : c.svc.aliases) declared.emplace(a.name, "(alias " + a.name + " " + a.target.toString() + ")");
  for (const auto& f : c.crate.files) {
    if (f.generated) continue;
    for (const auto& it : f.api->items) {
      if (it.kind != ItemKind::Struct && it.kind != ItemKind::Enum && it.kind != ItemKind::Alias) continue;
      auto d = declared.find(it.name);
      if (d == declared.end()) continue;
      Finding x = c.finding(DriftKind::LocationMismatch, f.path, it.line, c.svc.name + "/" + it.name);
      x.intent = d->second;
      x.code = "`" + it.name + "` is defined by hand in " + f.path + (it.module.empty() ? "" : " (module " + it.module + ")");
      x.todo = "delete this definition and use the one Forge stamps in " + c.generatedPath() +
               " (change the intent form if the type must differ)";
      out.push_back(std::move(x));
    }
  }
}

}  // namespace

void implementationFindings(const Context& c, std::vector<Finding>& out) {
  for (const auto& o : obligationsOf(c.svc)) {
    std::vector<ImplSite> own, elsewhere;
    if (auto it = c.implsByTrait.find(o.trait); it != c.implsByTrait.end())
      for (const auto& site : it->second) {
        if (site.crate == &c.crate) own.push_back(site);
        else if (site.item->trait.rfind(c.svc.crateName + "::", 0) == 0) elsewhere.push_back(site);
      }
    if (own.empty()) {
      missingImpl(c, o, elsewhere, out);
      continue;
    }
    auto inCustom = std::find_if(own.begin(), own.end(), [](const ImplSite& s) {
      return s.file->local == "custom.rs" && s.item->module.empty();
    });
    const ImplSite& site = inCustom != own.end() ? *inCustom : own[0];
    if (inCustom == own.end()) {
      Finding f = c.finding(DriftKind::LocationMismatch, site.file->path, site.item->line, o.methods[0].subject);
      f.intent = o.methods[0].form;
      f.code = "impl " + site.item->trait + " for " + site.item->selfType + " is in " + site.file->path +
               (site.item->module.empty() ? "" : " (module " + site.item->module + ")");
      f.todo = "move it to " + c.customPath() + " (Forge's layout: the code Forge does not own lives in custom.rs)";
      out.push_back(std::move(f));
    }
    checkImpl(c, o, site, out);
  }
  redefinedTypes(c, out);
}

}  // namespace flywheel::drift::detail
