//! `kill -9` of `key rotate` at random moments of a rotation of a few
//! thousand persons, several times, then a run to the end. After each kill
//! the desk opens or says a rotation is to be finished (never a wrong or a
//! lost key); at the end every person reads as before, by key and by
//! email, and the audit chain verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use breachdesk_desk::{Desk, FixedClock, Overrides, load_config};
use common::*;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A few pseudo-random kill moments, from the clock; printed so a failure
/// can be replayed with BREACHDESK_KILL_SEED.
fn kill_moments(count: usize) -> (u64, Vec<Duration>) {
    let (seed, numbers) = seeded_numbers(count);
    let moments = numbers
        .into_iter()
        .map(|n| Duration::from_millis(150 + n % 1500))
        .collect();
    (seed, moments)
}

/// Every stored version of every person: (person id, generation, key,
/// email, name), read without auditing each read.
type Everyone = Vec<(i64, i64, String, String, String)>;

async fn everyone(desk: &Desk) -> Everyone {
    let store = desk.store();
    let persons: std::collections::HashMap<_, _> = store
        .persons()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.person_id, p))
        .collect();
    let latest = store.latest_generation().await.unwrap().unwrap();
    let mut out = Vec::new();
    for generation in store.generations().await.unwrap() {
        for row in store
            .generation_persons(generation.generation)
            .await
            .unwrap()
        {
            let view = desk
                .person_view(&persons[&row.person_id], &row, latest)
                .await
                .unwrap();
            let data = &view.versions[0].data;
            out.push((
                row.person_id,
                row.generation,
                view.key,
                data.email.clone(),
                data.name.clone(),
            ));
        }
    }
    out.sort();
    out
}

/// The desk through the library, as the commands open it.
fn open(runtime: &tokio::runtime::Runtime, desk: &Path) -> Desk {
    let config = load_config(desk, &|_| None, &Overrides::default()).unwrap();
    let now = breachdesk_domain::Zone::utc()
        .parse_timestamp("2023-02-04T00:00:00Z")
        .unwrap();
    runtime
        .block_on(Desk::open(config, Box::new(FixedClock(now))))
        .unwrap()
}

#[test]
fn kill_9_during_a_key_rotation_of_a_few_thousand_persons() {
    let started = Instant::now();
    let (_tmp, desk, persons) = demo_desk("8000", "80000", "7");
    assert!(persons >= 1500, "{persons} persons");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let opened = open(&runtime, &desk);
    let before = runtime.block_on(everyone(&opened));
    let old_key = runtime.block_on(opened.status()).unwrap().key_id;
    runtime.block_on(opened.close());
    assert_eq!(before.len() as u64, persons);

    let (seed, moments) = kill_moments(4);
    let mut interrupted = 0;
    for moment in &moments {
        let mut child = in_desk(&desk, &["key", "rotate"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(*moment);
        let _ = child.kill(); // SIGKILL: no chance to clean up
        let _ = child.wait();
        let status = run_in_desk(&desk, &["status"]);
        if !status.status.success() {
            let said = stderr(&status);
            assert!(
                said.contains("interrupted") && said.contains("breachdesk key rotate"),
                "after a kill at {moment:?} (seed {seed}) the desk says: {said}"
            );
            interrupted += 1;
        }
    }
    // Runs to the end (one should do; more would only be slower).
    let rotated = ok(run_in_desk(&desk, &["key", "rotate"]));
    assert!(rotated.contains("key rotated"), "{rotated}");
    ok(run_in_desk(&desk, &["audit", "verify"]));

    let opened = open(&runtime, &desk);
    let after = runtime.block_on(everyone(&opened));
    assert!(
        after == before,
        "every person reads as before (seed {seed})"
    );
    let new_key = runtime.block_on(opened.status()).unwrap().key_id;
    assert_ne!(new_key, old_key);
    // The email index, rebuilt: a sample of the persons found by email.
    let step = (before.len() / 40).max(1);
    for (person_id, _, key, email, _) in before.iter().step_by(step) {
        if email.is_empty() {
            continue;
        }
        let found = runtime.block_on(opened.person(email)).unwrap();
        assert!(
            found
                .iter()
                .any(|p| p.person_id == *person_id && p.key == *key),
            "{key} found by email (seed {seed})"
        );
    }
    let entries = runtime.block_on(opened.audit_entries()).unwrap();
    assert!(entries.iter().any(|e| e.action == "key-rotate"));
    runtime.block_on(opened.close());
    let key_file = desk.join("data.key");
    assert!(key_file.exists() && !desk.join("data.key.new").exists());
    assert!(desk.join(format!("data.key.old-{old_key}")).exists());
    println!(
        "rotation kill story: passed ({persons} persons, {} kills at {moments:?} (seed {seed}), {interrupted} left the rotation to finish, {:?})",
        moments.len(),
        started.elapsed()
    );
}
