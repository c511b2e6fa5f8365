// The kb tool group: kb_remember, kb_search, kb_get, kb_forget and the
// resource template flywheel://kb/{id}, over kb/knowledge_base.h.
//
// The group uses the process's one KnowledgeBase (tools/services.h), opened
// on <universe>/.flywheel/kb.sqlite the first time a tool needs it (the
// embedder comes from FLYWHEEL_KB_* env variables, see kb/embedder.h).
// KnowledgeBase is thread-safe, so handlers share it without a lock of their own.
#include <chrono>
#include <memory>
#include <mutex>

#include "kb/knowledge_base.h"
#include "kb/memory_rules.h"
#include "server/params.h"
#include "tools/kb_seed.h"
#include "tools/tool_groups.h"

namespace flywheel::tools {
namespace {

using nlohmann::json;
using namespace flywheel::kb;
using mcp::ParamReader;
using mcp::ToolResult;

/// The process's one knowledge base (tools/services.h), opened on first use
/// and seeded from the universe by its first caller (tools/kb_seed.h).
struct SharedKb {
  std::shared_ptr<tools::Lazy<KnowledgeBase>> kb;
  std::shared_ptr<KbSeeder> seeder;
  /// The knowledge base once its first seeding finished or had ~2 s to run;
  /// `state` says which.
  Result<KnowledgeBase*> get(KbSeeder::State* state = nullptr) {
    if (seeder) {
      auto st = seeder->ensureSeeded(std::chrono::seconds(2));
      if (state) *state = st;
    }
    return kb->get();
  }
};

/// "(the knowledge base is still importing the universe: 120 of 1000
/// services; results may be incomplete)", or "" when it is not.
std::string seedingNote(const KbSeeder::State& st) {
  if (st.seeded && st.running) return "the knowledge base is updating changed services; results may lag by a moment";
  if (st.seeded) return st.problem.empty() ? "" : "the last import of the universe failed: " + st.problem;
  return "the knowledge base is still importing the universe (" + std::to_string(st.done) + " of " +
         (st.total ? std::to_string(st.total) : std::string("?")) +
         " services); results are partial: ask again in a moment";
}

std::string uriOf(std::int64_t id) { return "flywheel://kb/" + std::to_string(id); }

ToolResult failed(std::string_view tool, const Error& e) { return ToolResult::error(std::string(tool) + ": " + e.message); }

/// Where a memory came from; memories stored before citations were kept
/// say when they were remembered.
std::string citeOf(const std::string& cite, std::int64_t created) {
  return cite.empty() ? "remembered on " + formatTime(created) : cite;
}

json memoryJson(const Memory& m) {
  return {{"id", m.id},           {"uri", uriOf(m.id)},   {"kind", m.kind},
          {"service", m.service}, {"title", m.title},     {"body", m.body},
          {"tags", m.tags},       {"created", formatTime(m.created)}, {"updated", formatTime(m.updated)},
          {"cite", citeOf(m.cite, m.created)}};
}

json hitJson(const SearchHit& h) {
  json j = {{"id", h.id},           {"uri", uriOf(h.id)},   {"kind", h.kind},
            {"service", h.service}, {"title", h.title},     {"tags", h.tags},
            {"created", formatTime(h.created)}, {"snippet", h.snippet}, {"score", h.score},
            {"cite", citeOf(h.cite, h.created)},
            {"foundBy", h.foundBy()}};
  if (h.lexicalRank) j["lexicalRank"] = *h.lexicalRank;
  if (h.vectorRank) j["vectorRank"] = *h.vectorRank;
  return j;
}

// ---- kb_remember ----

ToolResult remember(SharedKb& shared, const json& args) {
  MemoryDraft d;
  ParamReader r(args);
  r.required("title", d.title).optional("body", d.body).optional("kind", d.kind);
  r.optional("service", d.service).optional("tags", d.tags);
  std::string by = "an agent (kb_remember)";
  r.optional("by", by);
  if (auto e = r.finish(); !e) return failed("kb_remember", e.error());
  d.cite = "remembered by " + by.substr(0, 200) + " on " + formatTime(nowSeconds());
  auto kb = shared.get();
  if (!kb) return failed("kb_remember", kb.error());
  auto res = (*kb)->remember(d);
  if (!res) return failed("kb_remember", res.error());
  const char* outcome = res->outcome == WriteOutcome::Created   ? "created"
                        : res->outcome == WriteOutcome::Updated ? "updated"
                                                                : "unchanged";
  return ToolResult::ok({{"id", res->id}, {"uri", uriOf(res->id)}, {"outcome", outcome},
                         {"vectorStored", res->vectorStored}});
}

// ---- kb_search ----

Result<SearchRequest> readSearch(const json& args) {
  SearchRequest q;
  std::string mode = "hybrid";
  std::optional<std::string> since, until;
  ParamReader r(args);
  r.required("query", q.query).optional("kinds", q.filter.kinds).optional("services", q.filter.services);
  r.optional("tags", q.filter.tags).optional("since", since).optional("until", until);
  r.optional("mode", mode).optional("limit", q.limit).optional("cursor", q.cursor);
  if (mode == "hybrid") q.mode = SearchMode::Hybrid;
  else if (mode == "lexical") q.mode = SearchMode::Lexical;
  else if (mode == "vector") q.mode = SearchMode::Vector;
  else r.invalid("mode", "must be hybrid, lexical or vector (got '" + mode + "')");
  auto time = [&](const char* key, const std::optional<std::string>& text, std::optional<std::int64_t>& out) {
    if (!text) return;
    out = parseTime(*text);
    if (!out) r.invalid(key, "must be a date like 2026-11-26 or 2026-11-26T11:00:00Z (got '" + *text + "')");
  };
  time("since", since, q.filter.createdAfter);
  time("until", until, q.filter.createdBefore);
  if (q.limit < 1 || q.limit > 100)
    r.invalid("limit", "must be 1..100 (got " + std::to_string(q.limit) + "); lower it or pass cursor");
  if (auto e = r.finish(); !e) return fail(e.error());
  return q;
}

ToolResult search(SharedKb& shared, const json& args) {
  auto q = readSearch(args);
  if (!q) return failed("kb_search", q.error());
  KbSeeder::State seeding;
  auto kb = shared.get(&seeding);
  if (!kb) return failed("kb_search", kb.error());
  auto page = (*kb)->search(*q);
  if (!page) return failed("kb_search", page.error());
  const std::string note = seedingNote(seeding);
  if (!note.empty()) page->warnings.push_back(note);
  json hits = json::array();
  for (const auto& h : page->hits) hits.push_back(hitJson(h));
  json out = {{"hits", hits}, {"candidates", page->candidates}, {"warnings", page->warnings},
              {"partial", !seeding.seeded && shared.seeder != nullptr}};
  if (!page->nextCursor.empty()) out["nextCursor"] = page->nextCursor;
  // What a person reads: title, kind and service, the words that matched in
  // context, where the fact comes from, and the URI to open it.
  std::string text = std::to_string(page->hits.size()) + " memor" + (page->hits.size() == 1 ? "y" : "ies") +
                     " found" + (page->nextCursor.empty() ? "" : " (more: pass cursor " + page->nextCursor + ")") + "\n";
  for (const auto& h : page->hits)
    text += "\n" + h.title + "  (" + h.kind + (h.service.empty() ? "" : ", service " + h.service) + ")\n  " +
            h.snippet + "\n  source: " + citeOf(h.cite, h.created) + "\n  " + uriOf(h.id) + "\n";
  for (const auto& w : page->warnings) text += "warning: " + w + "\n";
  text += "\nkb_get {id} reads a whole memory";
  return ToolResult::ok(std::move(out), std::move(text));
}

// ---- kb_import ----

ToolResult importAll(SharedKb& shared, const json& args, mcp::ToolContext& ctx) {
  ParamReader r(args);
  if (auto e = r.finish(); !e) return failed("kb_import", e.error());
  if (!shared.seeder) return ToolResult::error("kb_import: this server has no universe to import");
  auto report = shared.seeder->importAll([&](size_t done, size_t total) {
    ctx.progress(static_cast<double>(done), static_cast<double>(total),
                 "imported " + std::to_string(done) + " of " + std::to_string(total) + " services");
  });
  if (!report) return failed("kb_import", report.error());
  json out = {{"read", report->read},         {"created", report->created}, {"updated", report->updated},
              {"unchanged", report->unchanged}, {"removed", report->removed}, {"problems", report->problems}};
  std::string text = "imported the universe's intents and repair log: " + std::to_string(report->read) +
                     " fact(s) read, " + std::to_string(report->created) + " new, " +
                     std::to_string(report->updated) + " updated, " + std::to_string(report->unchanged) +
                     " unchanged, " + std::to_string(report->removed) + " forgotten (their source is gone)\n";
  for (const auto& p : report->problems) text += "problem: " + p + "\n";
  return ToolResult::ok(std::move(out), std::move(text));
}

// ---- kb_get / kb_forget ----

ToolResult getMemory(SharedKb& shared, const json& args) {
  std::int64_t id = 0;
  ParamReader r(args);
  r.required("id", id);
  if (auto e = r.finish(); !e) return failed("kb_get", e.error());
  auto kb = shared.get();
  if (!kb) return failed("kb_get", kb.error());
  auto m = (*kb)->get(id);
  if (!m) return failed("kb_get", m.error());
  return ToolResult::ok(memoryJson(*m));
}

ToolResult forgetMemory(SharedKb& shared, const json& args) {
  std::int64_t id = 0;
  ParamReader r(args);
  r.required("id", id);
  if (auto e = r.finish(); !e) return failed("kb_forget", e.error());
  auto kb = shared.get();
  if (!kb) return failed("kb_forget", kb.error());
  if (auto res = (*kb)->forget(id); !res) return failed("kb_forget", res.error());
  return ToolResult::ok({{"id", id}, {"forgotten", true}});
}

std::string memoryMarkdown(const Memory& m) {
  std::string s = "# " + m.title + "\n\n";
  s += "- id: " + std::to_string(m.id) + "\n- kind: " + m.kind + "\n";
  if (!m.service.empty()) s += "- service: " + m.service + "\n";
  if (!m.tags.empty()) {
    s += "- tags:";
    for (const auto& t : m.tags) s += " " + t;
    s += "\n";
  }
  s += "- created: " + formatTime(m.created) + "\n- updated: " + formatTime(m.updated) +
       "\n- source: " + citeOf(m.cite, m.created) + "\n\n" + m.body + "\n";
  return s;
}

}  // namespace

Result<void> registerKbTools(mcp::Registry& registry, const Services& services) {
  if (!services.knowledge) return fail(Error::internal("the kb tools need the knowledge base handle"));
  auto shared = std::make_shared<SharedKb>(SharedKb{services.knowledge, services.seeder});
  using mcp::ToolContext;
  auto add = [&](mcp::ToolSpec spec) { return registry.addTool(std::move(spec)); };
  if (auto r = add({.name = "kb_remember",
                    .title = "Remember an architecture fact",
                    .description =
                        "Stores a memory in the universe's knowledge base: a decision, a repair, a note about a "
                        "service. Remembering the same content twice stores it once. Returns its id and "
                        "flywheel://kb/{id} URI.",
                    .annotations = {.readOnly = false, .destructive = false, .idempotent = true},
                    .handler = [shared](const json& a, ToolContext&) { return remember(*shared, a); }});
      !r)
    return r;
  if (auto r = add({.name = "kb_search",
                    .title = "Search the knowledge base",
                    .description =
                        "Hybrid search (BM25 over identifier-aware terms + vectors, fused by reciprocal rank) over "
                        "past decisions, repairs and intent. Exact identifiers (auth-service, UserProfile.id, "
                        "E0308) and plain-language questions both work; filter by kinds, services, tags, "
                        "since/until. Each hit says which arm found it. Empty query lists the newest memories. "
                        "Pages of at most ~20k characters; pass nextCursor for more.",
                    .annotations = {.readOnly = true, .idempotent = true},
                    .handler = [shared](const json& a, ToolContext&) { return search(*shared, a); }});
      !r)
    return r;
  if (auto r = add({.name = "kb_import",
                    .title = "Re-import the universe into the knowledge base",
                    .description =
                        "Imports every service's intent (purpose, governance, status, gaps, dependencies and "
                        "dependents, types, rpcs, patterns; each citing its file and line) and the repair log. "
                        "Incremental: unchanged facts are skipped, facts whose declaration is gone are forgotten, "
                        "nothing is stored twice. Not needed for normal use (the knowledge base seeds itself on "
                        "first use and follows intent edits); use it after bulk changes. Reports progress.",
                    .annotations = {.readOnly = false, .destructive = false, .idempotent = true},
                    .handler = [shared](const json& a, ToolContext& c) { return importAll(*shared, a, c); }});
      !r)
    return r;
  if (auto r = add({.name = "kb_get",
                    .title = "Read one memory",
                    .description = "Returns the full memory (body included) for an id from kb_search.",
                    .annotations = {.readOnly = true, .idempotent = true},
                    .handler = [shared](const json& a, ToolContext&) { return getMemory(*shared, a); }});
      !r)
    return r;
  if (auto r = add({.name = "kb_forget",
                    .title = "Forget a memory",
                    .description = "Deletes a memory that is wrong or obsolete. Cannot be undone.",
                    .annotations = {.readOnly = false, .destructive = true, .idempotent = false},
                    .handler = [shared](const json& a, ToolContext&) { return forgetMemory(*shared, a); }});
      !r)
    return r;
  mcp::ResourceTemplateSpec res;
  res.uriTemplate = "flywheel://kb/{id}";
  res.name = "kb-memory";
  res.title = "Knowledge-base memory";
  res.description = "One architecture memory (decision, repair, intent) as Markdown.";
  res.mimeType = "text/markdown";
  res.read = [shared](const std::string& uri,
                      const std::map<std::string, std::string>& vars) -> Result<std::vector<mcp::ResourceContents>> {
    auto it = vars.find("id");
    std::string id = it == vars.end() ? "" : it->second;
    if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos)
      return fail(Error::notFound("no memory at " + uri + ": the id must be a positive integer from kb_search"));
    auto kb = shared->get();
    if (!kb) return fail(kb.error());
    auto m = (*kb)->get(std::stoll(id));
    if (!m) return fail(m.error());
    return std::vector<mcp::ResourceContents>{{uri, "text/markdown", memoryMarkdown(*m)}};
  };
  res.list = [shared]() {
    std::vector<mcp::ResourceSpec> out;
    auto kb = shared->get();
    if (!kb) return out;
    auto recent = (*kb)->recent(50);
    if (!recent) return out;
    for (const auto& m : *recent) {
      mcp::ResourceSpec s;
      s.uri = uriOf(m.id);
      s.name = "kb-" + std::to_string(m.id);
      s.title = m.title;
      s.description = m.kind + (m.service.empty() ? "" : " · " + m.service);
      s.mimeType = "text/markdown";
      out.push_back(std::move(s));
    }
    return out;
  };
  res.complete = [shared](const std::string& variable, const std::string& partial) {
    std::vector<std::string> out;
    if (variable != "id") return out;
    auto kb = shared->get();
    if (!kb) return out;
    if (auto recent = (*kb)->recent(200))
      for (const auto& m : *recent)
        if (auto s = std::to_string(m.id); s.rfind(partial, 0) == 0 && out.size() < 100) out.push_back(s);
    return out;
  };
  return registry.addResourceTemplate(std::move(res));
}

}  // namespace flywheel::tools
