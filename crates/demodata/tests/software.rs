//! End-to-end checks of the generated files (software shop): identity,
//! counts, customers and their addresses. Files are read back with an
//! independent CSV parser.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{HashMap, HashSet};

use breachdesk_demodata::{CHECKOUTS_HEADER, CUSTOMERS_HEADER, DemoSpec, generate};
use common::{SOFTWARE as SPEC, is_true, local, parse_ts, software as data};

#[test]
fn timestamp_parser() {
    let (a, fa) = parse_ts("2021-04-01 10:23:45");
    let (b, fb) = parse_ts("2021-04-01T10:23:45+09:00");
    let (c, fc) = parse_ts("2021-04-01T01:23:45Z");
    assert_eq!((a, b), (c, c));
    assert_eq!((fa, fb, fc), ("naive", "offset", "utc"));
    assert_eq!(local(2000, 3, 1), 11_017 * 86_400);
}

#[test]
fn same_seed_same_bytes_other_seed_differs() {
    let dir = tempfile::tempdir().unwrap();
    let spec = DemoSpec {
        customers: 1_500,
        checkouts: 9_000,
        ..SPEC
    };
    let read = |name: &str, spec: &DemoSpec| {
        let out = generate(spec, &dir.path().join(name)).unwrap();
        (
            std::fs::read(out.customers_path).unwrap(),
            std::fs::read(out.checkouts_path).unwrap(),
        )
    };
    let a = read("a", &spec);
    let b = read("b", &spec);
    let c = read(
        "c",
        &DemoSpec {
            seed: spec.seed + 1,
            ..spec
        },
    );
    assert!(a == b, "same spec gave different bytes");
    assert!(a.0 != c.0 && a.1 != c.1, "another seed gave the same files");
    // Regenerating into the same directory replaces the files and leaves no
    // temporary files behind.
    read("a", &spec);
    let mut names: Vec<_> = std::fs::read_dir(dir.path().join("a"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["checkouts.csv", "customers.csv"]);
}

#[test]
fn headers_ids_and_counts() {
    let d = data();
    assert!(
        d.customers
            .raw
            .starts_with(format!("{CUSTOMERS_HEADER}\n").as_bytes())
    );
    assert!(
        d.checkouts
            .raw
            .starts_with(format!("{CHECKOUTS_HEADER}\n").as_bytes())
    );
    assert_eq!(
        d.customers.header.join(","),
        "customer_id,email,name,name_kana,phone,postal_code,address,birth_date,password_hash,registered_at,withdrawn_at"
    );
    assert_eq!(
        d.checkouts.header.join(","),
        "checkout_id,submitted_at,customer_id,logged_in,channel,payment_method,card_entry,card_brand,card_last4,card_fingerprint,order_id,auto_renewal,product_category,name,name_kana,email,phone,postal_code,address"
    );
    assert!(!d.checkouts.raw.contains(&b'\r'), "line ends are \\n only");
    assert_eq!(d.customers.rows.len() as u64, SPEC.customers);
    assert_eq!(d.checkouts.rows.len() as u64, SPEC.checkouts);
    assert_eq!(
        (d.output.customers, d.output.checkouts),
        (SPEC.customers, SPEC.checkouts)
    );
    for (i, id) in d.customers.column("customer_id").enumerate() {
        assert_eq!(id, format!("C{:07}", i + 1));
    }
    for (i, id) in d.checkouts.column("checkout_id").enumerate() {
        assert_eq!(id, format!("K{:08}", i + 1));
    }
    let orders: Vec<&str> = d
        .checkouts
        .column("order_id")
        .filter(|o| !o.is_empty())
        .collect();
    for (i, id) in orders.iter().enumerate() {
        assert_eq!(*id, format!("O{:08}", i + 1));
    }
    let abandoned = SPEC.checkouts as usize - orders.len();
    assert!((1_800..3_000).contains(&abandoned), "{abandoned} abandoned");
}

#[test]
fn member_checkouts_are_by_active_customers_with_their_details() {
    let d = data();
    let (c, k) = (&d.customers, &d.checkouts);
    let by_id: HashMap<&str, &Vec<String>> = c
        .rows
        .iter()
        .map(|r| (r[c.col("customer_id")].as_str(), r))
        .collect();
    let mut members = 0;
    let mut other_phone = 0;
    for row in &k.rows {
        let id = row[k.col("customer_id")].as_str();
        if id.is_empty() {
            assert!(!is_true(&row[k.col("logged_in")]));
            continue;
        }
        members += 1;
        assert!(is_true(&row[k.col("logged_in")]));
        let cust = by_id
            .get(id)
            .unwrap_or_else(|| panic!("checkout refers to missing {id}"));
        for field in ["name", "name_kana", "email", "postal_code", "address"] {
            assert_eq!(row[k.col(field)], cust[c.col(field)], "{field} of {id}");
        }
        other_phone += usize::from(row[k.col("phone")] != cust[c.col("phone")]);
        let (at, _) = parse_ts(&row[k.col("submitted_at")]);
        let (registered, _) = parse_ts(&cust[c.col("registered_at")]);
        assert!(at > registered, "{id} checked out before registering");
        let withdrawn = &cust[c.col("withdrawn_at")];
        if !withdrawn.is_empty() {
            assert!(
                at < parse_ts(withdrawn).0,
                "{id} checked out after withdrawing"
            );
        }
    }
    let share = members as f64 / SPEC.checkouts as f64;
    assert!((0.55..0.70).contains(&share), "members {share}");
    assert!(
        other_phone > 0 && other_phone < members / 5,
        "{other_phone} changed phones"
    );
}

#[test]
fn customer_emails_are_unique_and_sometimes_messy() {
    let c = &data().customers;
    let mut seen = HashSet::new();
    let (mut odd, mut spaced, mut carrier) = (0, 0, 0);
    for email in c.column("email") {
        let canon = email.trim().to_lowercase();
        assert!(seen.insert(canon.clone()), "duplicate {canon}");
        let (local, domain) = canon.split_once('@').unwrap();
        assert!(!local.is_empty() && local.is_ascii());
        odd += usize::from(email.trim() != canon);
        spaced += usize::from(email != email.trim());
        carrier += usize::from(
            [
                "docomo.ne.jp",
                "ezweb.ne.jp",
                "au.com",
                "softbank.ne.jp",
                "i.softbank.jp",
            ]
            .contains(&domain),
        );
    }
    assert!((10..80).contains(&odd), "{odd} odd-case");
    assert!((3..50).contains(&spaced), "{spaced} spaced");
    assert!((500..1_000).contains(&carrier), "{carrier} carrier");
}

/// First three postal-code digits of each prefecture (Japan Post), written
/// here independently of the generator's tables.
const POSTAL: [(&str, u16, u16); 23] = [
    ("東京都", 100, 208),
    ("神奈川県", 210, 259),
    ("大阪府", 530, 599),
    ("愛知県", 440, 498),
    ("埼玉県", 330, 369),
    ("千葉県", 260, 299),
    ("兵庫県", 650, 679),
    ("北海道", 1, 99),
    ("福岡県", 800, 839),
    ("静岡県", 410, 439),
    ("茨城県", 300, 319),
    ("広島県", 720, 739),
    ("京都府", 600, 629),
    ("宮城県", 980, 989),
    ("新潟県", 940, 959),
    ("長野県", 380, 399),
    ("岐阜県", 500, 509),
    ("群馬県", 370, 379),
    ("栃木県", 320, 329),
    ("岡山県", 700, 719),
    ("熊本県", 860, 869),
    ("鹿児島県", 890, 899),
    ("沖縄県", 900, 907),
];

#[test]
fn postal_codes_match_the_prefecture() {
    let d = data();
    let mut prefectures = HashSet::new();
    let pairs = d
        .customers
        .rows
        .iter()
        .map(|r| {
            (
                &r[d.customers.col("postal_code")],
                &r[d.customers.col("address")],
            )
        })
        .chain(d.checkouts.rows.iter().map(|r| {
            (
                &r[d.checkouts.col("postal_code")],
                &r[d.checkouts.col("address")],
            )
        }));
    let mut checked = 0;
    for (postal, address) in pairs {
        if postal.is_empty() || address.is_empty() {
            continue;
        }
        assert!(
            postal.len() == 8 && postal.as_bytes()[3] == b'-',
            "{postal}"
        );
        let prefix: u16 = postal[..3].parse().unwrap();
        let &(name, lo, hi) = POSTAL
            .iter()
            .find(|(p, ..)| address.starts_with(p))
            .unwrap_or_else(|| panic!("{address}"));
        assert!(
            (lo..=hi).contains(&prefix),
            "{postal} is not in {name}: {address}"
        );
        prefectures.insert(name);
        checked += 1;
    }
    assert!(checked > 20_000);
    assert!(prefectures.len() >= 15, "{prefectures:?}");
}

#[test]
fn names_and_readings_agree() {
    let c = &data().customers;
    let mut reading: HashMap<&str, &str> = HashMap::new();
    for row in &c.rows {
        let (name, kana) = (&row[c.col("name")], &row[c.col("name_kana")]);
        let (family, given) = name
            .split_once('\u{3000}')
            .unwrap_or_else(|| panic!("{name}"));
        let (family_kana, given_kana) = kana
            .split_once('\u{3000}')
            .unwrap_or_else(|| panic!("{kana}"));
        assert!(!given.is_empty() && !given_kana.is_empty());
        assert!(
            kana.chars()
                .all(|ch| ('ァ'..='ヶ').contains(&ch) || ch == '\u{3000}'),
            "{kana}"
        );
        for (written, read) in [(family, family_kana), (given, given_kana)] {
            let known = *reading.entry(written).or_insert(read);
            // A written name is always read the same way.
            assert_eq!(known, read, "{written} read both {known} and {read}");
        }
    }
}
