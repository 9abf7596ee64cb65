//! Helpers for driving the real `breachdesk` binary.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod http;
pub mod site_desk;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_breachdesk"))
}

pub fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run breachdesk")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs `scope` and returns (exit code, stderr, affected.csv if written, summary if written).
pub fn scope(
    incident: &Path,
    customers: Option<&Path>,
    checkouts: &Path,
    extra: &[&str],
) -> (i32, String, Option<String>, Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("affected.csv");
    let summary = dir.path().join("summary.json");
    let mut cmd = bin();
    cmd.arg("scope")
        .arg(incident)
        .arg("--checkouts")
        .arg(checkouts)
        .arg("--out")
        .arg(&out)
        .arg("--summary")
        .arg(&summary);
    if let Some(c) = customers {
        cmd.arg("--customers").arg(c);
    }
    cmd.args(extra);
    let output = cmd.output().unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let code = output.status.code().unwrap_or(-1);
    if code != 0 {
        assert!(
            leftovers.is_empty(),
            "a failed run left files behind: {leftovers:?}"
        );
    }
    (
        code,
        stderr(&output),
        std::fs::read_to_string(&out).ok(),
        std::fs::read_to_string(&summary).ok(),
    )
}

pub const CHECKOUT_HEADER: &str = "checkout_id,submitted_at,customer_id,logged_in,channel,payment_method,card_entry,card_brand,card_last4,card_fingerprint,order_id,auto_renewal,product_category,name,name_kana,email,phone,postal_code,address";
pub const CUSTOMER_HEADER: &str = "customer_id,email,name,name_kana,phone,postal_code,address,birth_date,password_hash,registered_at,withdrawn_at";

/// A small incident: card typed in December 2022, plus guest contact details.
pub const INCIDENT: &str = r#"
[incident]
id = "test-shop"
timezone = "Asia/Tokyo"

[[exposure]]
id = "card"
records = "checkouts"
from = 2022-12-01
to = 2022-12-31
when = { payment_method = "card", card_entry = ["new", "updated"] }
exposes = ["card_number", "name", "email"]

[[exposure]]
id = "guest"
records = "checkouts"
from = 2022-12-01
to = 2022-12-31
when = { logged_in = false }
exposes = ["name", "email", "phone"]
"#;

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A command run inside a desk, with the clock pinned.
pub fn in_desk(desk: &Path, args: &[&str]) -> Command {
    let mut cmd = bin();
    cmd.args(args)
        .env("BREACHDESK_DESK", desk)
        .env("BREACHDESK_NOW", "2023-02-04T00:00:00Z")
        .env("BREACHDESK_OPERATOR", "test")
        .env_remove("BREACHDESK_DATABASE_URL");
    cmd
}

/// Runs a command inside a desk and returns what it did.
pub fn run_in_desk(desk: &Path, args: &[&str]) -> Output {
    in_desk(desk, args).output().unwrap()
}

/// How many delivered files in `dir` carry each Message-ID (a message in
/// the middle of being written, `*.tmp`, is not delivered).
pub fn message_id_counts(dir: &Path) -> std::collections::HashMap<String, usize> {
    let mut count = std::collections::HashMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "tmp") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let id = text
            .lines()
            .find_map(|l| l.strip_prefix("Message-ID: "))
            .unwrap()
            .trim()
            .to_owned();
        *count.entry(id).or_insert(0) += 1;
    }
    count
}

/// Stdout of a run that must succeed.
pub fn ok(out: Output) -> String {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    stdout(&out)
}

/// A desk for the fictional software shop, signed by it, loaded with demo
/// data: (tempdir holding it all, the desk, persons in scope).
pub fn demo_desk(
    customers: &str,
    checkouts: &str,
    seed: &str,
) -> (tempfile::TempDir, PathBuf, u64) {
    demo_desk_on(customers, checkouts, seed, None)
}

/// `demo_desk` on `database_url` (the desk's own SQLite file when `None`).
pub fn demo_desk_on(
    customers: &str,
    checkouts: &str,
    seed: &str,
    database_url: Option<&str>,
) -> (tempfile::TempDir, PathBuf, u64) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    ok(run(&[
        "demo-data",
        "--shop",
        "software",
        "--customers",
        customers,
        "--checkouts",
        checkouts,
        "--seed",
        seed,
        "--out",
        p(&data),
    ]));
    let desk = tmp.path().join("desk");
    ok(run(&["init", p(&desk)]));
    std::fs::copy(
        examples().join("software-shop/incident.toml"),
        desk.join("incident.toml"),
    )
    .unwrap();
    let config = std::fs::read_to_string(desk.join("breachdesk.toml")).unwrap();
    let config = config
        .replacen("name = \"\"", "name = \"Kumo Soft Store\"", 1)
        .replacen("email = \"\"", "email = \"care@kumosoft.example\"", 1);
    let config = match database_url {
        Some(url) => config.replacen(
            "database_url = \"sqlite://breachdesk.db\"",
            &format!("database_url = \"{url}\""),
            1,
        ),
        None => config,
    };
    std::fs::write(desk.join("breachdesk.toml"), config).unwrap();
    let out = load_data(&desk, &data, &[]);
    let persons = out
        .split("generation 1: ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    (tmp, desk, persons)
}

pub const CARRIERS: [&str; 6] = [
    "docomo.ne.jp",
    "ezweb.ne.jp",
    "au.com",
    "softbank.ne.jp",
    "i.softbank.jp",
    "ymobile.ne.jp",
];

pub struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The scripted aiosmtpd server of scripts/test-smtp.py, writing each
/// accepted message to `out`; returns it and its port.
pub fn start_server(out: &Path, fails: &[&str]) -> (Server, u16) {
    let args: Vec<&str> = fails.iter().flat_map(|f| ["--fail", *f]).collect();
    start_server_with(out, &args)
}

/// The same server with other arguments of scripts/test-smtp.py (`--auth`).
/// The server binds port 0 itself and prints the port the kernel gave it:
/// a port probed free here and closed again could be taken by another
/// test before the server bound it.
pub fn start_server_with(out: &Path, args: &[&str]) -> (Server, u16) {
    let script =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/test-smtp.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script).arg(out).args(args).stdout(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let server = Server(child);
    let port = line.trim().parse::<u16>().ok();
    assert!(port.is_some(), "the server prints its port, not {line:?}");
    (server, port.unwrap())
}

/// A count the test server keeps beside its output folder `out`
/// (`stored`: messages written, `lost`: of which the reply was lost,
/// `pipelined`); 0 before the first.
pub fn server_count(out: &Path, name: &str) -> u64 {
    std::fs::read_to_string(format!("{}.{name}", out.display()))
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// Carrier domains are paced at 30 a minute by default; a local test
/// server need not be.
pub fn unpace_carriers(desk: &Path) {
    pace_carriers(desk, 600_000);
}

/// Sets every carrier domain's pace, in messages a minute.
pub fn pace_carriers(desk: &Path, per_minute: u32) {
    let paced: String = CARRIERS
        .iter()
        .map(|d| format!("\"{d}\" = {per_minute}\n"))
        .collect();
    let config = std::fs::read_to_string(desk.join("breachdesk.toml")).unwrap();
    std::fs::write(
        desk.join("breachdesk.toml"),
        config.replace(
            "[smtp.per_domain]\n",
            &format!("[smtp.per_domain]\n{paced}"),
        ),
    )
    .unwrap();
}

/// The value of the first header line `name` (with its colon and space)
/// in a message's text.
pub fn header(text: &str, name: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .unwrap()
        .trim()
        .to_owned()
}

pub use breachdesk_testkit::needs;

/// A Python module a test imports, and the PyPI package that has it.
pub struct PyModule {
    pub import: &'static str,
    pub package: &'static str,
}

pub const AIOSMTPD: PyModule = PyModule {
    import: "aiosmtpd",
    package: "aiosmtpd",
};
pub const DKIMPY: PyModule = PyModule {
    import: "dkim",
    package: "dkimpy",
};

/// Whether the tests against a real SMTP server run: they are asked for
/// with BREACHDESK_TEST_SMTP=1 (CI sets it; the kill test alone sends to
/// 10,000 persons), and need python3 with `modules`. Otherwise says which
/// `story` was skipped and what it needs.
pub fn smtp_tests_enabled(story: &str, modules: &[PyModule]) -> bool {
    let packages: Vec<&str> = modules.iter().map(|m| m.package).collect();
    let imports: Vec<&str> = modules.iter().map(|m| m.import).collect();
    let missing = if std::env::var("BREACHDESK_TEST_SMTP").as_deref() != Ok("1") {
        Some(format!(
            "set BREACHDESK_TEST_SMTP=1 with {} installed",
            packages.join(" and ")
        ))
    } else {
        let script = format!("import {}", imports.join(", "));
        match Command::new("python3").args(["-c", &script]).output() {
            Ok(out) if out.status.success() => None,
            Ok(_) => Some(format!(
                "python3 cannot import {}: pip install {}",
                imports.join(", "),
                packages.join(" ")
            )),
            Err(e) => Some(format!("no python3 ({e})")),
        }
    };
    needs(&format!("{story} story"), missing)
}

/// Whether the real bounces in `shared/fixtures/bounces` beside the
/// repository are there (they are not part of it).
pub fn bounce_fixtures(test: &str) -> Option<PathBuf> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/bounces/messages");
    let missing =
        (!dir.is_dir()).then(|| "no shared/fixtures/bounces beside the repository".to_owned());
    needs(test, missing).then_some(dir)
}

/// Whether `letters` can print: a Japanese font found as the command finds
/// one (BREACHDESK_LETTERS_FONT, else the system's fonts).
pub fn letter_font(test: &str) -> bool {
    let configured = std::env::var_os("BREACHDESK_LETTERS_FONT").map(PathBuf::from);
    let missing = match breachdesk_letter::LetterFont::find(configured.as_deref(), 0) {
        Ok(_) => None,
        Err(breachdesk_letter::LetterError::NoFont { .. }) => {
            Some("no Japanese font installed: apt-get install fonts-noto-cjk".to_owned())
        }
        Err(e) => Some(e.to_string()),
    };
    needs(test, missing)
}

/// Whether poppler's pdftotext is there to read the PDFs back.
pub fn pdftotext_installed(test: &str) -> bool {
    let missing = Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_err()
        .then(|| "no pdftotext: apt-get install poppler-utils".to_owned());
    needs(test, missing)
}

/// `count` pseudo-random numbers from a seed taken from the clock, or from
/// BREACHDESK_KILL_SEED so that a failure can be replayed: (seed, numbers).
pub fn seeded_numbers(count: usize) -> (u64, Vec<u64>) {
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
    let numbers = (0..count)
        .map(|_| {
            // xorshift: enough to spread them, reproducible from the seed
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        })
        .collect();
    (seed, numbers)
}

/// `load` of `data`'s customers.csv and checkouts.csv into the desk, with
/// `extra` arguments; its stdout.
pub fn load_data(desk: &Path, data: &Path, extra: &[&str]) -> String {
    let (customers, checkouts) = (data.join("customers.csv"), data.join("checkouts.csv"));
    let mut args = vec![
        "load",
        "--customers",
        p(&customers),
        "--checkouts",
        p(&checkouts),
    ];
    args.extend_from_slice(extra);
    ok(in_desk(desk, &args).output().unwrap())
}
