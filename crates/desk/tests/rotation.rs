//! Key rotation stopped at every one of its steps, as a crash there would
//! stop it: the desk must say so (never "wrong key", never a lost key), a
//! re-run must finish it, and every person must read as before.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use breachdesk_desk::Clock;
use breachdesk_desk::{
    CheckSealed, Desk, DeskConfig, DeskError, Overrides, SiteRow, audit_verify, load_config,
    rotate_key,
};
use breachdesk_store::{CheckAdmission, SiteTable};
use breachdesk_vault::DataKey;
mod example;
use example::{clock, inputs};
use std::path::Path;

/// The steps of a rotation, as `RotationStopped` names them.
const STEPS: [&str; 6] = [
    "write-new-key",
    "record-target",
    "reseal",
    "move-old-key",
    "switch-key",
    "place-new-key",
];

fn make_desk(dir: &Path) -> DeskConfig {
    example::make_desk(dir, None, |text| text)
}

/// What each person reads as: key, then (generation, email, name) of
/// every stored version, found by key.
type Snapshot = Vec<(String, Vec<(i64, String, String)>)>;

async fn snapshot(desk: &Desk) -> Snapshot {
    let store = desk.store();
    let latest = store.latest_generation().await.unwrap().unwrap();
    let mut out = Vec::new();
    for person in store.persons().await.unwrap() {
        let first = store.person_history(person.person_id).await.unwrap()[0].generation;
        let key = desk
            .stored_version(person.person_id, first, latest)
            .await
            .unwrap()
            .key;
        let found = desk.person(&key).await.unwrap();
        assert_eq!(found.len(), 1, "{key} found by its key");
        let versions = found[0]
            .versions
            .iter()
            .map(|v| (v.generation, v.data.email.clone(), v.data.name.clone()))
            .collect::<Vec<_>>();
        // And by email, through the blind index the rotation rebuilt.
        let email = &versions[versions.len() - 1].1;
        if !email.is_empty() {
            let by_email = desk.person(email).await.unwrap();
            assert!(
                by_email.iter().any(|p| p.key == key),
                "{key} found by its email"
            );
        }
        out.push((key, versions));
    }
    // And what the public site sealed: inquiries, and a queued self-check
    // whose index must be the one its address has under the desk's key.
    for row in store.inquiries().await.unwrap() {
        let text = desk
            .open_site(&row.sealed, SiteRow::Inquiry(row.inquiry_id))
            .unwrap();
        let text = String::from_utf8(text.to_vec()).unwrap();
        out.push((
            format!("inquiry {}", row.inquiry_id),
            vec![(0, text, row.reference)],
        ));
    }
    let checks = store
        .site_sealed_page(SiteTable::CheckRequests, i64::MIN, 100)
        .await
        .unwrap();
    for row in checks {
        let check: CheckSealed =
            serde_json::from_slice(&desk.open_site(&row.sealed, SiteRow::CheckRequest).unwrap())
                .unwrap();
        let indexed = row.index == Some(desk.check_index(&check.email));
        out.push((
            format!("check {}", row.id),
            vec![(0, check.email, indexed.to_string())],
        ));
    }
    out
}

/// What the site stores, as the site would: two inquiries and a queued
/// self-check (3 more values to re-seal).
async fn site_rows(desk: &Desk) {
    let now = desk.now_text();
    for (reference, text) in [("Q-1", "鈴木 健二 090-5555-6666"), ("Q-2", "a question")] {
        let seal = |id: i64| {
            desk.seal_site(text.as_bytes(), SiteRow::Inquiry(id))
                .map_err(|e| breachdesk_store::StoreError::Invalid(e.to_string()))
        };
        desk.store()
            .add_inquiry(reference, "other", &now, &seal)
            .await
            .unwrap();
    }
    let email = "Taro.Yamada@example.jp";
    let sealed = serde_json::to_vec(&CheckSealed {
        email: email.into(),
        lang: "ja".into(),
    })
    .unwrap();
    let admitted = desk
        .store()
        .admit_checks(&[CheckAdmission {
            bucket: desk.site_digest("test", "client"),
            window_start: 0,
            limit: 10,
            email_index: desk.check_index(email),
            sealed: desk.seal_site(&sealed, SiteRow::CheckRequest).unwrap(),
            received_at: now,
        }])
        .await
        .unwrap();
    assert_eq!(admitted, [true]);
}

/// A desk with two generations of the example (9 persons, 18 entries)
/// and the site's rows (3): 30 values to re-seal; its snapshot and key id.
async fn loaded_desk(dir: &Path) -> (DeskConfig, Snapshot, String) {
    let config = make_desk(dir);
    let desk = Desk::open(config.clone(), clock()).await.unwrap();
    desk.load(&inputs()).await.unwrap();
    desk.load(&inputs()).await.unwrap();
    site_rows(&desk).await;
    let before = snapshot(&desk).await;
    assert_eq!(before.len(), 9 + 3);
    assert!(
        before.iter().all(|(_, v)| v[0].2 != "false"),
        "indexed as queued"
    );
    let key_id = desk.status().await.unwrap().key_id;
    desk.close().await;
    (config, before, key_id)
}

/// A copy of a closed desk (its database, key and config): quicker than
/// loading each anew.
fn copy_desk(from: &Path, to: &Path) -> DeskConfig {
    std::fs::create_dir(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    let overrides = Overrides {
        database_url: None,
        operator: Some("hanako".into()),
    };
    load_config(to, &|_| None, &overrides).unwrap()
}

/// The desk a crash at this point left opens, or says a rotation is to be
/// finished; it never blames a wrong or a missing key.
async fn opens_or_says_interrupted(config: &DeskConfig, at: &str, before: &Snapshot) {
    match Desk::open(config.clone(), clock()).await {
        Ok(desk) => {
            assert_eq!(&snapshot(&desk).await, before, "stopped before {at}");
            desk.close().await;
        }
        Err(DeskError::RotationInterrupted { .. }) => {}
        Err(e) => panic!("stopped before {at}: the desk says {e}"),
    }
}

/// After a finished rotation: everyone reads as before under the new key,
/// found by key and by email, the switch is audited once and the log's
/// chain holds; the key files are where the rotation puts them.
async fn finished(config: &DeskConfig, before: &Snapshot, old_key: &str, new_key: &str) {
    let desk = Desk::open(config.clone(), clock()).await.unwrap();
    assert_eq!(desk.status().await.unwrap().key_id, new_key);
    assert_eq!(&snapshot(&desk).await, before);
    assert_eq!(
        desk.person("taro.yamada@example.jp").await.unwrap().len(),
        1,
        "email index rebuilt"
    );
    let entries = desk.audit_entries().await.unwrap();
    assert_eq!(audit_verify(&entries), Ok(entries.len()));
    let switches: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "key-rotate")
        .collect();
    assert_eq!(switches.len(), 1, "audited once");
    assert!(switches[0].detail.contains(old_key) && switches[0].detail.contains(new_key));
    desk.close().await;
    let key_file = &config.key_file;
    assert_eq!(DataKey::load(key_file).unwrap().id().to_string(), new_key);
    let retired = breachdesk_vault::retired_key_path(key_file, old_key);
    assert_eq!(DataKey::load(&retired).unwrap().id().to_string(), old_key);
    assert!(!breachdesk_vault::pending_key_path(key_file).exists());
}

#[tokio::test]
async fn key_rotation_survives_an_interruption() {
    let tmp = tempfile::tempdir().unwrap();
    let (config, before, old_key) = loaded_desk(&tmp.path().join("desk")).await;

    // Stopped after the new key and its mark (2 steps) and three values:
    // the desk refuses to open half-rotated...
    assert!(matches!(
        rotate_key(&config, clock().as_ref(), Some(5)).await,
        Err(DeskError::RotationStopped { before: "reseal" })
    ));
    let refused = Desk::open(config.clone(), clock())
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("interrupted"), "{refused}");
    // ...and a second run finishes it without touching what was done.
    let report = rotate_key(&config, clock().as_ref(), None).await.unwrap();
    assert_eq!(report.rows_skipped, 3);
    assert_eq!(
        report.persons_resealed + report.rows_resealed + report.rows_skipped,
        9 + 18 + 3
    );
    assert_ne!(report.old_key_id, report.new_key_id);
    assert_eq!(report.old_key_id, old_key);
    assert!(report.old_key_file.exists());
    finished(&config, &before, &old_key, &report.new_key_id).await;
}

#[tokio::test]
async fn key_rotation_stopped_at_every_step_is_finished_by_a_rerun() {
    let tmp = tempfile::tempdir().unwrap();
    let pristine = tmp.path().join("pristine");
    let (_, before, old_key) = loaded_desk(&pristine).await;
    let mut stopped = Vec::new();
    for n in 0.. {
        let config = copy_desk(&pristine, &tmp.path().join(format!("desk-{n}")));
        let at = match rotate_key(&config, clock().as_ref(), Some(n)).await {
            Err(DeskError::RotationStopped { before }) => before,
            Ok(report) => {
                // Past the last step: a whole rotation.
                finished(&config, &before, &old_key, &report.new_key_id).await;
                break;
            }
            Err(e) => panic!("step {n}: {e}"),
        };
        stopped.push(at);
        opens_or_says_interrupted(&config, at, &before).await;
        let report = rotate_key(&config, clock().as_ref(), None)
            .await
            .unwrap_or_else(|e| panic!("re-run after stopping before {at} (step {n}): {e}"));
        assert_eq!(report.old_key_id, old_key);
        finished(&config, &before, &old_key, &report.new_key_id).await;
    }
    // Every step was a stop point, and every value one of its own.
    for step in STEPS {
        assert!(
            stopped.contains(&step),
            "never stopped before {step}: {stopped:?}"
        );
    }
    assert_eq!(stopped.iter().filter(|s| **s == "reseal").count(), 30);
    assert_eq!(stopped.len(), STEPS.len() - 1 + 30);
}

#[tokio::test]
async fn a_rotation_stopped_after_every_single_step_still_finishes() {
    let tmp = tempfile::tempdir().unwrap();
    let (config, before, old_key) = loaded_desk(&tmp.path().join("desk")).await;
    // Each run does one step and stops, so every run but the first resumes.
    let mut runs = 0;
    let report = loop {
        runs += 1;
        match rotate_key(&config, clock().as_ref(), Some(1)).await {
            Ok(report) => break report,
            Err(DeskError::RotationStopped { before: at }) => {
                opens_or_says_interrupted(&config, at, &before).await
            }
            Err(e) => panic!("run {runs}: {e}"),
        }
    };
    assert_eq!(runs, STEPS.len() - 1 + 30);
    finished(&config, &before, &old_key, &report.new_key_id).await;
}

#[tokio::test]
async fn a_half_written_new_key_is_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let (config, before, old_key) = loaded_desk(&tmp.path().join("desk")).await;
    // A crash while `data.key.new` was being written: a few digits of it.
    let pending = breachdesk_vault::pending_key_path(&config.key_file);
    breachdesk_vault::write_owner_only(&pending, b"3f9a0c").unwrap();
    opens_or_says_interrupted(&config, "write-new-key (half written)", &before).await;
    let report = rotate_key(&config, clock().as_ref(), None).await.unwrap();
    finished(&config, &before, &old_key, &report.new_key_id).await;
}

#[tokio::test]
async fn a_lost_new_key_is_named_not_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let (config, before, old_key) = loaded_desk(&tmp.path().join("desk")).await;
    assert!(
        rotate_key(&config, clock().as_ref(), Some(6))
            .await
            .is_err()
    );
    let pending = breachdesk_vault::pending_key_path(&config.key_file);
    let saved = tmp.path().join("saved.key");
    std::fs::rename(&pending, &saved).unwrap();
    // Four values are sealed under it: a fresh key would strand them.
    match rotate_key(&config, clock().as_ref(), None).await {
        Err(e @ DeskError::RotationKeyMissing { .. }) => {
            assert!(e.to_string().contains("data.key.new"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert!(!pending.exists(), "no fresh key made in its place");
    opens_or_says_interrupted(&config, "reseal (new key gone)", &before).await;
    std::fs::rename(&saved, &pending).unwrap();
    let report = rotate_key(&config, clock().as_ref(), None).await.unwrap();
    finished(&config, &before, &old_key, &report.new_key_id).await;
}

#[tokio::test]
async fn values_undone_after_the_old_key_moved_are_resealed() {
    let tmp = tempfile::tempdir().unwrap();
    let (config, before, old_key) = loaded_desk(&tmp.path().join("desk")).await;
    // One entry as sealed under the old key, put back after the old key
    // file moved aside: as a power loss undoing the last batch would.
    let store = breachdesk_store::Store::open(config.database_url.expose())
        .await
        .unwrap();
    let person = store.persons().await.unwrap()[0].clone();
    let entry = store.person_history(person.person_id).await.unwrap()[0].clone();
    let stopped = rotate_key(&config, clock().as_ref(), Some(2 + 30 + 1)).await;
    assert!(matches!(
        stopped,
        Err(DeskError::RotationStopped {
            before: "switch-key"
        })
    ));
    assert!(!config.key_file.exists(), "the old key moved aside");
    store
        .replace_generation_sealed(entry.generation, entry.person_id, &entry.sealed)
        .await
        .unwrap();
    store.replace_person_crypto(&person).await.unwrap();
    store.close().await;
    let report = rotate_key(&config, clock().as_ref(), None).await.unwrap();
    assert_eq!((report.rows_resealed, report.persons_resealed), (1, 1));
    finished(&config, &before, &old_key, &report.new_key_id).await;
}

#[tokio::test]
async fn a_desk_switched_before_its_files_moved_is_finished() {
    // The order of the rotation before this one: the desk's key id
    // switched (and its mark left) while data.key still held the old key.
    let tmp = tempfile::tempdir().unwrap();
    let (config, before, old_key) = loaded_desk(&tmp.path().join("desk")).await;
    let stopped = rotate_key(&config, clock().as_ref(), Some(2 + 30)).await;
    assert!(matches!(
        stopped,
        Err(DeskError::RotationStopped {
            before: "move-old-key"
        })
    ));
    let pending = breachdesk_vault::pending_key_path(&config.key_file);
    let new_key = DataKey::load(&pending).unwrap().id().to_string();
    let store = breachdesk_store::Store::open(config.database_url.expose())
        .await
        .unwrap();
    store.set_meta("key_id", &new_key).await.unwrap();
    store.close().await;
    let report = rotate_key(&config, clock().as_ref(), None).await.unwrap();
    assert_eq!(
        (report.old_key_id.as_str(), report.new_key_id.as_str()),
        (old_key.as_str(), new_key.as_str())
    );
    let desk = Desk::open(config.clone(), clock()).await.unwrap();
    assert_eq!(snapshot(&desk).await, before);
    desk.close().await;
}

#[tokio::test]
async fn a_running_site_and_a_rotation_keep_out_of_each_other() {
    let tmp = tempfile::tempdir().unwrap();
    let (config, before, _) = loaded_desk(&tmp.path().join("desk")).await;
    // A `serve` marks the desk: a rotation is refused while the mark is fresh.
    let serving = Desk::open(config.clone(), clock()).await.unwrap();
    assert!(!serving.mark_serving().await.unwrap());
    match rotate_key(&config, clock().as_ref(), None).await {
        Err(DeskError::SiteServing { seconds_ago: 0 }) => {}
        other => panic!("rotated under a running site: {other:?}"),
    }
    // Once the mark is old (a clock a minute on), it begins; the server
    // that was running learns at its next mark that it must stop.
    let later =
        breachdesk_desk::FixedClock(breachdesk_domain::Instant(clock().now().0 + 60_000_000));
    assert!(matches!(
        rotate_key(&config, &later, Some(2)).await,
        Err(DeskError::RotationStopped { before: "reseal" })
    ));
    assert!(serving.mark_serving().await.unwrap(), "not told to stop");
    serving.close().await;
    rotate_key(&config, &later, None).await.unwrap();
    let desk = Desk::open(config.clone(), clock()).await.unwrap();
    assert_eq!(snapshot(&desk).await, before);
    desk.close().await;
}
