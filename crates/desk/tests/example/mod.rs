//! The software-shop example, as the desk's tests use it: its files, a
//! clock on its incident's day, and a desk made on it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use breachdesk_desk::{DeskConfig, FixedClock, Overrides, init_desk, load_config};
use breachdesk_domain::Zone;
use breachdesk_ingest::Input;
use breachdesk_scope::ScopeInputs;
use std::path::{Path, PathBuf};

pub fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/software-shop")
}

/// The example's customers and checkouts.
pub fn inputs() -> ScopeInputs {
    ScopeInputs {
        customers: Some(Input::new(example().join("customers.csv"))),
        checkouts: Input::new(example().join("checkouts.csv")),
        threads: 2,
        collect_checkouts: false,
    }
}

/// Three days after the incident was discovered.
pub fn clock() -> Box<FixedClock> {
    Box::new(FixedClock(
        Zone::named("Asia/Tokyo")
            .unwrap()
            .parse_timestamp("2023-02-04 09:00:00")
            .unwrap(),
    ))
}

/// A desk in `dir` on the example's incident, with `incident` applied to
/// its text, on `url` (the desk's own SQLite file when `None`), worked by
/// hanako.
pub fn make_desk(dir: &Path, url: Option<&str>, incident: impl Fn(String) -> String) -> DeskConfig {
    init_desk(dir, None).unwrap();
    let text = std::fs::read_to_string(example().join("incident.toml")).unwrap();
    std::fs::write(dir.join("incident.toml"), incident(text)).unwrap();
    let overrides = Overrides {
        database_url: url.map(str::to_owned),
        operator: Some("hanako".into()),
    };
    load_config(dir, &|_| None, &overrides).unwrap()
}
