// Shared plumbing of the mechanic tool group (tools/mechanic_tools.cpp for the
// cascade_* tools and prompts, tools/repair_tools.cpp for the repair_* tools).
//
// The Mechanic is the process's one (tools/services.h), opened on first use:
// a universe that is not in a git repository must not stop the server from
// starting; the tools then say why they cannot run. Included only by those two files (it pulls in
// nlohmann/json through mechanic/codec.h).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mechanic/codec.h"
#include "mechanic/mechanic.h"
#include "server/params.h"
#include "tools/repair_memory.h"
#include "tools/tool_groups.h"

namespace flywheel::tools::mechanic_detail {

/// The process's one Mechanic and repair memories (tools/services.h), as the
/// group's handlers reach them.
class MechanicHolder {
 public:
  explicit MechanicHolder(const Services& s) : config_(s.config), mechanic_(s.mechanic), memories_(s.memories) {}
  /// The Mechanic, opened on the first call; the error says why it cannot run.
  Result<mechanic::Mechanic*> get() { return mechanic_->get(); }
  const AppConfig& config() const { return config_; }
  /// Where repairs and landed cascades are remembered (the knowledge base).
  RepairMemories& memories() { return *memories_; }

 private:
  AppConfig config_;
  std::shared_ptr<Lazy<mechanic::Mechanic>> mechanic_;
  std::shared_ptr<RepairMemories> memories_;
};
using Holder = std::shared_ptr<MechanicHolder>;

/// Every tool's arguments are camelCase. The mechanic's snake_case spellings
/// (start_line, old_text, clean_leftovers, ...) are still accepted for now:
/// reads `name`, or else its old spelling `old`, recording the old one.
template <class T>
void optionalRenamed(mcp::ParamReader& r, const nlohmann::json& args, const char* name, const char* old, T& out,
                     std::vector<std::string>& deprecated) {
  if (args.is_object() && !args.contains(name) && args.contains(old)) {
    r.optional(old, out);
    deprecated.push_back(std::string(old) + " (use " + name + ")");
  } else {
    r.optional(name, out);
  }
}

/// The note a result carries when deprecated argument names were used; empty otherwise.
inline std::string deprecationNote(const std::vector<std::string>& deprecated) {
  if (deprecated.empty()) return {};
  std::string names;
  for (const auto& d : deprecated) names += (names.empty() ? "" : ", ") + d;
  return "\nnote: deprecated argument name(s): " + names +
         ". Every tool's arguments are camelCase; the old names will stop working in a later release.";
}

/// The request's cancel flag and progress reporter, for the domain.
inline mechanic::CallContext callContext(mcp::ToolContext& ctx) {
  return {&ctx.cancelFlag(), [&ctx](double done, double total, const std::string& msg) {
            ctx.progress(done, total, msg);
          }};
}

/// Runs `f` on the Mechanic, or answers with why the mechanic cannot run.
template <class F>
mcp::ToolResult withMechanic(const Holder& h, F&& f) {
  auto m = h->get();
  if (!m)
    return mcp::ToolResult::error("the mechanic cannot run on universe " + h->config().universeRoot.string() + ": " +
                                  m.error().message);
  return f(**m);
}

/// One tool of the group: its listing, and a handler that receives the holder.
struct MechanicTool {
  const char* name;
  const char* title;
  const char* description;
  mcp::ToolAnnotations annotations;
  std::function<mcp::ToolResult(const Holder&, const nlohmann::json&, mcp::ToolContext&)> handler;
};

/// After any mechanic call: repairs it finished (committed, aborted, halted)
/// go into the knowledge base; the answer says so. A knowledge base that
/// cannot be written is logged, never a failed call.
inline void rememberRepairs(MechanicHolder& h, mcp::ToolResult& result, mcp::ToolContext& ctx) {
  auto n = h.memories().syncRepairLog();
  if (!n) {
    ctx.log(mcp::LogLevel::Warning, "could not remember repairs in the knowledge base: " + n.error().message);
    return;
  }
  if (*n > 0 && !result.text.empty())
    result.text += "\n(" + std::to_string(*n) + " repair record(s) remembered in the knowledge base: kb_search "
                   "finds them by service, symbol or error code)";
}

/// Registers `tools` with the holder bound into each handler.
inline Result<void> registerMechanicToolList(mcp::Registry& registry, const Holder& h, std::vector<MechanicTool> tools) {
  for (auto& t : tools) {
    auto r = registry.addTool({.name = t.name,
                               .title = t.title,
                               .description = t.description,
                               .annotations = t.annotations,
                               .handler = [h, handler = std::move(t.handler)](const nlohmann::json& a,
                                                                             mcp::ToolContext& c) {
                                 auto result = handler(h, a, c);
                                 rememberRepairs(*h, result, c);
                                 return result;
                               }});
    if (!r) return r;
  }
  return {};
}

/// repair_open, repair_view, repair_search, repair_plan, repair_edit,
/// repair_validate, repair_commit and repair_abort (tools/repair_tools.cpp).
std::vector<MechanicTool> repairTools();

}  // namespace flywheel::tools::mechanic_detail
