//! A desk with its public site ready to serve, and the mail its self-checks
//! send, for the site's tests (HTTP and real browser alike).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A desk on the software-shop example (9 persons, 5 cards), signed, with
/// its mail going to a maildir; `checks_per_hour` per client.
pub fn site_desk(
    tmp: &Path,
    database_url: Option<&str>,
    checks_per_hour: u32,
) -> (PathBuf, PathBuf) {
    let desk = tmp.join("desk");
    ok(run(&["init", p(&desk)]));
    std::fs::copy(
        examples().join("software-shop/incident.toml"),
        desk.join("incident.toml"),
    )
    .unwrap();
    let outbox = tmp.join("outbox");
    let mut config = std::fs::read_to_string(desk.join("breachdesk.toml"))
        .unwrap()
        .replacen("name = \"\"", "name = \"Kumo Soft Store\"", 1)
        .replacen("email = \"\"", "email = \"care@kumosoft.example\"", 1)
        .replacen(
            "[smtp]\n# Filled in before sending notices, e.g. \"smtp://mail.example.jp:587\".\nurl = \"\"",
            &format!("[smtp]\nurl = \"maildir:{}\"", outbox.display()),
            1,
        );
    assert!(config.contains("maildir:"), "the config's [smtp] url moved");
    if let Some(url) = database_url {
        config = config.replacen(
            "database_url = \"sqlite://breachdesk.db\"",
            &format!("database_url = \"{url}\""),
            1,
        );
    }
    let config = config.replacen(
        "checks_per_hour = 20",
        &format!("checks_per_hour = {checks_per_hour}"),
        1,
    );
    std::fs::write(desk.join("breachdesk.toml"), config).unwrap();
    let data = examples().join("software-shop");
    load_data(&desk, &data, &[]);
    (desk, outbox)
}

/// The messages in the maildir once `count` are there (waiting up to 20 s),
/// then a little longer to see that no more come.
pub fn mail(outbox: &Path, count: usize) -> Vec<String> {
    let dir = outbox.join("new");
    let read = || -> Vec<String> {
        std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    let start = Instant::now();
    while read().len() < count && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(800));
    read()
}

pub fn to_of(message: &str) -> String {
    header(message, "To:")
}

/// `inquiries list --json`, as staff would read it.
pub fn inquiries_listed(desk: &Path) -> Vec<serde_json::Value> {
    let listed: serde_json::Value =
        serde_json::from_str(&ok(in_desk(desk, &["inquiries", "list", "--json"])
            .output()
            .unwrap()))
        .unwrap();
    listed.as_array().unwrap().clone()
}
