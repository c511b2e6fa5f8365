#include "cli/services.h"

#include "kb/board/board.h"
#include "kb/knowledge_base.h"
#include "mechanic/mechanic.h"
#include "tools/kb_seed.h"
#include "tools/repair_memory.h"
#include "universe/session.h"

namespace flywheel::cli {
namespace {

std::shared_ptr<tools::Lazy<kb::KnowledgeBase>> knowledgeHandle(const std::filesystem::path& stateDir) {
  return std::make_shared<tools::Lazy<kb::KnowledgeBase>>(
      [stateDir]() -> Result<std::unique_ptr<kb::KnowledgeBase>> {
        auto cfg = kb::EmbedderConfig::fromEnvironment();
        if (!cfg) return fail(cfg.error());
        kb::KbOptions opts;
        opts.embedder = *cfg;
        auto opened = kb::KnowledgeBase::open(stateDir, opts);
        if (!opened)
          return fail(Error::io("cannot open the knowledge base in " + stateDir.string() + ": " +
                                opened.error().message));
        return opened;
      });
}

std::shared_ptr<tools::Lazy<board::Board>> boardHandle(const std::filesystem::path& db) {
  return std::make_shared<tools::Lazy<board::Board>>([db]() -> Result<std::unique_ptr<board::Board>> {
    auto b = board::Board::open(db);
    if (!b) return fail(b.error());
    return std::make_unique<board::Board>(std::move(*b));
  });
}

}  // namespace

std::shared_ptr<tools::Services> buildServices(const tools::AppConfig& config) {
  auto s = std::make_shared<tools::Services>();
  s->config = config;
  s->session = std::make_shared<universe::UniverseSession>(config.universeRoot);
  s->knowledge = knowledgeHandle(config.stateDir);
  s->board = boardHandle(config.stateDir / "kb.sqlite");
  s->boardMutex = std::make_shared<std::mutex>();
  s->memories = std::make_shared<tools::RepairMemories>(config.stateDir, s->knowledge);
  s->mechanic = std::make_shared<tools::Lazy<mechanic::Mechanic>>(
      [root = config.universeRoot, memories = std::weak_ptr<tools::RepairMemories>(s->memories)]()
          -> Result<std::unique_ptr<mechanic::Mechanic>> {
        auto m = mechanic::Mechanic::open(root);
        if (!m) return m;
        // What the mechanic finishes goes into the knowledge base, whoever drives it.
        if (auto mem = memories.lock()) (*m)->addObserver(mem->observer());
        return m;
      });
  s->seeder = std::make_shared<tools::KbSeeder>(config.universeRoot, s->knowledge);
  // Intent edits reach the knowledge base within one sentinel interval.
  s->session->sentinel().subscribe(
      [weak = std::weak_ptr<tools::KbSeeder>(s->seeder)](const universe::SentinelReport& r) {
        if (auto seeder = weak.lock(); seeder && (r.universeFilesChanged || !r.changedServices.empty()))
          seeder->changed(r.changedServices, r.universeFilesChanged);
      });
  return s;
}

void startWatching(tools::Services& services) { services.session->sentinel().start(); }

}  // namespace flywheel::cli
