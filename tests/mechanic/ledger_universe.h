// A second universe for agent-loop tests (not the shop): `ledger` owns
// AccountId (i64) and Account; `report` uses them, and its hand-written
// account_key formats the id with `{:08}`. Changing AccountId to String
// breaks ledger's code (it compiles no more), so report at first fails only
// because its dependency does; once ledger is repaired, report has a compile
// error of its own, and after that one is fixed the code compiles but a test
// fails: `{:08}` pads a String with spaces.
#pragma once

#include <unistd.h>

#include "fixture.h"
#include "forge/stamper.h"
#include "forge/template_set.h"
#include "universe/ir.h"

namespace flywheel::mechanic::testing {

struct LedgerUniverse {
  fs::path root;

  explicit LedgerUniverse(const std::string& name, int maxCycles = 6) {
    root = fs::temp_directory_path() / ("flywheel-ledger-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(root);
    writeText(root / "universe.lisp", "(universe ledger-world\n  (services \"services/*\")\n"
                                      "  (gates check clippy test)\n  (max-repair-cycles " +
                                          std::to_string(maxCycles) + "))\n");
    writeText(root / "Cargo.toml", "[workspace]\nresolver = \"2\"\nmembers = [\n# forge:begin\n# forge:end\n]\n");
    writeText(root / ".gitignore", "target/\n.flywheel/\n");
    writeText(root / "services/ledger/intent.lisp",
              "(service ledger\n  (governance survival-patching)\n  (alias AccountId i64)\n"
              "  (type Account (field id AccountId) (field owner String)))\n");
    crate("ledger", R"(//! Hand-written logic of service `ledger`.

use crate::generated::*;

/// The account opened after `a`: ids are sequential.
pub fn next_account(a: &Account) -> Account {
    Account {
        id: a.id + 1,
        owner: a.owner.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sequential() {
        let owner = "ann".to_string();
        assert_eq!(next_account(&Account { id: 1, owner }).owner, "ann");
    }
}
)");
    writeText(root / "services/report/intent.lisp",
              "(service report\n  (governance survival-patching)\n  (use ledger Account AccountId)\n"
              "  (type Line (field account Account) (field cents i64)))\n");
    crate("report", R"(//! Hand-written logic of service `report`.

use crate::generated::*;
use ledger::{Account, AccountId};

/// A sortable key for an account: its id, zero-padded to 8 places.
pub fn account_key(id: &AccountId) -> String {
    format!("{:08}", id)
}

/// The line every report opens with.
pub fn opening_line() -> Line {
    Line {
        account: Account {
            id: 7,
            owner: "bank".to_string(),
        },
        cents: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_zero_padded() {
        assert_eq!(account_key(&opening_line().account.id), "00000007");
    }
}
)");
    stamp();
    git(root, {"init", "-q", "-b", "main"});
    git(root, {"config", "user.name", "Ada Lovelace"});
    git(root, {"config", "user.email", "ada@example.org"});
    commitAll("ledger world");
  }
  ~LedgerUniverse() { fs::remove_all(root); }

  void crate(const std::string& svc, const std::string& custom) {
    const fs::path dir = root / "services" / svc;
    writeText(dir / "Cargo.toml", "[package]\nname = \"" + svc +
                                      "\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n"
                                      "[dependencies]\n# forge:begin\n# forge:end\n");
    writeText(dir / "src/lib.rs", "//! Service `" + svc + "`.\n\nmod custom;\nmod generated;\n\npub use custom::*;\n"
                                  "pub use generated::*;\n");
    writeText(dir / "src/custom.rs", custom);
  }

  void stamp() { stampUniverse(root); }

  /// Changes AccountId from i64 to String in the working tree (not committed).
  void changeAccountId() {
    auto intent = readText(root / "services/ledger/intent.lisp");
    intent.replace(intent.find("(alias AccountId i64)"), 21, "(alias AccountId String)");
    writeText(root / "services/ledger/intent.lisp", intent);
  }

  std::string commitAll(const std::string& msg) {
    git(root, {"add", "-A"});
    git(root, {"commit", "-q", "-m", msg});
    return git(root, {"rev-parse", "HEAD"});
  }
};

}  // namespace flywheel::mechanic::testing
