//! Service `user`: user profiles, their store and the `get-user` RPC.
//!
//! `generated` is stamped by flywheel forge from `intent.lisp` (never edit it);
//! `custom` is written by hand.

mod custom;
mod generated;

pub use custom::UserService;
pub use generated::*;
