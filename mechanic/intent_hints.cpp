#include "mechanic/intent_hints.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include "core/atomic_file.h"
#include "mechanic/aci.h"
#include "universe/sexp.h"

namespace flywheel::mechanic {
namespace fs = std::filesystem;
using universe::Sexp;

namespace {

/// Forge's name mappings compare equal here: bulk-discount, bulk_discount, BulkDiscount.
std::string norm(std::string_view name) {
  std::string out;
  for (char c : name)
    if (c != '-' && c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}


std::string trimmed(const std::string& s) {
  auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

/// A span of generated.rs: its lines (1-based, inclusive) with the doc
/// comment above them, and the trait or enum that holds them.
struct Declaration {
  std::string text;
  std::string owner;  // "PricingRules"
};

Declaration declarationAt(const std::vector<std::string>& lines, int first, int last) {
  Declaration d;
  if (first < 1 || first > static_cast<int>(lines.size())) return d;
  last = std::clamp(last, first, std::min(first + 15, static_cast<int>(lines.size())));
  int doc = first - 1;
  while (doc >= 1 && trimmed(lines[doc - 1]).rfind("///", 0) == 0 && first - doc < 6) --doc;
  for (int k = doc + 1; k <= last; ++k) d.text += (d.text.empty() ? "" : "\n") + trimmed(lines[k - 1]);
  for (int k = first - 1; k >= 1; --k) {
    std::string t = trimmed(lines[k - 1]);
    for (const char* head : {"pub trait ", "pub enum "})
      if (t.rfind(head, 0) == 0) {
        std::string rest = t.substr(std::string_view(head).size());
        size_t end = 0;
        while (end < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[end])) || rest[end] == '_')) ++end;
        d.owner = rest.substr(0, end);
        return d;
      }
  }
  return d;
}

/// An intent form that could have asked for a Rust item.
struct Candidate {
  std::string context;  // "billing/pricing"
  std::string form;     // "(rule bulk-discount \"...\")"
};

void findForms(const Sexp& clause, const std::string& context, const std::string& target,
               std::vector<Candidate>& out) {
  static const std::vector<std::string> memberLists = {"states", "ops", "calls"};
  for (size_t i = 1; i < clause.items.size(); ++i) {
    const Sexp& c = clause.items[i];
    if (!c.isList()) continue;
    const std::string head(c.head());
    if (std::find(memberLists.begin(), memberLists.end(), head) != memberLists.end()) {
      for (size_t k = 1; k < c.items.size(); ++k) {
        std::string member = c.items[k].isSymbol() ? c.items[k].text : "";
        if (auto slash = member.find('/'); slash != std::string::npos) member = member.substr(slash + 1);
        if (!member.empty() && norm(member) == target) out.push_back({context, universe::printSexp(c)});
      }
    } else if (c.items.size() > 1 && c.items[1].isSymbol() && norm(c.items[1].text) == target) {
      out.push_back({context, universe::printSexp(c)});
    }
  }
}

/// Every form of the service that maps to the Rust name `name`.
std::vector<Candidate> candidatesFor(const Sexp& service, const std::string& serviceName, const std::string& name) {
  std::vector<Candidate> out;
  std::vector<std::string> targets = {norm(name)};
  if (name.rfind("on_", 0) == 0) targets.push_back(norm(name.substr(3)));  // a state machine's hook
  for (const auto& target : targets) {
    for (size_t i = 1; i < service.items.size(); ++i) {
      const Sexp& clause = service.items[i];
      if (!clause.isList()) continue;
      std::string clauseName = clause.head() == "bootstrap" ? "bootstrap"
                               : clause.items.size() > 1 && clause.items[1].isSymbol() ? clause.items[1].text
                                                                                        : "";
      if (clauseName.empty()) continue;
      if (norm(clauseName) == target) out.push_back({serviceName, universe::printSexp(clause)});
      findForms(clause, serviceName + "/" + clauseName, target, out);
    }
    if (!out.empty()) break;
  }
  return out;
}

const Sexp* serviceForm(const std::vector<Sexp>& forms) {
  for (const auto& f : forms)
    if (f.head() == "service") return &f;
  return nullptr;
}

}  // namespace

std::vector<std::string> requestedNames(const CargoDiagnostic& d) {
  std::vector<std::string> out;
  size_t from = 0;
  if (d.code == "E0046") {
    from = d.message.find("missing:");
    if (from == std::string::npos) return out;
  } else if (d.code != "E0004") {
    return out;
  }
  while (out.size() < 10) {
    size_t a = d.message.find('`', from);
    if (a == std::string::npos) break;
    size_t b = d.message.find('`', a + 1);
    if (b == std::string::npos) break;
    std::string name = d.message.substr(a + 1, b - a - 1);
    from = b + 1;
    if (auto paren = name.find('('); paren != std::string::npos) name = name.substr(0, paren);  // `Some(Refunded)`
    if (auto colons = name.rfind("::"); colons != std::string::npos) name = name.substr(colons + 2);
    if (!name.empty() && name != "_" && name != "..") out.push_back(name);
  }
  return out;
}

void explainFromIntent(const fs::path& universeDir, const universe::Service& service,
                       std::vector<CargoDiagnostic>& diags) {
  std::optional<universe::ReadResult> intent;
  std::map<std::string, std::vector<std::string>> files;  // generated.rs lines, by path
  for (auto& d : diags) {
    auto names = requestedNames(d);
    if (names.empty()) continue;
    std::vector<std::string> owners;
    for (const auto& r : d.related) {
      if (r.file.size() < 12 || r.file.compare(r.file.size() - 12, 12, "generated.rs") != 0) continue;
      auto it = files.find(r.file);
      if (it == files.end()) {
        auto text = readFile(universeDir / r.file);
        it = files.emplace(r.file, text ? splitLines(*text) : std::vector<std::string>()).first;
      }
      Declaration decl = declarationAt(it->second, r.line, std::max(r.line, r.endLine));
      if (decl.text.empty() || d.required.find(decl.text) != std::string::npos) continue;
      d.required += (d.required.empty() ? "" : "\n") + decl.text;
      if (!decl.owner.empty()) owners.push_back(norm(decl.owner));
    }
    if (!intent)
      intent = universe::readSexps(service.expandedText.empty() ? service.sourceText : service.expandedText,
                                   service.intentPath);
    const Sexp* svc = serviceForm(intent->forms);
    if (!svc) continue;
    for (const auto& name : names) {
      auto found = candidatesFor(*svc, service.name, name);
      if (found.empty()) continue;
      const Candidate* best = &found.front();
      for (const auto& c : found) {
        std::string pattern = c.context.substr(c.context.find('/') + 1);
        for (const auto& o : owners)
          if (!pattern.empty() && o.rfind(norm(pattern), 0) == 0) best = &c;
      }
      std::string line = best->context + ": " + best->form;
      if (d.intent.find(line) == std::string::npos) d.intent += (d.intent.empty() ? "" : "\n") + line;
    }
  }
}

}  // namespace flywheel::mechanic
