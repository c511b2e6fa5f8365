// importUniverse: one memory per service, public type (record, enum, alias),
// rpc and stamping pattern, each carrying the intent text that declares it.
#include <map>
#include <set>

#include "kb/kb_import.h"
#include "kb/memory_rules.h"

#ifdef FLYWHEEL_KB_HAS_UNIVERSE
#include "universe/ir.h"
#endif

namespace flywheel::kb {

#ifndef FLYWHEEL_KB_HAS_UNIVERSE

Result<ImportReport> importUniverse(KnowledgeBase&, const std::filesystem::path& root, const UniverseImportOptions&) {
  return fail(Error::failedPrecondition("cannot import the universe at " + root.string() +
                                        ": this flywheel was built without the universe loader; "
                                        "only .flywheel/repairs.jsonl can be imported"));
}

#else

namespace {

namespace u = flywheel::universe;

// The text of the form starting at 1-based line/col, with the `;` comment
// lines right above it, bounded.
std::string formText(const std::string& src, u::SourcePos pos, size_t maxBytes = 6000) {
  if (pos.line == 0) return "";
  size_t offset = 0;
  for (uint32_t l = 1; l < pos.line && offset != std::string::npos; ++l) {
    offset = src.find('\n', offset);
    if (offset != std::string::npos) ++offset;
  }
  if (offset == std::string::npos) return "";
  size_t lineStart = offset;
  offset += pos.col > 0 ? pos.col - 1 : 0;
  if (offset >= src.size() || src[offset] != '(') return "";
  int depth = 0;
  bool inString = false, inComment = false;
  size_t end = offset;
  for (; end < src.size(); ++end) {
    char c = src[end];
    if (inComment) { if (c == '\n') inComment = false; continue; }
    if (inString) { if (c == '\\') ++end; else if (c == '"') inString = false; continue; }
    if (c == ';') inComment = true;
    else if (c == '"') inString = true;
    else if (c == '(') ++depth;
    else if (c == ')' && --depth == 0) break;
  }
  // Comment lines directly above the form explain it: keep them.
  size_t commentStart = lineStart;
  while (commentStart > 0) {
    size_t prevEnd = commentStart - 1;
    size_t prevStart = src.rfind('\n', prevEnd == 0 ? 0 : prevEnd - 1);
    prevStart = prevStart == std::string::npos ? 0 : prevStart + 1;
    std::string_view prev(src.data() + prevStart, prevEnd - prevStart);
    size_t first = prev.find_first_not_of(" \t");
    if (first == std::string_view::npos || prev[first] != ';') break;
    commentStart = prevStart;
  }
  std::string text = src.substr(commentStart, offset - lineStart + (lineStart - commentStart)) +
                     src.substr(offset, std::min(end + 1, src.size()) - offset);
  return truncateUtf8(text, maxBytes);
}

/// "services/user/intent.lisp:12": where a fact of the intent is written.
std::string cite(const u::Service& s, u::SourcePos pos) {
  return s.intentPath + (pos.line > 0 ? ":" + std::to_string(pos.line) : "");
}

/// The comment lines that open the intent file (before its first form),
/// without their `;`: what the service is for, in its authors' words.
std::string purposeOf(const std::string& src) {
  std::string out;
  size_t at = 0;
  while (at < src.size()) {
    size_t end = src.find('\n', at);
    if (end == std::string::npos) end = src.size();
    std::string_view line(src.data() + at, end - at);
    size_t first = line.find_first_not_of(" \t\r");
    at = end + 1;
    if (first == std::string_view::npos) {
      if (!out.empty()) break;  // a blank line ends the leading block
      continue;
    }
    if (line[first] != ';') break;
    line.remove_prefix(first);
    while (!line.empty() && line.front() == ';') line.remove_prefix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (!line.empty()) out += (out.empty() ? "" : " ") + std::string(line);
    if (out.size() > 1500) break;
  }
  return truncateUtf8(out, 1500);
}

MemoryDraft declMemory(const u::Service& s, const char* kind, const std::string& name, u::SourcePos pos,
                       const std::string& summary) {
  MemoryDraft d;
  d.kind = kind;
  d.service = s.name;
  d.title = s.name + "/" + name;
  d.body = summary + "\n" + formText(s.sourceText, pos);
  d.tags = {"intent", kind};
  d.sourceKey = std::string("universe:") + kind + ":" + s.name + "/" + name;
  d.cite = cite(s, pos);
  return d;
}

std::string fieldsOf(const u::TypeDecl& t) {
  std::string s;
  for (const auto& f : t.fields) s += (s.empty() ? "" : ", ") + f.name + ": " + f.type.toString();
  return s;
}

std::string joined(const std::vector<std::string>& xs, const char* none) {
  std::string out;
  for (const auto& x : xs) out += (out.empty() ? "" : ", ") + x;
  return out.empty() ? none : out;
}

void serviceMemories(const u::Service& s, const std::vector<std::string>& dependents, std::vector<MemoryDraft>& out) {
  MemoryDraft d;
  d.kind = "service";
  d.service = s.name;
  d.title = "service " + s.name;
  std::vector<std::string> types, rpcs, patterns, gaps;
  for (const auto& t : s.types) types.push_back(t.name);
  for (const auto& e : s.enums) types.push_back(e.name);
  for (const auto& a : s.aliases) types.push_back(a.name);
  for (const auto& r : s.rpcs) rpcs.push_back(r.name);
  for (const auto& p : s.crudGateways) patterns.push_back("crud-gateway " + p.name);
  for (const auto& p : s.eventListeners) patterns.push_back("event-listener " + p.name);
  for (const auto& p : s.cronWorkers) patterns.push_back("cron-worker " + p.name);
  for (const auto& p : s.mcpTools) patterns.push_back("mcp-tool " + p.name);
  for (const auto& p : s.stateMachines) patterns.push_back("state-machine " + p.name);
  for (const auto& p : s.domainEngines) patterns.push_back("domain-engine " + p.name);
  for (const auto& p : s.rpcGateways) patterns.push_back("rpc-gateway " + p.name);
  for (const auto& g : s.gaps) gaps.push_back("\"" + g.text + "\" (" + cite(s, g.pos) + ")");
  const std::string purpose = purposeOf(s.sourceText);
  d.body = (purpose.empty() ? "" : "Purpose: " + purpose + "\n") + "Service " + s.name + " (crate " + s.crateName +
           ", " + s.intentPath + "), governance " + std::string(u::governanceName(s.governance)) + ", status " +
           std::string(u::statusName(s.status)) + ".\nDepends on: " + joined(s.allDependencies, "nothing") +
           ".\nDepended on by: " + joined(dependents, "no service") + ".\nTypes: " + joined(types, "none") +
           ".\nRPCs: " + joined(rpcs, "none") + ".\nPatterns: " + joined(patterns, "none") + ".\n" +
           (gaps.empty() ? "" : "Gaps: " + joined(gaps, "") + ".\n") + truncateUtf8(s.sourceText, 12000);
  d.tags = {"intent", "service", std::string(u::governanceName(s.governance)), std::string(u::statusName(s.status))};
  d.sourceKey = "universe:service:" + s.name;
  d.cite = cite(s, s.pos);
  out.push_back(std::move(d));
  for (const auto& t : s.types)
    out.push_back(declMemory(s, "type", t.name, t.pos, "Record type " + s.name + "/" + t.name + " { " + fieldsOf(t) + " }"));
  for (const auto& e : s.enums) {
    std::string vs;
    for (const auto& v : e.variants) vs += (vs.empty() ? "" : ", ") + v.name;
    out.push_back(declMemory(s, "type", e.name, e.pos, "Enum " + s.name + "/" + e.name + " { " + vs + " }"));
  }
  for (const auto& a : s.aliases)
    out.push_back(declMemory(s, "type", a.name, a.pos,
                             "Alias " + s.name + "/" + a.name + " = " + a.target.toString()));
  for (const auto& r : s.rpcs)
    out.push_back(declMemory(s, "rpc", r.name, r.pos,
                             "RPC " + s.name + "/" + r.name + ": " + r.input.toString() + " -> " + r.output.toString()));
  for (const auto& m : s.mcpTools)
    out.push_back(declMemory(s, "pattern", m.name, m.pos, "MCP tool " + m.name + ": " + m.doc));
  for (const auto& e : s.domainEngines) {
    std::string rules;
    for (const auto& r : e.rules) rules += " " + r.name + ": " + r.doc + ".";
    out.push_back(declMemory(s, "pattern", e.name, e.pos, "Domain engine " + e.name + "." + rules));
  }
  for (const auto& c : s.crudGateways)
    out.push_back(declMemory(s, "pattern", c.name, c.pos, "CRUD gateway " + c.name + " over " + c.entity.toString()));
  for (const auto& m : s.stateMachines)
    out.push_back(declMemory(s, "pattern", m.name, m.pos, "State machine " + m.name));
  for (const auto& g : s.rpcGateways)
    out.push_back(declMemory(s, "pattern", g.name, g.pos, "RPC gateway " + g.name));
}

/// The service a universe source key belongs to: "universe:type:user/Note" -> "user".
std::string serviceOfKey(const std::string& key) {
  size_t a = key.find(':');
  size_t b = a == std::string::npos ? a : key.find(':', a + 1);
  if (b == std::string::npos) return "";
  size_t c = key.find('/', b + 1);
  return key.substr(b + 1, c == std::string::npos ? std::string::npos : c - b - 1);
}

}  // namespace

Result<ImportReport> importUniverse(KnowledgeBase& kb, const std::filesystem::path& root,
                                    const UniverseImportOptions& options) {
  auto loaded = u::loadUniverse(root);
  if (!loaded) return fail(loaded.error());
  const auto& services = loaded->universe.services;
  std::map<std::string, std::vector<std::string>> dependents;
  for (const auto& s : services)
    for (const auto& d : s.allDependencies) dependents[d].push_back(s.name);
  const std::set<std::string> wanted(options.services.begin(), options.services.end());
  auto selected = [&](const std::string& name) { return wanted.empty() || wanted.count(name); };
  ImportReport report;
  for (const auto& diag : loaded->diagnostics)
    if (report.problems.size() < 20) report.problems.push_back(diag.file + ": " + diag.message);
  size_t total = 0, done = 0;
  for (const auto& s : services) total += selected(s.name) ? 1 : 0;
  // In batches of services: progress as it goes, bounded transactions.
  std::set<std::string> written;
  std::vector<MemoryDraft> drafts;
  auto flush = [&]() -> Result<void> {
    for (auto& d : drafts) {
      d.title = truncateUtf8(d.title, kMaxTitleChars);
      d.body = truncateUtf8(d.body, kMaxBodyChars);
      written.insert(d.sourceKey);
    }
    report.read += drafts.size();
    auto r = kb.rememberMany(drafts);
    if (!r) return fail(r.error());
    tally(report, *r);
    drafts.clear();
    if (options.progress) options.progress(done, total);
    return {};
  };
  for (const auto& s : services) {
    if (!selected(s.name)) continue;
    serviceMemories(s, dependents[s.name], drafts);
    ++done;
    if (drafts.size() >= 256)
      if (auto r = flush(); !r) return fail(r.error());
  }
  if (auto r = flush(); !r) return fail(r.error());
  // What an earlier import wrote for these services and this one did not:
  // removed declarations and services. Forget them (superseded facts).
  auto old = kb.sources("universe:");
  if (!old) return fail(old.error());
  for (const auto& [id, key] : *old) {
    if (written.count(key) || !selected(serviceOfKey(key))) continue;
    if (auto r = kb.forget(id); !r && r.error().code != "not_found") return fail(r.error());
    ++report.removed;
  }
  return report;
}

#endif

}  // namespace flywheel::kb
