// The kb tool group: kb_remember, kb_search, kb_get, kb_forget and the
// resource template flywheel://kb/{id}, over kb/knowledge_base.h.
//
// The group opens one KnowledgeBase on <universe>/.flywheel/kb.sqlite the
// first time a tool needs it (the embedder comes from FLYWHEEL_KB_* env
// variables, see kb/embedder.h). KnowledgeBase is thread-safe, so handlers
// share it without a lock of their own.
#include <memory>
#include <mutex>

#include "kb/knowledge_base.h"
#include "server/params.h"
#include "tools/tool_groups.h"

namespace flywheel::tools {
namespace {

using nlohmann::json;
using namespace flywheel::kb;
using mcp::ParamReader;
using mcp::ToolResult;

class SharedKb {
 public:
  explicit SharedKb(std::filesystem::path stateDir) : stateDir_(std::move(stateDir)) {}
  Result<KnowledgeBase*> get() {
    std::lock_guard lock(mu_);
    if (!kb_) {
      auto cfg = EmbedderConfig::fromEnvironment();
      if (!cfg) return fail(cfg.error());
      KbOptions opts;
      opts.embedder = *cfg;
      auto kb = KnowledgeBase::open(stateDir_, opts);
      if (!kb) return fail(Error::io("cannot open the knowledge base in " + stateDir_.string() + ": " +
                                     kb.error().message));
      kb_ = std::move(*kb);
    }
    return kb_.get();
  }

 private:
  std::filesystem::path stateDir_;
  std::mutex mu_;
  std::unique_ptr<KnowledgeBase> kb_;
};

std::string uriOf(std::int64_t id) { return "flywheel://kb/" + std::to_string(id); }

ToolResult failed(std::string_view tool, const Error& e) { return ToolResult::error(std::string(tool) + ": " + e.message); }

json memoryJson(const Memory& m) {
  return {{"id", m.id},           {"uri", uriOf(m.id)},   {"kind", m.kind},
          {"service", m.service}, {"title", m.title},     {"body", m.body},
          {"tags", m.tags},       {"created", formatTime(m.created)}, {"updated", formatTime(m.updated)}};
}

json hitJson(const SearchHit& h) {
  json j = {{"id", h.id},           {"uri", uriOf(h.id)},   {"kind", h.kind},
            {"service", h.service}, {"title", h.title},     {"tags", h.tags},
            {"created", formatTime(h.created)}, {"snippet", h.snippet}, {"score", h.score},
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
  if (auto e = r.finish(); !e) return failed("kb_remember", e.error());
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
  auto kb = shared.get();
  if (!kb) return failed("kb_search", kb.error());
  auto page = (*kb)->search(*q);
  if (!page) return failed("kb_search", page.error());
  json hits = json::array();
  for (const auto& h : page->hits) hits.push_back(hitJson(h));
  json out = {{"hits", hits}, {"candidates", page->candidates}, {"warnings", page->warnings}};
  if (!page->nextCursor.empty()) out["nextCursor"] = page->nextCursor;
  std::string text = std::to_string(page->hits.size()) + " memor" + (page->hits.size() == 1 ? "y" : "ies") +
                     " found" + (page->nextCursor.empty() ? "" : " (more: pass cursor " + page->nextCursor + ")") + "\n";
  for (const auto& h : page->hits)
    text += "#" + std::to_string(h.id) + " [" + h.kind + (h.service.empty() ? "" : ", " + h.service) + "] " + h.title +
            "\n    " + h.snippet + "\n";
  for (const auto& w : page->warnings) text += "warning: " + w + "\n";
  text += "kb_get {id} reads a whole memory";
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
  s += "- created: " + formatTime(m.created) + "\n- updated: " + formatTime(m.updated) + "\n\n" + m.body + "\n";
  return s;
}

}  // namespace

Result<void> registerKbTools(mcp::Registry& registry, const AppConfig& config) {
  auto shared = std::make_shared<SharedKb>(config.stateDir);
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
