//! `notify send` to a real SMTP server on loopback (aiosmtpd, started from
//! scripts/test-smtp.py) that answers 550, 451 and 421, drops a connection
//! after the final dot without storing the message, and drops one after
//! storing it (the reply is lost). Runs when BREACHDESK_TEST_SMTP=1 (CI
//! sets it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

#[test]
fn send_through_a_real_smtp_server_with_failures() {
    if !smtp_tests_enabled("smtp", &[AIOSMTPD]) {
        return;
    }
    // The same story against a server that pipelines and one that does not:
    // a refusal in the middle of a pipelined MAIL/RCPT/DATA must end the
    // same way as one met command by command.
    let plain = failure_story(false);
    let pipelined = failure_story(true);
    println!(
        "smtp story: passed ({plain} and {pipelined} delivered with and without PIPELINING, 1 bounced, \
         451 and 421 deferred then delivered, none twice after the two connections closed past the \
         final dot (one message stored), each time; retries within a run)"
    );
}

/// Messages the server counted as pipelined (MAIL and RCPT in one write).
fn pipelined(inbox: &Path) -> usize {
    server_count(inbox, "pipelined") as usize
}

/// Rows of a send report's `states` in `state`.
fn state(report: &serde_json::Value, state: &str) -> u64 {
    report["states"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s[0] == state)
        .map_or(0, |s| s[1].as_u64().unwrap())
}

/// Sends to a server scripted to refuse and drop; returns how many
/// messages arrived.
fn failure_story(pipelining: bool) -> usize {
    let (tmp, desk, _) = demo_desk("300", "3000", "3");
    unpace_carriers(&desk);

    let inbox = tmp.path().join("inbox");
    // 9: the connection closes after the final dot, the message not
    // stored; 11: it closes after the message is stored, so that sending
    // it again would show as a second copy.
    let mut args = vec![
        "--fail", "3:550", "--fail", "5:451", "--fail", "7:421", "--fail", "9:drop", "--fail",
        "11:lost",
    ];
    if pipelining {
        args.push("--pipelining");
    }
    let (_server, port) = start_server_with(&inbox, &args);
    let url = format!("smtp://127.0.0.1:{port}");
    let first: serde_json::Value = serde_json::from_str(&ok(run_in_desk(
        &desk,
        &["notify", "send", "--smtp", &url, "--retries", "0", "--json"],
    )))
    .unwrap();
    assert_eq!(first["bounced"], 1, "550 -> bounced: {first}");
    assert_eq!(server_count(&inbox, "lost"), 1, "the lost reply happened");
    // The two connections that closed after the final dot look the same
    // to the sender (it cannot know that one message arrived): deferred
    // or in doubt, but neither sent nor bounced.
    let deferred_first = first["deferred"].as_u64().unwrap();
    assert!(deferred_first >= 2, "451 and 421 -> deferred: {first}");
    assert_eq!(
        deferred_first + state(&first, "in_doubt"),
        4,
        "451, 421 and the two closed after the final dot: {first}"
    );
    let sent_first = first["sent"].as_u64().unwrap();
    assert_eq!(
        message_id_counts(&inbox).len() as u64,
        sent_first + 1,
        "the server holds what the ledger calls sent, and the message whose reply was lost"
    );

    // The next run retries what was deferred; nobody gets a second copy,
    // not even the person whose message arrived without its reply.
    let second: serde_json::Value = serde_json::from_str(&ok(run_in_desk(
        &desk,
        &["notify", "send", "--smtp", &url, "--retries", "0", "--json"],
    )))
    .unwrap();
    let sent_second = second["sent"].as_u64().unwrap();
    assert_eq!(sent_second, deferred_first, "{second}");
    let ids = message_id_counts(&inbox);
    let twice: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "sent twice after a lost reply: {twice:?}; {first}; {second}"
    );
    assert_eq!(ids.len() as u64, sent_first + 1 + sent_second);

    // With retries, a temporary failure is tried again within the run.
    let inbox2 = tmp.path().join("inbox2");
    let (_server2, port2) = start_server(&inbox2, &["1:451", "2:421"]);
    let url2 = format!("smtp://127.0.0.1:{port2}");
    let args = [
        "notify",
        "send",
        "--smtp",
        &url2,
        "--campaign",
        "retry",
        "--limit",
        "3",
        "--retries",
        "2",
        "--retry-delay-ms",
        "10",
        "--json",
    ];
    let retried: serde_json::Value = serde_json::from_str(&ok(run_in_desk(&desk, &args))).unwrap();
    assert_eq!(
        retried["sent"], 3,
        "451, then 421, then accepted, within one run: {retried}"
    );
    assert_eq!(retried["deferred"], 0, "{retried}");
    assert_eq!(message_id_counts(&inbox2).len(), 3);
    if pipelining {
        assert!(
            pipelined(&inbox) >= ids.len(),
            "every transaction pipelined: {} of {}",
            pipelined(&inbox),
            ids.len()
        );
    } else {
        assert_eq!(pipelined(&inbox), 0, "no PIPELINING offered, none used");
    }
    ids.len()
}

#[test]
fn notices_are_dkim_signed_and_verify() {
    if !smtp_tests_enabled("dkim", &[DKIMPY]) {
        return;
    }
    let (tmp, desk, _) = demo_desk("100", "1000", "5");
    let config_path = desk.join("breachdesk.toml");
    let config = std::fs::read_to_string(&config_path).unwrap();

    let printed = ok(run_in_desk(
        &desk,
        &["notify", "dkim-key", "--selector", "bd2026"],
    ));
    let record = printed.split('"').nth(1).unwrap().to_owned();
    assert!(record.starts_with("v=DKIM1; k=rsa; p="), "{printed}");
    assert!(
        printed.contains("bd2026._domainkey.kumosoft.example."),
        "{printed}"
    );
    let config = config
        .replacen("selector = \"\"", "selector = \"bd2026\"", 1)
        .replacen("domain = \"\"", "domain = \"kumosoft.example\"", 1);
    std::fs::write(&config_path, config).unwrap();

    let outbox = tmp.path().join("outbox");
    ok(run_in_desk(
        &desk,
        &[
            "notify",
            "send",
            "--smtp",
            &format!("maildir:{}", outbox.display()),
        ],
    ));
    let message = std::fs::read_dir(outbox.join("new"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let tampered = tmp.path().join("tampered.eml");
    let text = std::fs::read_to_string(&message).unwrap();
    assert!(
        text.contains("DKIM-Signature:")
            && text.contains("s=bd2026")
            && text.contains("Message-ID"),
        "{text}"
    );
    // Another Message-ID would tie a bounce to another ledger row: it is signed.
    let forged = text.replacen("Message-ID: <", "Message-ID: <forged.", 1);
    assert_ne!(forged, text);
    std::fs::write(&tampered, forged).unwrap();
    let verify = |path: &Path| {
        let out = Command::new("python3")
            .args([
                "-c",
                "import dkim, sys; rec = sys.argv[2].encode(); \
                 print(dkim.verify(open(sys.argv[1], 'rb').read(), dnsfunc=lambda name, timeout=5: rec))",
                p(path),
                &record,
            ])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    assert_eq!(
        verify(&message),
        "True",
        "the signature verifies against the published key"
    );
    assert_eq!(verify(&tampered), "False", "a changed message does not");
    println!("dkim story: passed");
}

#[test]
fn a_refused_login_stops_the_run_and_bounces_nobody() {
    if !smtp_tests_enabled("smtp auth", &[AIOSMTPD]) {
        return;
    }
    let (tmp, desk, persons) = demo_desk("100", "1000", "5");
    unpace_carriers(&desk);
    let inbox = tmp.path().join("inbox");
    let (_server, port) = start_server_with(&inbox, &["--auth", "kumo:s3cret"]);
    // A wrong password in the URL: the server refuses the session.
    let wrong = format!("smtp://kumo:wrong@127.0.0.1:{port}");
    let refused = in_desk(&desk, &["notify", "send", "--smtp", &wrong])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("refused the session"), "{err}");
    assert!(message_id_counts(&inbox).is_empty());
    let dry: serde_json::Value = serde_json::from_str(&ok(run_in_desk(
        &desk,
        &["notify", "send", "--dry-run", "--limit", "0", "--json"],
    )))
    .unwrap();
    let states: Vec<&str> = dry["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[0].as_str().unwrap())
        .collect();
    assert!(
        !states.contains(&"bounced") && !states.contains(&"sent"),
        "a refused login is nobody's bounce, and nothing left: {states:?}"
    );
    // The right password, from a file named in the environment.
    let password = tmp.path().join("smtp-password");
    std::fs::write(&password, "s3cret\n").unwrap();
    let config = std::fs::read_to_string(desk.join("breachdesk.toml")).unwrap();
    std::fs::write(
        desk.join("breachdesk.toml"),
        config.replacen("username = \"\"", "username = \"kumo\"", 1),
    )
    .unwrap();
    let url = format!("smtp://127.0.0.1:{port}");
    let sent: serde_json::Value = serde_json::from_str(&ok(in_desk(
        &desk,
        &["notify", "send", "--smtp", &url, "--json"],
    )
    .env("BREACHDESK_SMTP_PASSWORD_FILE", &password)
    .output()
    .unwrap()))
    .unwrap();
    let letters = sent["letter"].as_u64().unwrap();
    assert_eq!(sent["bounced"], 0, "{sent}");
    assert_eq!(sent["sent"].as_u64().unwrap() + letters, persons, "{sent}");
    assert_eq!(
        message_id_counts(&inbox).len() as u64,
        persons - letters,
        "everyone with an address, once"
    );
    println!("smtp auth story: passed");
}

#[test]
fn a_paced_carrier_domain_waits_and_holds_up_nobody() {
    if !smtp_tests_enabled("smtp pacing", &[AIOSMTPD]) {
        return;
    }
    let (tmp, desk, persons) = demo_desk("300", "3000", "3");
    // One message every 200 ms to each carrier domain.
    pace_carriers(&desk, 300);
    let inbox = tmp.path().join("inbox");
    let (_server, port) = start_server_with(&inbox, &["--pipelining"]);
    let url = format!("smtp://127.0.0.1:{port}");
    let report: serde_json::Value = serde_json::from_str(&ok(run_in_desk(
        &desk,
        &["notify", "send", "--smtp", &url, "--json"],
    )))
    .unwrap();
    let sent = report["sent"].as_u64().unwrap();
    assert_eq!(
        sent + report["letter"].as_u64().unwrap(),
        persons,
        "{report}"
    );

    // Each arrival: (when, ledger row, recipient domain).
    let mut arrivals: Vec<(std::time::SystemTime, u64, String)> = std::fs::read_dir(&inbox)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let header = |name: &str| header(&text, name);
            // <campaign.ROW.incident@domain>
            let row = header("Message-ID: ")
                .split('.')
                .nth(1)
                .unwrap()
                .parse()
                .unwrap();
            let to = header("To: ");
            let domain = to
                .trim_end_matches('>')
                .rsplit('@')
                .next()
                .unwrap()
                .to_owned();
            (
                std::fs::metadata(&path).unwrap().modified().unwrap(),
                row,
                domain,
            )
        })
        .collect();
    assert_eq!(arrivals.len() as u64, sent, "one message each");
    arrivals.sort();
    let is_carrier = |d: &str| CARRIERS.contains(&d);
    let busiest = CARRIERS
        .iter()
        .max_by_key(|c| arrivals.iter().filter(|a| a.2 == **c).count())
        .unwrap();
    let carrier_times: Vec<_> = arrivals
        .iter()
        .filter(|a| a.2 == *busiest)
        .map(|a| a.0)
        .collect();
    assert!(
        carrier_times.len() >= 3,
        "{busiest}: {}",
        carrier_times.len()
    );
    // Paced at 300 a minute (200 ms): the k-th message may leave no sooner
    // than k slots after the first. Arrival times carry what the wire and a
    // loaded machine add: one message held back (by a commit's fsync, say)
    // arrives late and close to the next, which is still on schedule, so
    // each arrival is measured from the first, with a margin of most of a
    // slot, never against its neighbour.
    let gaps: Vec<std::time::Duration> = carrier_times
        .windows(2)
        .map(|pair| pair[1].duration_since(pair[0]).unwrap())
        .collect();
    for (k, at) in carrier_times.iter().enumerate().skip(1) {
        let since_first = at.duration_since(carrier_times[0]).unwrap();
        let schedule = std::time::Duration::from_millis(200 * k as u64 - 150);
        assert!(
            since_first >= schedule,
            "{busiest}: message {k} after {since_first:?}, before its slot ({gaps:?})"
        );
    }
    let mean = gaps.iter().sum::<std::time::Duration>() / gaps.len() as u32;
    assert!(
        mean >= std::time::Duration::from_millis(170),
        "{busiest}: mean gap {mean:?} in {gaps:?}"
    );
    // Not holding up others: some later row to an unpaced domain arrived
    // before an earlier row that waited for its carrier's turn.
    let overtaken = arrivals.iter().enumerate().any(|(i, (_, row, domain))| {
        is_carrier(domain)
            && arrivals[..i]
                .iter()
                .any(|(_, other, d)| !is_carrier(d) && other > row)
    });
    assert!(overtaken, "a paced row held up the rows behind it");
    println!(
        "smtp pacing story: passed ({} to {busiest}, {mean:?} apart on average; others went ahead)",
        carrier_times.len()
    );
}
