// `flywheel board ready|list|show|graph`: the task board of a universe
// (<universe>/.flywheel/kb.sqlite), read from the command line.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "kb/board/board.h"

namespace flywheel::cli {
namespace {

using namespace flywheel::board;

struct BoardArgs {
  std::string id;
  std::string status;
  std::int64_t epoch = -1;  // -1: any
  std::string service;
  std::string cursor;
  int limit = 20;
  int maxNodes = 150;
  bool openOnly = false;
};

std::optional<std::int64_t> epochFilter(const BoardArgs& a) {
  return a.epoch < 0 ? std::nullopt : std::optional<std::int64_t>(a.epoch);
}

/// Opens the board, or prints why not and sets the exit code.
std::optional<Board> openBoard(CliState& state) {
  auto path = resolveUniverse(state) / ".flywheel" / "kb.sqlite";
  if (!std::filesystem::exists(path)) {
    std::cerr << "flywheel: no task board at " << path.string()
              << "; run from a universe (or pass --universe) that has had a cascade planned\n";
    state.exitCode = 1;
    return std::nullopt;
  }
  auto b = Board::open(path);
  if (!b) {
    std::cerr << "flywheel: cannot open the task board: " << b.error().message << "\n";
    state.exitCode = 1;
    return std::nullopt;
  }
  return std::move(*b);
}

bool report(const Error& e, CliState& state) {
  std::cerr << "flywheel: " << e.message << "\n";
  state.exitCode = 1;
  return false;
}

void printRow(const Task& t) {
  std::cout << t.id << "\t" << toString(t.status) << "\tp" << t.priority << "\tw" << t.wave << "\te" << t.epoch
            << "\t" << (t.service.empty() ? "-" : t.service) << "\t" << t.title;
  if (t.status == TaskStatus::InProgress) std::cout << "\t[" << t.assignee << "]";
  if (t.unfinishedBlockers > 0) std::cout << "\t(waits on " << t.unfinishedBlockers << ")";
  std::cout << "\n";
}

void printPage(const TaskPage& page, const char* what) {
  for (const auto& t : page.tasks) printRow(t);
  std::cout << "# " << page.tasks.size() << " of " << page.total << " " << what;
  if (!page.nextCursor.empty()) std::cout << "; more with --cursor " << page.nextCursor;
  std::cout << "\n";
}

void runReady(const BoardArgs& a, CliState& state) {
  auto b = openBoard(state);
  if (!b) return;
  auto page = b->ready({.epoch = epochFilter(a), .cursor = a.cursor, .limit = a.limit});
  if (!page) return (void)report(page.error(), state);
  printPage(*page, "ready tasks");
  if (auto holders = b->holders(); holders && !holders->empty()) {
    std::cout << "# held:";
    for (const auto& h : *holders) std::cout << " " << h.assignee << "(" << toString(*h.slot) << ")=" << h.id;
    std::cout << "\n";
  }
}

void runList(const BoardArgs& a, CliState& state) {
  ListQuery q{.epoch = epochFilter(a), .service = a.service, .cursor = a.cursor, .limit = a.limit};
  if (!a.status.empty()) {
    auto s = parseStatus(a.status);
    if (!s) return (void)report(s.error(), state);
    q.status = *s;
  }
  auto b = openBoard(state);
  if (!b) return;
  auto page = b->list(q);
  if (!page) return (void)report(page.error(), state);
  printPage(*page, "tasks");
}

void runShow(const BoardArgs& a, CliState& state) {
  auto b = openBoard(state);
  if (!b) return;
  auto d = b->show(a.id);
  if (!d) return (void)report(d.error(), state);
  const Task& t = d->task;
  std::cout << t.id << ": " << t.title << "\nstatus: " << toString(t.status) << "\npriority: " << t.priority
            << "\nservice: " << t.service << "\nepoch: " << t.epoch << "\nwave: " << t.wave
            << "\nunfinished blockers: " << t.unfinishedBlockers << "\n";
  if (!t.assignee.empty()) std::cout << "assignee: " << t.assignee << "\n";
  if (t.leaseExpiresMs) std::cout << "lease expires (ms since epoch): " << *t.leaseExpiresMs << "\n";
  if (!t.note.empty()) std::cout << "note: " << t.note << "\n";
  for (const auto& e : d->incoming) std::cout << "  " << e.from << " " << toString(e.type) << " " << t.id << "\n";
  for (const auto& e : d->outgoing) std::cout << "  " << t.id << " " << toString(e.type) << " " << e.to << "\n";
  if (!t.body.empty()) std::cout << "\n" << t.body << "\n";
}

void runGraph(const BoardArgs& a, CliState& state) {
  auto b = openBoard(state);
  if (!b) return;
  auto g = b->mermaid({.epoch = epochFilter(a), .includeClosed = !a.openOnly, .maxNodes = a.maxNodes});
  if (!g) return (void)report(g.error(), state);
  std::cout << *g;
}

}  // namespace

void addBoardCommands(CLI::App& app, CliState& state) {
  auto args = std::make_shared<BoardArgs>();
  auto* board = app.add_subcommand("board", "The task board: ready, list, show, graph");
  board->require_subcommand(1);

  auto* ready = board->add_subcommand("ready", "Ready tasks (blockers done), by priority, wave, age");
  ready->add_option("--epoch", args->epoch, "Only this epoch");
  ready->add_option("--limit", args->limit, "Tasks per page (1..200)");
  ready->add_option("--cursor", args->cursor, "Continue from a previous page");
  ready->callback([args, &state] { runReady(*args, state); });

  auto* list = board->add_subcommand("list", "All tasks in id order, filtered");
  list->add_option("--status", args->status, "open, in_progress, done, blocked or cancelled");
  list->add_option("--epoch", args->epoch, "Only this epoch");
  list->add_option("--service", args->service, "Only this service");
  list->add_option("--limit", args->limit, "Tasks per page (1..200)");
  list->add_option("--cursor", args->cursor, "Continue from a previous page");
  list->callback([args, &state] { runList(*args, state); });

  auto* show = board->add_subcommand("show", "One task with its edges");
  show->add_option("id", args->id, "Task id, e.g. t42")->required();
  show->callback([args, &state] { runShow(*args, state); });

  auto* graph = board->add_subcommand("graph", "The board as a Mermaid flowchart");
  graph->add_option("--epoch", args->epoch, "Only this epoch");
  graph->add_option("--max-nodes", args->maxNodes, "At most this many tasks (1..500)");
  graph->add_flag("--open-only", args->openOnly, "Hide done and cancelled tasks");
  graph->callback([args, &state] { runGraph(*args, state); });
}

}  // namespace flywheel::cli
