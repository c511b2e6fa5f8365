// `(template NAME TYPE...)`: a universe's own Forge template, stamped once per
// record type into generated.rs after the service's declarations.
//
// The template sees the record as struct.tmpl does (name, rust_name, fields
// with their Rust types written as this crate reaches them), plus where it
// lives (`path`: `user::UserProfile` from another crate, `UserProfile` here),
// `snake_name`, `type_service` and the stamping `service`.
#include "forge/rust_model.h"

namespace flywheel::forge {

std::string RustModel::templateUse(const universe::TemplateUse& use) {
  if (!templates_.has(use.name)) {
    std::string known;
    for (const auto& n : templates_.addedNames()) known += (known.empty() ? "" : " ") + n;
    problem(use.pos, "no Forge template '" + use.name + "': add " + use.name +
                         ".tmpl to the universe's templates folder ((templates \"dir\") in universe.lisp)" +
                         (known.empty() ? std::string("; the universe adds no templates yet")
                                        : "; the universe's templates are: " + known));
    return {};
  }
  std::string out;
  for (const auto& t : use.types) {
    const universe::TypeDecl* rec = types_.recordOf(t);
    if (!rec) {
      problem(t.pos, "(template " + use.name + " ...) stamps record types; " + t.toString() +
                         " is not a (type ...) record");
      continue;
    }
    TemplateObject ctx = record(*rec);
    ctx["path"] = types_.render(t);
    ctx["snake_name"] = rustSnake(rec->name);
    ctx["type_service"] = t.resolvedService;
    ctx["service"] = service_.name;
    out += "\n" + templates_.render(use.name, ctx);
  }
  return out;
}

}  // namespace flywheel::forge
