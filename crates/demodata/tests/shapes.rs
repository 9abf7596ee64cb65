//! Each shape makes the proportions it promises, and the wide shape is the
//! standard one with columns added.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use breachdesk_demodata::{DemoSpec, Shape, Shop};
use common::{load, local, parse_ts};

fn spec(shape: Shape) -> DemoSpec {
    DemoSpec {
        shop: Shop::Software,
        customers: 4_000,
        checkouts: 40_000,
        seed: 5,
        shape,
    }
}

fn share(n: usize, of: usize) -> f64 {
    n as f64 / of as f64
}

#[test]
fn members_heavy_has_more_members_fewer_cards_and_a_shorter_history() {
    let standard = load(&spec(Shape::Standard));
    let heavy = load(&spec(Shape::MembersHeavy));
    let members = |d: &common::Data| {
        share(
            d.checkouts
                .column("customer_id")
                .filter(|c| !c.is_empty())
                .count(),
            d.checkouts.rows.len(),
        )
    };
    let cards = |d: &common::Data| {
        share(
            d.checkouts
                .column("payment_method")
                .filter(|m| *m == "card")
                .count(),
            d.checkouts.rows.len(),
        )
    };
    assert!(
        members(&heavy) > members(&standard) + 0.03,
        "{} vs {}",
        members(&heavy),
        members(&standard)
    );
    assert!(
        (0.39..0.47).contains(&cards(&heavy)),
        "card share {}",
        cards(&heavy)
    );
    assert!(
        (0.55..0.65).contains(&cards(&standard)),
        "card share {}",
        cards(&standard)
    );
    let first = heavy
        .checkouts
        .column("submitted_at")
        .map(|t| parse_ts(t).0)
        .min()
        .unwrap();
    assert!(first >= local(2022, 6, 1), "history starts 2022-06");
}

#[test]
fn match_heavy_trades_around_the_incident() {
    let data = load(&spec(Shape::MatchHeavy));
    let times: Vec<i64> = data
        .checkouts
        .column("submitted_at")
        .map(|t| parse_ts(t).0)
        .collect();
    assert!(
        times
            .iter()
            .all(|&t| (local(2022, 11, 1)..local(2023, 2, 1)).contains(&t))
    );
    let in_window = times
        .iter()
        .filter(|&&t| (local(2022, 11, 15)..local(2023, 1, 18)).contains(&t))
        .count();
    assert!(share(in_window, times.len()) > 0.6);
}

#[test]
fn wide_is_standard_with_long_addresses_and_free_text() {
    let standard = load(&spec(Shape::Standard));
    let wide = load(&spec(Shape::Wide));
    for extra in ["delivery_note", "gift_message", "items", "user_agent"] {
        assert!(wide.checkouts.header.iter().any(|h| h == extra), "{extra}");
    }
    assert!(wide.customers.header.iter().any(|h| h == "memo"));
    // Same rows, same people: only the address and the added columns differ.
    assert_eq!(wide.checkouts.rows.len(), standard.checkouts.rows.len());
    let width = standard.checkouts.header.len();
    let address = standard.checkouts.col("address");
    let mut care_of = 0;
    for (w, s) in wide.checkouts.rows.iter().zip(&standard.checkouts.rows) {
        for i in (0..width).filter(|&i| i != address) {
            assert_eq!(w[i], s[i], "column {}", standard.checkouts.header[i]);
        }
        assert!(w[address].starts_with(s[address].as_str()));
        care_of += usize::from(w[address].ends_with("気付"));
    }
    assert!(share(care_of, wide.checkouts.rows.len()) > 0.4);
    let notes: Vec<&str> = wide.checkouts.column("delivery_note").collect();
    assert!(notes.iter().any(|n| n.contains('\n')), "a note spans lines");
    assert!(
        notes.iter().any(|n| n.contains(',')),
        "a note holds a comma"
    );
    let mean = |d: &common::Data| d.checkouts.raw.len() / d.checkouts.rows.len();
    assert!(
        mean(&wide) > mean(&standard) + 150,
        "{} vs {} bytes a row",
        mean(&wide),
        mean(&standard)
    );
}
