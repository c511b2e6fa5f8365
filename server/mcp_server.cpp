#include "server/mcp_server.h"

#include <spdlog/spdlog.h>

#include "server/mcp_session.h"

namespace flywheel::mcp {

using nlohmann::json;

McpServer::McpServer(ServerOptions options)
    : options_(std::move(options)),
      registry_(options_.schemaDir, options_.pageSize),
      pool_(options_.workerThreads) {
  bindLifecycleMethods(dispatcher_);
  bindToolMethods(dispatcher_);
  bindResourceMethods(dispatcher_);
  bindPromptMethods(dispatcher_);
}

McpServer::~McpServer() { shutdown(); }

void McpServer::shutdown() {
  for (auto& s : liveSessions()) s->close();
  pool_.stop();
}

Result<void> McpServer::addTool(ToolSpec spec) { return registry_.addTool(std::move(spec)); }
Result<void> McpServer::addResource(ResourceSpec spec) { return registry_.addResource(std::move(spec)); }
Result<void> McpServer::addResourceTemplate(ResourceTemplateSpec spec) {
  return registry_.addResourceTemplate(std::move(spec));
}
Result<void> McpServer::addPrompt(PromptSpec spec) {
  if (!spec.get && spec.getWithContext)  // the registry wants a plain get; prompts/get prefers getWithContext
    spec.get = [name = spec.name](const std::map<std::string, std::string>&) -> Result<std::vector<PromptMessage>> {
      return fail(Error::failedPrecondition("prompt " + name + " needs a request context"));
    };
  return registry_.addPrompt(std::move(spec));
}

std::shared_ptr<McpSession> McpServer::openSession(std::shared_ptr<MessageSink> sink) {
  auto session = std::make_shared<McpSession>(*this, std::move(sink));
  std::lock_guard lock(sessionsMu_);
  std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
  sessions_.push_back(session);
  return session;
}

std::vector<std::shared_ptr<McpSession>> McpServer::liveSessions() {
  std::vector<std::shared_ptr<McpSession>> out;
  std::lock_guard lock(sessionsMu_);
  for (const auto& w : sessions_)
    if (auto s = w.lock(); s && !s->closed()) out.push_back(std::move(s));
  return out;
}

void McpServer::notifyResourceUpdated(const std::string& uri) {
  for (auto& s : liveSessions()) s->broadcast("notifications/resources/updated", json{{"uri", uri}});
}

void McpServer::notifyResourceListChanged() {
  for (auto& s : liveSessions()) s->broadcast("notifications/resources/list_changed", json::object());
}

void McpServer::notifyToolListChanged() {
  for (auto& s : liveSessions()) s->broadcast("notifications/tools/list_changed", json::object());
}

void McpServer::notifyPromptListChanged() {
  for (auto& s : liveSessions()) s->broadcast("notifications/prompts/list_changed", json::object());
}

void McpServer::logToClients(LogLevel level, const std::string& logger, const nlohmann::json& data) {
  for (auto& s : liveSessions()) s->logToClient(level, logger, data, nullptr);
}

}  // namespace flywheel::mcp
