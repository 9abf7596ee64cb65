//! The two example incidents in `examples/` against their expected outputs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use breachdesk_domain::load_incident;
use breachdesk_ingest::Input;
use breachdesk_scope::{ScopeInputs, affected_csv, run_scope, summary_json};
use std::path::PathBuf;

/// Scopes one example (with matched checkouts kept, as the desk does).
fn scope_example(name: &str) -> (PathBuf, breachdesk_scope::ScopeResult) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    let source = std::fs::read_to_string(dir.join("incident.toml")).unwrap();
    let incident = load_incident("incident.toml", &source).unwrap();
    let inputs = ScopeInputs {
        customers: Some(Input::new(dir.join("customers.csv"))),
        checkouts: Input::new(dir.join("checkouts.csv")),
        threads: 2,
        collect_checkouts: true,
    };
    (dir, run_scope(&incident, &inputs).unwrap())
}

fn example(name: &str) -> (String, String) {
    let (dir, result) = scope_example(name);
    let csv = String::from_utf8(affected_csv(&result.persons).unwrap()).unwrap();
    let json = String::from_utf8(summary_json(&result.summary)).unwrap();
    if std::env::var_os("BREACHDESK_BLESS").is_some() {
        std::fs::write(dir.join("expected/affected.csv"), &csv).unwrap();
        std::fs::write(dir.join("expected/summary.json"), &json).unwrap();
    }
    let expected_csv = std::fs::read_to_string(dir.join("expected/affected.csv")).unwrap();
    let expected_json = std::fs::read_to_string(dir.join("expected/summary.json")).unwrap();
    assert_eq!(csv, expected_csv, "{name}: affected.csv differs");
    assert_eq!(json, expected_json, "{name}: summary.json differs");
    (csv, json)
}

#[test]
fn software_shop() {
    example("software-shop");
}

#[test]
fn matched_checkouts_are_kept_in_time_order_with_last_four_only() {
    let (_, result) = scope_example("software-shop");
    let s001 = result.persons.iter().find(|p| p.person == "S001").unwrap();
    let ids: Vec<_> = s001
        .checkouts_detail
        .iter()
        .map(|d| d.checkout_id.as_str())
        .collect();
    assert_eq!(ids, ["K001", "K020", "K004"]);
    let k004 = &s001.checkouts_detail[2];
    assert_eq!(
        (
            k004.order_id.as_str(),
            k004.card_brand.as_str(),
            k004.card_last4.as_str()
        ),
        ("O004", "JCB", "3530")
    );
    assert_eq!(k004.submitted_at, "2023-01-17T23:59:59+09:00");
    assert_eq!(k004.exposures, ["card-typed"]);
}

#[test]
fn confectionery() {
    example("confectionery");
}
