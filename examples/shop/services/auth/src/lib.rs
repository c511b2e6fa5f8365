//! Service `auth`: sessions for signed-in users.
//!
//! `generated` is stamped by flywheel forge from `intent.lisp` (never edit it);
//! `custom` is written by hand.

mod custom;
mod generated;

pub use custom::{AuthService, LoginGuard, SESSION_SECONDS};
pub use generated::*;
