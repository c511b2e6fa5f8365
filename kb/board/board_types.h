// The values the task board deals in: tasks, edges, claims, queries and the
// plain cascade-plan input that the tool layer adapts a universe plan to.
// Everything here is a plain value; see board.h for the operations.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace flywheel::board {

enum class TaskStatus { Open, InProgress, Done, Blocked, Cancelled };
enum class EdgeType { Blocks, Related, DiscoveredFrom };
enum class SlotKind { Foreground, Background };

/// Wire names: "open", "in_progress", "done", "blocked", "cancelled".
std::string_view toString(TaskStatus s);
/// Wire names: "blocks", "related", "discovered-from".
std::string_view toString(EdgeType t);
/// Wire names: "foreground", "background".
std::string_view toString(SlotKind k);
/// Errors: invalid_argument naming the accepted values.
[[nodiscard]] Result<TaskStatus> parseStatus(std::string_view s);
[[nodiscard]] Result<EdgeType> parseEdgeType(std::string_view s);
[[nodiscard]] Result<SlotKind> parseSlotKind(std::string_view s);

/// Task ids are "t" followed by a positive decimal number ("t42").
std::string formatTaskId(std::int64_t seq);
/// Errors: invalid_argument for anything that is not a well-formed id.
[[nodiscard]] Result<std::int64_t> parseTaskId(std::string_view id);

inline constexpr int kMaxPriority = 4;
inline constexpr size_t kMaxTitle = 200;
inline constexpr size_t kMaxBody = 8000;     // a claimed task (body + note) fits one tool page
inline constexpr size_t kMaxName = 100;      // service, agent
inline constexpr size_t kMaxNote = 4000;
inline constexpr int kMaxPageLimit = 200;

struct Task {
  std::string id;
  std::string title;
  std::string body;
  TaskStatus status = TaskStatus::Open;
  int priority = 2;
  std::string service;
  std::int64_t epoch = 0;
  int wave = 0;
  std::string assignee;  // empty when nobody holds it
  std::optional<SlotKind> slot;
  std::optional<std::int64_t> leaseExpiresMs;
  int unfinishedBlockers = 0;
  std::string note;
  std::int64_t createdMs = 0;
  std::int64_t updatedMs = 0;
};

struct NewTask {
  std::string title;
  std::string body;
  int priority = 2;
  std::string service;
  std::int64_t epoch = 0;
  int wave = 0;
};

/// `from <type> to`: "t1 blocks t2" (t2 waits for t1), "t3 discovered-from t1".
struct Edge {
  std::string from;
  std::string to;
  EdgeType type = EdgeType::Blocks;
};

struct TaskDetail {
  Task task;
  std::vector<Edge> incoming;  // edges whose `to` is this task
  std::vector<Edge> outgoing;  // edges whose `from` is this task
};

struct TaskPage {
  std::vector<Task> tasks;
  std::string nextCursor;  // empty on the last page
  std::int64_t total = 0;  // how many tasks match, across pages
};

struct ListQuery {
  std::optional<TaskStatus> status;
  std::optional<std::int64_t> epoch;
  std::string service;  // empty: any
  std::string cursor;   // from a previous page
  int limit = 50;       // 1..kMaxPageLimit
};

struct ReadyQuery {
  std::optional<std::int64_t> epoch;
  std::string cursor;
  int limit = 20;
};

struct ClaimRequest {
  std::string agent;                         // who claims (required)
  SlotKind slot = SlotKind::Background;
  std::string taskId;                        // empty: the first ready task
  std::int64_t leaseMs = 10 * 60 * 1000;     // 1 s .. 24 h
};

struct Claim {
  Task task;
  int slotsInUse = 0;    // of this kind, including this claim
  int slotsTotal = 0;
};

/// One service of a cascade plan: its wave, and the services it waits for.
struct PlanService {
  std::string name;
  int wave = 0;
  std::vector<std::string> dependsOn;  // names; those not in the plan are ignored
  std::string title;                   // empty: "repair <name> (epoch N)"
  std::string body;
  int priority = 2;
  bool blocked = false;       // governance forbids repair: created blocked, for a human
  std::string blockedReason;  // the blocked task's note
};

struct PlanInput {
  std::int64_t epoch = 0;  // >= 1
  std::vector<PlanService> services;
};

struct PlanResult {
  std::int64_t epoch = 0;
  std::vector<Task> tasks;          // one per service, plan order
  int edges = 0;                    // blocks edges created
  std::vector<std::string> cancelled;  // ids of older-epoch tasks cancelled
  bool alreadyMaterialised = false;
};

struct GraphQuery {
  std::optional<std::int64_t> epoch;
  bool includeClosed = true;  // done and cancelled tasks
  int maxNodes = 150;         // 1..500
};

}  // namespace flywheel::board
