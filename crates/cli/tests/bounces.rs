//! `breachdesk bounces parse` as the contract in spec/bounces.md says.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

fn fixture(dir: &std::path::Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

#[test]
fn json_lines_for_files_folders_maildirs_and_mboxes() {
    let Some(fixtures) = bounce_fixtures("bounce CLI output") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let postfix = fixture(&fixtures, "lhost-postfix-03.eml");
    let not_bounce = b"From: friend@example.jp\nTo: shop@example.com\nSubject: Hello\nMessage-ID: <hello@example.jp>\n\nThank you for the cookies.\n".to_vec();
    std::fs::write(tmp.path().join("one.eml"), &postfix).unwrap();

    // A single file, JSON lines with exactly the contract's keys.
    let out = run(&["bounces", "parse", "--json", p(&tmp.path().join("one.eml"))]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    let first = lines[0].as_object().unwrap();
    assert_eq!(first.len(), 6);
    // Keys in the contract's order, on the raw line.
    let raw = stdout(&out).lines().next().unwrap().to_owned();
    let at: Vec<usize> = [
        "\"file\"",
        "\"recipient\"",
        "\"status\"",
        "\"hard\"",
        "\"reason\"",
        "\"message_id\"",
    ]
    .iter()
    .map(|k| raw.find(k).unwrap())
    .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{raw}");
    assert_eq!(first["file"], "one.eml");
    let recipient = first["recipient"].as_str().unwrap().to_owned();
    assert_eq!(recipient, recipient.to_lowercase());

    // A maildir holding the same bounce and a message that is not one.
    let maildir = tmp.path().join("Maildir");
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    std::fs::write(maildir.join("new/1700000000.1.host"), &postfix).unwrap();
    std::fs::write(maildir.join("cur/1700000001.2.host:2,S"), &not_bounce).unwrap();
    let out = run(&["bounces", "parse", "--json", p(&maildir)]);
    let from_maildir: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(from_maildir.len(), lines.len());
    assert_eq!(from_maildir[0]["file"], "1700000000.1.host");

    // An mbox of the two: lines are named NAME#N.
    let mut mbox = Vec::new();
    for message in [&not_bounce, &postfix] {
        mbox.extend_from_slice(b"From MAILER-DAEMON Sat Jan  1 00:00:00 2022\n");
        mbox.extend_from_slice(message);
        mbox.extend_from_slice(b"\n");
    }
    std::fs::write(tmp.path().join("bounces.mbox"), &mbox).unwrap();
    let out = run(&[
        "bounces",
        "parse",
        "--json",
        p(&tmp.path().join("bounces.mbox")),
    ]);
    let from_mbox: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(from_mbox.len(), lines.len(), "{}", stdout(&out));
    assert_eq!(from_mbox[0]["file"], "bounces.mbox#2");
    assert_eq!(from_mbox[0]["recipient"], lines[0]["recipient"]);
}

#[test]
fn malformed_files_are_skipped_and_unreadable_paths_fail() {
    let Some(fixtures) = bounce_fixtures("bounce CLI malformed files") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("empty.eml"), b"").unwrap();
    std::fs::write(
        tmp.path().join("ok.eml"),
        fixture(&fixtures, "lhost-qmail-01.eml"),
    )
    .unwrap();
    let out = run(&["bounces", "parse", p(tmp.path())]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("empty.eml: skipped"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("ok.eml\t"), "{}", stdout(&out));
    let missing = run(&["bounces", "parse", p(&tmp.path().join("nope"))]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("cannot read"));
}
