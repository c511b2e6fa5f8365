#include "server/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <mutex>

namespace flywheel::mcp {

void useStderrLogging() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto logger = spdlog::stderr_logger_mt("flywheel-stderr");
    logger->set_pattern("[%H:%M:%S.%e] [%l] %v");
    spdlog::set_default_logger(logger);
    spdlog::level::level_enum level = spdlog::level::info;
    if (const char* env = std::getenv("FLYWHEEL_LOG"); env && *env) level = spdlog::level::from_str(env);
    spdlog::set_level(level);
  });
}

}  // namespace flywheel::mcp
