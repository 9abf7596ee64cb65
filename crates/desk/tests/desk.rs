//! The desk end to end, on the example data: load, revise, look up, audit,
//! and check that nothing personal is readable at rest.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use breachdesk_desk::{Desk, Overrides, audit_verify, load_config};
mod example;
use example::{clock, inputs};
use std::path::Path;

/// A desk on the software-shop example, with `discovered` set, on `url`.
fn make_desk(dir: &Path, url: Option<&str>) -> breachdesk_desk::DeskConfig {
    example::make_desk(dir, url, |text| {
        text.replace(
            "timezone = \"Asia/Tokyo\"",
            "timezone = \"Asia/Tokyo\"\ndiscovered = 2023-02-01\nunauthorized_access = true",
        )
    })
}

async fn story(dir: &Path, url: Option<&str>) {
    let config = make_desk(dir, url);
    let desk = Desk::open(config.clone(), clock()).await.unwrap();
    let first = desk.load(&inputs()).await.unwrap();
    assert_eq!((first.generation, first.persons, first.cards), (1, 9, 5));
    assert_eq!(first.changes.added, 9);

    let status = desk.status().await.unwrap();
    assert_eq!(status.persons, 9);
    assert_eq!(status.by_exposure["card-typed"], 5);
    let due: Vec<_> = status
        .deadlines
        .iter()
        .map(|d| (d.key, d.due.as_str(), d.overdue))
        .collect();
    assert_eq!(
        due,
        [
            ("appi-preliminary-day3", "2023-02-03", true),
            ("appi-preliminary-day5", "2023-02-06", false),
            ("appi-final", "2023-04-03", false)
        ]
    );

    // Revise the scope: exclude wallet payments. Guest 2 loses an item, a
    // nobody changes... and a new generation records it.
    let revised = std::fs::read_to_string(dir.join("incident.toml"))
        .unwrap()
        .replace("\"konbini\", \"amazon_pay\"", "\"konbini\"");
    std::fs::write(dir.join("incident.toml"), revised).unwrap();
    let desk = Desk::open(config.clone(), clock()).await.unwrap();
    let second = desk.load(&inputs()).await.unwrap();
    assert_eq!(second.generation, 2);
    assert_eq!(
        (
            second.changes.added,
            second.changes.removed,
            second.changes.changed
        ),
        (0, 0, 1),
        "{:?}",
        second.changes
    );

    // Look-ups by key and by email (any case), with history.
    let found = desk.person("guest:guest1@gmail.com").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].versions.len(), 2);
    assert_eq!(
        found[0].versions[0].items,
        ["address", "email", "name", "phone", "postal_code"]
    );
    assert_eq!(
        found[0].versions[1].items,
        ["address", "email", "name", "postal_code"]
    );
    let by_email = desk.person("TARO.YAMADA@example.jp").await.unwrap();
    assert_eq!(by_email[0].key, "S001");
    let s001 = &by_email[0].versions[1].data;
    assert_eq!(s001.name, "山田 太郎");
    assert_eq!(
        s001.checkouts
            .iter()
            .map(|c| c.card_last4.as_str())
            .collect::<Vec<_>>(),
        ["4242", "4000", "3530"]
    );
    assert!(desk.person("nobody@example.jp").await.unwrap().is_empty());

    // Every load and read is in the chained audit log, by internal id only.
    let entries = desk.audit_entries().await.unwrap();
    let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["load", "load", "read-person", "read-person"]);
    assert!(entries.iter().all(|e| e.operator == "hanako"));
    assert_eq!(audit_verify(&entries), Ok(4));
    assert!(!entries.iter().any(|e| e.detail.contains('@')));
    desk.close().await;
}

#[tokio::test]
async fn desk_story_on_sqlite_and_nothing_readable_at_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("desk");
    story(&dir, None).await;
    // A backup, then search every file of the desk for known personal data.
    let config = load_config(&dir, &|_| None, &Overrides::default()).unwrap();
    let desk = Desk::open(config, clock()).await.unwrap();
    desk.backup(&dir.join("backup.db")).await.unwrap();
    // Searched while the desk is open, so the write-ahead log is there too.
    let needles = [
        "山田 太郎",
        "taro.yamada",
        "TARO.YAMADA",
        "090-1111-2222",
        "guest1@gmail.com",
        "Smith, John",
        "小林",
        "fp_a11ce",
        "S001",
    ];
    let mut searched = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.starts_with("breachdesk.db") || name == "backup.db") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        for needle in needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle:?} readable in {name}"
            );
        }
        searched += 1;
    }
    assert!(
        searched >= 3,
        "database, its WAL and the backup searched ({searched} files)"
    );
    desk.close().await;
}

#[tokio::test]
async fn desk_story_on_postgres() {
    let Some(admin_url) = breachdesk_testkit::postgres_admin_url("postgres desk story") else {
        return;
    };
    let scratch = breachdesk_store::ScratchDatabase::create(&admin_url, "breachdesk_desk")
        .await
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    story(&tmp.path().join("desk"), Some(&scratch.url)).await;
    scratch.drop_database().await.unwrap();
    println!("postgres desk story: passed");
}
