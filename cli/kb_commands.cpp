// `flywheel kb search|add|get|forget|import|stats`: the knowledge base from a shell.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "kb/kb_import.h"
#include "kb/knowledge_base.h"
#include "kb/memory_rules.h"

namespace flywheel::cli {
namespace {

using namespace flywheel::kb;

struct KbArgs {
  std::string query, title, body, bodyFile, kind = "note", service, mode = "hybrid", cursor, since, until;
  std::vector<std::string> kinds, services, tags;
  int limit = 10;
  std::int64_t id = 0;
  bool repairsOnly = false;
};

int report(const Error& e) {
  std::cerr << "flywheel: " << e.message << "\n";
  return e.code == "not_found" ? 3 : e.code == "invalid_argument" ? 2 : 1;
}

std::unique_ptr<KnowledgeBase> openKb(CliState& state) {
  auto cfg = EmbedderConfig::fromEnvironment();
  if (!cfg) {
    state.exitCode = report(cfg.error());
    return nullptr;
  }
  KbOptions opts;
  opts.embedder = *cfg;
  auto kb = KnowledgeBase::open(resolveUniverse(state) / ".flywheel", opts);
  if (!kb) {
    state.exitCode = report(kb.error());
    return nullptr;
  }
  return std::move(*kb);
}

void runSearch(CliState& state, const KbArgs& a) {
  SearchRequest q{.query = a.query, .filter = {.kinds = a.kinds, .services = a.services, .tags = a.tags},
                  .limit = a.limit, .cursor = a.cursor};
  q.mode = a.mode == "lexical" ? SearchMode::Lexical : a.mode == "vector" ? SearchMode::Vector : SearchMode::Hybrid;
  for (auto [text, out] : {std::pair{&a.since, &q.filter.createdAfter}, {&a.until, &q.filter.createdBefore}}) {
    if (text->empty()) continue;
    *out = parseTime(*text);
    if (!*out) {
      state.exitCode = report(Error::invalidArgument("--since/--until must look like 2026-11-26 (got '" + *text + "')"));
      return;
    }
  }
  auto kb = openKb(state);
  if (!kb) return;
  auto page = kb->search(q);
  if (!page) {
    state.exitCode = report(page.error());
    return;
  }
  for (const auto& w : page->warnings) std::cerr << "warning: " << w << "\n";
  for (const auto& h : page->hits) {
    std::string found;
    for (const auto& f : h.foundBy()) found += (found.empty() ? "" : "+") + f;
    std::cout << "#" << h.id << "  [" << h.kind << (h.service.empty() ? "" : " " + h.service) << "]  " << h.title
              << "  (" << (found.empty() ? "recent" : found) << ")\n";
    if (!h.snippet.empty()) std::cout << "    " << h.snippet << "\n";
  }
  if (page->hits.empty()) std::cout << "no memories match\n";
  if (!page->nextCursor.empty()) std::cout << "more: --cursor " << page->nextCursor << "\n";
}

void runAdd(CliState& state, const KbArgs& a) {
  MemoryDraft d{.kind = a.kind, .service = a.service, .title = a.title, .body = a.body, .tags = a.tags};
  if (!a.bodyFile.empty()) {
    std::ifstream in(a.bodyFile == "-" ? "/dev/stdin" : a.bodyFile);
    if (!in) {
      state.exitCode = report(Error::notFound("cannot read --body-file " + a.bodyFile));
      return;
    }
    std::ostringstream s;
    s << in.rdbuf();
    d.body = s.str();
  }
  auto kb = openKb(state);
  if (!kb) return;
  const char* user = std::getenv("USER");
  d.cite = std::string("remembered by ") + (user && *user ? user : "a person") + " (flywheel kb add) on " +
           formatTime(nowSeconds());
  auto r = kb->remember(d);
  if (!r) {
    state.exitCode = report(r.error());
    return;
  }
  const char* what = r->outcome == WriteOutcome::Created ? "created" : r->outcome == WriteOutcome::Updated ? "updated" : "unchanged";
  std::cout << what << " #" << r->id << " flywheel://kb/" << r->id << "\n";
}

void runGet(CliState& state, const KbArgs& a) {
  auto kb = openKb(state);
  if (!kb) return;
  auto m = kb->get(a.id);
  if (!m) {
    state.exitCode = report(m.error());
    return;
  }
  std::cout << "#" << m->id << " [" << m->kind << (m->service.empty() ? "" : " " + m->service) << "] " << m->title
            << "\ncreated " << formatTime(m->created) << ", updated " << formatTime(m->updated);
  if (!m->tags.empty()) {
    std::cout << ", tags:";
    for (const auto& t : m->tags) std::cout << " " << t;
  }
  std::cout << "\n\n" << m->body << "\n";
}

void printImport(const char* what, const ImportReport& r) {
  std::cout << what << ": " << r.read << " read, " << r.created << " created, " << r.updated << " updated, "
            << r.unchanged << " unchanged, " << r.removed << " forgotten (source gone)\n";
  for (const auto& p : r.problems) std::cerr << "  " << p << "\n";
}

void runImport(CliState& state, const KbArgs& a) {
  auto kb = openKb(state);
  if (!kb) return;
  auto root = resolveUniverse(state);
  if (!a.repairsOnly) {
    auto u = importUniverse(*kb, root);
    if (u) printImport("universe", *u);
    else std::cerr << "flywheel: universe not imported: " << u.error().message << "\n";
  }
  auto r = importRepairLog(*kb, root / ".flywheel" / "repairs.jsonl");
  if (!r) {
    state.exitCode = report(r.error());
    return;
  }
  printImport("repairs.jsonl", *r);
  (void)kb->saveIndex();
}

void runStats(CliState& state) {
  auto kb = openKb(state);
  if (!kb) return;
  auto s = kb->stats();
  if (!s) {
    state.exitCode = report(s.error());
    return;
  }
  std::cout << "database: " << s->databasePath << "\nmemories: " << s->memories << "\n";
  for (const auto& [kind, n] : s->byKind) std::cout << "  " << kind << ": " << n << "\n";
  std::cout << "embedder: " << s->embedder << " (dimension " << s->dimension << ", " << s->vectors
            << " vectors)\nvector index: " << s->indexState << "\n";
}

}  // namespace

void addKbCommands(CLI::App& app, CliState& state) {
  auto args = std::make_shared<KbArgs>();
  auto* kb = app.add_subcommand("kb", "The knowledge base: architecture memories with hybrid search");
  kb->require_subcommand(1);

  auto* search = kb->add_subcommand("search", "Search memories (identifiers and plain words)");
  search->add_option("query", args->query, "What to look for (empty: newest memories)");
  search->add_option("--kind", args->kinds, "Only these kinds (repeatable)");
  search->add_option("--service", args->services, "Only these services (repeatable)");
  search->add_option("--tag", args->tags, "Only memories with all these tags (repeatable)");
  search->add_option("--since", args->since, "Created at or after (2026-11-26)");
  search->add_option("--until", args->until, "Created before");
  search->add_option("--mode", args->mode, "hybrid, lexical or vector")->check(CLI::IsMember({"hybrid", "lexical", "vector"}));
  search->add_option("--limit", args->limit, "Hits per page (1..100)");
  search->add_option("--cursor", args->cursor, "Continue from a previous page");
  search->callback([&state, args] { runSearch(state, *args); });

  auto* add = kb->add_subcommand("add", "Remember something");
  add->add_option("--title", args->title, "One line")->required();
  add->add_option("--body", args->body, "Details");
  add->add_option("--body-file", args->bodyFile, "Read the body from a file ('-': stdin)");
  add->add_option("--kind", args->kind, "decision, repair, note ... (default note)");
  add->add_option("--service", args->service, "The service it is about");
  add->add_option("--tag", args->tags, "Tags (repeatable)");
  add->callback([&state, args] { runAdd(state, *args); });

  auto* get = kb->add_subcommand("get", "Show one memory");
  get->add_option("id", args->id, "Memory id")->required();
  get->callback([&state, args] { runGet(state, *args); });

  auto* forget = kb->add_subcommand("forget", "Delete one memory");
  forget->add_option("id", args->id, "Memory id")->required();
  forget->callback([&state, args] {
    auto k = openKb(state);
    if (!k) return;
    if (auto r = k->forget(args->id); !r) state.exitCode = report(r.error());
    else std::cout << "forgot #" << args->id << "\n";
  });

  auto* import = kb->add_subcommand("import", "Seed memories from the universe's intents and .flywheel/repairs.jsonl");
  import->add_flag("--repairs-only", args->repairsOnly, "Import only the repair log");
  import->callback([&state, args] { runImport(state, *args); });

  auto* stats = kb->add_subcommand("stats", "Counts, embedder and index state");
  stats->callback([&state] { runStats(state); });
}

}  // namespace flywheel::cli
