//! The public site as a browser uses it, against the real `serve` on a free
//! port: the Q&A page from the desk's figures, the self-check that answers
//! only by mail, the inquiry form, the security headers, form tokens, the
//! per-client limit, a new generation reaching the page, a clean stop, and
//! `site build`. Then two servers on one PostgreSQL desk acting as one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::http::{Browser, Served};
use common::site_desk::{inquiries_listed, mail, site_desk, to_of};
use common::*;
use std::time::{Duration, Instant};

const SECURITY_HEADERS: [&str; 3] = [
    "content-security-policy",
    "x-content-type-options",
    "referrer-policy",
];

fn assert_secured(reply: &common::http::Reply, what: &str) {
    for name in SECURITY_HEADERS {
        assert!(reply.header(name).is_some(), "{what}: no {name}");
    }
    let csp = reply.header("content-security-policy").unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
}

fn figure(html: &str, name: &str) -> String {
    let marker = format!("data-figure=\"{name}\">");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} figure"))
        + marker.len();
    html[start..].split('<').next().unwrap().to_owned()
}

#[test]
fn the_public_site_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let (desk, outbox) = site_desk(tmp.path(), None, 6);
    let served = Served::start(&desk);
    let base = served.url.clone();
    let mut browser = Browser::new();

    // The Q&A page, in both languages, with the desk's figures.
    let ja = browser.get(&format!("{base}/"));
    assert_eq!(ja.status, 200);
    assert!(ja.body.contains("<html lang=\"ja\">"), "{}", ja.body);
    assert_eq!(
        (figure(&ja.body, "persons"), figure(&ja.body, "cards")),
        ("9".into(), "5".into())
    );
    for anchor in [
        "what-happened",
        "am-i-affected",
        "card-reissue",
        "password",
        "why-time",
        "authorities",
        "contact",
    ] {
        assert!(
            ja.body.contains(&format!("id=\"{anchor}\"")),
            "no #{anchor}"
        );
    }
    assert!(
        ja.body.contains("<details"),
        "questions fold without JavaScript"
    );
    assert!(ja.body.contains("更新履歴"));
    assert_secured(&ja, "GET /");
    let en = browser.get(&format!("{base}/en/"));
    assert!(en.body.contains("<html lang=\"en\">") && en.body.contains("id=\"card-reissue\""));
    assert_eq!(figure(&en.body, "persons"), "9");
    let css = browser.get(&format!("{base}/assets/site.css"));
    assert_eq!(
        (css.status, css.header("content-type")),
        (200, Some("text/css; charset=utf-8"))
    );
    assert!(css.body.contains("@media print"));
    let health = browser.get(&format!("{base}/healthz"));
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    let missing = browser.get(&format!("{base}/no-such-page"));
    assert_eq!(missing.status, 404);
    assert_secured(&missing, "404");

    // The self-check form: a token, and no caching.
    let form = browser.get(&format!("{base}/check"));
    assert!(
        form.body
            .contains("<form method=\"post\" action=\"/check\"")
            && form.body.contains("name=\"email\"")
    );
    assert_eq!(form.header("cache-control"), Some("no-store"));
    // Without a token, or with another browser's: 403, nothing queued.
    let token = form.hidden("token");
    let no_token = browser.post(
        &format!("{base}/check"),
        &[("email", "taro.yamada@example.jp")],
    );
    assert_eq!(no_token.status, 403);
    assert_secured(&no_token, "403");
    let mut stranger = Browser::new();
    let stolen = stranger.post(
        &format!("{base}/check"),
        &[("token", &token), ("email", "taro.yamada@example.jp")],
    );
    assert_eq!(stolen.status, 403);

    // One page for every address: affected (typed differently), a customer
    // who is not affected, an unknown address, a malformed one, and the
    // affected one again the same day.
    let addresses = [
        "Taro.Yamada@Example.JP",
        "kenji.suzuki@docomo.ne.jp",
        "nobody@example.org",
        "not an address",
        "taro.yamada@example.jp",
    ];
    let replies: Vec<_> = addresses
        .iter()
        .map(|a| browser.submit(&base, "/check", "/check", &[("email", a), ("lang", "ja")]))
        .collect();
    for (a, r) in addresses.iter().zip(&replies) {
        assert_eq!(r.status, 200, "{a}");
        assert_eq!(r.body, replies[0].body, "the page differs for {a}");
        assert_secured(r, "POST /check");
        assert_eq!(r.header("cache-control"), Some("no-store"));
    }
    // The results go by mail only: the notice again to the person, "nothing
    // on record" to the other two, nothing to the malformed address, and
    // no second result within a day.
    let messages = mail(&outbox, 3);
    assert_eq!(messages.len(), 3, "{messages:?}");
    let find = |to: &str| {
        messages
            .iter()
            .find(|m| to_of(m) == to)
            .unwrap_or_else(|| panic!("no mail to {to}"))
    };
    let read = |m: &str| {
        let parsed = mail_parser::MessageParser::default()
            .parse(m.as_bytes())
            .unwrap();
        (
            parsed.subject().unwrap_or("").to_owned(),
            parsed.body_text(0).unwrap_or_default().into_owned(),
        )
    };
    let notice = find("taro.yamada@example.jp");
    let (subject, body) = read(notice);
    assert!(subject.contains("流出の可能性"), "{subject}");
    assert!(
        body.contains("山田 太郎") && body.contains("クレジットカード番号"),
        "{body}"
    );
    assert!(header(notice, "Message-ID:").starts_with("<site."));
    for other in ["kenji.suzuki@docomo.ne.jp", "nobody@example.org"] {
        let (subject, body) = read(find(other));
        assert!(subject.contains("ご確認の結果"), "{subject}");
        assert!(
            body.contains("記録はありません") && !body.contains("山田"),
            "{body}"
        );
    }

    // A bounce of a result is matched to the site's message, not to a notice.
    let bounced = find("nobody@example.org");
    let bounces = tmp.path().join("bounces");
    std::fs::create_dir_all(&bounces).unwrap();
    std::fs::write(
        bounces.join("bounce.eml"),
        format!(
            "From: MAILER-DAEMON@mx.example.net\r\nTo: care@kumosoft.example\r\n\
             Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n\
             --B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n\r\n\
             --B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n\
             Final-Recipient: rfc822; nobody@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
             --B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {}\r\n\r\n--B--\r\n",
            header(bounced, "Message-ID:")
        ),
    )
    .unwrap();
    let ingested: serde_json::Value = serde_json::from_str(&ok(in_desk(
        &desk,
        &["bounces", "ingest", "--json", p(&bounces)],
    )
    .output()
    .unwrap()))
    .unwrap();
    assert_eq!(
        (
            ingested["site_mail"].as_u64(),
            ingested["to_letter"].as_u64()
        ),
        (Some(1), Some(0)),
        "{ingested}"
    );

    // The per-client limit: the sixth check of the hour passes, the seventh
    // gets 429 whatever the address.
    assert_eq!(
        browser
            .submit(&base, "/check", "/check", &[("email", "a@example.org")])
            .status,
        200
    );
    let over = browser.submit(
        &base,
        "/check",
        "/check",
        &[("email", "taro.yamada@example.jp")],
    );
    let over_unknown = browser.submit(&base, "/check", "/check", &[("email", "z@example.org")]);
    assert_eq!((over.status, over_unknown.status), (429, 429));
    assert_eq!(over.body, over_unknown.body);

    // An inquiry: one page with a reference; stored sealed; listed for staff.
    let inquiry_form = browser.get(&format!("{base}/inquiry"));
    for field in ["name", "email", "phone", "topic", "message"] {
        assert!(
            inquiry_form.body.contains(&format!("name=\"{field}\"")),
            "no {field}"
        );
    }
    let sent = browser.submit(
        &base,
        "/inquiry",
        "/inquiry",
        &[
            ("name", "鈴木 健二"),
            ("email", "kenji.suzuki@docomo.ne.jp"),
            ("phone", "090-5555-6666"),
            ("topic", "card"),
            ("message", "家族名義の控えも心配です"),
        ],
    );
    assert_eq!(sent.status, 200);
    let reference = sent
        .body
        .split("<strong>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        reference.starts_with("Q-") && reference.len() == 13,
        "{reference}"
    );
    let other = browser.submit(
        &base,
        "/inquiry",
        "/inquiry",
        &[("name", "x"), ("topic", "<b>")],
    );
    assert_eq!(other.status, 200);
    assert_ne!(other.body, sent.body, "each inquiry its own reference");
    let listed = inquiries_listed(&desk);
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["reference"], reference.as_str());
    assert_eq!(listed[0]["topic"], "card");
    assert_eq!(listed[0]["form"]["name"], "鈴木 健二");
    assert_eq!(listed[1]["topic"], "other");
    let db = std::fs::read(desk.join("breachdesk.db")).unwrap();
    let wal = std::fs::read(desk.join("breachdesk.db-wal")).unwrap_or_default();
    for secret in [
        "鈴木 健二",
        "090-5555-6666",
        "nobody@example.org",
        "家族名義の控え",
    ] {
        let needle = secret.as_bytes();
        assert!(
            !db.windows(needle.len()).any(|w| w == needle)
                && !wal.windows(needle.len()).any(|w| w == needle),
            "{secret} readable at rest"
        );
    }

    // A new generation reaches the page at once.
    let incident = std::fs::read_to_string(desk.join("incident.toml")).unwrap();
    let cut = incident.find("# Guests who paid another way").unwrap();
    std::fs::write(desk.join("incident.toml"), &incident[..cut]).unwrap();
    let data = examples().join("software-shop");
    load_data(&desk, &data, &[]);
    // (the running server read the incident at start; its figures come from
    // the generation, confirmed at least once a second)
    let start = Instant::now();
    let persons = loop {
        let persons = figure(&browser.get(&format!("{base}/")).body, "persons");
        if persons != "9" || start.elapsed() > Duration::from_secs(10) {
            break persons;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_ne!(persons, "9", "the page kept the old figures");

    // While a server runs, the key is not rotated: it seals with the key
    // it started with.
    let rotate = in_desk(&desk, &["key", "rotate"]).output().unwrap();
    assert!(
        !rotate.status.success() && stderr(&rotate).contains("stop every one"),
        "{}",
        stderr(&rotate)
    );
    let kept_form = browser.get(&format!("{base}/check"));

    // SIGTERM: the server finishes and exits 0; its log names no address.
    let (status, log) = served.stop();
    assert!(status.success(), "{status:?}\n{log}");
    for address in addresses.iter().chain(["kenji.suzuki", "鈴木"].iter()) {
        assert!(!log.contains(address), "{address} in the log:\n{log}");
    }

    // Once no server has marked the desk for a while (the clock moved on),
    // the rotation re-seals everything the site stored.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let later = breachdesk_domain::Instant(i64::try_from(now.as_micros()).unwrap() + 60_000_000);
    let rotated = in_desk(&desk, &["key", "rotate"])
        .env(
            "BREACHDESK_NOW",
            breachdesk_domain::Zone::utc().format(later),
        )
        .output()
        .unwrap();
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    let served = Served::start(&desk);
    let base = served.url.clone();
    // The inquiries read under the new key.
    let relisted = inquiries_listed(&desk);
    assert_eq!(relisted[0]["reference"], reference.as_str());
    assert_eq!(relisted[0]["form"]["name"], "鈴木 健二");
    // A form fetched before the rotation still posts (the servers' shared
    // key was re-sealed, not replaced); the address that had its result
    // today gets none again (its index moved to the new key); a new one
    // gets its result.
    let before = mail(&outbox, 0).len();
    let again = browser.post(
        &format!("{base}/check"),
        &[
            ("token", &kept_form.hidden("token")),
            ("email", "taro.yamada@example.jp"),
        ],
    );
    assert_eq!(again.status, 200, "{}", again.body);
    let fresh = browser.submit(&base, "/check", "/check", &[("email", "fresh@example.org")]);
    assert_eq!(fresh.status, 200);
    let after = mail(&outbox, before + 1);
    assert_eq!(
        after.len(),
        before + 1,
        "one result, for the new address only"
    );
    assert!(after.iter().any(|m| to_of(m) == "fresh@example.org"));
    let (status, log) = served.stop();
    assert!(status.success(), "{status:?}\n{log}");
    println!("site story: passed");
}

#[test]
fn site_build_writes_the_pages_as_static_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (desk, _) = site_desk(tmp.path(), None, 20);
    let out = tmp.path().join("public");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("stale.html"), "old").unwrap();
    ok(in_desk(&desk, &["site", "build", "--out", p(&out)])
        .output()
        .unwrap());
    let ja = std::fs::read_to_string(out.join("index.html")).unwrap();
    let en = std::fs::read_to_string(out.join("en/index.html")).unwrap();
    assert!(ja.contains("<html lang=\"ja\">") && ja.contains("href=\"assets/site.css\""));
    assert!(en.contains("<html lang=\"en\">") && en.contains("href=\"../assets/site.css\""));
    assert!(ja.contains("data-figure=\"persons\">9<"));
    assert!(out.join("assets/site.js").exists());
    assert!(
        !out.join("stale.html").exists(),
        "the folder is replaced whole"
    );
    // The same page as `serve` shows, but for its links.
    let served = Served::start(&desk);
    let live = Browser::new().get(&format!("{}/", served.url)).body;
    assert_eq!(
        live.matches("<details").count(),
        ja.matches("<details").count()
    );
}

#[test]
fn two_servers_on_one_postgres_desk_act_as_one() {
    let Some(admin_url) = breachdesk_testkit::postgres_admin_url("postgres site story") else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let scratch = runtime
        .block_on(breachdesk_store::ScratchDatabase::create(
            &admin_url,
            "breachdesk_site",
        ))
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let (desk, outbox) = site_desk(tmp.path(), Some(&scratch.url), 100);
    let (a, b) = (Served::start(&desk), Served::start(&desk));
    let mut browser = Browser::new();
    // A form from one server is good on the other.
    let form = browser.get(&format!("{}/check", a.url));
    let token = form.hidden("token");
    let reply = browser.post(
        &format!("{}/check", b.url),
        &[("token", &token), ("email", "taro.yamada@example.jp")],
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    // Checks posted to both, answered by both workers: each address once.
    let addresses: Vec<String> = (0..12).map(|i| format!("visitor{i}@example.org")).collect();
    for (i, address) in addresses.iter().enumerate() {
        let server = if i % 2 == 0 { &a.url } else { &b.url };
        let r = browser.submit(server, "/check", "/check", &[("email", address)]);
        assert_eq!(r.status, 200);
        // The same address again, on the other server: no second result.
        let other = if i % 2 == 0 { &b.url } else { &a.url };
        assert_eq!(
            browser
                .submit(other, "/check", "/check", &[("email", address)])
                .status,
            200
        );
    }
    let messages = mail(&outbox, addresses.len() + 1);
    let mut tos: Vec<String> = messages.iter().map(|m| to_of(m)).collect();
    tos.sort();
    let mut expected: Vec<String> = addresses.clone();
    expected.push("taro.yamada@example.jp".into());
    expected.sort();
    assert_eq!(tos, expected, "every address once");
    drop((a, b));
    runtime.block_on(scratch.drop_database()).unwrap();
    println!(
        "postgres site story: passed ({} results, two servers)",
        messages.len()
    );
}

/// The value of the sample `name{labels}` in a Prometheus text exposition.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn metrics_on_their_own_address() {
    let tmp = tempfile::tempdir().unwrap();
    let (desk, outbox) = site_desk(tmp.path(), None, 20);
    let served = Served::start_with(&desk, true);
    let metrics = served.metrics.clone().unwrap();
    let base = served.url.clone();
    let mut browser = Browser::new();
    for _ in 0..3 {
        assert_eq!(browser.get(&format!("{base}/")).status, 200);
    }
    assert_eq!(
        browser.get(&format!("{base}/nobody@example.org")).status,
        404
    );
    let checked = browser.submit(
        &base,
        "/check",
        "/check",
        &[("email", "taro.yamada@example.jp")],
    );
    assert_eq!(checked.status, 200);
    assert_eq!(mail(&outbox, 1).len(), 1);
    // Not on the public address.
    assert_eq!(browser.get(&format!("{base}/metrics")).status, 404);

    let scraped = browser.get(&metrics);
    assert_eq!(scraped.status, 200);
    assert!(
        scraped
            .header("content-type")
            .unwrap()
            .starts_with("application/openmetrics-text"),
    );
    let text = scraped.body;
    let requests = |labels: &str| {
        sample(
            &text,
            &format!("breachdesk_http_requests_total{{{labels}}}"),
        )
    };
    assert_eq!(
        requests("method=\"GET\",route=\"/\",status=\"200\""),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        requests("method=\"POST\",route=\"/check\",status=\"200\""),
        Some(1.0)
    );
    // A made-up path is "unmatched": what a visitor typed is no label.
    assert_eq!(
        requests("method=\"GET\",route=\"unmatched\",status=\"404\""),
        Some(2.0)
    );
    assert!(!text.contains("nobody") && !text.contains("taro"), "{text}");
    assert_eq!(
        sample(
            &text,
            "breachdesk_http_request_duration_seconds_count{method=\"GET\",route=\"/\"}"
        ),
        Some(3.0)
    );
    assert_eq!(
        sample(&text, "breachdesk_self_checks_total{outcome=\"answered\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "breachdesk_self_check_mail_total{outcome=\"sent\"}"),
        Some(1.0)
    );
    // From the desk: the queue and the mail by state.
    assert_eq!(
        sample(&text, "breachdesk_self_check_queue{state=\"done\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "breachdesk_site_mail{state=\"sent\"}"),
        Some(1.0),
        "{text}"
    );
    assert!(
        !text.contains("affected"),
        "results split by who was affected: {text}"
    );
    let (status, log) = served.stop();
    assert!(status.success(), "{log}");
}
