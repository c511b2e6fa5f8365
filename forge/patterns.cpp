// The pattern catalogue (kept in step with forge/templates/rust/ and docs/forge.md).
#include "forge/patterns.h"

#include <array>

namespace flywheel::forge {

namespace {

constexpr std::array<PatternInfo, 9> kPatterns{{
    {"crud-gateway", "CRUD gateway",
     "(crud-gateway NAME (entity TYPE) (key FIELD) (ops create read update delete list))",
     "enum NError {NotFound, AlreadyExists, Invalid(String)}; trait N with the listed ops; trait NRules "
     "{fn validate(&Entity) -> Result<(), String>}; struct NMemory (BTreeMap by key) implementing N",
     "impl NRules for NMemory (required: the store calls it on create and update)",
     "(crud-gateway user-store (entity UserProfile) (key id) (ops create read list))"},
    {"event-listener", "Event listener", "(event-listener NAME (topic \"t\") (payload TYPE))",
     "const N_TOPIC: &str; trait NListener {fn on_event(&mut self, &Payload) -> Result<(), String>}; fn "
     "deliver_n(listener, topic, payload) -> Result<bool, String> (false: another topic)",
     "impl NListener for your handler",
     "(event-listener user-registered (topic \"user.registered\") (payload user/UserProfile))"},
    {"cron-worker", "Cron worker", "(cron-worker NAME (schedule \"cron\"))",
     "const N_SCHEDULE: &str; trait NJob {fn run(&mut self, now_unix: i64) -> Result<(), String>}",
     "impl NJob for your job", "(cron-worker nightly-invoices (schedule \"0 2 * * *\"))"},
    {"mcp-tool", "MCP tool", "(mcp-tool NAME (doc \"...\") (input TYPE) (output TYPE))",
     "const N_TOOL_NAME, N_TOOL_DOC: &str; trait NTool {fn call(&self, Input) -> Result<Output, String>}",
     "impl NTool for your tool",
     "(mcp-tool lookup-user (doc \"Find a user by email\") (input Email) (output (option UserProfile)))"},
    {"state-machine", "State machine", "(state-machine NAME (states S...) (initial S) (transition EVENT FROM TO)...)",
     "enum NState (+ INITIAL), enum NEvent, enum NError {NotAllowed{from, event}, Refused(String)}; fn n_next(from, "
     "event) -> Option<NState> (the transition table, generated); trait NHooks with one on_EVENT(&mut self, from) "
     "-> Result<(), String> per event; struct N {state} with new(), state(), fire(&mut hooks, event)",
     "impl NHooks: one guard/effect per event (a new event in the intent is a compile error until handled)",
     "(state-machine order-flow (states pending paid) (initial pending) (transition pay pending paid))"},
    {"bootstrap", "Bootstrap (dependency injection)", "(bootstrap (provide NAME TRAIT)...)",
     "trait Bootstrap with one fn NAME(&self) -> Box<dyn TRAIT> per provide; struct Container {pub NAME: "
     "Box<dyn TRAIT>} with build(&bootstrap). TRAIT is a trait generated.rs defines, `svc/Trait` from another "
     "crate, or otherwise a trait custom.rs defines (re-exported from lib.rs)",
     "impl Bootstrap for your wiring; define the custom traits",
     "(bootstrap (provide clock Clock) (provide pricing PricingRules))"},
    {"pure-utility", "Pure utility", "(pure-utility NAME (arg NAME TYPE)... (returns TYPE))",
     "struct N; trait NFn {fn call(args...) -> Ret}; fn n(args...) -> Ret calling <N as NFn>::call",
     "impl NFn for N (required: the generated fn calls it)",
     "(pure-utility price-with-tax (arg price-cents i64) (arg rate-permille u32) (returns i64))"},
    {"rpc-gateway", "RPC gateway", "(rpc-gateway NAME (calls SVC/RPC...))",
     "struct N<'a> {pub SVC: &'a dyn svc::SvcApi, ...} with one method SVC_RPC(&self, Input) -> Result<Output, "
     "String> per call. Each service's (rpc ...) forms become trait SvcApi in that service's generated.rs",
     "nothing: wire N with implementations of the callees' Api traits",
     "(rpc-gateway user-client (calls user/get-user))"},
    {"domain-engine", "Domain engine", "(domain-engine NAME (input TYPE) (output TYPE) (rule NAME \"doc\")...)",
     "struct NError {rule: &'static str, message: String}; trait NRules {fn seed(&self, &Input) -> Output; one "
     "fn RULE(&self, &Input, &mut Output) -> Result<(), String> per rule}; fn run_n(&rules, &input) -> "
     "Result<Output, NError> applying the rules in intent order",
     "impl NRules: the seed and one method per rule (a new rule is a compile error until written)",
     "(domain-engine pricing (input Order) (output Invoice) (rule subtotal \"sum of lines\"))"},
}};

}  // namespace

std::span<const PatternInfo> patternCatalog() { return kPatterns; }

}  // namespace flywheel::forge
