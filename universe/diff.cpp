// Comparing two universes declaration by declaration (see diff.h).
#include "universe/diff.h"

#include <algorithm>
#include <map>

#include "universe/sexp.h"

namespace flywheel::universe {

std::string_view changeKindName(ChangeKind k) {
  return k == ChangeKind::Added ? "added" : k == ChangeKind::Removed ? "removed" : "changed";
}

std::string IntentChange::summary() const {
  std::string out = symbol + ": " + entity + " " + std::string(changeKindName(kind));
  if (kind == ChangeKind::Changed) out += " (" + before + " -> " + after + ")";
  return out + (breaking ? ", breaking" : ", compatible");
}

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

  void patterns(const Service& a, const Service& b, const std::vector<std::pair<std::string, std::string>>& pa,
                const std::vector<std::pair<std::string, std::string>>& pb) {
    std::map<std::string, std::string> before(pa.begin(), pa.end()), after(pb.begin(), pb.end());
    for (const auto& [name, text] : before) {
      auto it = after.find(name);
      if (it == after.end()) add(a.name, "pattern", a.name + "/" + name, ChangeKind::Removed, text, "", true, "the stamped traits and types disappear");
      else if (it->second != text) add(a.name, "pattern", a.name + "/" + name, ChangeKind::Changed, text, it->second, true, "the stamped traits and types change");
    }
    for (const auto& [name, text] : after)
      if (!before.count(name)) add(b.name, "pattern", b.name + "/" + name, ChangeKind::Added, "", text, false, "new stamped code breaks nothing");
  }

 private:
  std::vector<IntentChange>& out_;
};

/// name -> printed form of every pattern, re-read from the service form after
/// macro expansion (the source when it could not be expanded) so that any
/// change in any sub-clause shows, a macro's included, and layout does not.
std::vector<std::pair<std::string, std::string>> patternForms(const Service& s) {
  std::vector<std::pair<std::string, std::string>> out;
  static const std::vector<std::string> heads = {"crud-gateway", "event-listener", "cron-worker", "mcp-tool", "state-machine",
                                                 "bootstrap", "pure-utility", "rpc-gateway", "domain-engine"};
  ReadResult r = readSexps(s.expandedText.empty() ? s.sourceText : s.expandedText, s.intentPath);
  for (const auto& f : r.forms) {
    if (f.head() != "service") continue;
    for (const auto& c : f.items) {
      if (std::find(heads.begin(), heads.end(), c.head()) == heads.end()) continue;
      std::string name = c.head() == "bootstrap" ? "bootstrap" : c.items.size() > 1 ? printSexp(c.items[1]) : "?";
      out.emplace_back(name, printSexp(c));
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
