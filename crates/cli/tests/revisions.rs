//! A revised scope reaching the ledger, as a user would live it: some
//! notices go out, the scope is narrowed (one exposure dropped) and loaded
//! again; the next send reaches only persons the new scope names, each
//! once, and the persons already told something it no longer says get a
//! correction, once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// `affected.csv` of `incident` over the demo desk's data: email -> (exposures, items).
fn scoped(tmp: &Path, incident: &Path, name: &str) -> BTreeMap<String, (String, String)> {
    let data = tmp.join("data");
    let out = tmp.join(format!("{name}.csv"));
    ok(run(&[
        "scope",
        p(incident),
        "--customers",
        p(&data.join("customers.csv")),
        "--checkouts",
        p(&data.join("checkouts.csv")),
        "--out",
        p(&out),
    ]));
    csv::Reader::from_path(&out)
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .filter(|r| !r[1].is_empty())
        .map(|r| (r[1].to_lowercase(), (r[3].to_owned(), r[4].to_owned())))
        .collect()
}

/// Every message in the maildir: (lower-cased recipient, subject, body).
fn messages(maildir: &Path) -> Vec<(String, String, String)> {
    let Ok(entries) = std::fs::read_dir(maildir.join("new")) else {
        return Vec::new();
    };
    entries
        .map(|e| {
            let raw = std::fs::read(e.unwrap().path()).unwrap();
            let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
            let to = parsed
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap()
                .to_lowercase();
            let subject = parsed.subject().unwrap_or("").to_owned();
            let body = parsed.body_text(0).unwrap_or_default().into_owned();
            (to, subject, body)
        })
        .collect()
}

fn status(desk: &Path) -> serde_json::Value {
    serde_json::from_str(&ok(in_desk(desk, &["status", "--json"]).output().unwrap())).unwrap()
}

#[test]
fn a_narrowed_scope_stops_unsent_notices_and_corrects_sent_ones() {
    let (tmp, desk, persons_1) = demo_desk("300", "3000", "3");
    let incident_1 = desk.join("incident.toml");
    let first_scope = scoped(tmp.path(), &incident_1, "first");
    let first_box = tmp.path().join("first-box");
    let first_target = format!("maildir:{}", first_box.display());
    ok(in_desk(
        &desk,
        &["notify", "send", "--smtp", &first_target, "--limit", "60"],
    )
    .output()
    .unwrap());
    let told: BTreeSet<String> = messages(&first_box).into_iter().map(|m| m.0).collect();
    assert!(told.len() > 40, "{} told", told.len());

    // Narrow the scope: guests paying otherwise than by card are left out.
    let text = std::fs::read_to_string(&incident_1).unwrap();
    let cut = text.find("# Guests who paid another way").unwrap();
    std::fs::write(&incident_1, &text[..cut]).unwrap();
    let second_scope = scoped(tmp.path(), &incident_1, "second");
    assert!(second_scope.len() < first_scope.len());
    let data = tmp.path().join("data");
    let loaded = load_data(&desk, &data, &["--json"]);
    let loaded: serde_json::Value = serde_json::from_str(&loaded).unwrap();
    let left_out = first_scope
        .keys()
        .filter(|e| !second_scope.contains_key(*e))
        .count();
    assert!(left_out > 0);
    let withdrawn = loaded["revision"]["withdrawn"].as_u64().unwrap();
    assert!(withdrawn > 0, "{loaded}");

    // The rest of the notices: only persons of the new scope, none twice.
    let second_box = tmp.path().join("second-box");
    let second_target = format!("maildir:{}", second_box.display());
    ok(
        in_desk(&desk, &["notify", "send", "--smtp", &second_target])
            .output()
            .unwrap(),
    );
    let rest: Vec<String> = messages(&second_box).into_iter().map(|m| m.0).collect();
    for to in &rest {
        assert!(
            second_scope.contains_key(to),
            "{to} is not in the new scope"
        );
        assert!(!told.contains(to), "{to} told twice");
    }
    let reached: BTreeSet<&String> = told.iter().chain(&rest).collect();
    for email in second_scope.keys() {
        assert!(
            reached.contains(email),
            "{email} of the new scope never told"
        );
    }
    assert!(persons_1 as usize > second_scope.len());

    // Those told something the new scope no longer says: left out, or
    // other exposures or items.
    let expected: BTreeSet<&String> = told
        .iter()
        .filter(|e| second_scope.get(*e) != first_scope.get(*e))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(
        status(&desk)["corrections_due"].as_u64().unwrap() as usize,
        expected.len()
    );
    let corrections_box = tmp.path().join("corrections-box");
    let corrections_target = format!("maildir:{}", corrections_box.display());
    ok(in_desk(
        &desk,
        &[
            "notify",
            "send",
            "--corrections",
            "--smtp",
            &corrections_target,
        ],
    )
    .output()
    .unwrap());
    let corrections = messages(&corrections_box);
    let corrected: BTreeSet<&String> = corrections.iter().map(|m| &m.0).collect();
    assert_eq!(corrected, expected);
    for (to, subject, body) in &corrections {
        assert!(subject.contains("訂正"), "{subject}");
        let gone = !second_scope.contains_key(to);
        assert_eq!(body.contains("対象ではない"), gone, "{to}: {body}");
    }
    assert_eq!(status(&desk)["corrections_due"], 0);
    // Once only.
    let again = ok(in_desk(
        &desk,
        &[
            "notify",
            "send",
            "--corrections",
            "--smtp",
            &corrections_target,
        ],
    )
    .output()
    .unwrap());
    assert!(again.contains(" 0 sent"), "{again}");
    assert_eq!(messages(&corrections_box).len(), corrections.len());
}
