//! End-to-end checks of the software shop's checkouts: guests, cards,
//! timestamps, booleans and quoting.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{HashMap, HashSet};

use common::{is_true, local, parse_ts, software as data};
use unicode_normalization::UnicodeNormalization;

fn nfkc(s: &str) -> String {
    s.nfkc().collect()
}

#[test]
fn guests_include_members_with_messy_emails() {
    let d = data();
    let (c, k) = (&d.customers, &d.checkouts);
    let stored: HashSet<&str> = c.column("email").map(str::trim).collect();
    let canonical: HashSet<String> = stored.iter().map(|e| e.to_lowercase()).collect();
    let (mut guests, mut as_member, mut full_width, mut odd_case, mut empty) = (0, 0, 0, 0, 0);
    let mut uses: HashMap<&str, usize> = HashMap::new();
    let mut optional = [0usize; 4];
    for row in k.rows.iter().filter(|r| r[k.col("customer_id")].is_empty()) {
        guests += 1;
        assert_eq!(
            row[k.col("card_entry")],
            if row[k.col("payment_method")] == "card" {
                "new"
            } else {
                ""
            }
        );
        assert!(!row[k.col("name")].is_empty());
        for (n, field) in ["name_kana", "phone", "postal_code", "address"]
            .iter()
            .enumerate()
        {
            optional[n] += usize::from(!row[k.col(field)].is_empty());
        }
        let email = row[k.col("email")].as_str();
        if email.is_empty() {
            empty += 1;
            continue;
        }
        *uses.entry(email).or_default() += 1;
        let folded = nfkc(email).trim().to_lowercase();
        if canonical.contains(&folded) {
            as_member += 1;
            if nfkc(email) != email {
                full_width += 1;
                assert!(
                    stored.contains(nfkc(email).as_str()),
                    "NFKC of {email} is no customer's address"
                );
            } else if email != folded {
                odd_case += 1;
            }
        }
    }
    let share = as_member as f64 / guests as f64;
    assert!(
        (0.10..0.20).contains(&share),
        "{as_member} of {guests} guests use a member's address"
    );
    assert!(full_width > 20, "{full_width} full-width");
    assert!(odd_case > 20, "{odd_case} odd case");
    assert!(empty > 0 && empty < guests / 50, "{empty} empty");
    assert!(
        uses.values().filter(|&&n| n >= 3).count() > 100,
        "guests come back"
    );
    for (n, filled) in optional.iter().enumerate() {
        let share = *filled as f64 / guests as f64;
        assert!(
            (0.7..0.9).contains(&share),
            "optional field {n} filled {share}"
        );
    }
}

#[test]
fn cards_are_stable_shared_and_saved_only_after_use() {
    let k = &data().checkouts;
    let mut card_of: HashMap<&str, (&str, &str)> = HashMap::new();
    let mut owners: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut wallets: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut used: HashSet<(&str, &str)> = HashSet::new();
    let mut entries: HashMap<&str, usize> = HashMap::new();
    let mut abandoned_with_card = 0;
    for row in &k.rows {
        let f = |name: &str| row[k.col(name)].as_str();
        let card_cells = [f("card_brand"), f("card_last4"), f("card_fingerprint")];
        if f("payment_method") != "card" {
            assert_eq!(
                [f("card_entry"), card_cells[0], card_cells[1], card_cells[2]],
                ["", "", "", ""]
            );
            continue;
        }
        let fp = f("card_fingerprint");
        assert!(
            fp.len() == 19
                && fp.starts_with("fp_")
                && fp[3..].bytes().all(|b| b.is_ascii_hexdigit()),
            "{fp}"
        );
        assert!(["VISA", "Mastercard", "JCB", "AMEX", "Diners"].contains(&f("card_brand")));
        assert!(f("card_last4").len() == 4 && f("card_last4").bytes().all(|b| b.is_ascii_digit()));
        let known = *card_of
            .entry(fp)
            .or_insert((f("card_brand"), f("card_last4")));
        assert_eq!(
            known,
            (f("card_brand"), f("card_last4")),
            "card {fp} changed"
        );
        abandoned_with_card += usize::from(f("order_id").is_empty());
        let customer = f("customer_id");
        if customer.is_empty() {
            continue;
        }
        *entries.entry(f("card_entry")).or_default() += 1;
        owners.entry(fp).or_default().insert(customer);
        wallets.entry(customer).or_default().insert(fp);
        if f("card_entry") != "new" {
            assert!(
                used.contains(&(customer, fp)),
                "{} uses card {fp} as {} before paying with it",
                f("checkout_id"),
                f("card_entry")
            );
        }
        if !f("order_id").is_empty() {
            used.insert((customer, fp));
        }
    }
    let shared = owners.values().filter(|o| o.len() == 2).count();
    assert!(
        shared > 0 && owners.values().all(|o| o.len() <= 2),
        "{shared} shared cards"
    );
    assert!(wallets.values().filter(|w| w.len() >= 2).count() > 50);
    assert!(abandoned_with_card > 100, "{abandoned_with_card}");
    let total: usize = entries.values().sum();
    for (entry, lo, hi) in [
        ("saved", 0.35, 0.55),
        ("new", 0.30, 0.50),
        ("updated", 0.08, 0.22),
    ] {
        let share = entries.get(entry).copied().unwrap_or(0) as f64 / total as f64;
        assert!((lo..hi).contains(&share), "{entry}: {share}");
    }
}

#[test]
fn timestamps_booleans_and_quoting() {
    let d = data();
    let k = &d.checkouts;
    let mut forms: HashMap<&str, usize> = HashMap::new();
    let mut last_day = i64::MIN;
    let (start, end) = (local(2020, 1, 1), local(2023, 7, 1));
    for at in k.column("submitted_at") {
        let (t, form) = parse_ts(at);
        *forms.entry(form).or_default() += 1;
        assert!((start..end).contains(&t), "{at} outside the shop's history");
        // Checkouts come in date order; only the time within a day is random.
        assert!(t.div_euclid(86_400) >= last_day, "{at} out of order");
        last_day = t.div_euclid(86_400);
    }
    for at in d.customers.column("registered_at") {
        *forms.entry(parse_ts(at).1).or_default() += 1;
    }
    let total: usize = forms.values().sum();
    for (form, share) in [("naive", 0.6), ("offset", 0.25), ("utc", 0.15)] {
        let got = forms[form] as f64 / total as f64;
        assert!((got - share).abs() < 0.03, "{form}: {got}");
    }
    let flags: Vec<&str> = k
        .column("logged_in")
        .chain(k.column("auto_renewal"))
        .collect();
    for form in ["true", "false", "1", "0"] {
        assert!(flags.contains(&form), "no {form}");
    }
    let numeric = flags.iter().filter(|f| f.len() == 1).count() as f64 / flags.len() as f64;
    assert!((0.03..0.07).contains(&numeric), "{numeric}");
    // Some address holds a comma, so the file has quoted cells.
    assert!(
        d.customers
            .column("address")
            .chain(k.column("address"))
            .any(|a| a.contains(','))
    );
    assert!(k.raw.windows(2).any(|w| w == b",\"") && d.customers.raw.contains(&b'"'));
}

#[test]
fn software_shop_specifics() {
    let k = &data().checkouts;
    let mut auto = 0;
    let mut member_card = 0;
    let mut data_extension = 0;
    for row in &k.rows {
        let f = |name: &str| row[k.col(name)].as_str();
        assert_eq!(f("channel"), "online");
        assert!(
            ["card", "konbini", "cod", "amazon_pay", "bank_transfer"]
                .contains(&f("payment_method"))
        );
        let category = f("product_category");
        assert!(
            [
                "software",
                "download",
                "subscription",
                "translator-device",
                "global-data-extension",
                "accessories"
            ]
            .contains(&category)
        );
        data_extension += usize::from(category == "global-data-extension");
        let is_member_card = !f("customer_id").is_empty() && f("payment_method") == "card";
        member_card += usize::from(is_member_card);
        if is_true(f("auto_renewal")) {
            assert!(
                is_member_card,
                "{} renews without a member's card",
                f("checkout_id")
            );
            auto += 1;
        }
    }
    let share = auto as f64 / member_card as f64;
    assert!((0.06..0.14).contains(&share), "auto renewal {share}");
    let share = data_extension as f64 / k.rows.len() as f64;
    assert!(
        (0.03..0.07).contains(&share),
        "global-data-extension {share}"
    );
}
