// From one service's IR to the Rust text Forge stamps (internal to forge/).
//
// A RustModel walks a service's declarations in source order and turns each
// into the context of its template (see forge/templates/rust/): names mapped
// to Rust, types rendered relative to the service, pattern tables derived
// (state-machine events, CRUD key type, gateway targets). Problems the intent
// validator cannot see but Rust would reject (a name that is no identifier, a
// CRUD key that cannot be ordered, two transitions for one state and event)
// are reported as diagnostics at the offending form; nothing is rendered then.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "forge/rust_names.h"
#include "forge/template_set.h"
#include "universe/ir.h"

namespace flywheel::forge {

/// The Rust text of one service crate.
struct RustCrate {
  std::string generatedBody;            ///< generated.rs after its 3-line header
  std::string libRs;                    ///< src/lib.rs as first created
  std::string customRs;                 ///< src/custom.rs as first created
  std::set<std::string> dependencies;   ///< other services this crate needs (service names)
};

class RustModel {
 public:
  RustModel(const universe::Universe& u, const universe::Service& s, const TemplateSet& t)
      : universe_(u), service_(s), templates_(t), types_(u, s) {}

  /// Renders the crate, or returns false with `problems` filled.
  bool render(RustCrate& out, universe::Diagnostics& problems);

 private:
  // Types and RPCs (rust_model.cpp).
  TemplateObject alias(const universe::AliasDecl& a);
  TemplateObject enumeration(const universe::EnumDecl& e);
  TemplateObject record(const universe::TypeDecl& t);
  TemplateObject rpcApi();
  // The 8 patterns (rust_model_patterns.cpp).
  TemplateObject crud(const universe::CrudGateway& g);
  TemplateObject listener(const universe::EventListener& l);
  TemplateObject cron(const universe::CronWorker& c);
  TemplateObject tool(const universe::McpTool& t);
  TemplateObject stateMachine(const universe::StateMachine& m);
  TemplateObject bootstrap(const universe::Bootstrap& b);
  TemplateObject pureUtility(const universe::PureUtility& p);
  TemplateObject gateway(const universe::RpcGateway& g);
  TemplateObject engine(const universe::DomainEngine& e);

  std::string renderDecl(const universe::DeclRef& d, bool& rpcApiDone);
  // `(template NAME TYPE...)` with a universe's template (rust_model_templates.cpp).
  std::string templateUse(const universe::TemplateUse& use);
  std::string customRs();
  std::string libRs();
  void generatedTraits();
  void problem(universe::SourcePos pos, std::string message);
  /// Checks that `name` maps to a Rust identifier; reports `what` otherwise.
  bool checkName(std::string_view name, universe::SourcePos pos, std::string_view what);

  const universe::Universe& universe_;
  const universe::Service& service_;
  const TemplateSet& templates_;
  RustTypes types_;
  universe::Diagnostics problems_;
  std::set<std::string> generatedTraits_;   // traits generated.rs defines (bootstrap may provide them)
  std::vector<std::string> customTraits_;   // traits bootstrap expects custom.rs to define
  std::set<std::string> extraDependencies_; // services named by rpc calls and provides
  TemplateList crudStubs_, pureStubs_;      // what a fresh custom.rs must implement
};

}  // namespace flywheel::forge
