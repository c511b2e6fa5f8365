//! Service `catalog`: products and prices.
//!
//! `generated` is stamped by flywheel forge from `intent.lisp` (never edit it);
//! `custom` is written by hand.

mod custom;
mod generated;

pub use custom::seed_catalog;
pub use generated::*;
