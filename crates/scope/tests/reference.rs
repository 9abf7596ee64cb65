//! `run_scope` against a plain model of the same rules: one thread, owned
//! strings, ordered maps, no partitions, no locks, no hashing tricks. Run
//! over demo data of every shape and both shops, on 1 and 3 threads, so
//! that the fast path's keys, latest names, card counts, order and figures
//! are checked against something that is obviously right.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use breachdesk_demodata::{DemoSpec, Shape, Shop, generate};
use breachdesk_domain::column::{checkout as co, customer as cu};
use breachdesk_domain::person::checkout_person_key;
use breachdesk_domain::{Incident, Instant, ItemSet, Outcome, Record, RecordKind, load_incident};
use breachdesk_domain::{normalize_email, person::GUEST_PREFIX};
use breachdesk_ingest::{Input, scan};
use breachdesk_scope::{ScopeInputs, affected_csv, run_scope};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn incident(name: &str) -> Incident {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .join("incident.toml");
    load_incident("incident.toml", &std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Exposure mask, items and whether a card item counted.
fn matches(incident: &Incident, record: &Record<'_>) -> (u64, ItemSet, bool) {
    let mut mask = 0;
    let mut items = ItemSet::EMPTY;
    for (i, exposure) in incident.exposures.iter().enumerate() {
        if let Outcome::Matched(found) = exposure.evaluate(record) {
            mask |= 1 << i;
            items = items.union(found);
        }
    }
    (mask, items, items.has_card_item())
}

struct Customer {
    id: String,
    normalized: String,
    email: String,
    name: String,
    registered: (Instant, u64),
    mask: u64,
    items: ItemSet,
}

#[derive(Default)]
struct Person {
    mask: u64,
    items: ItemSet,
    checkouts: u64,
    cards: BTreeSet<String>,
    first: Option<Instant>,
    last: Option<Instant>,
    name: Option<((Instant, u64), String)>,
    email: Option<((Instant, u64), String)>,
}

fn latest(slot: &mut Option<((Instant, u64), String)>, stamp: (Instant, u64), value: &str) {
    if slot.as_ref().is_none_or(|(s, _)| stamp > *s) {
        *slot = Some((stamp, value.to_owned()));
    }
}

/// The rows of `affected.csv` and the two headline figures, the slow way.
fn model(incident: &Incident, dir: &Path) -> (Vec<Vec<String>>, u64, u64) {
    let (found, _) = scan(
        &Input::new(dir.join("customers.csv")),
        RecordKind::Customers,
        &incident.zone,
        1,
        Vec::new,
        |out: &mut Vec<Customer>, r, line| {
            let (mask, items, _) = matches(incident, r);
            out.push(Customer {
                id: r.get(cu::CUSTOMER_ID).trim().to_owned(),
                normalized: normalize_email(r.get(cu::EMAIL)).unwrap_or_default(),
                email: r.get(cu::EMAIL).to_owned(),
                name: r.get(cu::NAME).to_owned(),
                registered: (r.at, line),
                mask,
                items,
            });
        },
    )
    .unwrap();
    let customers: Vec<Customer> = found.into_iter().flatten().collect();
    let by_id: BTreeMap<&str, &Customer> = customers.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut by_email: BTreeMap<&str, &Customer> = BTreeMap::new();
    for c in customers.iter().filter(|c| !c.normalized.is_empty()) {
        let slot = by_email.entry(&c.normalized).or_insert(c);
        if c.registered > slot.registered {
            *slot = c;
        }
    }
    let mut persons: BTreeMap<String, Person> = BTreeMap::new();
    for c in customers.iter().filter(|c| c.mask != 0) {
        let p = persons.entry(c.id.clone()).or_default();
        p.mask |= c.mask;
        p.items = p.items.union(c.items);
    }
    let (rows, _) = scan(
        &Input::new(dir.join("checkouts.csv")),
        RecordKind::Checkouts,
        &incident.zone,
        1,
        Vec::new,
        |out: &mut Vec<_>, r, line| {
            let (mask, items, card) = matches(incident, r);
            if mask != 0 {
                let email = normalize_email(r.get(co::EMAIL));
                let key = checkout_person_key(
                    r.get(co::CUSTOMER_ID),
                    email.as_deref(),
                    r.get(co::CHECKOUT_ID),
                    |e| by_email.get(e).map(|c| c.id.as_str()),
                );
                let fp = r.get(co::CARD_FINGERPRINT).trim();
                let fp = (card && !fp.is_empty()).then(|| fp.to_owned());
                out.push((
                    key,
                    mask,
                    items,
                    fp,
                    r.at,
                    line,
                    r.get(co::NAME).to_owned(),
                    email,
                ));
            }
        },
    )
    .unwrap();
    for (key, mask, items, fp, at, line, name, email) in rows.into_iter().flatten() {
        let p = persons.entry(key).or_default();
        p.mask |= mask;
        p.items = p.items.union(items);
        p.checkouts += 1;
        p.cards.extend(fp);
        p.first = Some(p.first.map_or(at, |f| f.min(at)));
        p.last = Some(p.last.map_or(at, |l| l.max(at)));
        if !name.trim().is_empty() {
            latest(&mut p.name, (at, line), &name);
        }
        if let Some(e) = email {
            latest(&mut p.email, (at, line), &e);
        }
    }
    let all_cards: BTreeSet<&String> = persons.values().flat_map(|p| &p.cards).collect();
    let cards = all_cards.len() as u64;
    let rows = persons
        .iter()
        .map(|(key, p)| {
            let customer = by_id.get(key.as_str());
            let email = match (customer, key.strip_prefix(GUEST_PREFIX)) {
                (Some(c), _) => c.email.clone(),
                (None, Some(e)) => e.to_owned(),
                (None, None) => p.email.as_ref().map(|e| e.1.clone()).unwrap_or_default(),
            };
            let name = match customer {
                Some(c) => c.name.clone(),
                None => p.name.as_ref().map(|n| n.1.clone()).unwrap_or_default(),
            };
            let mut exposures: Vec<&str> = incident
                .exposures
                .iter()
                .enumerate()
                .filter(|(i, _)| p.mask & (1 << i) != 0)
                .map(|(_, e)| e.id.as_str())
                .collect();
            exposures.sort_unstable();
            let time = |t: Option<Instant>| t.map(|t| incident.zone.format(t)).unwrap_or_default();
            vec![
                key.clone(),
                email,
                name,
                exposures.join(";"),
                p.items.joined(),
                p.checkouts.to_string(),
                p.cards.len().to_string(),
                time(p.first),
                time(p.last),
            ]
        })
        .collect();
    (rows, persons.len() as u64, cards)
}

fn parse(csv: &[u8]) -> Vec<Vec<String>> {
    csv::Reader::from_reader(csv)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn every_shape_agrees_with_the_plain_model() {
    let tmp = tempfile::tempdir().unwrap();
    for (shop, example) in [
        (Shop::Software, "software-shop"),
        (Shop::Confectionery, "confectionery"),
    ] {
        let incident = incident(example);
        for shape in Shape::ALL {
            let dir = tmp.path().join(format!("{shop}-{shape}"));
            let spec = DemoSpec {
                shop,
                customers: 2_000,
                checkouts: 20_000,
                seed: 11,
                shape,
            };
            generate(&spec, &dir).unwrap();
            let (expected, persons, cards) = model(&incident, &dir);
            assert!(persons > 100, "{shop} {shape}: only {persons} persons");
            for threads in [1, 3] {
                let inputs = ScopeInputs {
                    customers: Some(Input::new(dir.join("customers.csv"))),
                    checkouts: Input::new(dir.join("checkouts.csv")),
                    threads,
                    collect_checkouts: false,
                };
                let result = run_scope(&incident, &inputs).unwrap();
                let got = parse(&affected_csv(&result.persons).unwrap());
                assert_eq!(got.len(), expected.len(), "{shop} {shape} on {threads}");
                for (g, e) in got.iter().zip(&expected) {
                    assert_eq!(g, e, "{shop} {shape} on {threads} threads");
                }
                assert_eq!(
                    (result.summary.persons, result.summary.cards),
                    (persons, cards),
                    "{shop} {shape} on {threads} threads"
                );
            }
        }
    }
}
