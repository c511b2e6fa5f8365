// The typed IR of a loaded universe.
//
// A Universe is what `universe.lisp` and every service's `intent.lisp` mean
// after reading, macro expansion and validation (INTENT.md is the contract).
// Forge stamps code from it, the mechanic reads governance and settings from
// it, and the graph (graph.h) indexes its symbols. Every node keeps the
// position of the form it came from; nodes produced by a macro expansion carry
// the position of the macro's use site (arguments keep their own positions).
// All positions of a Service lie in its `intentPath`; those of the settings
// lie in `universe.lisp`.
//
// Names are kept exactly as written (`display-name`, `UserProfile`); mapping
// to Rust identifiers is Forge's business, except the crate name, which
// INTENT.md fixes (`user-profile` -> `user_profile`).
//
// Ordering: `Universe::services` is sorted by name; every list inside a
// Service is in source order; `declOrder` records the interleaving of
// declarations for stampers that want source order across kinds.
//
// Stability: this header only grows. Fields are never renamed or removed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "universe/diagnostic.h"

namespace flywheel::universe {

// ---------------------------------------------------------------- type refs

enum class Primitive { I32, I64, U32, U64, F32, F64, Bool, String };

/// A TYPE as written in an intent: `i32`, `UserProfile`, `user/UserProfile`,
/// `(option T)`, `(list T)`, `(map K V)`.
struct TypeRef {
  enum class Kind { Primitive, Local, Qualified, Option, List, Map };
  /// What a Local or Qualified name resolved to (filled by validation).
  enum class Target { Unresolved, Type, Enum, Alias };

  Kind kind = Kind::Primitive;
  Primitive primitive = Primitive::I32;  // Kind::Primitive
  std::string name;                      // Local and Qualified: the type's name (`UserProfile`)
  std::string service;                   // Qualified: the owning service as written (`user`)
  std::vector<TypeRef> args;             // Option, List: 1 element; Map: key then value
  SourcePos pos;

  /// Local and Qualified, after validation: the service that declares the
  /// named type: this service for a local declaration, the imported service
  /// for a name brought in by `(use SVC NAME...)`, `service` for a qualified
  /// name. Empty while unresolved.
  std::string resolvedService;
  Target resolvedTarget = Target::Unresolved;
  /// Option only, after validation: the option closes a cycle of records or
  /// enums holding each other by value (a record that contains itself
  /// through an option), so Forge renders it `Option<Box<T>>`.
  bool boxed = false;

  /// The intent spelling: `i32`, `user/UserProfile`, `(map String (list i64))`.
  std::string toString() const;
  friend bool operator==(const TypeRef& a, const TypeRef& b);  // structural, ignores pos
};

std::string_view primitiveName(Primitive p);                       // "i32", "bool", "String"
std::optional<Primitive> parsePrimitive(std::string_view name);   // exact spelling only

// ---------------------------------------------------------------- declarations

/// A bare name with its position (`depends-on` items, `use` names, states...).
struct Name {
  std::string name;
  SourcePos pos;
};

struct Field {
  std::string name;
  TypeRef type;
  SourcePos pos;
};

/// `(type NAME (field NAME TYPE)...)`
struct TypeDecl {
  std::string name;
  std::vector<Field> fields;
  SourcePos pos;
};

/// A variant `NAME` or `(NAME TYPE)`.
struct Variant {
  std::string name;
  std::optional<TypeRef> payload;
  SourcePos pos;
};

/// `(enum NAME VARIANT...)`
struct EnumDecl {
  std::string name;
  std::vector<Variant> variants;
  SourcePos pos;
  bool hasPayload() const {
    for (const auto& v : variants)
      if (v.payload) return true;
    return false;
  }
};

/// `(alias NAME TYPE)`
struct AliasDecl {
  std::string name;
  TypeRef target;
  SourcePos pos;
};

/// `(rpc NAME (input TYPE) (output TYPE))`
struct Rpc {
  std::string name;
  TypeRef input;
  TypeRef output;
  SourcePos pos;
};

/// `(use SVC NAME...)`
struct Use {
  std::string service;
  SourcePos servicePos;
  std::vector<Name> names;
  SourcePos pos;
};

// ---------------------------------------------------------------- the 8 stamping patterns

enum class CrudOp { Create, Read, Update, Delete, List };

/// `(crud-gateway NAME (entity TYPE) (key FIELD) (ops create read update delete list))`
struct CrudGateway {
  std::string name;
  TypeRef entity;
  Name key;                  // a field of the entity type
  std::vector<CrudOp> ops;   // source order, no duplicates
  SourcePos pos;
};

/// `(event-listener NAME (topic "t") (payload TYPE))`
struct EventListener {
  std::string name;
  std::string topic;
  TypeRef payload;
  SourcePos pos;
};

/// `(cron-worker NAME (schedule "cron"))`
struct CronWorker {
  std::string name;
  std::string schedule;
  SourcePos pos;
};

/// `(mcp-tool NAME (doc "...") (input TYPE) (output TYPE))`
struct McpTool {
  std::string name;
  std::string doc;
  TypeRef input;
  TypeRef output;
  SourcePos pos;
};

/// `(transition EVENT FROM TO)`
struct Transition {
  std::string event;
  std::string from;
  std::string to;
  SourcePos pos;
};

/// `(state-machine NAME (states S...) (initial S) (transition EVENT FROM TO)...)`
struct StateMachine {
  std::string name;
  std::vector<Name> states;
  Name initial;
  std::vector<Transition> transitions;
  SourcePos pos;
};

/// `(provide NAME TRAIT)`
struct Provide {
  std::string name;
  std::string trait;
  SourcePos pos;
};

/// `(bootstrap (provide NAME TRAIT)...)`; at most one per service. Its symbol
/// is `svc/bootstrap`.
struct Bootstrap {
  std::vector<Provide> provides;
  SourcePos pos;
};

/// `(arg NAME TYPE)`
struct Arg {
  std::string name;
  TypeRef type;
  SourcePos pos;
};

/// `(pure-utility NAME (arg NAME TYPE)... (returns TYPE))`
struct PureUtility {
  std::string name;
  std::vector<Arg> args;
  TypeRef returns;
  SourcePos pos;
};

/// One `SVC/RPC` item of `(calls ...)`.
struct RpcCall {
  std::string service;
  std::string rpc;
  SourcePos pos;
};

/// `(rpc-gateway NAME (calls SVC/RPC...))`
struct RpcGateway {
  std::string name;
  std::vector<RpcCall> calls;
  SourcePos pos;
};

/// `(rule NAME "doc")`
struct Rule {
  std::string name;
  std::string doc;
  SourcePos pos;
};

/// `(domain-engine NAME (input TYPE) (output TYPE) (rule NAME "doc")...)`
struct DomainEngine {
  std::string name;
  TypeRef input;
  TypeRef output;
  std::vector<Rule> rules;
  SourcePos pos;
};

// ---------------------------------------------------------------- service

enum class Governance {
  Newborn,           // default: read only
  Cartography,       // propose intent drafts, never edit code
  SurvivalPatching,  // fix compile errors and panics; public signatures unchanged
  StrictCodegen,     // edit custom.rs only, inside existing trait boundaries
  SelfDistillation,  // variants kept only if the gauntlet passes and benches improve
  Experimental,      // edit any file of the service in the sandbox
  Polisher,          // only clippy-clearing edits
};
std::string_view governanceName(Governance g);  // "survival-patching"
std::optional<Governance> parseGovernance(std::string_view name);
/// True when the mode lets an agent repair code after a cascade (every mode
/// but newborn and cartography); the cascade plan marks the others
/// `blocked: needs a human`.
bool governanceAllowsRepair(Governance g);

enum class Status { Stable, Draft };
std::string_view statusName(Status s);

enum class Target { Rust, TypeScript, Python };
std::string_view targetName(Target t);  // "rust", "typescript", "python"

/// `(gap "text")`, only in a draft service.
struct Gap {
  std::string text;
  SourcePos pos;
};

/// `(template NAME TYPE...)`: stamp the universe's Forge template NAME.tmpl
/// once per record TYPE into generated.rs, after the declarations
/// (docs/forge.md, "Templates a universe owns").
struct TemplateUse {
  std::string name;
  std::vector<TypeRef> types;
  SourcePos pos;
};

/// Which declaration list an entry of Service::declOrder points into.
enum class DeclKind {
  Type, Enum, Alias, Rpc,
  CrudGateway, EventListener, CronWorker, McpTool, StateMachine, Bootstrap,
  PureUtility, RpcGateway, DomainEngine,
};
struct DeclRef {
  DeclKind kind;
  uint32_t index;  // into the matching vector of Service
};

struct Service {
  std::string name;        // kebab-case, unique in the universe (`user-profile`)
  std::string crateName;   // snake_case (`user_profile`)
  std::string dir;         // relative to the universe root, '/' separators ("services/user")
  std::string intentPath;  // relative to the universe root ("services/user/intent.lisp")
  SourcePos pos;           // of the `(service ...)` form

  std::optional<int64_t> version;
  Status status = Status::Stable;
  std::vector<Gap> gaps;
  Governance governance = Governance::Newborn;
  SourcePos governancePos;  // 0:0 when defaulted
  std::vector<Target> targets{Target::Rust};

  std::vector<Name> dependsOn;  // as written in (depends-on ...), source order
  std::vector<Use> uses;
  std::vector<AliasDecl> aliases;
  std::vector<TypeDecl> types;
  std::vector<EnumDecl> enums;
  std::vector<Rpc> rpcs;

  std::vector<CrudGateway> crudGateways;
  std::vector<EventListener> eventListeners;
  std::vector<CronWorker> cronWorkers;
  std::vector<McpTool> mcpTools;
  std::vector<StateMachine> stateMachines;
  std::optional<Bootstrap> bootstrap;
  std::vector<PureUtility> pureUtilities;
  std::vector<RpcGateway> rpcGateways;
  std::vector<DomainEngine> domainEngines;

  std::vector<DeclRef> declOrder;  // every declaration above, in source order
  std::vector<TemplateUse> templateUses;  // rendered after declOrder, in source order

  /// Every service this one depends on: explicit `depends-on`, `use`, and
  /// every qualified `svc/Name` / `calls` reference; sorted, unique, without
  /// itself. Filled by validation.
  std::vector<std::string> allDependencies;

  /// False when the intent file had errors: the service still appears (with
  /// whatever could be read) so that the rest of the universe stays
  /// queryable, but Forge must not stamp it.
  bool valid = true;
  std::string sourceText;  // the intent file as read (working tree or revision)
  /// The `(service ...)` form after macro expansion, printed on one line
  /// (no comments, no layout): what the intent diff compares, so that a
  /// changed macro definition shows and a reformatting does not. Empty when
  /// no service form could be read.
  std::string expandedText;

  const TypeDecl* findType(std::string_view n) const;
  const EnumDecl* findEnum(std::string_view n) const;
  const AliasDecl* findAlias(std::string_view n) const;
  const Rpc* findRpc(std::string_view n) const;
};

/// `service-name` -> `service_name`.
std::string crateNameOf(std::string_view serviceName);

// ---------------------------------------------------------------- universe

/// Check, Clippy and Test run per crate; E2e (the black-box veto gate) runs
/// once in the cascade worktree after every crate is green.
enum class Gate { Check, Clippy, Test, E2e };
std::string_view gateName(Gate g);  // "check", "clippy", "test", "e2e"

/// A `defmacro` known to the universe (from the macro file or an intent file).
struct MacroInfo {
  std::string name;
  std::vector<std::string> params;
  std::string restParam;  // empty: no &rest
  std::string file;       // relative to the universe root
  SourcePos pos;
};

/// `(universe NAME (services GLOB...) (gates G...) (max-repair-cycles N)
///  (sentinel-interval S) (macros "file"))`; defaults when absent.
struct UniverseSettings {
  std::string name;                   // default: the root directory's name
  std::vector<std::string> serviceGlobs;  // empty: every directory holding an intent.lisp
  std::vector<Gate> gates{Gate::Check, Gate::Clippy, Gate::Test};
  int maxRepairCycles = 5;
  int sentinelIntervalSeconds = 30;
  std::optional<std::string> macrosFile;  // relative to the root
  // The settings of learn, missiond and the e2e gate (docs/intent.md).
  std::optional<std::string> e2eCommand;    // (e2e "cmd"): required when gates list e2e
  std::optional<std::string> templatesDir;  // (templates "dir"), relative to the root
  int distillThreshold = 5;                 // repairs of one shape before a candidate
  double metaUtilityThreshold = 0.6;        // replay score a proposal needs for its branch
  std::optional<std::string> agentCommand;  // (agent "cmd"): what an unattended slot runs
  int slots = 2;                            // background agent slots
  int agentDeadlineSeconds = 1800;          // before a slot's agent is killed
  bool hasUniverseFile = false;           // false: universe.lisp absent, all defaults
  SourcePos pos;                          // of the `(universe ...)` form
};

struct Universe {
  std::string name;                    // == settings.name
  std::filesystem::path root;          // absolute universe root
  UniverseSettings settings;
  std::vector<MacroInfo> macros;       // universe-wide macros (the macro file), sorted by name
  std::vector<Service> services;       // sorted by name

  /// Binary search on the sorted services; nullptr when absent.
  const Service* findService(std::string_view name) const;
};

/// The outcome of loading a universe: whatever could be read, plus every
/// diagnostic. A universe with diagnostics is still usable for queries
/// (invalid services are marked `valid = false`).
struct LoadedUniverse {
  Universe universe;
  Diagnostics diagnostics;      // sorted by file, line, col
  std::string revision;         // resolved commit id, or "" for the working tree
  bool ok() const { return !hasErrors(diagnostics); }
};

/// Loads the universe rooted at `root` from the working tree (no revision) or
/// from a git revision (any revspec libgit2 understands: "HEAD", "HEAD~2", a
/// commit id, a branch), reading blobs straight from the object database (no
/// checkout). `root` must be, or lie inside, the repository's work tree when a
/// revision is given.
///
/// Fails (an Error, not diagnostics) only when nothing can be loaded: the
/// root does not exist, is not in a git repository while a revision is given,
/// or the revision does not resolve. Errors in intent files are diagnostics.
/// Thread-safe: no shared state.
[[nodiscard]] Result<LoadedUniverse> loadUniverse(const std::filesystem::path& root,
                                    const std::optional<std::string>& revision = std::nullopt);

/// Loads from in-memory files (path relative to the root -> content), as if
/// they were the tree: for tests, fuzzing and previews of unsaved edits.
LoadedUniverse loadUniverseFromFiles(const std::filesystem::path& root,
                                     const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace flywheel::universe
