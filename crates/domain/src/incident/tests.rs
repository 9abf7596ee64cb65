#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::column::checkout as co;
use crate::column::customer as cu;

const BASE: &str = r#"
[incident]
id = "t"
timezone = "Asia/Tokyo"
"#;

fn load(body: &str) -> Result<Incident, IncidentError> {
    load_incident("incident.toml", &format!("{BASE}{body}"))
}

fn err(body: &str) -> IncidentError {
    load(body).expect_err("should fail")
}

fn card_incident() -> Incident {
    load(
        r#"
[[exposure]]
id = "card"
records = "checkouts"
from = 2022-11-15
to = 2023-01-17
when = { channel = "online", payment_method = "card", card_entry = ["new", "updated"] }
unless = [
  { auto_renewal = true, reason = "automatic renewal" },
  { product_category = "data-extension", channel = "online", reason = "data plan" },
]
exposes = ["card_number", "name", "email", "phone"]
"#,
    )
    .unwrap()
}

fn checkout<'a>(zone: &Zone, at: &str, fields: &[(usize, &'a str)]) -> Record<'a> {
    let mut r = Record::empty(RecordKind::Checkouts);
    r.at = zone.parse_timestamp(at).unwrap();
    for &(col, value) in fields {
        if col == co::AUTO_RENEWAL || col == co::LOGGED_IN {
            r.set_flag(col, value == "true");
        } else {
            r.text[col] = value;
        }
    }
    r
}

fn card_row<'a>(zone: &Zone, at: &str, entry: &'a str) -> Record<'a> {
    checkout(
        zone,
        at,
        &[
            (co::CHANNEL, "online"),
            (co::PAYMENT_METHOD, "card"),
            (co::CARD_ENTRY, entry),
            (co::NAME, "山田 太郎"),
            (co::EMAIL, "taro@example.jp"),
        ],
    )
}

#[test]
fn window_bounds_are_whole_local_days_and_inclusive() {
    let inc = card_incident();
    let e = &inc.exposures[0];
    let z = &inc.zone;
    // 2022-11-15 00:00 JST is 2022-11-14T15:00Z.
    assert!(matches!(
        e.evaluate(&card_row(z, "2022-11-14T15:00:00Z", "new")),
        Outcome::Matched(_)
    ));
    assert_eq!(
        e.evaluate(&card_row(z, "2022-11-14T14:59:59Z", "new")),
        Outcome::OutsideWindow
    );
    assert_eq!(
        e.evaluate(&card_row(z, "2022-11-14 23:59:59", "new")),
        Outcome::OutsideWindow
    );
    // The whole of 2023-01-17 local counts, and not a nanosecond more.
    assert!(matches!(
        e.evaluate(&card_row(z, "2023-01-17 23:59:59.999", "new")),
        Outcome::Matched(_)
    ));
    assert!(matches!(
        e.evaluate(&card_row(z, "2023-01-17T14:59:59Z", "new")),
        Outcome::Matched(_)
    ));
    assert_eq!(
        e.evaluate(&card_row(z, "2023-01-17T15:00:00Z", "new")),
        Outcome::OutsideWindow
    );
    assert_eq!(
        e.evaluate(&card_row(z, "2023-01-18T00:00:00+09:00", "new")),
        Outcome::OutsideWindow
    );
}

#[test]
fn offset_datetime_bounds_are_instants() {
    let inc = load(
        r#"
[[exposure]]
id = "db"
records = "checkouts"
from = 2021-03-10T12:00:00+09:00
to = 2021-06-16T18:30:00Z
exposes = ["name"]
"#,
    )
    .unwrap();
    let e = &inc.exposures[0];
    let z = &inc.zone;
    let row = |at| checkout(z, at, &[(co::NAME, "x")]);
    assert_eq!(
        e.evaluate(&row("2021-03-10 11:59:59")),
        Outcome::OutsideWindow
    );
    assert!(matches!(
        e.evaluate(&row("2021-03-10 12:00:00")),
        Outcome::Matched(_)
    ));
    assert!(matches!(
        e.evaluate(&row("2021-06-17 03:30:00")),
        Outcome::Matched(_)
    ));
    assert_eq!(
        e.evaluate(&row("2021-06-17 03:30:01")),
        Outcome::OutsideWindow
    );
}

#[test]
fn when_is_and_of_keys_and_or_of_list_values() {
    let inc = card_incident();
    let e = &inc.exposures[0];
    let z = &inc.zone;
    assert!(matches!(
        e.evaluate(&card_row(z, "2022-12-01 10:00:00", "updated")),
        Outcome::Matched(_)
    ));
    // card_entry is the third condition (index 2), checked in file order.
    assert_eq!(
        e.evaluate(&card_row(z, "2022-12-01 10:00:00", "saved")),
        Outcome::WhenFailed(2)
    );
    let mut cod = card_row(z, "2022-12-01 10:00:00", "");
    cod.text[co::PAYMENT_METHOD] = "cod";
    assert_eq!(e.evaluate(&cod), Outcome::WhenFailed(1));
    // Strings compare exactly.
    let mut upper = card_row(z, "2022-12-01 10:00:00", "New");
    upper.text[co::CHANNEL] = "online";
    assert_eq!(e.evaluate(&upper), Outcome::WhenFailed(2));
    assert_eq!(e.when[2].expected_text(), r#"["new", "updated"]"#);
    assert_eq!(e.when[2].actual(&upper), "New");
}

#[test]
fn unless_excludes_with_its_reason_and_needs_all_its_keys() {
    let inc = card_incident();
    let e = &inc.exposures[0];
    let z = &inc.zone;
    let mut renewal = card_row(z, "2022-12-01 10:00:00", "new");
    renewal.set_flag(co::AUTO_RENEWAL, true);
    assert_eq!(e.evaluate(&renewal), Outcome::Excluded(0));
    assert_eq!(e.unless[0].reason, "automatic renewal");
    let mut data = card_row(z, "2022-12-01 10:00:00", "new");
    data.text[co::PRODUCT_CATEGORY] = "data-extension";
    assert_eq!(e.evaluate(&data), Outcome::Excluded(1));
    data.text[co::PRODUCT_CATEGORY] = "software";
    assert!(matches!(e.evaluate(&data), Outcome::Matched(_)));
}

#[test]
fn optional_items_count_only_when_entered_and_card_items_only_when_typed() {
    let inc = load(
        r#"
[[exposure]]
id = "form"
records = "checkouts"
exposes = ["card_number", "name", "phone", "address", "order_history", "birth_date"]
"#,
    )
    .unwrap();
    let e = &inc.exposures[0];
    let z = &inc.zone;
    let r = checkout(
        z,
        "2022-12-01 10:00:00",
        &[
            (co::CARD_ENTRY, "saved"),
            (co::NAME, "花子"),
            (co::PHONE, "  "),
        ],
    );
    assert_eq!(
        e.evaluate(&r),
        Outcome::Matched([Item::Name].into_iter().collect())
    );
    let r = checkout(
        z,
        "2022-12-01 10:00:00",
        &[
            (co::CARD_ENTRY, "new"),
            (co::ORDER_ID, "O1"),
            (co::ADDRESS, "東京都"),
        ],
    );
    assert_eq!(
        e.evaluate(&r),
        Outcome::Matched(
            [Item::CardNumber, Item::OrderHistory, Item::Address]
                .into_iter()
                .collect()
        )
    );
}

#[test]
fn a_record_that_would_expose_nothing_does_not_match() {
    let inc = load(
        r#"
[[exposure]]
id = "card-only"
records = "checkouts"
when = { payment_method = "card" }
exposes = ["card_number", "card_expiry"]
"#,
    )
    .unwrap();
    let e = &inc.exposures[0];
    let r = checkout(
        &inc.zone,
        "2022-12-01 10:00:00",
        &[(co::PAYMENT_METHOD, "card"), (co::CARD_ENTRY, "saved")],
    );
    assert_eq!(e.evaluate(&r), Outcome::NothingExposed);
}

#[test]
fn customer_window_uses_registration_and_withdrawal() {
    let inc = load(
        r#"
[[exposure]]
id = "members"
records = "customers"
from = 2021-03-10
to = 2021-06-16
exposes = ["name", "email", "password_hash", "card_number", "order_history"]
"#,
    )
    .unwrap();
    let e = &inc.exposures[0];
    let z = &inc.zone;
    let member = |registered: &str, withdrawn: Option<&str>| {
        let mut r = Record::empty(RecordKind::Customers);
        r.at = z.parse_timestamp(registered).unwrap();
        r.withdrawn_at = withdrawn.map(|w| z.parse_timestamp(w).unwrap());
        r.text[cu::NAME] = "山田";
        r.text[cu::EMAIL] = "a@example.jp";
        r
    };
    let items = |r: &Record<'_>| match e.evaluate(r) {
        Outcome::Matched(items) => Some(items.joined()),
        _ => None,
    };
    assert_eq!(
        items(&member("2015-01-01 00:00:00", None)).as_deref(),
        Some("email;name")
    );
    assert!(items(&member("2021-06-16 23:59:59", None)).is_some());
    assert_eq!(
        e.evaluate(&member("2021-06-17 00:00:00", None)),
        Outcome::OutsideWindow
    );
    assert_eq!(
        e.evaluate(&member("2015-01-01 00:00:00", Some("2021-03-09 23:59:59"))),
        Outcome::OutsideWindow
    );
    assert!(items(&member("2015-01-01 00:00:00", Some("2021-03-10 00:00:00"))).is_some());
    let mut with_hash = member("2015-01-01 00:00:00", None);
    with_hash.has_password_hash = true;
    assert_eq!(
        items(&with_hash).as_deref(),
        Some("email;name;password_hash")
    );
}

#[test]
fn other_kind_is_not_evaluated() {
    let inc = card_incident();
    let r = Record::empty(RecordKind::Customers);
    assert_eq!(inc.exposures[0].evaluate(&r), Outcome::OtherKind);
}

#[test]
fn load_errors_name_the_line() {
    let e = err("[[exposure]]\nid = \"a\"\nrecords = \"orders\"\nexposes = [\"name\"]\n");
    assert_eq!(e.line, Some(7), "{e}");
    assert!(
        e.to_string()
            .starts_with("incident.toml:7: unknown records kind \"orders\""),
        "{e}"
    );

    let e = err(
        "[[exposure]]\nid = \"a\"\nrecords = \"customers\"\nwhen = { payment_method = \"card\" }\nexposes = [\"name\"]\n",
    );
    assert_eq!(e.line, Some(8));
    assert!(e.message.contains("customers records do not have"), "{e}");

    let e = err(
        "[[exposure]]\nid = \"a\"\nrecords = \"checkouts\"\nexposes = [\"name\", \"cardnumber\"]\n",
    );
    assert_eq!(e.line, Some(8));
    assert!(e.message.contains("unknown item \"cardnumber\""), "{e}");

    let body = "[[exposure]]\nid = \"a\"\nrecords = \"checkouts\"\nexposes = [\"name\"]\n";
    let e = err(&format!("{body}{body}"));
    assert_eq!(e.line, Some(10));
    assert!(e.message.contains("duplicate exposure id"), "{e}");

    let e = err(
        "[[exposure]]\nid = \"a\"\nrecords = \"checkouts\"\nfrom = 2023-02-01\nto = 2023-01-01\nexposes = [\"name\"]\n",
    );
    assert_eq!(e.line, Some(8));
    assert!(e.message.contains("`from` is after `to`"), "{e}");

    let e = err(
        "[[exposure]]\nid = \"a\"\nrecords = \"checkouts\"\ncolour = \"red\"\nexposes = [\"name\"]\n",
    );
    assert_eq!(e.line, Some(8));
    assert!(e.message.contains("unknown field `colour`"), "{e}");

    let e = err(
        "[[exposure]]\nid = \"a\"\nrecords = \"checkouts\"\nunless = [{ auto_renewal = true }]\nexposes = [\"name\"]\n",
    );
    assert!(e.message.contains("needs a `reason`"), "{e}");

    let e = err(
        "[[exposure]]\nid = \"a\"\nrecords = \"checkouts\"\nwhen = { logged_in = \"yes\" }\nexposes = [\"name\"]\n",
    );
    assert!(e.message.contains("must be true or false"), "{e}");

    let e = err(
        "[[exposure]]\nid = \"a\"\nrecords = \"checkouts\"\nwhen = { submitted_at = \"2023\" }\nexposes = [\"name\"]\n",
    );
    assert!(
        e.message.contains("use the exposure's `from` and `to`"),
        "{e}"
    );

    let e = load_incident(
        "x.toml",
        "[incident]\nid = \"t\"\ntimezone = \"Mars/Olympus\"\n",
    )
    .unwrap_err();
    assert_eq!(e.line, Some(3));

    let e = load_incident(
        "x.toml",
        "[incident]\nid = \"t\"\ntimezone = \"Asia/Tokyo\"\n",
    )
    .unwrap_err();
    assert!(e.message.contains("no [[exposure]]"), "{e}");

    let e = load_incident("x.toml", "[incident]\nid = \"t\ntimezone = 1\n").unwrap_err();
    assert_eq!(e.line, Some(2), "{e}");
}

#[test]
fn regulator_facts_are_read() {
    let inc = load_incident(
        "x.toml",
        "[incident]\nid = \"t\"\ntimezone = \"Asia/Tokyo\"\ndiscovered = 2023-02-01\nunauthorized_access = true\n\n[[exposure]]\nid = \"a\"\nrecords = \"checkouts\"\nexposes = [\"name\"]\n",
    )
    .unwrap();
    let facts = inc.regulator.unwrap();
    assert_eq!(
        inc.zone.format(facts.discovered),
        "2023-02-01T00:00:00+09:00"
    );
    assert!(facts.unauthorized_access && !facts.eu_residents);
    let e = load_incident("x.toml", "[incident]\nid = \"t\"\ntimezone = \"Asia/Tokyo\"\neu_residents = true\n\n[[exposure]]\nid = \"a\"\nrecords = \"checkouts\"\nexposes = [\"name\"]\n").unwrap_err();
    assert!(e.message.contains("need `discovered`"), "{e}");
    assert!(card_incident().regulator.is_none());
}
