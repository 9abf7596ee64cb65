//! Shared loading and parsing for the integration tests. Files are read with
//! the `csv` crate, independently of the generator's own cell writer.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::collections::HashMap;

use std::sync::OnceLock;

use breachdesk_demodata::{DemoOutput, DemoSpec, Shop, generate};

pub struct Table {
    pub raw: Vec<u8>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    index: HashMap<String, usize>,
}

impl Table {
    fn parse(raw: Vec<u8>) -> Table {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(raw.as_slice());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        for row in &rows {
            assert_eq!(row.len(), header.len(), "ragged row {row:?}");
        }
        let index = header
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), i))
            .collect();
        Table {
            raw,
            header,
            rows,
            index,
        }
    }

    /// Position of column `name`.
    pub fn col(&self, name: &str) -> usize {
        *self
            .index
            .get(name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    /// Values of column `name`, one per row.
    pub fn column<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        let i = self.col(name);
        self.rows.iter().map(move |r| r[i].as_str())
    }
}

pub struct Data {
    pub output: DemoOutput,
    pub customers: Table,
    pub checkouts: Table,
}

/// Generates `spec` into a fresh directory and reads both files back.
pub fn load(spec: &DemoSpec) -> Data {
    let dir = tempfile::tempdir().unwrap();
    let output = generate(spec, &dir.path().join("out")).unwrap();
    let customers = Table::parse(std::fs::read(&output.customers_path).unwrap());
    let checkouts = Table::parse(std::fs::read(&output.checkouts_path).unwrap());
    Data {
        output,
        customers,
        checkouts,
    }
}

/// Days since 1970-01-01 (written independently of the generator).
fn days(y: i64, m: i64, d: i64) -> i64 {
    let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
    365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d - 719_469
}

/// A timestamp as Japanese local seconds, with its form: `naive`
/// (`2021-04-01 10:23:45`), `offset` (`…T10:23:45+09:00`) or `utc` (`…Z`).
pub fn parse_ts(text: &str) -> (i64, &'static str) {
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| {
        text[r]
            .parse::<i64>()
            .unwrap_or_else(|_| panic!("bad time {text}"))
    };
    assert!(
        b.len() >= 19 && b[4] == b'-' && b[7] == b'-' && b[13] == b':' && b[16] == b':',
        "bad time {text}"
    );
    let secs = days(num(0..4), num(5..7), num(8..10)) * 86_400
        + num(11..13) * 3600
        + num(14..16) * 60
        + num(17..19);
    match (b[10], &text[19..]) {
        (b' ', "") => (secs, "naive"),
        (b'T', "+09:00") => (secs, "offset"),
        (b'T', "Z") => (secs + 9 * 3600, "utc"),
        _ => panic!("bad time {text}"),
    }
}

pub fn local(y: i64, m: i64, d: i64) -> i64 {
    days(y, m, d) * 86_400
}

pub fn is_true(flag: &str) -> bool {
    match flag {
        "true" | "1" => true,
        "false" | "0" => false,
        other => panic!("bad boolean {other:?}"),
    }
}

/// The software-shop data set most tests look at, generated once per test
/// binary.
pub const SOFTWARE: DemoSpec = DemoSpec {
    shop: Shop::Software,
    customers: 3_000,
    checkouts: 30_000,
    seed: 2024,
    shape: breachdesk_demodata::Shape::Standard,
};

pub fn software() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| load(&SOFTWARE))
}
