// Small helpers of the IR: spellings of enums, type printing, lookups.
#include "universe/ir.h"

#include <algorithm>
#include <array>

namespace flywheel::universe {

namespace {
constexpr std::array<std::string_view, 8> kPrimitiveNames{"i32", "i64", "u32", "u64",
                                                          "f32", "f64", "bool", "String"};
constexpr std::array<std::string_view, 7> kGovernanceNames{
    "newborn", "cartography", "survival-patching", "strict-codegen",
    "self-distillation", "experimental", "polisher"};

template <class T>
const T* findByName(const std::vector<T>& items, std::string_view n) {
  for (const auto& item : items)
    if (item.name == n) return &item;
  return nullptr;
}
}  // namespace

std::string_view primitiveName(Primitive p) { return kPrimitiveNames[static_cast<size_t>(p)]; }

std::optional<Primitive> parsePrimitive(std::string_view name) {
  for (size_t i = 0; i < kPrimitiveNames.size(); ++i)
    if (kPrimitiveNames[i] == name) return static_cast<Primitive>(i);
  return std::nullopt;
}

std::string TypeRef::toString() const {
  switch (kind) {
    case Kind::Primitive: return std::string(primitiveName(primitive));
    case Kind::Local: return name;
    case Kind::Qualified: return service + "/" + name;
    case Kind::Option: return "(option " + (args.empty() ? std::string("?") : args[0].toString()) + ")";
    case Kind::List: return "(list " + (args.empty() ? std::string("?") : args[0].toString()) + ")";
    case Kind::Map:
      return "(map " + (args.size() < 2 ? std::string("? ?") : args[0].toString() + " " + args[1].toString()) + ")";
  }
  return "?";
}

bool operator==(const TypeRef& a, const TypeRef& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case TypeRef::Kind::Primitive: return a.primitive == b.primitive;
    case TypeRef::Kind::Local: return a.name == b.name;
    case TypeRef::Kind::Qualified: return a.name == b.name && a.service == b.service;
    default: return a.args == b.args;
  }
}

std::string_view governanceName(Governance g) { return kGovernanceNames[static_cast<size_t>(g)]; }

std::optional<Governance> parseGovernance(std::string_view name) {
  for (size_t i = 0; i < kGovernanceNames.size(); ++i)
    if (kGovernanceNames[i] == name) return static_cast<Governance>(i);
  return std::nullopt;
}

bool governanceAllowsRepair(Governance g) {
  return g != Governance::Newborn && g != Governance::Cartography;
}

std::string_view statusName(Status s) { return s == Status::Draft ? "draft" : "stable"; }

std::string_view targetName(Target t) {
  switch (t) {
    case Target::Rust: return "rust";
    case Target::TypeScript: return "typescript";
    case Target::Python: return "python";
  }
  return "?";
}

std::string_view gateName(Gate g) {
  switch (g) {
    case Gate::Check: return "check";
    case Gate::Clippy: return "clippy";
    case Gate::Test: return "test";
    case Gate::E2e: return "e2e";
  }
  return "?";
}

const TypeDecl* Service::findType(std::string_view n) const { return findByName(types, n); }
const EnumDecl* Service::findEnum(std::string_view n) const { return findByName(enums, n); }
const AliasDecl* Service::findAlias(std::string_view n) const { return findByName(aliases, n); }
const Rpc* Service::findRpc(std::string_view n) const { return findByName(rpcs, n); }

std::string crateNameOf(std::string_view serviceName) {
  std::string out(serviceName);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

const Service* Universe::findService(std::string_view name) const {
  auto it = std::lower_bound(services.begin(), services.end(), name,
                             [](const Service& s, std::string_view n) { return s.name < n; });
  return it != services.end() && it->name == name ? &*it : nullptr;
}

}  // namespace flywheel::universe
