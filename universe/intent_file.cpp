// Reading one intent file and the universe macro file (see intent_file.h).
#include "universe/intent_file.h"

#include <algorithm>

#include "universe/intent_builder.h"

namespace flywheel::universe {

IntentFile parseIntentFile(std::string_view text, std::string_view path, const MacroTable& macros) {
  IntentFile out;
  ReadResult read = readSexps(text, path);
  out.diagnostics = std::move(read.diagnostics);
  bool readOk = out.diagnostics.empty();
  MacroTable local;
  const MacroTable* table = &macros;
  if (std::any_of(read.forms.begin(), read.forms.end(), isDefmacro)) {
    local = macros;
    collectMacros(read.forms, path, local, out.diagnostics);
    table = &local;
  }
  const Sexp* serviceForm = nullptr;
  for (const auto& f : read.forms) {
    if (isDefmacro(f)) continue;
    if (f.head() != "service") {
      out.diagnostics.push_back({Severity::Error, std::string(path), f.pos,
                                 "expected (service NAME ...) or (defmacro ...) at top level, got " + describeSexp(f)});
    } else if (serviceForm) {
      out.diagnostics.push_back({Severity::Error, std::string(path), f.pos,
                                 "a second (service ...) form; an intent file holds exactly one service (the first is at " +
                                     std::to_string(serviceForm->pos.line) + ":" + std::to_string(serviceForm->pos.col) + ")"});
    } else {
      serviceForm = &f;
    }
  }
  if (!serviceForm) {
    if (readOk) out.diagnostics.push_back({Severity::Error, std::string(path), {1, 1}, "no (service NAME ...) form in this intent file"});
    return out;
  }
  out.expanded = expandMacros(*serviceForm, *table, path, out.diagnostics);
  if (out.expanded->items.empty()) {  // expansion gave up: keep the name so the service stays visible
    Service s;
    s.pos = serviceForm->pos;
    if (serviceForm->items.size() > 1 && serviceForm->items[1].isSymbol()) s.name = serviceForm->items[1].text;
    s.crateName = crateNameOf(s.name);
    s.valid = false;
    out.service = std::move(s);
    return out;
  }
  out.service = buildService(*out.expanded, path, out.diagnostics);
  if (hasErrors(out.diagnostics)) out.service->valid = false;
  return out;
}

void loadMacroFile(std::string_view text, std::string_view path, MacroTable& table, Diagnostics& diags) {
  ReadResult read = readSexps(text, path);
  diags.insert(diags.end(), read.diagnostics.begin(), read.diagnostics.end());
  for (const auto& f : read.forms)
    if (!isDefmacro(f))
      diags.push_back({Severity::Error, std::string(path), f.pos, "a macro file holds only (defmacro ...) forms, got " + describeSexp(f)});
  collectMacros(read.forms, path, table, diags);
}

}  // namespace flywheel::universe
