//! Hand-written logic of service `catalog`.

use crate::generated::*;

impl ProductStoreRules for ProductStoreMemory {
    fn validate(entity: &Product) -> Result<(), String> {
        if entity.sku.len() != 6 || !entity.sku.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!("sku {:?} must be 6 letters or digits", entity.sku));
        }
        if entity.price_cents <= 0 {
            return Err(format!("{}: price must be positive", entity.sku));
        }
        Ok(())
    }
}

impl PriceWithTaxFn for PriceWithTax {
    /// Rounds half up to the cent.
    fn call(price_cents: i64, rate_permille: u32) -> i64 {
        let taxed = price_cents * (1000 + i64::from(rate_permille));
        (taxed + 500) / 1000
    }
}

/// A small catalog for demos and tests.
pub fn seed_catalog() -> ProductStoreMemory {
    let mut store = ProductStoreMemory::default();
    let items = [
        ("BK0001", "The Rust Book", Category::Book, 3_999),
        ("GD0042", "Mechanical keyboard", Category::Gadget, 12_900),
        ("GR0007", "Coffee beans", Category::Grocery, 1_450),
    ];
    for (sku, title, category, price_cents) in items {
        let product = Product {
            sku: sku.to_string(),
            title: title.to_string(),
            category,
            price_cents,
        };
        store.create(product).expect("seed products are valid");
    }
    store
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_is_listed_in_sku_order() {
        let skus: Vec<Sku> = seed_catalog().list().into_iter().map(|p| p.sku).collect();
        assert_eq!(skus, ["BK0001", "GD0042", "GR0007"]);
    }

    #[test]
    fn tax_rounds_half_up() {
        assert_eq!(price_with_tax(1_000, 190), 1_190);
        assert_eq!(price_with_tax(5, 100), 6); // 5.5 cents -> 6
        assert_eq!(price_with_tax(1_450, 0), 1_450);
    }

    #[test]
    fn invalid_products_are_refused() {
        let mut store = seed_catalog();
        let mut bad = store.read(&"BK0001".to_string()).unwrap();
        bad.sku = "nope".to_string();
        assert!(matches!(
            store.create(bad),
            Err(ProductStoreError::Invalid(_))
        ));
    }
}
