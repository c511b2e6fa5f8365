//! Hand-written logic of service `billing`.

use std::collections::BTreeMap;

use crate::generated::*;
use order::Order;
use user::Tier;

/// Where billing reads the time from (provided by `bootstrap`).
pub trait Clock {
    fn now(&self) -> i64;
}

/// A clock that always says the same time (tests, replays).
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0
    }
}

/// `INV-<customer id, 5 digits>-<order id, 6 digits>`, sortable per customer.
pub fn invoice_number(order: &Order) -> String {
    let customer = order.customer.id;
    if customer < 0 {
        return format!("INV-X{:04}-{:06}", customer.unsigned_abs(), order.id);
    }
    format!("INV-{:05}-{:06}", customer, order.id)
}

/// The shop's prices: subtotal from the order lines, then 10% off for VIPs.
pub struct ShopPricing;

impl PricingRules for ShopPricing {
    fn seed(&self, input: &Order) -> Invoice {
        Invoice {
            number: invoice_number(input),
            order_id: input.id,
            customer_id: input.customer.id,
            total_cents: 0,
            notes: BTreeMap::new(),
        }
    }
    fn subtotal(&self, input: &Order, output: &mut Invoice) -> Result<(), String> {
        output.total_cents = order::order_total(input);
        if output.total_cents <= 0 {
            return Err(format!(
                "order {} totals {} cents",
                input.id, output.total_cents
            ));
        }
        Ok(())
    }
    fn loyalty(&self, input: &Order, output: &mut Invoice) -> Result<(), String> {
        if input.customer.tier == Tier::Vip {
            let discount = output.total_cents / 10;
            output.total_cents -= discount;
            output
                .notes
                .insert("loyalty".to_string(), format!("-{discount}"));
        }
        Ok(())
    }
}

/// Checks that `token` is a live session of the order's customer.
pub fn authorize_checkout(
    client: &SessionClient<'_>,
    token: &str,
    order: &Order,
) -> Result<(), String> {
    let session = client
        .auth_validate_session(token.to_string())?
        .ok_or_else(|| "session expired or unknown".to_string())?;
    if session.user_id != order.customer.id {
        return Err(format!(
            "session of user {} cannot pay order {} of user {}",
            session.user_id, order.id, order.customer.id
        ));
    }
    Ok(())
}

/// The nightly job: invoices every pending order and totals revenue per customer.
pub struct NightlyRun {
    pub pending: Vec<Order>,
    pub invoices: Vec<Invoice>,
    pub revenue_per_customer: BTreeMap<i32, i64>,
}

impl NightlyInvoicesJob for NightlyRun {
    fn run(&mut self, now_unix: i64) -> Result<(), String> {
        for order in self.pending.drain(..) {
            let mut invoice = run_pricing(&ShopPricing, &order)
                .map_err(|e| format!("order {}: rule {}: {}", order.id, e.rule, e.message))?;
            invoice
                .notes
                .insert("issued-at".to_string(), now_unix.to_string());
            *self
                .revenue_per_customer
                .entry(invoice.customer_id)
                .or_insert(0) += invoice.total_cents;
            self.invoices.push(invoice);
        }
        Ok(())
    }
}

/// Wires billing for production: the real pricing and a given clock.
pub struct ShopBootstrap {
    pub start_time: i64,
}

impl Bootstrap for ShopBootstrap {
    fn clock(&self) -> Box<dyn Clock> {
        Box::new(FixedClock(self.start_time))
    }
    fn pricing(&self) -> Box<dyn PricingRules> {
        Box::new(ShopPricing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use order::LineItem;
    use user::{UserProfile, UserService};

    fn order_for(id: u64, customer_id: i32, tier: Tier) -> Order {
        Order {
            id,
            customer: UserProfile {
                id: customer_id,
                display_name: "Ada".to_string(),
                email: "ada@example.com".to_string(),
                tier,
            },
            lines: vec![LineItem {
                sku: "GD0042".to_string(),
                quantity: 1,
                unit_cents: 12_900,
            }],
        }
    }

    #[test]
    fn vip_pays_ten_percent_less() {
        let invoice = run_pricing(&ShopPricing, &order_for(12, 42, Tier::Vip)).unwrap();
        assert_eq!(invoice.number, "INV-00042-000012");
        assert_eq!(invoice.total_cents, 11_610);
        assert_eq!(invoice.notes["loyalty"], "-1290");
        let free = run_pricing(&ShopPricing, &order_for(13, 42, Tier::Free)).unwrap();
        assert_eq!(free.total_cents, 12_900);
    }

    #[test]
    fn empty_orders_fail_in_the_subtotal_rule() {
        let mut empty = order_for(1, 7, Tier::Free);
        empty.lines.clear();
        let err = run_pricing(&ShopPricing, &empty).unwrap_err();
        assert_eq!(err.rule, "subtotal");
    }

    #[test]
    fn nightly_run_totals_revenue_per_customer() {
        let mut job = NightlyRun {
            pending: vec![
                order_for(1, 42, Tier::Vip),
                order_for(2, 7, Tier::Free),
                order_for(3, 42, Tier::Vip),
            ],
            invoices: Vec::new(),
            revenue_per_customer: BTreeMap::new(),
        };
        job.run(86_400).unwrap();
        assert_eq!(job.invoices.len(), 3);
        assert_eq!(job.revenue_per_customer[&42], 23_220);
        assert_eq!(job.revenue_per_customer[&7], 12_900);
        assert_eq!(NIGHTLY_INVOICES_SCHEDULE, "0 2 * * *");
    }

    #[test]
    fn checkout_needs_the_customers_own_session() {
        let mut users = UserService::default();
        users
            .register(order_for(0, 42, Tier::Vip).customer)
            .unwrap();
        let mut auth = auth::AuthService::new(&users, 100);
        let session = auth.sign_in("ada@example.com").unwrap();
        let client = SessionClient { auth: &auth };
        assert_eq!(
            authorize_checkout(&client, &session.token, &order_for(5, 42, Tier::Vip)),
            Ok(())
        );
        assert!(authorize_checkout(&client, &session.token, &order_for(6, 7, Tier::Vip)).is_err());
        assert!(authorize_checkout(&client, "tok-bogus", &order_for(5, 42, Tier::Vip)).is_err());
    }

    #[test]
    fn bootstrap_wires_clock_and_pricing() {
        let container = Container::build(&ShopBootstrap { start_time: 99 });
        assert_eq!(container.clock.now(), 99);
        let invoice =
            run_pricing(container.pricing.as_ref(), &order_for(4, 42, Tier::Free)).unwrap();
        assert_eq!(invoice.total_cents, 12_900);
    }
}
