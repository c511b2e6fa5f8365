// JSON forms of the repair record's parts (repair_record.h), for the code
// that builds a record from a sandbox's running JSON notes. Include only from
// .cpp files (it pulls in nlohmann/json).
#pragma once

#include <nlohmann/json.hpp>

#include "mechanic/repair_record.h"

namespace flywheel::mechanic {

nlohmann::json toJson(const RepairRecord& r);
/// `j` must be an object; missing or mistyped fields stay empty (format 1
/// lines were written ad hoc), `format` defaults to 1.
RepairRecord repairRecordFromJson(const nlohmann::json& j);

std::vector<LoggedDiagnostic> loggedDiagnostics(const nlohmann::json& array);
std::vector<LoggedEdit> loggedEdits(const nlohmann::json& array);
std::vector<LoggedValidation> loggedValidations(const nlohmann::json& array);

}  // namespace flywheel::mechanic
