// Reading the 8 stamping patterns (see pattern_builder.h).
#include "universe/pattern_builder.h"

#include <algorithm>
#include <map>

#include "universe/suggest.h"

namespace flywheel::universe {

bool readSubClauses(const FormReader& r, const Sexp& form, size_t start, const std::string& owner,
                    const SubClauses& clauses) {
  bool ok = true;
  std::map<std::string, SourcePos> seen;
  std::vector<std::string> known;
  for (const auto& [k, v] : clauses) known.push_back(k);
  std::sort(known.begin(), known.end());
  for (size_t k = start; k < form.items.size(); ++k) {
    const Sexp& sub = form.items[k];
    auto it = std::find_if(clauses.begin(), clauses.end(), [&](const auto& c) { return c.first == sub.head(); });
    if (it == clauses.end()) {
      std::string what = sub.head().empty() ? describeSexp(sub) : "'" + std::string(sub.head()) + "'";
      r.error(sub.pos, "unknown clause " + what + " in " + owner +
                           (sub.head().empty() ? "" : didYouMean(sub.head(), known)) + "; known clauses: " +
                           joinNames(known, " "));
      ok = false;
      continue;
    }
    auto [prev, fresh] = seen.emplace(it->first, sub.pos);
    if (!fresh && !it->second.repeated) {
      r.error(sub.pos, "duplicate (" + it->first + " ...) in " + owner + " (first at " +
                           std::to_string(prev->second.line) + ":" + std::to_string(prev->second.col) + ")");
      ok = false;
      continue;
    }
    ok = it->second.read(sub) && ok;
  }
  for (const auto& [name, c] : clauses) {
    if (c.required && !seen.count(name)) {
      r.error(form.pos, owner + " needs a (" + name + " ...) clause");
      ok = false;
    }
  }
  return ok;
}

bool readTypeInto(const FormReader& r, const Sexp& form, TypeRef& out) {
  if (!r.arity(form, 1, "(" + std::string(form.head()) + " TYPE)")) return false;
  auto t = r.type(form.items[1]);
  if (!t) return false;
  out = std::move(*t);
  return true;
}

namespace {

bool readStringInto(const FormReader& r, const Sexp& f, std::string& out, const char* shape) {
  if (!r.arity(f, 1, shape)) return false;
  auto s = r.string(f.items[1], shape);
  if (s) out = *s;
  return s.has_value();
}

bool readNameInto(const FormReader& r, const Sexp& f, Name& out, const char* shape) {
  if (!r.arity(f, 1, shape)) return false;
  auto n = r.name(f.items[1], shape);
  if (n) out = {*n, f.items[1].pos};
  return n.has_value();
}

std::optional<CrudOp> parseOp(const Sexp& s) {
  static const std::map<std::string, CrudOp> ops = {{"create", CrudOp::Create}, {"read", CrudOp::Read},
                                                    {"update", CrudOp::Update}, {"delete", CrudOp::Delete},
                                                    {"list", CrudOp::List}};
  if (!s.isSymbol()) return std::nullopt;
  auto it = ops.find(s.text);
  return it == ops.end() ? std::nullopt : std::optional(it->second);
}

bool readOps(const FormReader& r, const Sexp& f, std::vector<CrudOp>& out) {
  if (!r.minArity(f, 1, "(ops create read update delete list)")) return false;
  for (size_t k = 1; k < f.items.size(); ++k) {
    auto op = parseOp(f.items[k]);
    if (!op) {
      r.error(f.items[k].pos, "unknown operation " + describeSexp(f.items[k]) + "; the operations are: create read update delete list");
      return false;
    }
    if (std::find(out.begin(), out.end(), *op) != out.end()) {
      r.error(f.items[k].pos, "operation " + printSexp(f.items[k]) + " listed twice");
      return false;
    }
    out.push_back(*op);
  }
  return true;
}

template <class T>
void push(Service& s, std::vector<T>& list, DeclKind kind, T item) {
  list.push_back(std::move(item));
  s.declOrder.push_back({kind, static_cast<uint32_t>(list.size() - 1)});
}

void readNamedPattern(const FormReader& r, const Sexp& f, Service& s, std::string_view h, const std::string& name) {
  std::string owner = std::string(h) + " '" + name + "'";
  auto type = [&](TypeRef& t) { return [&r, &t](const Sexp& x) { return readTypeInto(r, x, t); }; };
  auto str = [&](std::string& o, const char* shape) { return [&r, &o, shape](const Sexp& x) { return readStringInto(r, x, o, shape); }; };
  if (h == "crud-gateway") {
    CrudGateway g{name, {}, {}, {}, f.pos};
    if (readSubClauses(r, f, 2, owner, {{"entity", {true, type(g.entity)}},
                                        {"key", {true, [&](const Sexp& x) { return readNameInto(r, x, g.key, "(key FIELD)"); }}},
                                        {"ops", {true, [&](const Sexp& x) { return readOps(r, x, g.ops); }}}}))
      push(s, s.crudGateways, DeclKind::CrudGateway, std::move(g));
  } else if (h == "event-listener") {
    EventListener e{name, {}, {}, f.pos};
    if (readSubClauses(r, f, 2, owner, {{"topic", {true, str(e.topic, "(topic \"t\")")}}, {"payload", {true, type(e.payload)}}}))
      push(s, s.eventListeners, DeclKind::EventListener, std::move(e));
  } else if (h == "cron-worker") {
    CronWorker c{name, {}, f.pos};
    if (readSubClauses(r, f, 2, owner, {{"schedule", {true, str(c.schedule, "(schedule \"cron\")")}}}))
      push(s, s.cronWorkers, DeclKind::CronWorker, std::move(c));
  } else if (h == "mcp-tool") {
    McpTool t{name, {}, {}, {}, f.pos};
    if (readSubClauses(r, f, 2, owner, {{"doc", {true, str(t.doc, "(doc \"...\")")}}, {"input", {true, type(t.input)}},
                                        {"output", {true, type(t.output)}}}))
      push(s, s.mcpTools, DeclKind::McpTool, std::move(t));
  } else if (h == "state-machine") {
    StateMachine m{name, {}, {}, {}, f.pos};
    auto states = [&](const Sexp& x) {
      if (!r.minArity(x, 1, "(states S...)")) return false;
      for (size_t k = 1; k < x.items.size(); ++k)
        if (auto n = r.name(x.items[k], "a state name")) m.states.push_back({*n, x.items[k].pos});
      return true;
    };
    auto transition = [&](const Sexp& x) {
      if (!r.arity(x, 3, "(transition EVENT FROM TO)")) return false;
      auto e = r.name(x.items[1], "an event name"), a = r.name(x.items[2], "a state"), b = r.name(x.items[3], "a state");
      if (e && a && b) m.transitions.push_back({*e, *a, *b, x.pos});
      return e && a && b;
    };
    if (readSubClauses(r, f, 2, owner, {{"states", {true, states}},
                                        {"initial", {true, [&](const Sexp& x) { return readNameInto(r, x, m.initial, "(initial S)"); }}},
                                        {"transition", {false, transition, true}}}))
      push(s, s.stateMachines, DeclKind::StateMachine, std::move(m));
  } else if (h == "pure-utility") {
    PureUtility u{name, {}, {}, f.pos};
    auto arg = [&](const Sexp& x) {
      if (!r.arity(x, 2, "(arg NAME TYPE)")) return false;
      auto n = r.name(x.items[1], "an argument name");
      auto t = r.type(x.items[2]);
      if (n && t) u.args.push_back({*n, std::move(*t), x.pos});
      return n && t;
    };
    if (readSubClauses(r, f, 2, owner, {{"arg", {false, arg, true}}, {"returns", {true, type(u.returns)}}}))
      push(s, s.pureUtilities, DeclKind::PureUtility, std::move(u));
  } else if (h == "rpc-gateway") {
    RpcGateway g{name, {}, f.pos};
    auto calls = [&](const Sexp& x) {
      if (!r.minArity(x, 1, "(calls SVC/RPC...)")) return false;
      for (size_t k = 1; k < x.items.size(); ++k) {
        const Sexp& c = x.items[k];
        auto slash = c.isSymbol() ? c.text.find('/') : std::string::npos;
        if (slash == std::string::npos || slash == 0 || slash + 1 == c.text.size()) {
          r.error(c.pos, "expected SVC/RPC (e.g. user/get-user) in (calls ...), got " + describeSexp(c));
          return false;
        }
        g.calls.push_back({c.text.substr(0, slash), c.text.substr(slash + 1), c.pos});
      }
      return true;
    };
    if (readSubClauses(r, f, 2, owner, {{"calls", {true, calls}}}))
      push(s, s.rpcGateways, DeclKind::RpcGateway, std::move(g));
  } else if (h == "domain-engine") {
    DomainEngine d{name, {}, {}, {}, f.pos};
    auto rule = [&](const Sexp& x) {
      if (!r.arity(x, 2, "(rule NAME \"doc\")")) return false;
      auto n = r.name(x.items[1], "a rule name");
      auto doc = r.string(x.items[2], "the rule's doc");
      if (n && doc) d.rules.push_back({*n, *doc, x.pos});
      return n && doc;
    };
    if (readSubClauses(r, f, 2, owner, {{"input", {true, type(d.input)}}, {"output", {true, type(d.output)}},
                                        {"rule", {false, rule, true}}}))
      push(s, s.domainEngines, DeclKind::DomainEngine, std::move(d));
  }
}

}  // namespace

void readPattern(const FormReader& r, const Sexp& f, Service& s) {
  std::string_view h = f.head();
  if (h == "bootstrap") {
    Bootstrap b{{}, f.pos};
    auto provide = [&](const Sexp& x) {
      if (!r.arity(x, 2, "(provide NAME TRAIT)")) return false;
      auto n = r.name(x.items[1], "a provided name");
      auto t = r.name(x.items[2], "a trait name");
      if (n && t) b.provides.push_back({*n, *t, x.pos});
      return n && t;
    };
    if (readSubClauses(r, f, 1, "bootstrap", {{"provide", {false, provide, true}}})) {
      s.bootstrap = std::move(b);
      s.declOrder.push_back({DeclKind::Bootstrap, 0});
    }
    return;
  }
  if (!r.minArity(f, 1, "(" + std::string(h) + " NAME ...)")) return;
  auto name = r.name(f.items[1], "a pattern name");
  if (name) readNamedPattern(r, f, s, h, *name);
}

}  // namespace flywheel::universe
