// libFuzzer target for the intent reader, the macro expander and the IR
// builder: any byte string must yield diagnostics, never a crash, a hang or
// unbounded memory. See fuzz/README.md.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "universe/intent_file.h"
#include "universe/sexp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto read = flywheel::universe::readSexps(text, "fuzz.lisp");
  for (const auto& f : read.forms) (void)flywheel::universe::printSexp(f);
  flywheel::universe::MacroTable macros;
  (void)flywheel::universe::parseIntentFile(text, "fuzz/intent.lisp", macros);
  return 0;
}
