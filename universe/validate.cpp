// Cross-service validation and name resolution (see validate.h).
#include "universe/validate.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "universe/suggest.h"

namespace flywheel::universe {

namespace {

std::string posText(SourcePos p) { return std::to_string(p.line) + ":" + std::to_string(p.col); }

using DeclTable = std::map<std::string, TypeRef::Target, std::less<>>;

/// Every TypeRef of a service, mutable, in source order.
void forEachTypeRef(Service& s, const std::function<void(TypeRef&)>& fn) {
  std::function<void(TypeRef&)> walk = [&](TypeRef& t) {
    fn(t);
    for (auto& a : t.args) walk(a);
  };
  for (auto& a : s.aliases) walk(a.target);
  for (auto& t : s.types)
    for (auto& f : t.fields) walk(f.type);
  for (auto& e : s.enums)
    for (auto& v : e.variants)
      if (v.payload) walk(*v.payload);
  for (auto& r : s.rpcs) { walk(r.input); walk(r.output); }
  for (auto& g : s.crudGateways) walk(g.entity);
  for (auto& e : s.eventListeners) walk(e.payload);
  for (auto& t : s.mcpTools) { walk(t.input); walk(t.output); }
  for (auto& u : s.pureUtilities) {
    for (auto& a : u.args) walk(a.type);
    walk(u.returns);
  }
  for (auto& d : s.domainEngines) { walk(d.input); walk(d.output); }
  for (auto& u : s.templateUses)
    for (auto& t : u.types) walk(t);
}

class Validator {
 public:
  Validator(Universe& u, Diagnostics& d) : u_(u), diags_(d) {
    for (auto& s : u_.services) {
      serviceNames_.push_back(s.name);
      auto& table = decls_[s.name];
      for (const auto& t : s.types) table.emplace(t.name, TypeRef::Target::Type);
      for (const auto& e : s.enums) table.emplace(e.name, TypeRef::Target::Enum);
      for (const auto& a : s.aliases) table.emplace(a.name, TypeRef::Target::Alias);
    }
  }

  void run() {
    for (auto& s : u_.services) {
      size_t before = errorCount();
      current_ = &s;
      checkDuplicates(s);
      checkDependsOn(s);
      auto imports = checkUses(s);
      forEachTypeRef(s, [&](TypeRef& t) { resolve(s, imports, t); });
      checkPatterns(s);
      if (s.status != Status::Draft)
        for (const auto& g : s.gaps)
          error(g.pos, "(gap ...) is only allowed in a draft service; add (status draft) to '" + s.name + "' or remove the gap");
      fillDependencies(s);
      if (errorCount() != before) s.valid = false;
    }
  }

 private:
  size_t errorCount() const { return diags_.size(); }
  void error(SourcePos p, std::string msg) {
    diags_.push_back({Severity::Error, current_->intentPath, p, std::move(msg)});
  }

  const Service* service(std::string_view name) const { return u_.findService(name); }

  bool requireService(std::string_view name, SourcePos p, std::string_view where) {
    if (service(name)) return true;
    error(p, "unknown service '" + std::string(name) + "' in " + std::string(where) + didYouMean(name, serviceNames_) +
                 "; services in this universe: " + shortList(serviceNames_));
    return false;
  }

  static std::string shortList(const std::vector<std::string>& names) {
    if (names.size() <= 12) return names.empty() ? "(none)" : joinNames(names, " ");
    return joinNames(std::vector<std::string>(names.begin(), names.begin() + 12), " ") + " ... (" +
           std::to_string(names.size()) + " in all)";
  }

  void checkDuplicates(const Service& s) {
    std::map<std::string, SourcePos> names;
    auto claim = [&](const std::string& n, SourcePos p) {
      auto [it, fresh] = names.emplace(n, p);
      if (!fresh) error(p, "duplicate name '" + n + "' in service '" + s.name + "' (first declared at " + posText(it->second) + ")");
    };
    auto members = [&](const auto& list, const std::string& owner, const char* what) {
      std::map<std::string, SourcePos> seen;
      for (const auto& m : list)
        if (auto [it, fresh] = seen.emplace(m.name, m.pos); !fresh)
          error(m.pos, std::string("duplicate ") + what + " '" + m.name + "' in " + owner + " (first at " + posText(it->second) + ")");
    };
    for (const auto& d : s.declOrder) {
      switch (d.kind) {
        case DeclKind::Type: claim(s.types[d.index].name, s.types[d.index].pos); members(s.types[d.index].fields, "type '" + s.types[d.index].name + "'", "field"); break;
        case DeclKind::Enum: claim(s.enums[d.index].name, s.enums[d.index].pos); members(s.enums[d.index].variants, "enum '" + s.enums[d.index].name + "'", "variant"); break;
        case DeclKind::Alias: claim(s.aliases[d.index].name, s.aliases[d.index].pos); break;
        case DeclKind::Rpc: claim(s.rpcs[d.index].name, s.rpcs[d.index].pos); break;
        case DeclKind::CrudGateway: claim(s.crudGateways[d.index].name, s.crudGateways[d.index].pos); break;
        case DeclKind::EventListener: claim(s.eventListeners[d.index].name, s.eventListeners[d.index].pos); break;
        case DeclKind::CronWorker: claim(s.cronWorkers[d.index].name, s.cronWorkers[d.index].pos); break;
        case DeclKind::McpTool: claim(s.mcpTools[d.index].name, s.mcpTools[d.index].pos); break;
        case DeclKind::StateMachine: claim(s.stateMachines[d.index].name, s.stateMachines[d.index].pos); members(s.stateMachines[d.index].states, "state-machine '" + s.stateMachines[d.index].name + "'", "state"); break;
        case DeclKind::Bootstrap: claim("bootstrap", s.bootstrap->pos); members(s.bootstrap->provides, "bootstrap", "provide"); break;
        case DeclKind::PureUtility: claim(s.pureUtilities[d.index].name, s.pureUtilities[d.index].pos); members(s.pureUtilities[d.index].args, "pure-utility '" + s.pureUtilities[d.index].name + "'", "arg"); break;
        case DeclKind::RpcGateway: claim(s.rpcGateways[d.index].name, s.rpcGateways[d.index].pos); break;
        case DeclKind::DomainEngine: claim(s.domainEngines[d.index].name, s.domainEngines[d.index].pos); members(s.domainEngines[d.index].rules, "domain-engine '" + s.domainEngines[d.index].name + "'", "rule"); break;
      }
    }
  }

  void checkDependsOn(const Service& s) {
    for (const auto& d : s.dependsOn) {
      if (d.name == s.name) error(d.pos, "service '" + s.name + "' cannot depend on itself; remove it from (depends-on ...)");
      else requireService(d.name, d.pos, "(depends-on ...)");
    }
  }

  /// Imported name -> (service, kind).
  std::map<std::string, std::pair<std::string, TypeRef::Target>, std::less<>> checkUses(const Service& s) {
    std::map<std::string, std::pair<std::string, TypeRef::Target>, std::less<>> imports;
    const auto& local = decls_[s.name];
    for (const auto& u : s.uses) {
      if (u.service == s.name) { error(u.servicePos, "service '" + s.name + "' cannot (use ...) itself"); continue; }
      if (!requireService(u.service, u.servicePos, "(use ...)")) continue;
      const auto& theirs = decls_[u.service];
      for (const auto& n : u.names) {
        auto it = theirs.find(n.name);
        if (it == theirs.end()) {
          error(n.pos, "service '" + u.service + "' declares no type, enum or alias '" + n.name + "'" + didYouMean(n.name, keys(theirs)));
        } else if (local.count(n.name)) {
          error(n.pos, "imported name '" + n.name + "' clashes with a declaration of service '" + s.name + "'; use " + u.service + "/" + n.name + " instead");
        } else if (auto [prev, fresh] = imports.emplace(n.name, std::pair(u.service, it->second)); !fresh && prev->second.first != u.service) {
          error(n.pos, "name '" + n.name + "' is imported from both '" + prev->second.first + "' and '" + u.service + "'; qualify one as svc/Name");
        }
      }
    }
    return imports;
  }

  static std::vector<std::string> keys(const DeclTable& t) {
    std::vector<std::string> out;
    for (const auto& [k, v] : t) out.push_back(k);
    return out;
  }

  template <class Imports>
  void resolve(const Service& s, const Imports& imports, TypeRef& t) {
    if (t.kind == TypeRef::Kind::Local) {
      const auto& local = decls_[s.name];
      if (auto it = local.find(t.name); it != local.end()) {
        t.resolvedService = s.name;
        t.resolvedTarget = it->second;
      } else if (auto im = imports.find(t.name); im != imports.end()) {
        t.resolvedService = im->second.first;
        t.resolvedTarget = im->second.second;
      } else {
        std::vector<std::string> known = keys(local);
        for (const auto& [k, v] : imports) known.push_back(k);
        for (int p = 0; p <= static_cast<int>(Primitive::String); ++p) known.emplace_back(primitiveName(static_cast<Primitive>(p)));
        error(t.pos, "unresolved type '" + t.name + "' in service '" + s.name + "'" + didYouMean(t.name, known) +
                         "; declare it, import it with (use SVC " + t.name + "), or write svc/" + t.name);
      }
    } else if (t.kind == TypeRef::Kind::Qualified) {
      if (t.service == s.name) { t.resolvedService = s.name; }
      if (!requireService(t.service, t.pos, "type '" + t.toString() + "'")) return;
      const auto& theirs = decls_[t.service];
      if (auto it = theirs.find(t.name); it != theirs.end()) {
        t.resolvedService = t.service;
        t.resolvedTarget = it->second;
      } else {
        t.resolvedService.clear();
        error(t.pos, "service '" + t.service + "' declares no type, enum or alias '" + t.name + "'" + didYouMean(t.name, keys(theirs)));
      }
    }
  }

  void checkPatterns(const Service& s) {
    for (const auto& g : s.crudGateways) {
      if (g.entity.resolvedTarget != TypeRef::Target::Type) {
        if (g.entity.resolvedTarget != TypeRef::Target::Unresolved || g.entity.kind == TypeRef::Kind::Primitive)
          error(g.entity.pos, "crud-gateway '" + g.name + "' needs a record type as its entity, got " + g.entity.toString());
        continue;
      }
      const TypeDecl* t = service(g.entity.resolvedService)->findType(g.entity.name);
      bool found = t && std::any_of(t->fields.begin(), t->fields.end(), [&](const Field& f) { return f.name == g.key.name; });
      if (t && !found) {
        std::vector<std::string> fields;
        for (const auto& f : t->fields) fields.push_back(f.name);
        error(g.key.pos, "key '" + g.key.name + "' is not a field of " + g.entity.toString() + didYouMean(g.key.name, fields) +
                             "; its fields are: " + joinNames(fields, " "));
      }
    }
    for (const auto& m : s.stateMachines) {
      std::vector<std::string> states;
      for (const auto& st : m.states) states.push_back(st.name);
      auto check = [&](const std::string& n, SourcePos p) {
        if (std::find(states.begin(), states.end(), n) == states.end())
          error(p, "state '" + n + "' is not in (states ...) of state-machine '" + m.name + "'" + didYouMean(n, states));
      };
      check(m.initial.name, m.initial.pos);
      for (const auto& tr : m.transitions) { check(tr.from, tr.pos); check(tr.to, tr.pos); }
    }
    for (const auto& g : s.rpcGateways) {
      for (const auto& c : g.calls) {
        if (!requireService(c.service, c.pos, "(calls ...) of rpc-gateway '" + g.name + "'")) continue;
        const Service* target = service(c.service);
        if (!target->findRpc(c.rpc)) {
          std::vector<std::string> rpcs;
          for (const auto& r : target->rpcs) rpcs.push_back(r.name);
          error(c.pos, "service '" + c.service + "' exposes no rpc '" + c.rpc + "'" + didYouMean(c.rpc, rpcs));
        }
      }
    }
  }

  void fillDependencies(Service& s) {
    std::set<std::string> deps;
    for (const auto& d : s.dependsOn) deps.insert(d.name);
    for (const auto& u : s.uses) deps.insert(u.service);
    forEachTypeRef(s, [&](TypeRef& t) { if (t.kind == TypeRef::Kind::Qualified) deps.insert(t.service); });
    for (const auto& g : s.rpcGateways)
      for (const auto& c : g.calls) deps.insert(c.service);
    deps.erase(s.name);
    std::erase_if(deps, [&](const std::string& d) { return !service(d); });
    s.allDependencies.assign(deps.begin(), deps.end());
  }

  Universe& u_;
  Diagnostics& diags_;
  Service* current_ = nullptr;
  std::vector<std::string> serviceNames_;
  std::map<std::string, DeclTable, std::less<>> decls_;
};

}  // namespace

void validateUniverse(Universe& u, Diagnostics& diags) {
  Validator(u, diags).run();
  checkTypeCycles(u, diags);
}

}  // namespace flywheel::universe
