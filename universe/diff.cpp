// Comparing two universes declaration by declaration (see diff.h).
#include "universe/diff.h"

#include <algorithm>
#include <map>

#include "universe/sexp.h"

namespace flywheel::universe {

std::string_view changeKindName(ChangeKind k) {
  return k == ChangeKind::Added ? "added" : k == ChangeKind::Removed ? "removed" : "changed";
}

std::string IntentChange::what() const {
  std::string out;
  if (within.empty()) {
    out = symbol + ": " + entity + " " + std::string(changeKindName(kind));
  } else if (entity == item) {  // a single-valued clause: "input of billing/pricing changed"
    out = entity + " of " + within + " " + std::string(changeKindName(kind));
  } else {
    const char* where = kind == ChangeKind::Added ? " to " : kind == ChangeKind::Removed ? " from " : " in ";
    out = entity + " " + item + " " + std::string(changeKindName(kind)) + where + within;
  }
  if (kind == ChangeKind::Changed) out += " (" + before + " -> " + after + ")";
  return out;
}

std::string IntentChange::summary() const { return what() + (breaking ? ", breaking" : ", compatible"); }

namespace {

class Differ {
 public:
  explicit Differ(std::vector<IntentChange>& out) : out_(out) {}

  void add(const std::string& svc, const char* entity, std::string symbol, ChangeKind k, std::string before,
           std::string after, bool breaking, std::string reason) {
    out_.push_back({svc, entity, std::move(symbol), k, std::move(before), std::move(after), breaking, std::move(reason)});
  }

  /// Compares two named lists: added / removed by name, `same` decides changes.
  template <class T, class Print, class Inner>
  void lists(const std::string& svc, const char* entity, const std::string& prefix, const std::vector<T>& a,
             const std::vector<T>& b, bool addBreaks, const char* addReason, Print print, Inner inner) {
    std::map<std::string, const T*> before, after;
    for (const auto& x : a) before.emplace(x.name, &x);
    for (const auto& x : b) after.emplace(x.name, &x);
    for (const auto& [name, x] : before) {
      auto it = after.find(name);
      if (it == after.end()) {
        add(svc, entity, prefix + name, ChangeKind::Removed, print(*x), "", true, "code using it no longer compiles");
      } else {
        inner(*x, *it->second, prefix + name);
      }
    }
    for (const auto& [name, x] : after)
      if (!before.count(name)) add(svc, entity, prefix + name, ChangeKind::Added, "", print(*x), addBreaks, addReason);
  }

  void service(const Service& a, const Service& b) {
    const std::string& s = a.name;
    if (a.governance != b.governance)
      add(s, "governance", s, ChangeKind::Changed, std::string(governanceName(a.governance)),
          std::string(governanceName(b.governance)), false, "governance changes what agents may do, not the code");
    if (a.status != b.status)
      add(s, "status", s, ChangeKind::Changed, std::string(statusName(a.status)), std::string(statusName(b.status)), false, "informational");
    if (a.version != b.version)
      add(s, "version", s, ChangeKind::Changed, a.version ? std::to_string(*a.version) : "", b.version ? std::to_string(*b.version) : "", false, "informational");
    if (a.allDependencies != b.allDependencies) {
      auto join = [](const std::vector<std::string>& v) { std::string o; for (const auto& x : v) o += (o.empty() ? "" : " ") + x; return o; };
      add(s, "depends-on", s, ChangeKind::Changed, join(a.allDependencies), join(b.allDependencies), false,
          "the crate's dependencies change; code is unaffected until it uses them");
    }
    std::string p = s + "/";
    lists(s, "type", p, a.types, b.types, false, "a new type breaks nothing", [](const TypeDecl& t) { return "type " + t.name; },
          [&](const TypeDecl& x, const TypeDecl& y, const std::string& sym) {
            lists(s, "field", sym + ".", x.fields, y.fields, true, "struct literals and patterns must name the new field",
                  [](const Field& f) { return f.type.toString(); },
                  [&](const Field& f, const Field& g, const std::string& fs) {
                    if (!(f.type == g.type))
                      add(s, "field", fs, ChangeKind::Changed, f.type.toString(), g.type.toString(), true,
                          "the field's Rust type changes");
                  });
          });
    lists(s, "enum", p, a.enums, b.enums, false, "a new enum breaks nothing", [](const EnumDecl& e) { return "enum " + e.name; },
          [&](const EnumDecl& x, const EnumDecl& y, const std::string& sym) {
            auto payload = [](const Variant& v) { return v.payload ? v.payload->toString() : std::string("(no payload)"); };
            lists(s, "variant", sym + ".", x.variants, y.variants, true, "exhaustive matches must handle the new variant", payload,
                  [&](const Variant& v, const Variant& w, const std::string& vs) {
                    if (v.payload.has_value() != w.payload.has_value() || (v.payload && !(*v.payload == *w.payload)))
                      add(s, "variant", vs, ChangeKind::Changed, payload(v), payload(w), true, "constructors and matches change");
                  });
          });
    lists(s, "alias", p, a.aliases, b.aliases, false, "a new alias breaks nothing", [](const AliasDecl& x) { return x.target.toString(); },
          [&](const AliasDecl& x, const AliasDecl& y, const std::string& sym) {
            if (!(x.target == y.target))
              add(s, "alias", sym, ChangeKind::Changed, x.target.toString(), y.target.toString(), true, "the aliased Rust type changes");
          });
    auto sig = [](const Rpc& r) { return "(input " + r.input.toString() + ") (output " + r.output.toString() + ")"; };
    lists(s, "rpc", p, a.rpcs, b.rpcs, false, "callers are unaffected; the service implements the new rpc", sig,
          [&](const Rpc& x, const Rpc& y, const std::string& sym) {
            if (!(x.input == y.input) || !(x.output == y.output))
              add(s, "rpc", sym, ChangeKind::Changed, sig(x), sig(y), true, "the rpc's signature changes for callers and the implementation");
          });
  }

  void patterns(const Service& a, const Service& b, const std::vector<std::pair<std::string, Sexp>>& pa,
                const std::vector<std::pair<std::string, Sexp>>& pb) {
    std::map<std::string, const Sexp*> before, after;
    for (const auto& [name, form] : pa) before.emplace(name, &form);
    for (const auto& [name, form] : pb) after.emplace(name, &form);
    for (const auto& [name, form] : before) {
      const std::string sym = a.name + "/" + name;
      auto it = after.find(name);
      if (it == after.end()) {
        add(a.name, "pattern", sym, ChangeKind::Removed, printSexp(*form), "", true, "the stamped traits and types disappear");
      } else if (form->head() != it->second->head()) {
        add(a.name, "pattern", sym, ChangeKind::Changed, printSexp(*form), printSexp(*it->second), true,
            "the pattern's kind changes: its stamped traits and types are replaced");
      } else {
        patternItems(a.name, sym, *form, *it->second);
      }
    }
    for (const auto& [name, form] : after)
      if (!before.count(name))
        add(b.name, "pattern", b.name + "/" + name, ChangeKind::Added, "", printSexp(*form), false, "new stamped code breaks nothing");
  }

 private:
  /// One item of a pattern: its kind ("rule"), name ("bulk-discount") and printed form.
  struct Item {
    std::string entity, name, text;
  };

  /// The items of a pattern form, keyed so that the same item on both sides
  /// has the same key (a transition by event and source state).
  static std::map<std::string, Item> itemsOf(const Sexp& form) {
    static const std::vector<std::string> keyed = {"rule", "transition", "provide", "arg"};
    static const std::map<std::string, std::string> members = {{"states", "state"}, {"ops", "op"}, {"calls", "call"}};
    std::map<std::string, Item> out;
    const size_t first = form.head() == "bootstrap" ? 1 : 2;  // after the head (and the pattern's name)
    for (size_t i = first; i < form.items.size(); ++i) {
      const Sexp& c = form.items[i];
      const std::string head(c.head());
      if (head.empty()) {
        out.emplace("?" + std::to_string(i), Item{"clause", printSexp(c), printSexp(c)});
      } else if (std::find(keyed.begin(), keyed.end(), head) != keyed.end() && c.items.size() > 1) {
        std::string name = printSexp(c.items[1]);
        std::string key = head + " " + name + (head == "transition" && c.items.size() > 2 ? " " + printSexp(c.items[2]) : "");
        out.emplace(key, Item{head, name, printSexp(c)});
      } else if (auto m = members.find(head); m != members.end()) {
        for (size_t k = 1; k < c.items.size(); ++k) {
          std::string name = printSexp(c.items[k]);
          out.emplace(m->second + " " + name, Item{m->second, name, name});
        }
      } else {
        std::string args;
        for (size_t k = 1; k < c.items.size(); ++k) args += (k > 1 ? " " : "") + printSexp(c.items[k]);
        out.emplace(head, Item{head, head, args});
      }
    }
    return out;
  }

  /// Whether adding, removing or changing an item of this kind breaks the
  /// Rust code written against the pattern, and why.
  static std::pair<bool, std::string> itemImpact(const std::string& entity, ChangeKind k) {
    if (entity == "doc" || entity == "topic" || entity == "schedule")
      return {false, "only a doc comment or a constant of the stamped code changes"};
    if (entity == "rule") {
      if (k == ChangeKind::Changed) return {false, "only the rule's doc comment changes"};
      return {true, k == ChangeKind::Added ? "the engine's rules trait gains a method that custom.rs must implement"
                                           : "custom.rs implements a method the rules trait no longer has"};
    }
    if (entity == "state") return {true, "the states enum changes: exhaustive matches and the transition table change"};
    if (entity == "transition") return {true, "the events enum and the transition table change"};
    if (entity == "op")
      return {true, k == ChangeKind::Added ? "the store trait gains a method that custom.rs must implement"
                                           : "custom.rs implements a method the store trait no longer has"};
    if (entity == "call") return {true, "the gateway's methods and the crate's dependencies change"};
    if (entity == "provide") return {true, "the bootstrap trait and the wired dependencies change"};
    if (entity == "arg") return {true, "the utility's signature changes"};
    return {true, "the stamped traits and types change"};
  }

  void patternItems(const std::string& svc, const std::string& sym, const Sexp& a, const Sexp& b) {
    auto before = itemsOf(a), after = itemsOf(b);
    const size_t count = out_.size();
    auto emit = [&](const Item& x, ChangeKind k, std::string from, std::string to) {
      auto [breaks, why] = itemImpact(x.entity, k);
      add(svc, x.entity.c_str(), sym + "." + x.name, k, std::move(from), std::move(to), breaks, why);
      out_.back().within = sym;
      out_.back().item = x.name;
    };
    for (const auto& [key, x] : before) {
      auto it = after.find(key);
      if (it == after.end()) emit(x, ChangeKind::Removed, x.text, "");
      else if (it->second.text != x.text) emit(x, ChangeKind::Changed, x.text, it->second.text);
    }
    for (const auto& [key, x] : after)
      if (!before.count(key)) emit(x, ChangeKind::Added, "", x.text);
    // Same items, other order (rules run in the intent's order): the whole form.
    if (out_.size() == count && printSexp(a) != printSexp(b))
      add(svc, "pattern", sym, ChangeKind::Changed, printSexp(a), printSexp(b), true,
          "the order of its items changes (rules and transitions apply in the intent's order)");
  }

  std::vector<IntentChange>& out_;
};

/// name -> form of every pattern, re-read from the service form after macro
/// expansion (the source when it could not be expanded) so that any change
/// in any sub-clause shows, a macro's included, and layout does not.
std::vector<std::pair<std::string, Sexp>> patternForms(const Service& s) {
  std::vector<std::pair<std::string, Sexp>> out;
  static const std::vector<std::string> heads = {"crud-gateway", "event-listener", "cron-worker", "mcp-tool", "state-machine",
                                                 "bootstrap", "pure-utility", "rpc-gateway", "domain-engine"};
  ReadResult r = readSexps(s.expandedText.empty() ? s.sourceText : s.expandedText, s.intentPath);
  for (auto& f : r.forms) {
    if (f.head() != "service") continue;
    for (auto& c : f.items) {
      if (std::find(heads.begin(), heads.end(), c.head()) == heads.end()) continue;
      std::string name = c.head() == "bootstrap" ? "bootstrap" : c.items.size() > 1 ? printSexp(c.items[1]) : "?";
      out.emplace_back(std::move(name), std::move(c));
    }
  }
  return out;
}

}  // namespace

std::vector<IntentChange> diffUniverses(const Universe& from, const Universe& to) {
  std::vector<IntentChange> out;
  Differ d(out);
  for (const auto& a : from.services) {
    const Service* b = to.findService(a.name);
    if (!b) {
      d.add(a.name, "service", a.name, ChangeKind::Removed, a.intentPath, "", true, "crates depending on it no longer build");
      continue;
    }
    bool expanded = !a.expandedText.empty() && !b->expandedText.empty();
    bool same = expanded ? a.expandedText == b->expandedText : a.sourceText == b->sourceText;
    if (same && a.allDependencies == b->allDependencies) continue;
    d.service(a, *b);
    d.patterns(a, *b, patternForms(a), patternForms(*b));
  }
  for (const auto& b : to.services)
    if (!from.findService(b.name)) d.add(b.name, "service", b.name, ChangeKind::Added, "", b.intentPath, false, "a new service breaks nothing");
  std::sort(out.begin(), out.end(), [](const IntentChange& x, const IntentChange& y) {
    return std::tie(x.service, x.symbol, x.entity) < std::tie(y.service, y.symbol, y.entity);
  });
  return out;
}

ChangeSet changeSetOf(const std::vector<IntentChange>& changes) {
  ChangeSet cs;
  cs.skipUnknown = true;
  for (const auto& c : changes) {
    if (!c.breaking) continue;
    if (!c.within.empty()) {  // an item of a pattern: the pattern changed, one note per item
      std::string note = c.entity == c.item ? c.entity + " " + c.before + " -> " + c.after
                                            : c.entity + " " + c.item + " " + std::string(changeKindName(c.kind));
      auto [it, fresh] = cs.notes.emplace(c.within, note);
      if (fresh) cs.items.push_back(c.within);
      else it->second += "; " + note;
      continue;
    }
    if (cs.notes.count(c.symbol)) continue;
    cs.items.push_back(c.symbol);
    std::string note = c.kind == ChangeKind::Changed ? c.entity + " " + c.before + " -> " + c.after
                                                     : c.entity + " " + std::string(changeKindName(c.kind));
    if (c.entity == "field" && c.kind == ChangeKind::Changed) note = "type " + c.before + " -> " + c.after;
    cs.notes[c.symbol] = note;
  }
  return cs;
}

}  // namespace flywheel::universe
