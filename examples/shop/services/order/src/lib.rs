//! Service `order`: orders placed by users for catalog products.
//!
//! `generated` is stamped by flywheel forge from `intent.lisp` (never edit it);
//! `custom` is written by hand.

mod custom;
mod generated;

pub use custom::{order_total, orders_by_customer, receipt_line, Fulfilment, WelcomeDesk};
pub use generated::*;
