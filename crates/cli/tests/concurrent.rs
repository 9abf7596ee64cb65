//! Two `notify send` started together on one desk, as two staff members
//! (or two servers) might: both finish, and every person gets exactly one
//! notice. On SQLite (two processes on one file) and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

fn two_senders_at_once(database_url: Option<&str>) -> (usize, u64) {
    let (tmp, desk, _) = demo_desk_on("2000", "20000", "8", database_url);
    let maildir = tmp.path().join("outbox");
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
    let (sent, persons) = two_senders_at_once(None);
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
    let (sent, persons) = two_senders_at_once(Some(&scratch.url));
    runtime.block_on(scratch.drop_database()).unwrap();
    println!("postgres concurrent send story: passed ({sent} sent of {persons} persons)");
}
