//! Hand-written logic of service `order`.

use std::collections::{BTreeMap, BTreeSet};

use crate::generated::*;
use user::UserProfile;

impl OrderStoreRules for OrderStoreMemory {
    fn validate(entity: &Order) -> Result<(), String> {
        if entity.lines.is_empty() {
            return Err(format!("order {} has no lines", entity.id));
        }
        if let Some(line) = entity.lines.iter().find(|l| l.quantity == 0) {
            return Err(format!("order {}: {} has quantity 0", entity.id, line.sku));
        }
        Ok(())
    }
}

/// Sum of quantity times unit price, in cents.
pub fn order_total(order: &Order) -> i64 {
    order
        .lines
        .iter()
        .map(|l| i64::from(l.quantity) * l.unit_cents)
        .sum()
}

/// Order ids per customer id, customers in ascending id order.
pub fn orders_by_customer(orders: &[Order]) -> BTreeMap<i32, Vec<u64>> {
    let mut by_customer: BTreeMap<i32, Vec<u64>> = BTreeMap::new();
    for order in orders {
        by_customer
            .entry(order.customer.id)
            .or_default()
            .push(order.id);
    }
    by_customer
}

/// One line of a receipt: `#000012 customer    42 total     4998`.
pub fn receipt_line(order: &Order) -> String {
    format!(
        "#{:06} customer {:>5} total {:>8}",
        order.id,
        order.customer.id,
        order_total(order)
    )
}

/// Greets new users with a welcome order number derived from their id.
#[derive(Debug, Default)]
pub struct WelcomeDesk {
    pub welcomed: BTreeSet<i32>,
    pub welcome_orders: Vec<u64>,
}

impl UserRegisteredListener for WelcomeDesk {
    fn on_event(&mut self, payload: &UserProfile) -> Result<(), String> {
        if payload.id <= 0 {
            return Err(format!("user id {} is not positive", payload.id));
        }
        if self.welcomed.insert(payload.id) {
            self.welcome_orders.push(1_000_000 + payload.id as u64);
        }
        Ok(())
    }
}

/// Payment and shipping rules of `order-flow`.
#[derive(Debug, Default)]
pub struct Fulfilment {
    pub paid_cents: i64,
    pub due_cents: i64,
    pub shipped: u32,
}

impl OrderFlowHooks for Fulfilment {
    fn on_pay(&mut self, _from: OrderFlowState) -> Result<(), String> {
        if self.paid_cents < self.due_cents {
            return Err(format!(
                "paid {} of {} cents",
                self.paid_cents, self.due_cents
            ));
        }
        Ok(())
    }
    fn on_ship(&mut self, _from: OrderFlowState) -> Result<(), String> {
        self.shipped += 1;
        Ok(())
    }
    fn on_cancel(&mut self, _from: OrderFlowState) -> Result<(), String> {
        self.paid_cents = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use user::Tier;

    fn customer(id: i32) -> UserProfile {
        UserProfile {
            id,
            display_name: format!("user {id}"),
            email: format!("u{id}@example.com"),
            tier: Tier::Free,
        }
    }

    fn order(id: u64, customer_id: i32) -> Order {
        Order {
            id,
            customer: customer(customer_id),
            lines: vec![LineItem {
                sku: "BK0001".to_string(),
                quantity: 2,
                unit_cents: 2_499,
            }],
        }
    }

    #[test]
    fn totals_receipts_and_grouping() {
        assert_eq!(order_total(&order(12, 42)), 4_998);
        assert_eq!(
            receipt_line(&order(12, 42)),
            "#000012 customer    42 total     4998"
        );
        let orders = [order(1, 42), order(2, 7), order(3, 42)];
        let grouped = orders_by_customer(&orders);
        assert_eq!(grouped.keys().copied().collect::<Vec<i32>>(), [7, 42]);
        assert_eq!(grouped[&42], [1, 3]);
    }

    #[test]
    fn store_refuses_empty_orders() {
        let mut store = OrderStoreMemory::default();
        let mut empty = order(5, 1);
        empty.lines.clear();
        assert!(store.create(empty).is_err());
        store.create(order(5, 1)).unwrap();
        assert_eq!(store.list().len(), 1);
    }

    #[test]
    fn welcome_desk_listens_to_its_topic_only() {
        let mut desk = WelcomeDesk::default();
        let ada = customer(42);
        assert_eq!(
            deliver_user_registered(&mut desk, "user.deleted", &ada),
            Ok(false)
        );
        assert_eq!(
            deliver_user_registered(&mut desk, USER_REGISTERED_TOPIC, &ada),
            Ok(true)
        );
        deliver_user_registered(&mut desk, USER_REGISTERED_TOPIC, &ada).unwrap();
        assert_eq!(desk.welcome_orders, [1_000_042]);
    }

    #[test]
    fn orders_ship_only_after_payment() {
        let mut flow = OrderFlow::new();
        let mut rules = Fulfilment {
            due_cents: 500,
            ..Fulfilment::default()
        };
        assert!(matches!(
            flow.fire(&mut rules, OrderFlowEvent::Ship),
            Err(OrderFlowError::NotAllowed { .. })
        ));
        assert!(flow.fire(&mut rules, OrderFlowEvent::Pay).is_err());
        rules.paid_cents = 500;
        flow.fire(&mut rules, OrderFlowEvent::Pay).unwrap();
        flow.fire(&mut rules, OrderFlowEvent::Ship).unwrap();
        assert_eq!((flow.state(), rules.shipped), (OrderFlowState::Shipped, 1));
    }
}
