// RustModel: the contexts of the 8 stamping patterns.
#include <algorithm>
#include <map>

#include "forge/rust_model.h"

namespace flywheel::forge {

namespace {

bool isOrderedKey(universe::Primitive p) {
  return p != universe::Primitive::F32 && p != universe::Primitive::F64;
}

}  // namespace

TemplateObject RustModel::crud(const universe::CrudGateway& g) {
  checkName(g.name, g.pos, "crud-gateway");
  std::string camel = rustCamel(g.name);
  std::string entity = types_.render(g.entity);
  const universe::TypeDecl* record = types_.recordOf(g.entity);
  std::string key = "()", keyRef = "()";
  std::string keyClone;
  if (!record) {
    problem(g.entity.pos, "crud-gateway " + g.name + ": entity " + g.entity.toString() +
                              " is not a record type; name a (type ...)");
  } else {
    auto field = std::find_if(record->fields.begin(), record->fields.end(),
                              [&](const universe::Field& f) { return f.name == g.key.name; });
    if (field == record->fields.end()) {
      problem(g.key.pos, "crud-gateway " + g.name + ": key '" + g.key.name + "' is not a field of " + record->name);
    } else {
      auto prim = types_.primitiveOf(field->type);
      if (!prim || !isOrderedKey(*prim)) {
        problem(g.key.pos, "crud-gateway " + g.name + ": key field '" + g.key.name + "' has type " +
                               field->type.toString() +
                               ", which cannot key an ordered map; use an integer, bool or String field");
      } else {
        key = types_.render(field->type);
        keyRef = types_.renderBorrowed(field->type);
        keyClone = *prim == universe::Primitive::String ? ".clone()" : "";
      }
    }
  }
  TemplateObject ctx{{"name", g.name},          {"camel", camel},
                     {"entity", entity},        {"entity_name", g.entity.toString()},
                     {"key", key},              {"key_ref", keyRef},
                     {"key_name", g.key.name},
                     {"key_field", rustSnake(g.key.name)}, {"key_clone", keyClone}};
  static const std::pair<universe::CrudOp, const char*> kOps[] = {{universe::CrudOp::Create, "create"},
                                                                  {universe::CrudOp::Read, "read"},
                                                                  {universe::CrudOp::Update, "update"},
                                                                  {universe::CrudOp::Delete, "delete"},
                                                                  {universe::CrudOp::List, "list"}};
  std::string last;
  for (auto [op, name] : kOps) {
    bool has = std::find(g.ops.begin(), g.ops.end(), op) != g.ops.end();
    ctx[std::string("op_") + name] = has;
    if (has) last = name;
  }
  if (g.ops.empty()) problem(g.pos, "crud-gateway " + g.name + ": (ops ...) lists no operation; name at least one");
  if (!last.empty()) ctx["last_op_" + last] = true;
  crudStubs_.push_back({{"camel", camel}, {"entity", entity}});
  return ctx;
}

TemplateObject RustModel::listener(const universe::EventListener& l) {
  checkName(l.name, l.pos, "event-listener");
  return {{"name", l.name},
          {"camel", rustCamel(l.name)},
          {"snake", rustSnakeBare(l.name)},
          {"screaming", rustScreaming(l.name)},
          {"topic", rustStringLiteral(l.topic)},
          {"topic_text", docLine(l.topic)},
          {"payload", types_.renderBorrowed(l.payload)}};
}

TemplateObject RustModel::cron(const universe::CronWorker& c) {
  checkName(c.name, c.pos, "cron-worker");
  return {{"name", c.name},
          {"camel", rustCamel(c.name)},
          {"screaming", rustScreaming(c.name)},
          {"schedule", rustStringLiteral(c.schedule)}};
}

TemplateObject RustModel::tool(const universe::McpTool& t) {
  checkName(t.name, t.pos, "mcp-tool");
  return {{"name", t.name},
          {"camel", rustCamel(t.name)},
          {"screaming", rustScreaming(t.name)},
          {"name_literal", rustStringLiteral(t.name)},
          {"doc_literal", rustStringLiteral(t.doc)},
          {"doc_line", docLine(t.doc)},
          {"input", types_.render(t.input)},
          {"output", types_.render(t.output)}};
}

TemplateObject RustModel::stateMachine(const universe::StateMachine& m) {
  checkName(m.name, m.pos, "state-machine");
  std::string camel = rustCamel(m.name);
  TemplateList states;
  std::set<std::string> known;
  for (const auto& s : m.states) {
    checkName(s.name, s.pos, "state");
    if (known.insert(s.name).second) states.push_back({{"variant", rustCamel(s.name)}});
  }
  if (!known.contains(m.initial.name))
    problem(m.initial.pos, "state-machine " + m.name + ": initial state '" + m.initial.name +
                               "' is not in (states ...); add it there");
  // Events in order of first appearance; arrows list every from -> to.
  std::vector<std::string> eventOrder;
  std::map<std::string, std::string> arrows;
  std::map<std::pair<std::string, std::string>, const universe::Transition*> table;
  TemplateList transitions;
  for (const auto& t : m.transitions) {
    checkName(t.event, t.pos, "event");
    for (const auto* st : {&t.from, &t.to})
      if (!known.contains(*st))
        problem(t.pos, "state-machine " + m.name + ": transition " + t.event + " names unknown state '" + *st +
                           "'; declare it in (states ...)");
    auto [it, fresh] = table.insert({{t.from, t.event}, &t});
    if (!fresh) {
      problem(t.pos, "state-machine " + m.name + ": event " + t.event + " already leaves state " + t.from +
                         " (at line " + std::to_string(it->second->pos.line) + "); a state machine must be deterministic");
      continue;
    }
    if (!arrows.contains(t.event)) eventOrder.push_back(t.event);
    arrows[t.event] += (arrows[t.event].empty() ? "" : ", ") + t.from + " -> " + t.to;
    transitions.push_back(
        {{"from", rustCamel(t.from)}, {"event", rustCamel(t.event)}, {"to", rustCamel(t.to)}});
  }
  if (eventOrder.empty()) problem(m.pos, "state-machine " + m.name + ": no (transition EVENT FROM TO); add one");
  TemplateList events;
  for (const auto& e : eventOrder)
    events.push_back({{"event", e}, {"variant", rustCamel(e)}, {"hook", rustSnakeBare(e)}, {"arrows", arrows[e]}});
  bool complete = table.size() == known.size() * eventOrder.size();
  return {{"name", m.name},          {"camel", camel},   {"snake", rustSnakeBare(m.name)},
          {"states", states},        {"events", events}, {"transitions", transitions},
          {"initial", rustCamel(m.initial.name)}, {"complete", complete}};
}

TemplateObject RustModel::bootstrap(const universe::Bootstrap& b) {
  TemplateList provides;
  for (const auto& p : b.provides) {
    checkName(p.name, p.pos, "provide");
    std::string trait;
    if (auto slash = p.trait.find('/'); slash != std::string::npos) {
      // `svc/Trait`: a trait another service's generated code defines.
      std::string svc = p.trait.substr(0, slash);
      const universe::Service* owner = universe_.findService(svc);
      if (!owner) problem(p.pos, "provide " + p.name + ": no service '" + svc + "' in the universe");
      else extraDependencies_.insert(owner->name);
      trait = (owner ? owner->crateName : svc) + "::" + p.trait.substr(slash + 1);
    } else if (generatedTraits_.contains(p.trait)) {
      trait = p.trait;
    } else {
      checkName(p.trait, p.pos, "trait");
      trait = "crate::custom::" + p.trait;
      if (std::find(customTraits_.begin(), customTraits_.end(), p.trait) == customTraits_.end())
        customTraits_.push_back(p.trait);
    }
    provides.push_back({{"method", rustSnake(p.name)}, {"trait", trait}});
  }
  return {{"service", service_.name}, {"provides", provides}};
}

TemplateObject RustModel::pureUtility(const universe::PureUtility& p) {
  checkName(p.name, p.pos, "pure-utility");
  TemplateList args;
  for (const auto& a : p.args) {
    checkName(a.name, a.pos, "arg");
    args.push_back({{"arg", rustSnake(a.name)}, {"type", types_.render(a.type)}});
  }
  std::string camel = rustCamel(p.name);
  std::string returns = types_.render(p.returns);
  TemplateList stubArgs;
  for (const auto& a : p.args)
    stubArgs.push_back({{"arg", rustSnakeBare(a.name)}, {"type", types_.render(a.type)}});
  pureStubs_.push_back(
      {{"camel", camel}, {"args", stubArgs}, {"returns", returns}, {"literal", rustStringLiteral(p.name)}});
  return {{"name", p.name}, {"camel", camel}, {"snake", rustSnake(p.name)}, {"args", args}, {"returns", returns}};
}

TemplateObject RustModel::gateway(const universe::RpcGateway& g) {
  checkName(g.name, g.pos, "rpc-gateway");
  TemplateList targets, calls;
  std::set<std::string> seen;
  for (const auto& c : g.calls) {
    const universe::Service* callee = universe_.findService(c.service);
    const universe::Rpc* rpc = callee ? callee->findRpc(c.rpc) : nullptr;
    if (!rpc) {
      problem(c.pos, "rpc-gateway " + g.name + ": " + c.service + "/" + c.rpc +
                         " is not an rpc of a service in the universe; declare it with (rpc ...) there");
      continue;
    }
    bool local = callee->name == service_.name;
    std::string field = callee->crateName;
    if (!local) extraDependencies_.insert(callee->name);
    if (seen.insert(field).second) {
      std::string api = rustCamel(callee->name) + "Api";
      targets.push_back({{"field", field}, {"api", local ? api : callee->crateName + "::" + api}});
    }
    calls.push_back({{"call", c.service + "/" + c.rpc},
                     {"method", field + "_" + rustSnakeBare(c.rpc)},
                     {"field", field},
                     {"fn_name", rustSnake(c.rpc)},
                     {"input", types_.render(rpc->input)},
                     {"output", types_.render(rpc->output)}});
  }
  return {{"name", g.name}, {"camel", rustCamel(g.name)}, {"targets", targets}, {"calls", calls}};
}

TemplateObject RustModel::engine(const universe::DomainEngine& e) {
  checkName(e.name, e.pos, "domain-engine");
  TemplateList rules;
  for (const auto& r : e.rules) {
    checkName(r.name, r.pos, "rule");
    if (rustSnakeBare(r.name) == "seed")
      problem(r.pos, "domain-engine " + e.name + ": a rule cannot be named 'seed' (the engine's start); rename it");
    rules.push_back({{"name", r.name},
                     {"method", rustSnake(r.name)},
                     {"doc", docLine(r.doc)},
                     {"literal", rustStringLiteral(r.name)}});
  }
  return {{"name", e.name},
          {"camel", rustCamel(e.name)},
          {"snake", rustSnakeBare(e.name)},
          {"input", types_.renderBorrowed(e.input)},
          {"output", types_.render(e.output)},
          {"rules", rules}};
}

}  // namespace flywheel::forge
