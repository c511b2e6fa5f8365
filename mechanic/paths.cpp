#include "mechanic/paths.h"

namespace flywheel::mechanic {
namespace fs = std::filesystem;

bool isWithin(const fs::path& outer, const fs::path& inner) {
  auto o = outer.lexically_normal(), i = inner.lexically_normal();
  auto oi = o.begin(), ii = i.begin();
  for (; oi != o.end(); ++oi, ++ii) {
    if (oi->empty()) continue;  // trailing separator of a directory path
    if (ii == i.end() || *oi != *ii) return false;
  }
  return true;
}

namespace {

Result<void> checkSyntax(std::string_view p) {
  auto bad = [&](std::string why) {
    return fail(Error::invalidArgument("path '" + std::string(p.substr(0, 200)) + "' " + why +
                                       "; pass a path relative to the sandbox, e.g. src/custom.rs"));
  };
  if (p.empty()) return bad("is empty");
  if (p.size() > 4096) return bad("is longer than 4096 bytes");
  for (unsigned char c : p)
    if (c < 0x20 || c == 0x7f) return bad("contains a control character or NUL byte");
  if (p.front() == '-') return bad("starts with '-' (it could be read as an option)");
  return {};
}

}  // namespace

Result<ConfinedPath> confinePath(const fs::path& root, std::string_view userPath, bool mustExist) {
  if (auto r = checkSyntax(userPath); !r) return fail(r.error());
  std::error_code ec;
  fs::path realRoot = fs::canonical(root, ec);
  if (ec) return fail(Error::notFound("sandbox root " + root.string() + " does not exist: " + ec.message()));

  fs::path p(userPath);
  fs::path rel;
  if (p.is_absolute()) {
    fs::path lex = p.lexically_normal();
    if (isWithin(realRoot, lex)) rel = lex.lexically_relative(realRoot);
    else if (isWithin(root.lexically_normal(), lex)) rel = lex.lexically_relative(root.lexically_normal());
    else
      return fail(Error::permissionDenied("path '" + std::string(userPath) +
                                          "' is absolute and outside the sandbox; use a path relative to " +
                                          realRoot.string()));
  } else {
    rel = p;
  }
  for (const auto& part : rel) {
    if (part == "..")
      return fail(Error::permissionDenied("path '" + std::string(userPath) +
                                          "' contains '..'; paths must stay inside the sandbox"));
    if (part == ".git")
      return fail(Error::permissionDenied("path '" + std::string(userPath) +
                                          "' reaches into .git; git metadata is not editable through the sandbox"));
  }
  rel = rel.lexically_normal();
  if (rel.empty() || rel == ".") rel = ".";

  // weakly_canonical resolves every symlink of the existing prefix, so a
  // symlink pointing out of the sandbox shows up here as an outside path.
  fs::path real = fs::weakly_canonical(realRoot / rel, ec);
  if (ec) return fail(Error::io("cannot resolve path '" + std::string(userPath) + "': " + ec.message()));
  if (!isWithin(realRoot, real))
    return fail(Error::permissionDenied("path '" + std::string(userPath) +
                                        "' resolves through a symlink to " + real.string() +
                                        ", outside the sandbox; symlinks out of the sandbox are not followed"));
  if (mustExist && !fs::exists(real, ec))
    return fail(Error::notFound("path '" + std::string(userPath) + "' does not exist in the sandbox; " +
                                "use repair_search to find the file"));
  std::string relStr = real.lexically_relative(realRoot).generic_string();
  if (relStr.empty()) relStr = ".";
  return ConfinedPath{real, relStr};
}

}  // namespace flywheel::mechanic
