//! Command-line surface: help, version, usage errors, explain.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

#[test]
fn help_and_version() {
    let out = run(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("breachdesk "));
    for command in [
        vec!["--help"],
        vec!["scope", "--help"],
        vec!["explain", "--help"],
        vec!["demo-data", "--help"],
    ] {
        let out = run(&command);
        assert_eq!(out.status.code(), Some(0), "{command:?}");
        assert!(stdout(&out).contains("Usage: breachdesk"), "{command:?}");
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["scope"]).status.code(), Some(2));
    assert_eq!(run(&["no-such-command"]).status.code(), Some(2));
    assert_eq!(
        run(&[
            "scope",
            "x.toml",
            "--checkouts",
            "c.csv",
            "--out",
            "o.csv",
            "--encoding",
            "latin9"
        ])
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn explain_says_why_and_why_not() {
    let dir = examples().join("software-shop");
    let base = |who: &str, json: bool| {
        let mut args = vec![
            "explain".to_owned(),
            dir.join("incident.toml").display().to_string(),
            "--customers".into(),
            dir.join("customers.csv").display().to_string(),
            "--checkouts".into(),
            dir.join("checkouts.csv").display().to_string(),
            who.to_owned(),
        ];
        if json {
            args.push("--json".into());
        }
        let out = bin().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    // By any email the person used, normalized: this one was typed by a guest.
    let text = base("  taro.yamada@EXAMPLE.jp", false);
    assert!(text.contains("Person S001"), "{text}");
    assert!(text.contains("AFFECTED by card-typed"), "{text}");
    assert!(text.contains("checkout K002"), "{text}");
    assert!(
        text.contains(
            "condition card_entry = [\"new\", \"updated\"] does not hold (the record has \"saved\")"
        ),
        "{text}"
    );
    // Outside every window: folded to one line with its local time.
    assert!(
        text.contains("outside every window (1):\n    checkout K003 (2022-11-14 23:59:59 +09:00)"),
        "{text}"
    );
    assert!(
        text.contains(
            "card-typed (checkouts): 2022-11-15 00:00:00 +09:00 .. 2023-01-17 23:59:59 +09:00"
        ),
        "{text}"
    );
    // Matched records come first.
    assert!(
        text.find("checkout K001").unwrap() < text.find("checkout K002").unwrap(),
        "{text}"
    );
    assert!(
        text.contains("checkout K020"),
        "a guest checkout merged by email: {text}"
    );
    // Excluded with its reason.
    let text = base("S003", false);
    assert!(text.contains("NOT affected"), "{text}");
    assert!(text.contains("excluded: automatic renewal"), "{text}");
    assert!(text.contains("excluded: data plan extensions"), "{text}");
    // JSON, and a checkout: key.
    let json: serde_json::Value = serde_json::from_str(&base("checkout:K010", true)).unwrap();
    assert_eq!(json["persons"][0]["person"], "checkout:K010");
    assert_eq!(json["persons"][0]["affected"], true);
    assert_eq!(
        json["persons"][0]["records"][0]["verdicts"][0]["result"],
        "condition_failed"
    );
    assert_eq!(
        json["persons"][0]["records"][0]["verdicts"][1]["result"],
        "matched"
    );
    // Somebody unknown.
    let text = base("nobody@example.jp", false);
    assert!(text.contains("No record matches"), "{text}");
}
