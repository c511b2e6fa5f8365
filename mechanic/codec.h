// JSON forms of the mechanic's values, for its own SQLite rows, the repair
// log and the tool layer. Include only from .cpp files (it pulls in
// nlohmann/json). Keys are snake_case and stable: they are a contract with
// schemas/tools/{cascade,repair}_*.json.
#pragma once

#include <nlohmann/json.hpp>

#include "mechanic/types.h"

namespace flywheel::mechanic {

nlohmann::json toJson(const CargoDiagnostic& d);
nlohmann::json toJson(const std::vector<CargoDiagnostic>& ds);
CargoDiagnostic diagnosticFromJson(const nlohmann::json& j);
nlohmann::json toJson(const ServicePlan& s);
ServicePlan servicePlanFromJson(const nlohmann::json& j);
nlohmann::json toJson(const QueueEntry& q);
QueueEntry queueEntryFromJson(const nlohmann::json& j);
nlohmann::json toJson(const GateResult& g);
nlohmann::json toJson(const GauntletResult& g);
nlohmann::json toJson(const SandboxStatus& s);
nlohmann::json toJson(const Window& w);

}  // namespace flywheel::mechanic
