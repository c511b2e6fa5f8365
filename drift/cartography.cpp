// Drafting an intent from a crate's reality (see cartography.h).
#include "drift/cartography.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/atomic_file.h"
#include "forge/rust_names.h"

namespace flywheel::drift {

namespace u = flywheel::universe;

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct Field {
  std::string name, type;
};

struct Record {
  std::string name;
  std::vector<Field> fields;
};

/// A drafted form: `name` is the type it declares ("" for rpcs and
/// patterns), `form` its text ("" for records, rendered at the end).
struct Form {
  std::string name, form;
  std::vector<std::string> types;  // intent types it names
};

/// The first local name `f` references that is not declared, or "".
std::string unresolved(const Form& f, const std::set<std::string>& declared) {
  for (const auto& t : f.types) {
    std::string token;
    for (char c : t + " ") {
      if (c != '(' && c != ')' && c != ' ') {
        token += c;
        continue;
      }
      bool local = !token.empty() && token.find('/') == std::string::npos && token != "option" && token != "list" &&
                   token != "map" && !u::parsePrimitive(token);
      if (local && !declared.count(token)) return token;
      token.clear();
    }
  }
  return "";
}

class Drafter {
 public:
  Drafter(const CrateMirror& crate, const CrateNames& crates) : crate_(crate), crates_(crates) {}

  IntentDraft run(const u::Service* existing) {
    collectPatternStems();
    for (const auto* f : ordered())
      for (const auto& it : f->api->items) item(*f, it);
    dropUnresolved();
    return render(existing);
  }

 private:
  /// generated.rs first (Forge's declaration order), then the other files.
  std::vector<const MirrorFile*> ordered() const {
    std::vector<const MirrorFile*> out;
    if (const MirrorFile* g = crate_.file("generated.rs")) out.push_back(g);
    for (const auto& f : crate_.files)
      if (!f.generated) out.push_back(&f);
    return out;
  }

  void collectPatternStems() {
    for (const auto& f : crate_.files)
      for (const auto& it : f.api->items) {
        if (it.kind == ItemKind::Impl && !it.trait.empty()) implementors_.insert(it.name);
        if (it.kind != ItemKind::Trait) continue;
        if (it.name == "Bootstrap") artefacts_.insert({"Bootstrap", "Container"});
        for (const char* suffix : {"Hooks", "Rules", "Listener", "Job", "Tool", "Fn"})
          if (endsWith(it.name, suffix)) {
            std::string stem = it.name.substr(0, it.name.size() - std::char_traits<char>::length(suffix));
            for (const char* extra : {"", "State", "Event", "Error", "Memory", "Client"}) artefacts_.insert(stem + extra);
          }
      }
  }

  std::optional<std::string> type(const std::string& rust) const { return intentTypeOf(rust, crates_); }

  void note(const std::string& what) { notes_.push_back(what); }

  void item(const MirrorFile& f, const RustItem& it) {
    if (!it.pub || !it.module.empty()) return;
    switch (it.kind) {
      case ItemKind::Alias:
        if (auto t = type(it.type)) add(it.name, "(alias " + it.name + " " + *t + ")", {*t});
        else note("type " + it.name + " = " + it.type + ": the intent language has no such type");
        break;
      case ItemKind::Enum: enumItem(it); break;
      case ItemKind::Struct: structItem(it); break;
      case ItemKind::Trait: traitItem(it); break;
      case ItemKind::Function:
        if (!f.generated) note("fn " + it.fns[0].name + " (" + f.path + "): hand-written; lift it as a pure-utility by hand if it is API");
        break;
      default: break;
    }
  }

  void enumItem(const RustItem& it) {
    if (artefacts_.count(it.name)) return;
    std::string form = "(enum " + it.name;
    std::vector<std::string> types;
    for (const auto& v : it.variants) {
      if (v.fields.empty()) {
        form += " " + kebabOfCamel(v.name);
        continue;
      }
      auto t = v.named || v.fields.size() != 1 ? std::nullopt : type(v.fields[0].type);
      if (!t) return note("enum " + it.name + ": variant " + v.name + " has fields the intent language cannot say");
      form += " (" + kebabOfCamel(v.name) + " " + *t + ")";
      types.push_back(*t);
    }
    add(it.name, form + ")", types);
  }

  void structItem(const RustItem& it) {
    if (artefacts_.count(it.name)) return;
    if (implementors_.count(it.name)) return note("struct " + it.name + ": implements a trait (an implementation, not data)");
    if (it.tuple || it.fields.empty()) return;
    Record r{it.name, {}};
    std::vector<std::string> types;
    for (const auto& f : it.fields) {
      auto t = type(f.type);
      if (!f.pub || !t) return note("struct " + it.name + ": field " + f.name + " is private or of a type the intent language cannot say");
      r.fields.push_back({kebabOfSnake(f.name), *t});
      types.push_back(*t);
    }
    records_.push_back(r);
    add(it.name, "", types);
  }

  void traitItem(const RustItem& it) {
    std::string api = forge::rustCamel(crate_.service) + "Api";
    if (it.name == api) {
      for (const auto& m : it.fns) rpc(it, m);
    } else if (endsWith(it.name, "Fn") && it.fns.size() == 1 && it.fns[0].name == "call" && it.fns[0].receiver.empty()) {
      pureUtility(it);
    } else {
      note("trait " + it.name + ": a pattern's or a hand-written trait; write its form by hand (docs/forge.md)");
    }
  }

  void rpc(const RustItem& trait, const RustFn& m) {
    const std::string pre = "Result<", post = ", String>";
    std::optional<std::string> in, out;
    if (m.params.size() == 1) in = type(m.params[0].type);
    if (m.returns.rfind(pre, 0) == 0 && endsWith(m.returns, post))
      out = type(m.returns.substr(pre.size(), m.returns.size() - pre.size() - post.size()));
    if (!in || !out) return note("fn " + trait.name + "::" + m.name + ": not the shape of an rpc");
    add("", "(rpc " + kebabOfSnake(m.name) + " (input " + *in + ") (output " + *out + "))", {*in, *out});
  }

  void pureUtility(const RustItem& trait) {
    const RustFn& call = trait.fns[0];
    std::string form = "(pure-utility " + kebabOfCamel(trait.name.substr(0, trait.name.size() - 2));
    std::vector<std::string> types;
    for (const auto& p : call.params) {
      auto t = type(p.type);
      if (!t) return note("trait " + trait.name + ": argument " + p.name + " has a type the intent language cannot say");
      form += " (arg " + kebabOfSnake(p.name) + " " + *t + ")";
      types.push_back(*t);
    }
    auto ret = call.returns.empty() ? std::nullopt : type(call.returns);
    if (!ret) return note("trait " + trait.name + ": its return type cannot be said in the intent language");
    types.push_back(*ret);
    add("", form + " (returns " + *ret + "))", types);
  }

  void add(const std::string& name, std::string form, std::vector<std::string> types) {
    forms_.push_back({name, std::move(form), std::move(types)});
  }

  /// Local names every drafted form references must be drafted too.
  void dropUnresolved() {
    for (bool changed = true; changed;) {
      changed = false;
      std::set<std::string> declared;
      for (const auto& f : forms_)
        if (!f.name.empty()) declared.insert(f.name);
      for (auto it = forms_.begin(); it != forms_.end();) {
        std::string missing = unresolved(*it, declared);
        if (missing.empty()) {
          ++it;
          continue;
        }
        note((it->name.empty() ? it->form : it->name) + ": names " + missing + ", which is not drafted");
        std::erase_if(records_, [&](const Record& r) { return r.name == it->name && !it->name.empty(); });
        it = forms_.erase(it);
        changed = true;
      }
    }
  }

  IntentDraft render(const u::Service* existing);
  std::map<std::string, std::string> recordForms(IntentDraft& d, std::string& macros);
  std::vector<std::string> dependencies() const;

  const CrateMirror& crate_;
  const CrateNames& crates_;
  std::set<std::string> artefacts_, implementors_;
  std::vector<Form> forms_;
  std::vector<Record> records_;
  std::vector<std::string> notes_;
};

std::string fieldsText(const std::vector<Field>& fields, size_t from) {
  std::string out;
  for (size_t k = from; k < fields.size(); ++k) out += " (field " + fields[k].name + " " + fields[k].type + ")";
  return out;
}

/// Records through proposed macros where three or more share their first
/// fields, the rest plainly; `macros` gets the defmacro forms.
std::map<std::string, std::string> Drafter::recordForms(IntentDraft& d, std::string& macros) {
  std::map<std::string, std::string> out;
  std::set<std::string> done;
  size_t longest = 0;
  for (const auto& r : records_) longest = std::max(longest, r.fields.size());
  for (size_t k = longest; k >= 2; --k) {
    std::map<std::string, std::vector<const Record*>> groups;  // first k fields -> records
    for (const auto& r : records_)
      if (!done.count(r.name) && r.fields.size() >= k) groups[fieldsText(std::vector<Field>(r.fields.begin(), r.fields.begin() + static_cast<long>(k)), 0)].push_back(&r);
    for (const auto& [prefix, group] : groups) {
      if (group.size() < 3) continue;
      std::string name = "record-with-" + group[0]->fields[0].name;
      for (int n = 2; std::find(d.macros.begin(), d.macros.end(), name) != d.macros.end(); ++n)
        name = "record-with-" + group[0]->fields[0].name + "-" + std::to_string(n);
      d.macros.push_back(name);
      macros += ";; Proposed vocabulary: " + std::to_string(group.size()) + " records start with these fields.\n";
      macros += "(defmacro " + name + " (name &rest fields)\n  `(type ,name" + prefix + " ,@fields))\n\n";
      for (const Record* r : group) {
        out[r->name] = "(" + name + " " + r->name + fieldsText(r->fields, k) + ")";
        done.insert(r->name);
      }
    }
  }
  for (const auto& r : records_)
    if (!done.count(r.name)) out[r.name] = "(type " + r.name + fieldsText(r.fields, 0) + ")";
  return out;
}

std::vector<std::string> Drafter::dependencies() const {
  std::set<std::string> deps;
  for (const auto& f : crate_.files)
    for (const auto& use : f.api->crateUses) {
      auto it = crates_.find(use.crate);
      if (!use.inTest && it != crates_.end() && it->second != crate_.service) deps.insert(it->second);
    }
  return {deps.begin(), deps.end()};
}

IntentDraft Drafter::render(const u::Service* existing) {
  IntentDraft d;
  d.service = crate_.service;
  std::string macros;
  auto records = recordForms(d, macros);
  std::string text = ";; Draft intent of service `" + crate_.service + "`, drafted by flywheel from the Rust code in " +
                     crate_.dir + "/src\n;; (cartography). Review it before it becomes an intent.lisp.\n";
  for (const auto& n : notes_) text += ";; not drafted: " + n + "\n";
  text += "\n" + macros + "(service " + crate_.service;
  if (existing && existing->governancePos.line)
    text += "\n  (governance " + std::string(u::governanceName(existing->governance)) + ")";
  auto deps = dependencies();
  if (!deps.empty()) {
    text += "\n  (depends-on";
    for (const auto& s : deps) text += " " + s;
    text += ")";
  }
  for (const auto& f : forms_) {
    auto r = records.find(f.name);
    text += "\n  " + (f.form.empty() && r != records.end() ? r->second : f.form);
  }
  text += ")\n";
  d.text = std::move(text);
  d.notDrafted = notes_;
  d.forms = forms_.size();
  return d;
}

}  // namespace

IntentDraft draftIntent(const CrateMirror& crate, const CrateNames& crates, const u::Service* existing) {
  return Drafter(crate, crates).run(existing);
}

Result<std::string> writeDraft(const std::filesystem::path& root, const std::string& dir, const IntentDraft& draft) {
  std::string rel = (dir.empty() ? "" : dir + "/") + "intent.draft.lisp";
  if (auto r = writeFileAtomic(root / rel, draft.text); !r) return fail(r.error());
  return rel;
}

}  // namespace flywheel::drift
