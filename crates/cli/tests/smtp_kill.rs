//! `kill -9` of `notify send` in the middle of a 10k-person send to a real
//! SMTP server on loopback (aiosmtpd), several times: each kill lands once
//! the server has stored a pseudo-random number of that run's messages,
//! while the run is still going. Some replies are lost after the server
//! stored the message, so a sender that sends such a message again makes a
//! copy the server shows. Afterwards every person has exactly one message,
//! except the ones marked in doubt (at most one each), and nobody is
//! missed. Runs when BREACHDESK_TEST_SMTP=1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// For each kill, how many messages of that run the server must have
/// stored before it: pseudo-random from the clock, printed so that a
/// failure can be replayed with BREACHDESK_KILL_SEED.
fn kill_points(count: usize) -> (u64, Vec<u64>) {
    let (seed, numbers) = seeded_numbers(count);
    // Five kills of at most 1,200 messages each leave most of the 10k for
    // the last, uninterrupted run.
    (seed, numbers.into_iter().map(|n| 20 + n % 1200).collect())
}

/// The ledger's rows by state, as a dry run reports them (a dry run also
/// marks what a killed run left `sending` as in doubt, as the next run
/// would).
fn states(desk: &std::path::Path) -> serde_json::Value {
    let out = ok(run_in_desk(
        desk,
        &["notify", "send", "--dry-run", "--limit", "0", "--json"],
    ));
    serde_json::from_str::<serde_json::Value>(&out).unwrap()["states"].clone()
}

fn count(states: &serde_json::Value, name: &str) -> u64 {
    states
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s[0] == name)
        .map_or(0, |s| s[1].as_u64().unwrap())
}

/// What one kill hit.
#[derive(Debug)]
struct Kill {
    /// Messages of this run the server had stored when it was killed.
    stored: u64,
    /// The run was still going when it was killed.
    running: bool,
    /// Rows still to send (pending or deferred) after the kill.
    left: u64,
}

#[test]
fn kill_9_during_a_10k_send_to_a_real_server() {
    if !smtp_tests_enabled("smtp kill", &[AIOSMTPD]) {
        return;
    }
    let (tmp, desk, persons) = demo_desk("42000", "420000", "11");
    assert!(persons >= 10_000, "{persons} persons");
    unpace_carriers(&desk);
    let inbox = tmp.path().join("inbox");
    // Pipelined, as Postfix and most servers offer; and one reply in a
    // thousand lost after the message was stored (by arrival order, so
    // across the runs), which only a sender that never sends a message
    // twice gets through without a duplicate.
    let lost: Vec<String> = (0..10)
        .map(|i| format!("{}:lost", 300 + i * 1000))
        .collect();
    let mut args = vec!["--pipelining"];
    for fault in &lost {
        args.extend(["--fail", fault.as_str()]);
    }
    let (_server, port) = start_server_with(&inbox, &args);
    let url = format!("smtp://127.0.0.1:{port}");
    let connections = 4;
    let send = [
        "notify",
        "send",
        "--smtp",
        &url,
        "--connections",
        "4",
        "--json",
    ];
    let (seed, points) = kill_points(5);
    let mut kills = Vec::new();
    for &point in &points {
        let before = server_count(&inbox, "stored");
        let mut child = in_desk(&desk, &send).stdout(Stdio::null()).spawn().unwrap();
        // Until the server has stored `point` messages of this run, so
        // that the kill lands with sends in flight, not before the first
        // or after the last.
        let deadline = Instant::now() + Duration::from_secs(600);
        let running = loop {
            if child.try_wait().unwrap().is_some() {
                break false;
            }
            if server_count(&inbox, "stored") >= before + point {
                break true;
            }
            assert!(
                Instant::now() < deadline,
                "the run sent {} of {point} messages in 10 minutes (seed {seed})",
                server_count(&inbox, "stored") - before
            );
            std::thread::sleep(Duration::from_millis(2));
        };
        let _ = child.kill(); // SIGKILL: no chance to clean up
        let _ = child.wait();
        let after = states(&desk);
        let kill = Kill {
            stored: server_count(&inbox, "stored") - before,
            running,
            left: count(&after, "pending") + count(&after, "deferred"),
        };
        assert!(
            !kill.running || kill.stored >= point,
            "killed before {point} messages (seed {seed}): {kill:?}"
        );
        kills.push(kill);
    }
    // Interrupted: killed while running, after this run's first messages
    // reached the server, with rows still to send.
    let interrupted = kills
        .iter()
        .filter(|k| k.running && k.stored > 0 && k.left > 0)
        .count();
    assert!(
        interrupted >= 1,
        "no kill interrupted a run with rows still to send (seed {seed}): {kills:?}"
    );
    let last: serde_json::Value = serde_json::from_str(&ok(run_in_desk(&desk, &send))).unwrap();
    let state = |name: &str| count(&last["states"], name);
    let (sent, in_doubt, letter) = (state("sent"), state("in_doubt"), state("letter"));
    assert_eq!(
        sent + in_doubt + letter,
        persons,
        "everyone accounted for (seed {seed}): {last}"
    );
    let lost_replies = server_count(&inbox, "lost");
    assert!(
        lost_replies >= 5,
        "the lost replies happened: {lost_replies} (seed {seed})"
    );
    assert!(
        in_doubt <= (points.len() * connections) as u64 + lost_replies,
        "only what was on the wire at a kill or lost its reply is in doubt (seed {seed}): {last}"
    );
    let ids = message_id_counts(&inbox);
    let twice: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice (seed {seed}): {twice:?}");
    // Each sent row's message arrived; an in-doubt one at most once.
    let arrived = ids.len() as u64;
    assert!(
        arrived >= sent && arrived <= sent + in_doubt,
        "{arrived} arrived, {sent} sent, {in_doubt} in doubt (seed {seed})"
    );
    println!(
        "smtp kill story: passed ({persons} persons, {} kills after {points:?} messages (seed {seed}), \
         {interrupted} mid-run with rows left, {lost_replies} replies lost after storing, \
         {sent} sent, {in_doubt} in doubt, {letter} letters, {arrived} messages, none twice; kills: {kills:?})",
        kills.len(),
    );
}
