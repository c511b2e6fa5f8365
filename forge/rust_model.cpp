// RustModel: the driver, the plain types (alias, enum, record), the RPC API
// trait and the files created once (lib.rs, custom.rs).
#include "forge/rust_model.h"

#include <algorithm>

namespace flywheel::forge {

using universe::DeclKind;

void RustModel::problem(universe::SourcePos pos, std::string message) {
  problems_.push_back({universe::Severity::Error, service_.intentPath, pos, std::move(message)});
}

bool RustModel::checkName(std::string_view name, universe::SourcePos pos, std::string_view what) {
  if (isRustableName(name) && !isReservedRustName(rustSnakeBare(name)) && !isReservedRustName(rustCamel(name)))
    return true;
  problem(pos, std::string(what) + " '" + std::string(name) +
                   "' cannot be a Rust identifier; use letters, digits, '-' and '_' (and not self, crate or super)");
  return false;
}

TemplateObject RustModel::alias(const universe::AliasDecl& a) {
  checkName(a.name, a.pos, "alias");
  return {{"name", a.name}, {"rust_name", rustCamel(a.name)}, {"target", types_.render(a.target)}};
}

TemplateObject RustModel::enumeration(const universe::EnumDecl& e) {
  checkName(e.name, e.pos, "enum");
  TemplateList variants;
  for (const auto& v : e.variants) {
    checkName(v.name, v.pos, "enum variant");
    variants.push_back({{"variant", rustCamel(v.name)}, {"payload", v.payload ? types_.render(*v.payload) : ""}});
  }
  std::string derives = e.hasPayload() ? "Debug, Clone, PartialEq" : "Debug, Clone, Copy, PartialEq, Eq";
  return {{"name", e.name}, {"rust_name", rustCamel(e.name)}, {"derives", derives}, {"variants", variants}};
}

TemplateObject RustModel::record(const universe::TypeDecl& t) {
  checkName(t.name, t.pos, "type");
  TemplateList fields;
  for (const auto& f : t.fields) {
    checkName(f.name, f.pos, "field");
    // `copy`: a number or bool, which templates may read without .clone().
    bool copy = f.type.kind == universe::TypeRef::Kind::Primitive && f.type.primitive != universe::Primitive::String;
    fields.push_back({{"field", rustSnake(f.name)}, {"type", types_.render(f.type)}, {"copy", copy}});
  }
  return {{"name", t.name}, {"rust_name", rustCamel(t.name)}, {"fields", fields}};
}

TemplateObject RustModel::rpcApi() {
  TemplateList rpcs;
  for (const auto& r : service_.rpcs) {
    checkName(r.name, r.pos, "rpc");
    rpcs.push_back({{"name", r.name},
                    {"fn_name", rustSnake(r.name)},
                    {"input", types_.render(r.input)},
                    {"output", types_.render(r.output)}});
  }
  return {{"service", service_.name}, {"api", rustCamel(service_.name) + "Api"}, {"rpcs", rpcs}};
}

std::string RustModel::renderDecl(const universe::DeclRef& d, bool& rpcApiDone) {
  const auto& s = service_;
  switch (d.kind) {
    case DeclKind::Type: return templates_.render("struct", record(s.types[d.index]));
    case DeclKind::Enum: return templates_.render("enum", enumeration(s.enums[d.index]));
    case DeclKind::Alias: return templates_.render("alias", alias(s.aliases[d.index]));
    case DeclKind::Rpc:
      // All of a service's RPCs form one trait, placed where the first one is.
      if (rpcApiDone) return {};
      rpcApiDone = true;
      return templates_.render("rpc_api", rpcApi());
    case DeclKind::CrudGateway: return templates_.render("crud_gateway", crud(s.crudGateways[d.index]));
    case DeclKind::EventListener: return templates_.render("event_listener", listener(s.eventListeners[d.index]));
    case DeclKind::CronWorker: return templates_.render("cron_worker", cron(s.cronWorkers[d.index]));
    case DeclKind::McpTool: return templates_.render("mcp_tool", tool(s.mcpTools[d.index]));
    case DeclKind::StateMachine: return templates_.render("state_machine", stateMachine(s.stateMachines[d.index]));
    case DeclKind::Bootstrap:
      return s.bootstrap ? templates_.render("bootstrap", bootstrap(*s.bootstrap)) : std::string();
    case DeclKind::PureUtility: return templates_.render("pure_utility", pureUtility(s.pureUtilities[d.index]));
    case DeclKind::RpcGateway: return templates_.render("rpc_gateway", gateway(s.rpcGateways[d.index]));
    case DeclKind::DomainEngine: return templates_.render("domain_engine", engine(s.domainEngines[d.index]));
  }
  return {};
}

void RustModel::generatedTraits() {
  const auto& s = service_;
  if (!s.rpcs.empty()) generatedTraits_.insert(rustCamel(s.name) + "Api");
  for (const auto& g : s.crudGateways) {
    generatedTraits_.insert(rustCamel(g.name));
    generatedTraits_.insert(rustCamel(g.name) + "Rules");
  }
  for (const auto& l : s.eventListeners) generatedTraits_.insert(rustCamel(l.name) + "Listener");
  for (const auto& c : s.cronWorkers) generatedTraits_.insert(rustCamel(c.name) + "Job");
  for (const auto& t : s.mcpTools) generatedTraits_.insert(rustCamel(t.name) + "Tool");
  for (const auto& m : s.stateMachines) generatedTraits_.insert(rustCamel(m.name) + "Hooks");
  for (const auto& p : s.pureUtilities) generatedTraits_.insert(rustCamel(p.name) + "Fn");
  for (const auto& e : s.domainEngines) generatedTraits_.insert(rustCamel(e.name) + "Rules");
}

std::string RustModel::customRs() {
  TemplateList traits;
  for (const auto& t : customTraits_) traits.push_back({{"trait", t}});
  return templates_.render("custom.rs", {{"service", service_.name},
                                         {"crud", crudStubs_},
                                         {"pure", pureStubs_},
                                         {"custom_traits", traits}});
}

std::string RustModel::libRs() {
  std::string uses;
  if (customTraits_.size() == 1) uses = customTraits_.front();
  if (customTraits_.size() > 1) {
    std::vector<std::string> sorted = customTraits_;
    std::sort(sorted.begin(), sorted.end());
    uses = "{";
    for (size_t i = 0; i < sorted.size(); ++i) uses += (i ? ", " : "") + sorted[i];
    uses += "}";
  }
  return templates_.render("lib.rs", {{"service", service_.name}, {"custom_use", uses}});
}

bool RustModel::render(RustCrate& out, universe::Diagnostics& problems) {
  checkName(service_.name, service_.pos, "service");
  generatedTraits();
  std::string body;
  bool rpcApiDone = false;
  for (const auto& d : service_.declOrder) {
    std::string chunk = renderDecl(d, rpcApiDone);
    if (chunk.empty()) continue;
    body += "\n" + chunk;
  }
  for (const auto& use : service_.templateUses) body += templateUse(use);
  if (!problems_.empty()) {
    problems.insert(problems.end(), problems_.begin(), problems_.end());
    return false;
  }
  out.generatedBody = std::move(body);
  out.libRs = libRs();
  out.customRs = customRs();
  out.dependencies.insert(service_.allDependencies.begin(), service_.allDependencies.end());
  out.dependencies.insert(extraDependencies_.begin(), extraDependencies_.end());
  for (const auto& crate : types_.crates())
    for (const auto& other : universe_.services)
      if (other.crateName == crate) out.dependencies.insert(other.name);
  out.dependencies.erase(service_.name);
  return true;
}

}  // namespace flywheel::forge
