//! End-to-end checks of the sweets shop: its shorter history and the
//! in-store sales mixed into its checkouts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashSet;

use breachdesk_demodata::{DemoSpec, Shop};
use common::{is_true, load, local, parse_ts};

#[test]
fn store_sales_and_web_history() {
    let spec = DemoSpec {
        shop: Shop::Confectionery,
        customers: 2_000,
        checkouts: 20_000,
        seed: 7,
        shape: breachdesk_demodata::Shape::Standard,
    };
    let d = load(&spec);
    let (c, k) = (&d.customers, &d.checkouts);
    assert_eq!(k.rows.len(), 20_000);
    let (start, end) = (local(2018, 1, 1), local(2021, 6, 17));
    for at in c.column("registered_at").chain(k.column("submitted_at")) {
        let (t, _) = parse_ts(at);
        assert!(
            (start..end).contains(&t),
            "{at} outside 2018-01-01..2021-06-16"
        );
    }
    let mut store = 0;
    let mut store_cards = HashSet::new();
    let mut online_cards = HashSet::new();
    for row in &k.rows {
        let f = |name: &str| row[k.col(name)].as_str();
        assert!(!is_true(f("auto_renewal")));
        assert!(
            ["cookies", "gift-box", "seasonal", "baked-goods"].contains(&f("product_category"))
        );
        if f("channel") == "store" {
            store += 1;
            assert_eq!(f("payment_method"), "card");
            assert_eq!(f("card_entry"), "");
            assert!(!f("card_fingerprint").is_empty() && !f("card_brand").is_empty());
            assert!(!f("order_id").is_empty());
            assert!(!is_true(f("logged_in")));
            for empty in [
                "customer_id",
                "name",
                "name_kana",
                "email",
                "phone",
                "postal_code",
                "address",
            ] {
                assert_eq!(f(empty), "", "store sale with {empty}");
            }
            let hour: u32 = parse_ts(f("submitted_at")).0.rem_euclid(86_400) as u32 / 3600;
            assert!((10..20).contains(&hour), "store open 10:00-20:00");
            store_cards.insert(f("card_fingerprint").to_owned());
        } else {
            assert_eq!(f("channel"), "online");
            assert!(["card", "cod", "bank_transfer", "konbini"].contains(&f("payment_method")));
            if !f("customer_id").is_empty() && f("payment_method") == "card" {
                online_cards.insert(f("card_fingerprint").to_owned());
            }
        }
    }
    let share = store as f64 / k.rows.len() as f64;
    assert!((0.08..0.12).contains(&share), "store share {share}");
    // Some cards are used both online and in the shop.
    assert!(store_cards.intersection(&online_cards).count() > 0);
}
