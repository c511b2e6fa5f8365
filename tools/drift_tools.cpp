// The drift tool group: drift_report, intent_draft and the resource
// flywheel://drift, over drift/ (audit.h, cartography.h).
//
// The group uses the process's one UniverseSession (tools/services.h) and
// keeps one MirrorCache (each .rs file parsed once until it changes). It
// subscribes to the session's sentinel (which the composition root starts): when intents or .rs files change, it re-runs the
// audit and, when the findings differ, sends notifications/resources/updated
// for flywheel://drift to subscribed clients (the seed's TopologyGuardian).
#include <memory>
#include <mutex>

#include "drift/audit.h"
#include "drift/cartography.h"
#include "server/params.h"
#include "tools/graph_support.h"
#include "tools/tool_groups.h"
#include "universe/session.h"
#include "universe/suggest.h"

namespace flywheel::tools {
namespace {

using nlohmann::json;
using mcp::ParamReader;
using mcp::ToolResult;
namespace u = flywheel::universe;
namespace d = flywheel::drift;
using graph::Page;

constexpr size_t kResourceFindings = 100;

/// What the sentinel's listener shares with the handlers. It does not own
/// the session: the listener runs on the sentinel's thread and must never be
/// the one that destroys the sentinel.
struct Watch {
  std::filesystem::path root;
  d::MirrorCache cache;
  std::mutex mutex;    // guards digest
  std::string digest;  // the findings last notified about
  bool primed = false;  // digest holds a real audit
};

struct DriftState {
  std::shared_ptr<u::UniverseSession> session;
  std::shared_ptr<Watch> watch;
  std::shared_ptr<void> listening;  // the sentinel subscription; see watch()

  Result<std::pair<std::shared_ptr<const u::Snapshot>, d::DriftReport>> audit(const d::DriftOptions& o) {
    auto snap = session->snapshot(std::nullopt);
    if (!snap) return fail(snap.error());
    const auto& s = **snap;
    auto report = d::auditDrift(session->root(), s.loaded.universe, s.graph, &watch->cache, o);
    return std::pair(*snap, std::move(report));
  }
};

json findingJson(const d::Finding& f) {
  return {{"kind", d::driftKindName(f.kind)}, {"severity", d::severityOf(f.kind)}, {"service", f.service},
          {"file", f.file}, {"line", f.line}, {"subject", f.subject}, {"intent", f.intent}, {"code", f.code},
          {"todo", f.todo}, {"governance", f.governance}, {"actionable", f.actionable}};
}

json reportJson(const u::Snapshot& snap, const d::DriftReport& r) {
  json counts = json::object();
  for (auto k : {d::DriftKind::ImplementationGap, d::DriftKind::ArchitecturalDrift, d::DriftKind::StructuralGap,
                 d::DriftKind::LocationMismatch})
    counts[std::string(d::driftKindName(k))] = 0;
  for (const auto& f : r.findings) counts[std::string(d::driftKindName(f.kind))] = counts[std::string(d::driftKindName(f.kind))].get<int>() + 1;
  json warnings = json::array();
  for (size_t k = 0; k < r.warnings.size() && k < 20; ++k) warnings.push_back(r.warnings[k].toString());
  return {{"universe", snap.loaded.universe.name}, {"total", r.findings.size()}, {"counts", counts},
          {"services", r.services}, {"files", r.files}, {"parsed", r.parsed}, {"millis", r.millis},
          {"skipped", r.skipped}, {"warnings", warnings}};
}

std::string digestOf(const d::DriftReport& r) {
  std::string out;
  for (const auto& f : r.findings) out += d::formatFinding(f);
  return out;
}

ToolResult driftReport(DriftState& st, const json& args) {
  ParamReader r(args);
  d::DriftOptions o;
  std::optional<std::string> kind;
  Page page;
  page.limit = 50;
  r.optional("services", o.services).optional("kind", kind);
  graph::readPage(r, page);
  if (kind && !(o.kind = d::parseDriftKind(*kind)))
    r.invalid("kind", "must be ImplementationGap, ArchitecturalDrift, StructuralGap or LocationMismatch (got " + *kind + ")");
  if (auto e = r.finish(); !e) return graph::failed("drift_report", e.error());
  auto res = st.audit(o);
  if (!res) return graph::failed("drift_report", res.error());
  const auto& [snap, report] = *res;
  std::vector<std::string> names;
  for (const auto& s : snap->loaded.universe.services) names.push_back(s.name);
  for (const auto& s : o.services)
    if (!snap->loaded.universe.findService(s))
      return ToolResult::error("drift_report: no service '" + s + "' in universe '" + snap->loaded.universe.name + "'" +
                               u::didYouMean(s, names) + "; universe_overview lists them");
  json out = reportJson(*snap, report);
  graph::fillPage(out, "findings", report.findings.size(), page, [&](size_t i) { return findingJson(report.findings[i]); });
  std::string text = std::to_string(report.findings.size()) + " drift finding(s) in " + std::to_string(report.services) +
                     " service(s)\n";
  for (const auto& f : out["findings"]) text += f["file"].get<std::string>() + ":" + std::to_string(f["line"].get<int>()) +
                                                ": " + f["kind"].get<std::string>() + " " + f["subject"].get<std::string>() +
                                                ": " + f["code"].get<std::string>() + "\n  do: " + f["todo"].get<std::string>() + "\n";
  if (out.contains("nextCursor")) text += "more: pass cursor " + out["nextCursor"].get<std::string>() + "\n";
  return ToolResult::ok(std::move(out), std::move(text));
}

ToolResult intentDraft(DriftState& st, const json& args) {
  ParamReader r(args);
  std::string service;
  std::optional<std::string> dir;
  bool write = false;
  r.required("service", service).optional("dir", dir).optional("write", write);
  if (dir && (dir->empty() || dir->front() == '/' || dir->find("..") != std::string::npos))
    r.invalid("dir", "must be a directory relative to the universe root, without '..' (got '" + *dir + "')");
  if (auto e = r.finish(); !e) return graph::failed("intent_draft", e.error());
  auto snap = st.session->snapshot(std::nullopt);
  if (!snap) return graph::failed("intent_draft", snap.error());
  const auto& un = (*snap)->loaded.universe;
  const u::Service* existing = un.findService(service);
  std::string crateDir = dir ? *dir : existing ? existing->dir : "services/" + service;
  std::error_code ec;
  if (!std::filesystem::is_directory(st.session->root() / crateDir / "src", ec)) {
    std::vector<std::string> names;
    for (const auto& s : un.services) names.push_back(s.name);
    return ToolResult::error("intent_draft: no Rust crate at " + crateDir + "/src for service '" + service + "'" +
                             (existing ? "" : u::didYouMean(service, names)) + "; pass dir (the crate's directory)");
  }
  u::Diagnostics warnings;
  auto crate = d::mirrorCrate(st.session->root(), service, crateDir, &st.watch->cache, warnings);
  auto draft = d::draftIntent(crate, d::crateNamesOf(un), existing);
  json out = {{"service", service}, {"dir", crateDir}, {"text", draft.text}, {"forms", draft.forms},
              {"macros", draft.macros}, {"notDrafted", draft.notDrafted}};
  std::string text = draft.text;
  if (write) {
    auto path = d::writeDraft(st.session->root(), crateDir, draft);
    if (!path) return graph::failed("intent_draft", path.error());
    out["written"] = *path;
    text = "wrote " + *path + "\n" + text;
  }
  return ToolResult::ok(std::move(out), std::move(text));
}

Result<void> addDriftResource(mcp::Registry& registry, std::shared_ptr<DriftState> st) {
  mcp::ResourceSpec spec;
  spec.uri = "flywheel://drift";
  spec.name = "drift";
  spec.title = "Drift between intents and code";
  spec.description = "The drift audit of the working tree (JSON: counts and the first 100 findings); updated when "
                     "intents or .rs files change";
  spec.mimeType = "application/json";
  spec.read = [st](const std::string& uri) -> Result<std::vector<mcp::ResourceContents>> {
    auto res = st->audit({});
    if (!res) return fail(res.error());
    const auto& [snap, report] = *res;
    json out = reportJson(*snap, report);
    json items = json::array();
    for (size_t k = 0; k < report.findings.size() && k < kResourceFindings; ++k) items.push_back(findingJson(report.findings[k]));
    out["findings"] = std::move(items);
    return std::vector<mcp::ResourceContents>{{uri, "application/json", out.dump()}};
  };
  return registry.addResource(std::move(spec));
}

/// Re-runs the audit when the sentinel sees intents or code change, and
/// tells flywheel://drift subscribers when the findings changed.
/// Returns the subscription's owner: the group's handlers hold it, so the
/// listener goes when the registry does (the session may outlive it).
std::shared_ptr<void> watch(mcp::Registry& registry, DriftState& st) {
  mcp::Registry* reg = &registry;
  auto session = st.session;
  auto& sentinel = session->sentinel();
  // No audit at start-up (a large universe's first parse takes seconds): the
  // first change is always announced, later ones when the findings differ.
  const auto id = sentinel.subscribe([reg, w = st.watch](const u::SentinelReport& report) {
    if (!report.snapshot) return;
    const auto& snap = *report.snapshot;
    auto audit = d::auditDrift(w->root, snap.loaded.universe, snap.graph, &w->cache);
    std::string digest = digestOf(audit);
    {
      std::lock_guard lock(w->mutex);
      if (w->primed && digest == w->digest) return;
      w->digest = std::move(digest);
      w->primed = true;
    }
    reg->notifyResourceUpdated("flywheel://drift");
  });
  return std::shared_ptr<void>(nullptr, [session, id](void*) { session->sentinel().unsubscribe(id); });
}

}  // namespace

Result<void> registerDriftTools(mcp::Registry& registry, const Services& services) {
  if (!services.session) return fail(Error::internal("the drift tools need the universe session"));
  auto st = std::make_shared<DriftState>();
  st->session = services.session;
  st->watch = std::make_shared<Watch>();
  st->watch->root = services.config.universeRoot;
  st->listening = watch(registry, *st);
  auto r = registry.addTool(
      {.name = "drift_report",
       .title = "Drift report",
       .description = "Where the code drifts from the intents, in four kinds: ImplementationGap (critical: a declared rpc or "
                      "pattern trait not implemented, or only todo!/unimplemented!/panic!), ArchitecturalDrift (a crate used "
                      "without a declared dependency, or a declared dependency never used), StructuralGap (exported custom "
                      "items no intent form describes; intent types nothing uses), LocationMismatch (declared items "
                      "implemented outside Forge's layout). Each finding: file, line, the intent form, what the code has, "
                      "what to do; newborn services are reported but not actionable. Paged: pass nextCursor as cursor.",
       .annotations = {.readOnly = true, .idempotent = true},
       .handler = [st](const json& args, mcp::ToolContext&) { return driftReport(*st, args); }});
  if (r)
    r = registry.addTool(
        {.name = "intent_draft",
         .title = "Intent draft (cartography)",
         .description = "Drafts the intent.lisp of a service from its Rust code: records, enums, aliases, rpcs and pure "
                        "utilities that would stamp the same public API; proposes a defmacro when three or more records "
                        "share their first fields. Works for a crate with no intent (pass dir). Returns the draft; with "
                        "write=true also writes DIR/intent.draft.lisp, never intent.lisp.",
         .annotations = {.readOnly = false, .destructive = false, .idempotent = true},
         .handler = [st](const json& args, mcp::ToolContext&) { return intentDraft(*st, args); }});
  if (!r) return r;
  return addDriftResource(registry, st);
}

}  // namespace flywheel::tools
