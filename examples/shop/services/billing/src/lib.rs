//! Service `billing`: invoices for orders, priced by the `pricing` engine.
//!
//! `generated` is stamped by flywheel forge from `intent.lisp` (never edit it);
//! `custom` is written by hand.

mod custom;
mod generated;

pub use custom::{
    authorize_checkout, invoice_number, Clock, FixedClock, NightlyRun, ShopBootstrap, ShopPricing,
};
pub use generated::*;
