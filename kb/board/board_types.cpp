#include "kb/board/board_types.h"

#include <array>
#include <charconv>
#include <utility>

namespace flywheel::board {
namespace {

constexpr std::array<std::pair<TaskStatus, std::string_view>, 5> kStatuses{{
    {TaskStatus::Open, "open"},
    {TaskStatus::InProgress, "in_progress"},
    {TaskStatus::Done, "done"},
    {TaskStatus::Blocked, "blocked"},
    {TaskStatus::Cancelled, "cancelled"},
}};
constexpr std::array<std::pair<EdgeType, std::string_view>, 3> kEdgeTypes{{
    {EdgeType::Blocks, "blocks"},
    {EdgeType::Related, "related"},
    {EdgeType::DiscoveredFrom, "discovered-from"},
}};

std::string shown(std::string_view s) {
  if (s.size() > 40) return std::string(s.substr(0, 40)) + "...";
  return std::string(s);
}

}  // namespace

std::string_view toString(TaskStatus s) {
  for (auto& [v, name] : kStatuses)
    if (v == s) return name;
  return "open";
}

std::string_view toString(EdgeType t) {
  for (auto& [v, name] : kEdgeTypes)
    if (v == t) return name;
  return "blocks";
}

std::string_view toString(SlotKind k) { return k == SlotKind::Foreground ? "foreground" : "background"; }

Result<TaskStatus> parseStatus(std::string_view s) {
  for (auto& [v, name] : kStatuses)
    if (name == s) return v;
  return fail(Error::invalidArgument("unknown task status '" + shown(s) +
                                     "'; use open, in_progress, done, blocked or cancelled"));
}

Result<EdgeType> parseEdgeType(std::string_view s) {
  for (auto& [v, name] : kEdgeTypes)
    if (name == s) return v;
  return fail(Error::invalidArgument("unknown edge type '" + shown(s) + "'; use blocks, related or discovered-from"));
}

Result<SlotKind> parseSlotKind(std::string_view s) {
  if (s == "foreground") return SlotKind::Foreground;
  if (s == "background") return SlotKind::Background;
  return fail(Error::invalidArgument("unknown slot '" + shown(s) + "'; use foreground or background"));
}

std::string formatTaskId(std::int64_t seq) { return "t" + std::to_string(seq); }

Result<std::int64_t> parseTaskId(std::string_view id) {
  auto bad = [&] {
    return fail(Error::invalidArgument("malformed task id '" + shown(id) +
                                       "'; ids look like t42 (see task_ready or `flywheel board list`)"));
  };
  if (id.size() < 2 || id.size() > 19 || id[0] != 't' || id[1] == '0') return bad();
  std::int64_t seq = 0;
  auto [end, ec] = std::from_chars(id.data() + 1, id.data() + id.size(), seq);
  if (ec != std::errc() || end != id.data() + id.size() || seq <= 0) return bad();
  return seq;
}

}  // namespace flywheel::board
