//! A send through the ledger (read ahead in batches, claims and outcomes
//! committed in groups) into a maildir, on both backends: everyone once,
//! and nobody again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use breachdesk_desk::{Desk, FixedClock, Overrides, init_desk, load_config};
use breachdesk_domain::Zone;
use breachdesk_ingest::Input;
use breachdesk_outreach::{Outreach, SendRequest};
use breachdesk_scope::ScopeInputs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/software-shop")
}

fn clock() -> Box<FixedClock> {
    Box::new(FixedClock(
        Zone::named("Asia/Tokyo")
            .unwrap()
            .parse_timestamp("2023-02-04 09:00:00")
            .unwrap(),
    ))
}

/// A desk on the software-shop example, loaded once, signed by its shop.
async fn loaded_desk(dir: &Path, url: Option<&str>) -> Outreach {
    init_desk(dir, None).unwrap();
    std::fs::copy(example().join("incident.toml"), dir.join("incident.toml")).unwrap();
    let overrides = Overrides {
        database_url: url.map(str::to_owned),
        operator: Some("hanako".into()),
    };
    let mut config = load_config(dir, &|_| None, &overrides).unwrap();
    config.shop.name = "Kumo Soft Store".into();
    config.shop.email = "care@kumosoft.example".into();
    let desk = Desk::open(config, clock()).await.unwrap();
    desk.load(&ScopeInputs {
        customers: Some(Input::new(example().join("customers.csv"))),
        checkouts: Input::new(example().join("checkouts.csv")),
        threads: 2,
        collect_checkouts: false,
    })
    .await
    .unwrap();
    Outreach::new(Arc::new(desk))
}

async fn story(dir: &Path, url: Option<&str>) {
    let outreach = loaded_desk(dir, url).await;
    let outbox = dir.join("outbox");
    let request = SendRequest {
        smtp: Some(format!("maildir:{}", outbox.display())),
        retries: Some(0),
        connections: Some(4),
        ..SendRequest::campaign("notice-1")
    };
    let first = outreach.send(&request, &|_, _| {}).await.unwrap();
    let persons = usize::try_from(outreach.desk().status().await.unwrap().persons).unwrap();
    assert_eq!(first.queued, persons);
    assert_eq!(first.sent + first.letter, persons, "{first:?}");
    let delivered = std::fs::read_dir(outbox.join("new")).unwrap().count();
    assert_eq!(delivered, first.sent);
    let again = outreach.send(&request, &|_, _| {}).await.unwrap();
    assert_eq!((again.queued, again.sent), (0, 0), "{again:?}");
    assert_eq!(
        std::fs::read_dir(outbox.join("new")).unwrap().count(),
        delivered
    );
    let sent: i64 = again
        .states
        .iter()
        .filter(|(state, _)| state == "sent")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(sent as usize, first.sent);
    outreach.desk().close().await;
}

#[tokio::test]
async fn send_story_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    story(&tmp.path().join("desk"), None).await;
}

#[tokio::test]
async fn send_story_on_postgres() {
    let Some(admin_url) = breachdesk_testkit::postgres_admin_url("postgres send story") else {
        return;
    };
    let scratch = breachdesk_store::ScratchDatabase::create(&admin_url, "breachdesk_send")
        .await
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    story(&tmp.path().join("desk"), Some(&scratch.url)).await;
    scratch.drop_database().await.unwrap();
    println!("postgres send story: passed");
}
