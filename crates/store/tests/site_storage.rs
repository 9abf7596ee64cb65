//! What the public site keeps, on SQLite always and on PostgreSQL when
//! `BREACHDESK_TEST_DATABASE_URL` names a server: the shared secret, the
//! request counters, the self-check queue with one result a day, the site's
//! mail ledger and its bounces, inquiries, and a key rotation's rewrite of
//! them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use breachdesk_domain::NoticeState;
use breachdesk_store::{CheckAdmission, CheckOutcome, NewSiteMail, SiteResealed, SiteTable, Store};

/// What the public site keeps: the shared secret, request counters, the
/// self-check queue with one result a day, the site's mail ledger, inquiries.
async fn site_story(url: &str) -> usize {
    let store = &Store::open(url).await.unwrap();
    let mut checks = 0;
    let mut check = |ok: bool, what: &str| {
        assert!(ok, "{what}");
        checks += 1;
    };
    let first = store.web_secret("k", b"one").await.unwrap();
    let second = store.web_secret("k", b"two").await.unwrap();
    check(
        first == b"one" && second == b"one",
        "the first secret stays",
    );
    let replaced = store
        .replace_web_secret("k", b"stale", b"three")
        .await
        .unwrap();
    check(
        replaced == b"one",
        "replaced only when it is the unreadable one",
    );
    let replaced = store
        .replace_web_secret("k", b"one", b"three")
        .await
        .unwrap();
    check(replaced == b"three", "an unreadable secret is replaced");

    let counts: Vec<i64> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            v.push(store.count_request(b"client", 3600, 0).await.unwrap());
        }
        v
    };
    check(counts == [1, 2, 3], "requests counted per window");
    check(
        store.count_request(b"client", 7200, 3600).await.unwrap() == 1,
        "a new window starts at one",
    );
    check(
        store.count_request(b"other", 7200, 3600).await.unwrap() == 1,
        "clients apart",
    );

    let admission = |client: &[u8], index: &[u8], limit: i64, at: &str| CheckAdmission {
        bucket: client.to_vec(),
        window_start: 86_400,
        limit,
        email_index: index.to_vec(),
        sealed: b"sealed".to_vec(),
        received_at: at.to_owned(),
    };
    let admitted = store
        .admit_checks(&[
            admission(b"c1", b"a", 2, "2026-12-01T10:00:00Z"),
            admission(b"c1", b"b", 2, "2026-12-01T10:00:01Z"),
            admission(b"c1", b"x", 2, "2026-12-01T10:00:01Z"),
            admission(b"c2", b"a", 2, "2026-12-01T10:00:02Z"),
        ])
        .await
        .unwrap();
    check(
        admitted == [true, true, false, true],
        "a client over its limit is not queued",
    );
    let taken = store
        .take_checks(10, "2026-12-01T10:01:00Z", "2026-12-01T09:51:00Z")
        .await
        .unwrap();
    check(taken.len() == 3, "three checks taken");
    let again = store
        .take_checks(10, "2026-12-01T10:01:00Z", "2026-12-01T09:51:00Z")
        .await
        .unwrap();
    check(again.is_empty(), "a taken check is not taken twice");
    let mail = NewSiteMail {
        kind: "check-nothing",
        person_id: None,
        generation: None,
    };
    let sealed = |_: usize, id: i64| Ok(format!("mail-{id}").into_bytes());
    let message_id = |id: i64| format!("<site.{id}@x>");
    let batch: Vec<_> = taken.iter().map(|row| (row.clone(), Some(mail))).collect();
    let outcomes = store
        .finish_checks(
            &batch,
            &sealed,
            &message_id,
            "2026-12-01T10:01:00Z",
            "2026-11-30T10:01:00Z",
        )
        .await
        .unwrap();
    check(
        outcomes
            == [
                CheckOutcome::Done,
                CheckOutcome::Done,
                CheckOutcome::Suppressed,
            ],
        "one result per address per day, within one batch too",
    );
    // A day later the same address gets a result again.
    store
        .admit_checks(&[admission(b"c3", b"a", 2, "2026-12-02T10:02:00Z")])
        .await
        .unwrap();
    let later = store
        .take_checks(10, "2026-12-02T10:02:00Z", "2026-12-02T09:52:00Z")
        .await
        .unwrap();
    let outcome = store
        .finish_checks(
            &[(later[0].clone(), Some(mail))],
            &sealed,
            &message_id,
            "2026-12-02T10:02:00Z",
            "2026-12-01T10:02:00Z",
        )
        .await
        .unwrap()[0];
    check(outcome == CheckOutcome::Done, "a day later, a result again");

    let claimed = store.claim_site_mail(10, "t1").await.unwrap();
    check(claimed.len() == 3, "three messages to send");
    check(
        claimed[0].sealed == b"mail-1" && claimed[0].message_id == "<site.1@x>",
        "sealed for its own id",
    );
    check(
        store.claim_site_mail(10, "t1").await.unwrap().is_empty(),
        "a claimed message is not claimed twice",
    );
    store
        .finish_site_mail(
            &[(claimed[0].mail_id, NoticeState::Sent, "250".into())],
            "t2",
        )
        .await
        .unwrap();
    check(
        store
            .finish_site_mail(
                &[(claimed[0].mail_id, NoticeState::Sent, "250".into())],
                "t3",
            )
            .await
            .is_err(),
        "an outcome is recorded once",
    );
    store
        .finish_site_mail(
            &[(claimed[1].mail_id, NoticeState::Deferred, "451".into())],
            "t2",
        )
        .await
        .unwrap();
    let retried = store.claim_site_mail(10, "t4").await.unwrap();
    check(
        retried.len() == 1 && retried[0].attempts == 1,
        "a deferred message goes again",
    );
    check(
        store
            .bounce_site_mail("<site.1@x>", "hard 5.1.1", "t2")
            .await
            .unwrap()
            == Some(true),
        "a sent message bounces",
    );
    check(
        store
            .bounce_site_mail("<site.1@x>", "hard 5.1.1", "t2")
            .await
            .unwrap()
            == Some(false),
        "and only once",
    );
    check(
        store
            .bounce_site_mail("<notice.1@x>", "hard", "t2")
            .await
            .unwrap()
            .is_none(),
        "other Message-IDs are not the site's",
    );
    let doubt = store.site_mail_in_doubt("t5", "t6").await.unwrap();
    check(
        doubt == 2,
        "messages left sending are in doubt, not sent again",
    );
    check(
        store.claim_site_mail(10, "t7").await.unwrap().is_empty(),
        "in doubt is never claimed",
    );

    let seal = |id: i64| Ok(format!("inquiry-{id}").into_bytes());
    let one = store
        .add_inquiry("Q-AAAAA-AAAAA", "card", "t1", &seal)
        .await
        .unwrap();
    let two = store
        .add_inquiry("Q-BBBBB-BBBBB", "other", "t2", &seal)
        .await
        .unwrap();
    check((one, two) == (1, 2), "inquiry ids in order");
    check(
        store
            .add_inquiry("Q-AAAAA-AAAAA", "card", "t3", &seal)
            .await
            .is_err(),
        "references unique",
    );
    check(
        store
            .add_inquiry("Q-CCCCC-CCCCC", "bogus", "t3", &seal)
            .await
            .is_err(),
        "topics checked",
    );
    let listed = store.inquiries().await.unwrap();
    check(
        listed.len() == 2 && listed[1].sealed == b"inquiry-2",
        "inquiries listed with their sealed text",
    );

    // A key rotation's rewrite: pages in id order, every row re-sealed,
    // each self-check under its new index, its result row moved with it.
    let mut pages = Vec::new();
    let mut after = i64::MIN;
    loop {
        let page = store
            .site_sealed_page(SiteTable::CheckRequests, after, 2)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = last.id;
        pages.push(page);
    }
    let ids: Vec<Vec<i64>> = pages
        .iter()
        .map(|p| p.iter().map(|r| r.id).collect())
        .collect();
    check(
        ids == [vec![1, 2], vec![3, 4]],
        "check requests paged in id order",
    );
    let resealed: Vec<SiteResealed> = pages
        .iter()
        .flatten()
        .map(|row| {
            let old = row.index.clone().unwrap();
            SiteResealed {
                table: SiteTable::CheckRequests,
                id: row.id,
                sealed: b"resealed".to_vec(),
                index: Some(old.to_ascii_uppercase()),
                old_index: Some(old),
            }
        })
        .chain(
            [SiteTable::SiteMail, SiteTable::Inquiries].map(|table| SiteResealed {
                table,
                id: 1,
                sealed: b"resealed".to_vec(),
                old_index: None,
                index: None,
            }),
        )
        .collect();
    store
        .replace_site_sealed(&resealed, &[("k".to_owned(), b"resealed-key".to_vec())])
        .await
        .unwrap();
    let page = store
        .site_sealed_page(SiteTable::CheckRequests, i64::MIN, 10)
        .await
        .unwrap();
    check(
        page.iter().all(|r| {
            r.sealed == b"resealed" && r.index.as_deref().is_some_and(|i| i == b"A" || i == b"B")
        }),
        "check requests re-sealed and re-indexed",
    );
    let first = |table| async move {
        store.site_sealed_page(table, i64::MIN, 1).await.unwrap()[0]
            .sealed
            .clone()
    };
    check(
        first(SiteTable::SiteMail).await == b"resealed"
            && first(SiteTable::Inquiries).await == b"resealed"
            && store.web_secrets().await.unwrap() == [("k".to_owned(), b"resealed-key".to_vec())],
        "mail, inquiries and secrets re-sealed",
    );
    // The address's result of today moved to its new index: no second one.
    store
        .admit_checks(&[admission(b"c4", b"A", 2, "2026-12-02T10:03:00Z")])
        .await
        .unwrap();
    let moved = store
        .take_checks(10, "2026-12-02T10:03:00Z", "2026-12-02T09:53:00Z")
        .await
        .unwrap();
    let outcome = store
        .finish_checks(
            &[(moved[0].clone(), Some(mail))],
            &sealed,
            &message_id,
            "2026-12-02T10:03:00Z",
            "2026-12-01T10:03:00Z",
        )
        .await
        .unwrap()[0];
    check(
        outcome == CheckOutcome::Suppressed,
        "results follow the new index",
    );
    check(
        store.clear_rate_counters().await.unwrap() > 0
            && store.count_request(b"client", 7200, 0).await.unwrap() == 1,
        "rate counters cleared",
    );
    checks
}

#[tokio::test]
async fn site_storage_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("desk.db").display());
    let checks = site_story(&url).await;
    println!("sqlite site storage story: {checks} checks passed");
}

#[tokio::test]
async fn site_storage_on_postgres() {
    let Some(admin_url) = breachdesk_testkit::postgres_admin_url("postgres site storage story")
    else {
        return;
    };
    let scratch = breachdesk_store::ScratchDatabase::create(&admin_url, "breachdesk_site_test")
        .await
        .unwrap();
    let checks = site_story(&scratch.url).await;
    scratch.drop_database().await.unwrap();
    println!("postgres site storage story: {checks} checks passed");
}
