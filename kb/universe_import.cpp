// importUniverse: one memory per service, public type (record, enum, alias),
// rpc and stamping pattern, each carrying the intent text that declares it.
#include <set>

#include "kb/kb_import.h"
#include "kb/memory_rules.h"

#ifdef FLYWHEEL_KB_HAS_UNIVERSE
#include "universe/ir.h"
#endif

namespace flywheel::kb {

#ifndef FLYWHEEL_KB_HAS_UNIVERSE

Result<ImportReport> importUniverse(KnowledgeBase&, const std::filesystem::path& root) {
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

MemoryDraft declMemory(const u::Service& s, const char* kind, const std::string& name, u::SourcePos pos,
                       const std::string& summary) {
  MemoryDraft d;
  d.kind = kind;
  d.service = s.name;
  d.title = s.name + "/" + name;
  d.body = summary + "\n" + formText(s.sourceText, pos);
  d.tags = {"intent", kind};
  d.sourceKey = std::string("universe:") + kind + ":" + s.name + "/" + name;
  return d;
}

std::string fieldsOf(const u::TypeDecl& t) {
  std::string s;
  for (const auto& f : t.fields) s += (s.empty() ? "" : ", ") + f.name + ": " + f.type.toString();
  return s;
}

void serviceMemories(const u::Service& s, std::vector<MemoryDraft>& out) {
  MemoryDraft d;
  d.kind = "service";
  d.service = s.name;
  d.title = "service " + s.name;
  std::string deps, types, rpcs;
  for (const auto& x : s.allDependencies) deps += (deps.empty() ? "" : ", ") + x;
  for (const auto& t : s.types) types += (types.empty() ? "" : ", ") + t.name;
  for (const auto& e : s.enums) types += (types.empty() ? "" : ", ") + e.name;
  for (const auto& r : s.rpcs) rpcs += (rpcs.empty() ? "" : ", ") + r.name;
  d.body = "Service " + s.name + " (crate " + s.crateName + ", " + s.intentPath + "), governance " +
           std::string(u::governanceName(s.governance)) + ". Depends on: " + (deps.empty() ? "nothing" : deps) +
           ". Types: " + (types.empty() ? "none" : types) + ". RPCs: " + (rpcs.empty() ? "none" : rpcs) + ".\n" +
           truncateUtf8(s.sourceText, 12000);
  d.tags = {"intent", "service", std::string(u::governanceName(s.governance))};
  d.sourceKey = "universe:service:" + s.name;
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

}  // namespace

Result<ImportReport> importUniverse(KnowledgeBase& kb, const std::filesystem::path& root) {
  auto loaded = u::loadUniverse(root);
  if (!loaded) return fail(loaded.error());
  ImportReport report;
  std::vector<MemoryDraft> drafts;
  for (const auto& s : loaded->universe.services) serviceMemories(s, drafts);
  for (auto& d : drafts) {
    d.title = truncateUtf8(d.title, kMaxTitleChars);
    d.body = truncateUtf8(d.body, kMaxBodyChars);
  }
  report.read = drafts.size();
  for (const auto& diag : loaded->diagnostics)
    if (report.problems.size() < 20) report.problems.push_back(diag.file + ": " + diag.message);
  auto r = kb.rememberMany(drafts);
  if (!r) return fail(r.error());
  tally(report, *r);
  return report;
}

#endif

}  // namespace flywheel::kb
