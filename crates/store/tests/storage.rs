//! One storage story, run on SQLite always and on PostgreSQL when
//! `BREACHDESK_TEST_DATABASE_URL` names a server (an admin URL: the test
//! creates and drops a database of its own there).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use breachdesk_domain::NoticeState;
use breachdesk_store::{
    BounceApplied, GenerationRow, LedgerOutcome, NewAudit, PersonGenerationRow, PersonRow, Store,
    verify_chain,
};

fn person(id: i64) -> PersonRow {
    PersonRow {
        person_id: id,
        key_index: vec![id as u8; 32],
        email_index: Some(vec![100 + (id % 2) as u8; 32]),
        sealed_key: format!("sealed-key-{id}").into_bytes(),
    }
}

fn entry(generation: i64, person_id: i64, items: &str) -> PersonGenerationRow {
    PersonGenerationRow {
        generation,
        person_id,
        exposures: "card-typed".into(),
        items: items.into(),
        checkouts: 1,
        cards: 1,
        sealed: format!("sealed-{generation}-{person_id}").into_bytes(),
    }
}

fn generation(n: i64) -> GenerationRow {
    GenerationRow {
        generation: n,
        loaded_at: format!("2023-02-0{n}T10:00:00Z"),
        operator: "tester".into(),
        incident_id: "t".into(),
        summary: "{}".into(),
        changes: "{}".into(),
    }
}

fn audit(action: &str, person_id: Option<i64>) -> NewAudit {
    NewAudit {
        at: "2023-02-01T10:00:00Z".into(),
        operator: "tester".into(),
        action: action.into(),
        person_id,
        detail: "{}".into(),
    }
}

/// The story; returns how many checks ran, so the caller can report it.
async fn story(url: &str) -> usize {
    let mut checks = 0;
    let mut check = |ok: bool, what: &str| {
        assert!(ok, "{what}");
        checks += 1;
    };
    let store = Store::open(url).await.unwrap();
    // Opening twice migrates once.
    let again = Store::open(url).await.unwrap();
    check(
        again.migrations().await.unwrap()
            == [
                "desk",
                "notices",
                "person_history_index",
                "ledger_states",
                "site",
            ],
        "migration names",
    );

    check(store.meta("key_id").await.unwrap().is_none(), "no meta yet");
    store.set_meta("key_id", "a").await.unwrap();
    store.set_meta("key_id", "b").await.unwrap();
    check(
        store.meta("key_id").await.unwrap().as_deref() == Some("b"),
        "meta overwritten",
    );

    // Generation 1: three persons, written in batches larger than one.
    let persons: Vec<_> = (1..=3).map(person).collect();
    let rows: Vec<_> = (1..=3).map(|p| entry(1, p, "card_number;email")).collect();
    store
        .save_generation(&generation(1), &persons, &rows, &audit("load", None))
        .await
        .unwrap();
    check(
        store.persons().await.unwrap() == persons,
        "persons read back",
    );
    check(store.max_person_id().await.unwrap() == 3, "max id");
    check(
        store.person_by_key_index(&[2u8; 32]).await.unwrap() == Some(person(2)),
        "by key index",
    );
    check(
        store
            .persons_by_email_index(&[101u8; 32])
            .await
            .unwrap()
            .len()
            == 2,
        "by email index: persons 1 and 3",
    );
    check(
        store.generation_persons(1).await.unwrap() == rows,
        "generation rows",
    );

    // A failing generation (duplicate person id) leaves nothing behind.
    let failed = store
        .save_generation(
            &generation(2),
            &[person(3)],
            &[entry(2, 3, "email")],
            &audit("load", None),
        )
        .await;
    check(failed.is_err(), "duplicate person rejected");
    check(
        store.generations().await.unwrap().len() == 1,
        "no half-written generation",
    );
    check(
        store.audit_entries().await.unwrap().len() == 1,
        "no audit row of the failed load",
    );

    // Generation 2: person 1 changed, 2 removed, 4 new; generation 1 stays readable.
    let rows2 = vec![
        entry(2, 1, "email"),
        entry(2, 3, "card_number;email"),
        entry(2, 4, "name"),
    ];
    store
        .save_generation(&generation(2), &[person(4)], &rows2, &audit("load", None))
        .await
        .unwrap();
    check(
        store.generation_persons(1).await.unwrap() == rows,
        "earlier generation intact",
    );
    check(
        store.generation_persons(2).await.unwrap() == rows2,
        "new generation",
    );
    check(
        store.person_history(1).await.unwrap().len() == 2,
        "history of person 1",
    );
    check(
        store
            .person_in_generation(1, 2)
            .await
            .unwrap()
            .map(|(p, _)| p)
            == Some(person(2)),
        "by id, in a generation that lists them",
    );
    check(
        store
            .person_in_generation(2, 3)
            .await
            .unwrap()
            .map(|(_, g)| g)
            == Some(rows2[1].clone()),
        "one generation entry",
    );
    check(
        store.person_in_generation(2, 2).await.unwrap().is_none(),
        "not listed by that generation",
    );
    check(
        store.latest_generation().await.unwrap() == Some(2),
        "latest generation",
    );

    // Audit chain.
    for i in 0..5 {
        store
            .append_audit(&audit("read-person", Some(i)))
            .await
            .unwrap();
    }
    let entries = store.audit_entries().await.unwrap();
    check(verify_chain(&entries) == Ok(7), "chain verifies");
    let mut edited = entries.clone();
    edited[3].detail = "{\"changed\":true}".into();
    check(
        verify_chain(&edited).map_err(|b| b.seq) == Err(4),
        "edit found at its row",
    );
    let mut removed = entries.clone();
    removed.remove(2);
    check(
        verify_chain(&removed).map_err(|b| b.seq) == Err(4),
        "removal found",
    );
    let mut reordered = entries.clone();
    reordered.swap(4, 5);
    check(verify_chain(&reordered).is_err(), "reorder found");

    // Rotation-style replacements.
    let mut p = person(4);
    p.sealed_key = b"resealed".to_vec();
    p.key_index = vec![44; 32];
    store.replace_person_crypto(&p).await.unwrap();
    check(
        store.person_by_key_index(&[44u8; 32]).await.unwrap() == Some(p),
        "replaced crypto",
    );
    store
        .replace_generation_sealed(2, 4, b"resealed-row")
        .await
        .unwrap();
    check(
        store.person_history(4).await.unwrap()[0].sealed == b"resealed-row",
        "replaced sealed row",
    );
    // The notice ledger: rows for generation 2's persons, claimed once.
    let added = store
        .ensure_notices("notice-1", 2, "t0", &|id| format!("<n{id}@test>"))
        .await
        .unwrap();
    check(added == 3, "a pending row per person");
    check(
        store
            .ensure_notices("notice-1", 2, "t0", &|id| format!("<n{id}@test>"))
            .await
            .unwrap()
            == 0,
        "ensure is idempotent",
    );
    let rows = store.sendable_notices("notice-1", 10).await.unwrap();
    check(
        rows.len() == 3 && rows[0].message_id == format!("<n{}@test>", rows[0].notice_id),
        "message id from the row",
    );
    // The send loop reads the rows' persons in one query, each in the
    // generation its row names.
    let ids: Vec<i64> = rows.iter().map(|r| r.notice_id).collect();
    let mut read = store.persons_of_notices(&ids).await.unwrap();
    read.sort_by_key(|(person, _)| person.person_id);
    let mut by_person = rows.clone();
    by_person.sort_by_key(|row| row.person_id);
    check(
        read.len() == 3
            && read.iter().zip(&by_person).all(|((person, entry), row)| {
                person.person_id == row.person_id
                    && entry.person_id == row.person_id
                    && entry.generation == row.generation
            }),
        "persons of notices",
    );
    // Claims and outcomes are committed in groups, by a run holding a lease.
    let (first, second, third) = (rows[0].notice_id, rows[1].notice_id, rows[2].notice_id);
    let run = store.start_run("notice-1", "t1").await.unwrap();
    let committed = store
        .commit_ledger(run.run_id, &[first, second], &[], "t1")
        .await
        .unwrap();
    check(committed.claimed == [first, second], "first claims win");
    let sent = LedgerOutcome {
        notice_id: second,
        state: NoticeState::Sent,
        // A NUL from a server's reply: PostgreSQL would refuse it in text.
        detail: "250 ok\0".into(),
    };
    // Nothing may jump the queue: a pending row cannot become `sent`.
    let jump = LedgerOutcome {
        notice_id: third,
        state: NoticeState::Sent,
        detail: String::new(),
    };
    let committed = store
        .commit_ledger(run.run_id, &[first], &[sent, jump], "t2")
        .await
        .unwrap();
    check(
        committed.claimed.is_empty() && committed.refused == [third],
        "a second claim loses; the outcome is recorded with it; a jump is refused",
    );
    // Another run starting now leaves the live run's row alone...
    let other = store.start_run("notice-1", "t3").await.unwrap();
    check(other.run_id == run.run_id + 1, "run ids count up");
    check(
        store
            .mark_in_doubt("notice-1", other.run_id, "t3")
            .await
            .unwrap()
            == 0,
        "a live run's rows are not in doubt",
    );
    // ...until it dies (its lease dropped, as a killed process's would be).
    drop(run);
    check(
        store
            .mark_in_doubt("notice-1", other.run_id, "t3")
            .await
            .unwrap()
            == 1,
        "a dead run's row is in doubt",
    );
    store.finish_run(other, "t4").await.unwrap();
    let counts = store.notice_counts("notice-1").await.unwrap();
    check(
        counts
            == [
                ("in_doubt".to_owned(), 1),
                ("pending".to_owned(), 1),
                ("sent".to_owned(), 1),
            ],
        "counts by state",
    );
    check(
        store.sendable_notices("notice-1", 10).await.unwrap().len() == 1,
        "only the pending one is sendable",
    );
    let by_id = store
        .notice_by_message_id(&rows[1].message_id)
        .await
        .unwrap()
        .unwrap();
    check(
        by_id.state == NoticeState::Sent && by_id.attempts == 1,
        "found by message id",
    );
    // A soft bounce of the sent row, applied once however often it is read.
    let soft = store
        .apply_bounce("digest-1", second, NoticeState::Deferred, "soft", "t5")
        .await
        .unwrap();
    let again_soft = store
        .apply_bounce("digest-1", second, NoticeState::Deferred, "soft", "t6")
        .await
        .unwrap();
    check(
        soft == BounceApplied::Now && again_soft == BounceApplied::Before,
        "a bounce is applied once",
    );
    check(
        !store
            .move_notice(second, NoticeState::Pending, "", "t7")
            .await
            .unwrap(),
        "a deferred row cannot go back to pending",
    );
    // Nothing but a known state gets into the column.
    let bogus = match &store {
        Store::Sqlite(pool) => sqlx::query("UPDATE notices SET state = 'bogus'")
            .execute(pool)
            .await
            .is_err(),
        Store::Postgres(pool) => sqlx::query("UPDATE notices SET state = 'bogus'")
            .execute(pool)
            .await
            .is_err(),
    };
    check(bogus, "the CHECK constraint refuses an unknown state");
    store.close().await;
    again.close().await;
    checks
}

#[tokio::test]
async fn storage_story_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("desk.db").display());
    let checks = story(&url).await;
    println!("sqlite storage story: {checks} checks passed");
}

#[tokio::test]
async fn storage_story_on_postgres() {
    let Some(admin_url) = breachdesk_testkit::postgres_admin_url("postgres storage story") else {
        return;
    };
    let scratch = breachdesk_store::ScratchDatabase::create(&admin_url, "breachdesk_test")
        .await
        .unwrap();
    let checks = story(&scratch.url).await;
    scratch.drop_database().await.unwrap();
    println!("postgres storage story: {checks} checks passed");
}

/// A revised scope reaching the ledger, on one backend: unsent rows follow
/// the newest generation; what reached someone stays, and is due a correction.
async fn revision_story(url: &str) {
    let store = Store::open(url).await.unwrap();
    let persons: Vec<PersonRow> = (1..=3).map(person).collect();
    let rows1: Vec<_> = (1..=3).map(|p| entry(1, p, "email")).collect();
    store
        .save_generation(&generation(1), &persons, &rows1, &audit("load", None))
        .await
        .unwrap();
    store
        .ensure_notices("notice-1", 1, "t", &|id| format!("<r{id}@test>"))
        .await
        .unwrap();
    let rows = store.sendable_notices("notice-1", 10).await.unwrap();
    let (one, two, three) = (rows[0].notice_id, rows[1].notice_id, rows[2].notice_id);
    // Person 1 is told; 2 and 3 wait.
    let run = store.start_run("notice-1", "t").await.unwrap();
    store
        .commit_ledger(run.run_id, &[one], &[], "t")
        .await
        .unwrap();
    let sent = LedgerOutcome {
        notice_id: one,
        state: NoticeState::Sent,
        detail: String::new(),
    };
    store
        .commit_ledger(run.run_id, &[], &[sent], "t")
        .await
        .unwrap();
    store.finish_run(run, "t").await.unwrap();
    // Generation 2: person 1 left out, 2 with other items, 3 left out.
    store
        .save_generation(
            &generation(2),
            &[],
            &[entry(2, 2, "email;name")],
            &audit("load", None),
        )
        .await
        .unwrap();
    let revision = store.revise_notices(2, "t2").await.unwrap();
    assert_eq!(
        (revision.withdrawn, revision.requeued, revision.updated),
        (1, 0, 1),
        "{revision:?}"
    );
    assert_eq!(
        store.revise_notices(2, "t2").await.unwrap(),
        Default::default(),
        "idempotent"
    );
    let state = |id: i64| {
        let store = store.clone();
        async move {
            store
                .notices_in_states(&NoticeState::ALL)
                .await
                .unwrap()
                .into_iter()
                .find(|n| n.notice_id == id)
                .unwrap()
        }
    };
    assert_eq!(
        state(one).await.state,
        NoticeState::Sent,
        "what reached someone stays"
    );
    assert_eq!(
        (state(two).await.state, state(two).await.generation),
        (NoticeState::Pending, 2)
    );
    assert_eq!(state(three).await.state, NoticeState::Withdrawn);
    let due = store.corrections_due(2).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (
            due[0].person_id,
            due[0].told_generation,
            due[0].affected_now
        ),
        (1, 1, false)
    );
    // Generation 3 brings person 3 back.
    store
        .save_generation(
            &generation(3),
            &[],
            &[entry(3, 2, "email;name"), entry(3, 3, "email")],
            &audit("load", None),
        )
        .await
        .unwrap();
    let revision = store.revise_notices(3, "t3").await.unwrap();
    assert_eq!(revision.requeued, 1, "{revision:?}");
    assert_eq!(
        (state(three).await.state, state(three).await.generation),
        (NoticeState::Pending, 3)
    );
    let queued = store
        .ensure_corrections("fix-1", 3, "t3", &|id| format!("<c{id}@test>"))
        .await
        .unwrap();
    assert_eq!(queued, 1);
    let again = store
        .ensure_corrections("fix-1", 3, "t3", &|id| format!("<c{id}@test>"))
        .await
        .unwrap();
    assert_eq!(again, 0, "once per campaign");
    let fix = store.sendable_notices("fix-1", 10).await.unwrap();
    assert_eq!(fix[0].kind, breachdesk_domain::NoticeKind::Correction);
    assert_eq!(
        store.told_generation(1, fix[0].notice_id).await.unwrap(),
        Some(1)
    );
    store.close().await;
}

#[tokio::test]
async fn revisions_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    revision_story(&format!(
        "sqlite://{}",
        dir.path().join("desk.db").display()
    ))
    .await;
}

#[tokio::test]
async fn revisions_on_postgres() {
    let Some(admin_url) = breachdesk_testkit::postgres_admin_url("postgres revision story") else {
        return;
    };
    let scratch = breachdesk_store::ScratchDatabase::create(&admin_url, "breachdesk_revision")
        .await
        .unwrap();
    revision_story(&scratch.url).await;
    scratch.drop_database().await.unwrap();
    println!("postgres revision story: passed");
}
