//! Two `notify send` started together on one desk, as two staff members
//! (or two servers) might: both finish, and every person gets exactly one
//! notice. On SQLite (two processes on one file) and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use std::path::Path;

/// A loaded desk of demo data on `database_url` (its own SQLite file when
/// `None`).
fn loaded_desk(tmp: &Path, database_url: Option<&str>) -> std::path::PathBuf {
    let data = tmp.join("data");
    ok(run(&[
        "demo-data",
        "--shop",
        "software",
        "--customers",
        "2000",
        "--checkouts",
        "20000",
        "--seed",
        "8",
        "--out",
        p(&data),
    ]));
    let desk = tmp.join("desk");
    ok(run(&["init", p(&desk)]));
    std::fs::copy(
        examples().join("software-shop/incident.toml"),
        desk.join("incident.toml"),
    )
    .unwrap();
    let mut config = std::fs::read_to_string(desk.join("breachdesk.toml"))
        .unwrap()
        .replacen("name = \"\"", "name = \"Kumo Soft Store\"", 1)
        .replacen("email = \"\"", "email = \"care@kumosoft.example\"", 1);
    if let Some(url) = database_url {
        config = config.replacen(
            "database_url = \"sqlite://breachdesk.db\"",
            &format!("database_url = \"{url}\""),
            1,
        );
    }
    std::fs::write(desk.join("breachdesk.toml"), config).unwrap();
    ok(in_desk(
        &desk,
        &[
            "load",
            "--customers",
            p(&data.join("customers.csv")),
            "--checkouts",
            p(&data.join("checkouts.csv")),
        ],
    )
    .output()
    .unwrap());
    desk
}

fn two_senders_at_once(tmp: &Path, database_url: Option<&str>) -> (usize, u64) {
    let desk = loaded_desk(tmp, database_url);
    let maildir = tmp.join("outbox");
    let target = format!("maildir:{}", maildir.display());
    let start = || {
        in_desk(&desk, &["notify", "send", "--smtp", &target, "--json"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (start(), start());
    let reports: Vec<serde_json::Value> = [a, b]
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            serde_json::from_str(&ok(out)).unwrap()
        })
        .collect();
    let counts = message_id_counts(&maildir.join("new"));
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    let sent: u64 = reports.iter().map(|r| r["sent"].as_u64().unwrap()).sum();
    let letters: u64 = reports.iter().map(|r| r["letter"].as_u64().unwrap()).sum();
    assert_eq!(sent as usize, counts.len(), "{reports:?}");
    // Every person once: sent, or due a letter, and nothing left over.
    let status: serde_json::Value =
        serde_json::from_str(&ok(in_desk(&desk, &["status", "--json"]).output().unwrap())).unwrap();
    let persons = status["persons"].as_u64().unwrap();
    assert_eq!(sent + letters, persons, "{reports:?}");
    let states = &status["notices"]["notice-1"];
    assert_eq!(states["sent"].as_u64(), Some(sent), "{states}");
    assert!(
        states.get("pending").is_none()
            && states.get("sending").is_none()
            && states.get("in_doubt").is_none(),
        "{states}"
    );
    (counts.len(), persons)
}

#[test]
fn two_senders_at_once_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let (sent, persons) = two_senders_at_once(tmp.path(), None);
    println!("sqlite concurrent send story: passed ({sent} sent of {persons} persons)");
}

#[test]
fn two_senders_at_once_on_postgres() {
    let Some(admin_url) = breachdesk_testkit::postgres_admin_url("postgres concurrent send story")
    else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let scratch = runtime
        .block_on(breachdesk_store::ScratchDatabase::create(
            &admin_url,
            "breachdesk_concurrent",
        ))
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let (sent, persons) = two_senders_at_once(tmp.path(), Some(&scratch.url));
    runtime.block_on(scratch.drop_database()).unwrap();
    println!("postgres concurrent send story: passed ({sent} sent of {persons} persons)");
}
