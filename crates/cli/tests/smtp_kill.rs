//! `kill -9` of `notify send` at random moments of a 10k-person send to a
//! real SMTP server on loopback (aiosmtpd), several times. Afterwards every
//! person has exactly one message, except the ones marked in doubt (at most
//! one each), and nobody is missed. Runs when BREACHDESK_TEST_SMTP=1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use std::time::Duration;

/// A few pseudo-random kill moments, from the clock; printed so a failure
/// can be replayed with BREACHDESK_KILL_SEED.
fn kill_moments(count: usize) -> (u64, Vec<Duration>) {
    let seed = std::env::var("BREACHDESK_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    let mut state = seed | 1;
    let moments = (0..count)
        .map(|_| {
            // xorshift: enough to spread the moments, reproducible from the seed
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            Duration::from_millis(300 + state % 2500)
        })
        .collect();
    (seed, moments)
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
    // Pipelined, as Postfix and most servers offer.
    let (_server, port) = start_server_with(&inbox, &["--pipelining"]);
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
    let (seed, moments) = kill_moments(5);
    for moment in &moments {
        let mut child = in_desk(&desk, &send).spawn().unwrap();
        std::thread::sleep(*moment);
        let _ = child.kill(); // SIGKILL: no chance to clean up
        let _ = child.wait();
    }
    let last: serde_json::Value = serde_json::from_str(&ok(run_in_desk(&desk, &send))).unwrap();
    let state = |name: &str| {
        last["states"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s[0] == name)
            .map_or(0, |s| s[1].as_u64().unwrap())
    };
    let (sent, in_doubt, letter) = (state("sent"), state("in_doubt"), state("letter"));
    assert_eq!(
        sent + in_doubt + letter,
        persons,
        "everyone accounted for (seed {seed}): {last}"
    );
    assert!(
        in_doubt <= (moments.len() * connections) as u64,
        "only what was on the wire at a kill is in doubt (seed {seed}): {last}"
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
        "smtp kill story: passed ({persons} persons, {} kills at {:?} (seed {seed}), {sent} sent, {in_doubt} in doubt, {letter} letters, {arrived} messages, none twice)",
        moments.len(),
        moments
    );
}
