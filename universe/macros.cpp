// defmacro parsing and expansion by pure substitution.
#include "universe/macros.h"

#include <algorithm>

namespace flywheel::universe {

namespace {

std::string posText(SourcePos p) { return std::to_string(p.line) + ":" + std::to_string(p.col); }

void addError(Diagnostics& diags, std::string_view file, SourcePos p, std::string msg) {
  diags.push_back({Severity::Error, std::string(file), p, std::move(msg)});
}

/// Checks that every unquote in a template names a parameter.
void checkTemplate(const Sexp& t, const MacroDef& def, bool inQuasi, std::string_view file, Diagnostics& diags) {
  using K = Sexp::Kind;
  if (t.kind == K::Unquote || t.kind == K::Splice) {
    const char* mark = t.kind == K::Unquote ? "," : ",@";
    const Sexp& arg = t.items[0];
    bool known = arg.isSymbol() && (arg.text == def.restParam ||
                                    std::find(def.params.begin(), def.params.end(), arg.text) != def.params.end());
    if (!inQuasi)
      addError(diags, file, t.pos, std::string("'") + mark + "' outside the template's '`' in macro '" + def.name + "'");
    else if (!known)
      addError(diags, file, t.pos, std::string("'") + mark + printSexp(arg) + "' in macro '" + def.name +
                                       "' names no parameter; the parameters are: " + [&] {
                                         std::string all;
                                         for (const auto& p : def.params) all += (all.empty() ? "" : " ") + p;
                                         if (!def.restParam.empty()) all += (all.empty() ? "&rest " : " &rest ") + def.restParam;
                                         return all.empty() ? std::string("(none)") : all;
                                       }());
    return;
  }
  if (t.kind == K::Quasi) {
    if (inQuasi) addError(diags, file, t.pos, "nested '`' in macro '" + def.name + "' is not supported");
    else checkTemplate(t.items[0], def, true, file, diags);
    return;
  }
  for (const auto& item : t.items) checkTemplate(item, def, inQuasi, file, diags);
}

}  // namespace

std::string MacroDef::where() const { return file + ":" + posText(pos); }

std::optional<MacroDef> parseDefmacro(const Sexp& form, std::string_view file, Diagnostics& diags) {
  const auto& it = form.items;
  if (it.size() != 4 || !it[1].isSymbol() || !it[2].isList()) {
    addError(diags, file, form.pos, "malformed defmacro; expected (defmacro NAME (PARAM... &rest REST) TEMPLATE)");
    return std::nullopt;
  }
  MacroDef def;
  def.name = it[1].text;
  def.file = std::string(file);
  def.pos = form.pos;
  def.body = it[3];
  if (def.name == "service" || def.name == "defmacro" || def.name == "universe") {
    addError(diags, file, it[1].pos, "a macro cannot be named '" + def.name + "'; pick another name");
    return std::nullopt;
  }
  const auto& ps = it[2].items;
  for (size_t k = 0; k < ps.size(); ++k) {
    if (!ps[k].isSymbol()) {
      addError(diags, file, ps[k].pos, "macro parameter must be a symbol, got " + describeSexp(ps[k]));
      return std::nullopt;
    }
    if (ps[k].text == "&rest") {
      if (k + 2 != ps.size() || !ps[k + 1].isSymbol()) {
        addError(diags, file, ps[k].pos, "'&rest' must be followed by exactly one parameter name, last in the list");
        return std::nullopt;
      }
      def.restParam = ps[k + 1].text;
      break;
    }
    def.params.push_back(ps[k].text);
  }
  size_t before = diags.size();
  checkTemplate(def.body, def, false, file, diags);
  if (diags.size() != before) return std::nullopt;
  return def;
}

void collectMacros(const std::vector<Sexp>& forms, std::string_view file, MacroTable& table, Diagnostics& diags) {
  std::map<std::string, SourcePos> seenHere;
  for (const auto& form : forms) {
    if (!isDefmacro(form)) continue;
    auto def = parseDefmacro(form, file, diags);
    if (!def) continue;
    if (auto prev = seenHere.find(def->name); prev != seenHere.end()) {
      addError(diags, file, def->pos, "macro '" + def->name + "' is already defined at " + std::string(file) + ":" +
                                          posText(prev->second) + "; remove one definition");
      continue;
    }
    seenHere[def->name] = def->pos;
    table.insert_or_assign(def->name, std::move(*def));
  }
}

namespace {

struct Bindings {
  std::map<std::string, const Sexp*, std::less<>> single;
  std::vector<const Sexp*> rest;
  std::string restName;
};

class Expander {
 public:
  Expander(const MacroTable& m, std::string_view file, Diagnostics& d) : macros_(m), file_(file), diags_(d) {}

  bool failed() const { return failed_; }

  std::optional<Sexp> expand(const Sexp& f, int level, size_t depth) {
    using K = Sexp::Kind;
    if (failed_) return std::nullopt;
    if (!nesting(f.pos, depth)) return std::nullopt;
    if (f.kind == K::Quasi || f.kind == K::Unquote || f.kind == K::Splice) {
      addError(diags_, file_, f.pos, "quasi-quote marks (` , ,@) are only allowed inside a defmacro template");
      return std::nullopt;
    }
    if (f.kind != K::List) return f;
    if (auto m = macros_.find(f.head()); m != macros_.end()) return expandUse(f, m->second, level, depth);
    Sexp out;
    out.kind = K::List;
    out.pos = f.pos;
    out.items.reserve(f.items.size());
    for (const auto& item : f.items)
      if (auto e = expand(item, level, depth + 1)) out.items.push_back(std::move(*e));
    return out;
  }

 private:
  bool nesting(SourcePos p, size_t depth) {
    if (depth <= kMaxExpandedNesting) return true;
    fatal(p, "macro expansion nested deeper than " + std::to_string(kMaxExpandedNesting) + " levels");
    return false;
  }

  /// Counts `n` forms and atoms a macro creates (template nodes and copies of
  /// arguments; the source's own forms are free) against the budget, before
  /// they are built, so a doubling macro stops at the budget, not at the
  /// memory limit.
  bool produce(size_t n, SourcePos site, const MacroDef& def) {
    produced_ += n;
    if (produced_ <= kMaxExpandedNodes) return true;
    fatal(site, "expanding macro '" + def.name + "' (defined at " + def.where() + ") here produced more than " +
                    std::to_string(kMaxExpandedNodes) + " forms and atoms, the expansion budget of one top-level "
                    "form; a macro probably duplicates its input at every level (e.g. `(m ,@xs ,@xs)` calling itself)");
    return false;
  }

  /// Nodes in `s`, counting at most up to just past the budget.
  size_t sizeOf(const Sexp& s) const {
    size_t n = 1;
    for (const auto& item : s.items) {
      n += sizeOf(item);
      if (n > kMaxExpandedNodes) break;
    }
    return n;
  }

  void fatal(SourcePos p, std::string msg) {
    if (!failed_) addError(diags_, file_, p, std::move(msg));
    failed_ = true;
  }

  std::optional<Sexp> expandUse(const Sexp& use, const MacroDef& def, int level, size_t depth) {
    if (level >= kMaxMacroDepth) {
      fatal(use.pos, "macro expansion deeper than " + std::to_string(kMaxMacroDepth) + " levels at '" + def.name +
                         "' (macro defined at " + def.where() + "); does the macro expand to itself?");
      return std::nullopt;
    }
    size_t nargs = use.items.size() - 1;
    bool arityOk = def.restParam.empty() ? nargs == def.params.size() : nargs >= def.params.size();
    if (!arityOk) {
      addError(diags_, file_, use.pos, "macro '" + def.name + "' expects " + (def.restParam.empty() ? "" : "at least ") +
                                           std::to_string(def.params.size()) + " argument(s), got " +
                                           std::to_string(nargs) + " (macro defined at " + def.where() + ")");
      return std::nullopt;
    }
    Bindings b;
    b.restName = def.restParam;
    for (size_t k = 0; k < def.params.size(); ++k) b.single[def.params[k]] = &use.items[k + 1];
    for (size_t k = def.params.size() + 1; k < use.items.size(); ++k) b.rest.push_back(&use.items[k]);
    std::optional<Sexp> result;
    if (def.body.kind == Sexp::Kind::Quasi) {
      result = substitute(def.body.items[0], b, use.pos, def);
    } else if (def.body.isSymbol() && b.single.count(def.body.text)) {
      if (!produce(sizeOf(*b.single[def.body.text]), use.pos, def)) return std::nullopt;
      result = *b.single[def.body.text];
    } else {
      if (!produce(sizeOf(def.body), use.pos, def)) return std::nullopt;
      Sexp copy = def.body;
      restamp(copy, use.pos);
      result = std::move(copy);
    }
    if (!result) return std::nullopt;
    return expand(*result, level + 1, depth);
  }

  static void restamp(Sexp& s, SourcePos p) {
    s.pos = p;
    for (auto& item : s.items) restamp(item, p);
  }

  std::optional<Sexp> substitute(const Sexp& t, const Bindings& b, SourcePos site, const MacroDef& def) {
    using K = Sexp::Kind;
    if (t.kind == K::Unquote) {
      const std::string& name = t.items[0].text;
      if (auto it = b.single.find(name); it != b.single.end()) {
        if (!produce(sizeOf(*it->second), site, def)) return std::nullopt;
        return *it->second;
      }
      Sexp list;  // ,rest outside a splice: the tail as a list
      list.pos = site;
      if (!produce(1, site, def)) return std::nullopt;
      for (const Sexp* r : b.rest) {
        if (!produce(sizeOf(*r), site, def)) return std::nullopt;
        list.items.push_back(*r);
      }
      return list;
    }
    if (!produce(1, site, def)) return std::nullopt;
    if (t.kind != K::List) {
      Sexp atom = t;
      atom.pos = site;
      return atom;
    }
    Sexp out;
    out.pos = site;
    for (const auto& item : t.items) {
      if (item.kind == K::Splice) {
        const std::string& name = item.items[0].text;
        if (name == b.restName) {
          for (const Sexp* r : b.rest) {
            if (!produce(sizeOf(*r), site, def)) return std::nullopt;
            out.items.push_back(*r);
          }
        } else if (const Sexp* arg = b.single.at(name); arg->isList()) {
          if (!produce(sizeOf(*arg) - 1, site, def)) return std::nullopt;
          out.items.insert(out.items.end(), arg->items.begin(), arg->items.end());
        } else {
          addError(diags_, file_, arg->pos, "',@" + name + "' in macro '" + def.name + "' (defined at " +
                                                def.where() + ") needs a list argument, got " + describeSexp(*arg));
          return std::nullopt;
        }
        continue;
      }
      auto sub = substitute(item, b, site, def);
      if (!sub) return std::nullopt;
      out.items.push_back(std::move(*sub));
    }
    return out;
  }

  const MacroTable& macros_;
  std::string_view file_;
  Diagnostics& diags_;
  size_t produced_ = 0;  // forms and atoms created by macros in this top-level form
  bool failed_ = false;
};

}  // namespace

Sexp expandMacros(const Sexp& form, const MacroTable& macros, std::string_view file, Diagnostics& diags) {
  Expander ex(macros, file, diags);
  if (auto out = ex.expand(form, 0, 0); out && !ex.failed()) return std::move(*out);
  Sexp empty;
  empty.pos = form.pos;
  return empty;
}

}  // namespace flywheel::universe
