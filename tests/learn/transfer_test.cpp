// Carrying a proposal to an older state: items of custom.rs, clauses of an
// intent, the templates setting of universe.lisp.
#include <catch2/catch.hpp>

#include "learn/transfer.h"

using namespace flywheel::learn;

namespace {
// Today's custom.rs (after six repairs: id is u16 now).
const char* kHead = R"(//! Hand-written code of billing.
use ledger::Record;

/// A flat view of a ledger record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordView {
    pub id: u16,
    pub name: String,
}

pub fn record_view(value: &Record) -> RecordView {
    RecordView { id: value.id, name: value.name.clone() }
}

pub fn describe(value: &Record) -> String {
    format!("{:?}", record_view(value))
}
)";
// The proposal: the view moves into generated.rs.
const char* kProposed = R"(//! Hand-written code of billing.
use ledger::Record;

pub fn describe(value: &Record) -> String {
    format!("{:?}", record_view(value))
}

use crate::generated::{record_view, RecordView};
)";
// An older custom.rs (id was i32 then, and describe read differently).
const char* kOld = R"(//! Hand-written code of billing.
use ledger::Record;

/// A flat view of a ledger record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordView {
    pub id: i32,
    pub name: String,
}

pub fn record_view(value: &Record) -> RecordView {
    RecordView { id: value.id, name: value.name.clone() }
}

pub fn describe(value: &Record) -> String {
    format!("view {:?}", record_view(value))
}
)";
}  // namespace

TEST_CASE("top-level items carry their doc comments and attributes", "[learn][transfer]") {
  auto items = topLevelItems(kHead);
  REQUIRE(items.size() == 4);
  CHECK(items[0].key == "use ledger::Record");
  CHECK(items[1].key == "struct RecordView");
  CHECK(std::string(kHead).substr(items[1].begin, 3) == "///");
  CHECK(items[2].key == "function record_view");
}

TEST_CASE("a proposal's item deletions and additions carry over to an older custom.rs", "[learn][transfer]") {
  std::string out = transferItems(kHead, kProposed, kOld);
  CHECK(out.find("struct RecordView") == std::string::npos);
  CHECK(out.find("pub fn record_view") == std::string::npos);
  CHECK(out.find("format!(\"view {:?}\", record_view(value))") != std::string::npos);  // the older describe stays
  CHECK(out.find("use crate::generated::{record_view, RecordView};") != std::string::npos);
  CHECK(out.find("\n\n\n") == std::string::npos);
  // Applied to today's file, it gives the proposal (modulo blank lines).
  CHECK(transferItems(kHead, kProposed, kHead).find("pub struct") == std::string::npos);
}

TEST_CASE("clauses an intent proposal adds are inserted into an older intent", "[learn][transfer]") {
  const char* head = "(service billing\n  (use ledger Record)\n  (type Bill (field id i32)))\n";
  const char* proposed = "(service billing\n  (use ledger Record)\n  (type Bill (field id i32))\n  (template view ledger/Record))\n";
  const char* old = ";; billing\n(service billing\n  (use ledger Record) ; the ledger\n  (type Bill (field id i64)))\n";
  auto out = transferClauses(head, proposed, old);
  REQUIRE(out);
  CHECK(*out == ";; billing\n(service billing\n  (use ledger Record) ; the ledger\n  (type Bill (field id i64))\n  (template view ledger/Record))\n");
  CHECK_FALSE(transferClauses(head, proposed, "(service billing"));
}

TEST_CASE("the templates setting is added to universe.lisp when it is missing", "[learn][transfer]") {
  std::string dir;
  CHECK(withTemplatesSetting("(universe u\n  (gates check test)) ; end\n", "u", "forge-templates", &dir) ==
        "(universe u\n  (gates check test)\n  (templates \"forge-templates\")) ; end\n");
  CHECK(dir == "forge-templates");
  CHECK(withTemplatesSetting("(universe u (templates \"mine\"))", "u", "forge-templates", &dir) == "(universe u (templates \"mine\"))");
  CHECK(dir == "mine");
  CHECK(withTemplatesSetting("", "u", "t", &dir) == "(universe u\n  (templates \"t\"))\n");
}
