//! The example incidents through the real binary, byte for byte, and in every
//! input form the contract allows: CP932, gzip, JSON Lines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use std::io::Write;
use std::path::Path;

fn expected(name: &str) -> (String, String) {
    let dir = examples().join(name).join("expected");
    (
        std::fs::read_to_string(dir.join("affected.csv")).unwrap(),
        std::fs::read_to_string(dir.join("summary.json")).unwrap(),
    )
}

fn check(name: &str, customers: &Path, checkouts: &Path, extra: &[&str]) {
    let incident = examples().join(name).join("incident.toml");
    let (code, err, csv, json) = scope(&incident, Some(customers), checkouts, extra);
    assert_eq!(code, 0, "{err}");
    let (csv_expected, json_expected) = expected(name);
    assert_eq!(csv.unwrap(), csv_expected);
    assert_eq!(json.unwrap(), json_expected);
}

#[test]
fn examples_match_their_expected_output() {
    for name in ["software-shop", "confectionery"] {
        let dir = examples().join(name);
        check(
            name,
            &dir.join("customers.csv"),
            &dir.join("checkouts.csv"),
            &[],
        );
        // One thread and many give the same bytes.
        check(
            name,
            &dir.join("customers.csv"),
            &dir.join("checkouts.csv"),
            &["--threads", "1"],
        );
    }
}

#[test]
fn cp932_input_is_detected_or_chosen() {
    let dir = examples().join("software-shop");
    let tmp = tempfile::tempdir().unwrap();
    for file in ["customers.csv", "checkouts.csv"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let (bytes, _, had_errors) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!had_errors);
        std::fs::write(tmp.path().join(file), &bytes).unwrap();
    }
    let (c, k) = (
        tmp.path().join("customers.csv"),
        tmp.path().join("checkouts.csv"),
    );
    check("software-shop", &c, &k, &[]);
    check("software-shop", &c, &k, &["--encoding", "cp932"]);
    // Read as UTF-8 on purpose, the same file is an error naming the place.
    let (code, err, csv, _) = scope(
        &dir.join("incident.toml"),
        Some(&c),
        &k,
        &["--encoding", "utf-8"],
    );
    assert_eq!(code, 1);
    assert!(csv.is_none());
    assert!(
        err.contains("customers.csv:2: column `name`: invalid UTF-8"),
        "{err}"
    );
}

#[test]
fn gzip_and_json_lines_give_the_same_answer() {
    let dir = examples().join("confectionery");
    let tmp = tempfile::tempdir().unwrap();
    for file in ["customers", "checkouts"] {
        let text = std::fs::read_to_string(dir.join(format!("{file}.csv"))).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        std::fs::write(
            tmp.path().join(format!("{file}.csv.gz")),
            gz.finish().unwrap(),
        )
        .unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let mut jsonl = String::new();
        for row in reader.records() {
            let row = row.unwrap();
            let object: serde_json::Map<String, serde_json::Value> = headers
                .iter()
                .zip(row.iter())
                .map(|(h, v)| {
                    let value = match (h, v) {
                        // Booleans as JSON booleans, to show both forms are read.
                        ("logged_in" | "auto_renewal", "true") => serde_json::Value::Bool(true),
                        ("logged_in" | "auto_renewal", "false") => serde_json::Value::Bool(false),
                        (_, "") => serde_json::Value::Null,
                        (_, v) => serde_json::Value::String(v.to_owned()),
                    };
                    (h.to_owned(), value)
                })
                .collect();
            jsonl.push_str(&serde_json::to_string(&object).unwrap());
            jsonl.push('\n');
        }
        std::fs::write(tmp.path().join(format!("{file}.jsonl")), jsonl).unwrap();
    }
    let t = tmp.path();
    check(
        "confectionery",
        &t.join("customers.csv.gz"),
        &t.join("checkouts.csv.gz"),
        &[],
    );
    check(
        "confectionery",
        &t.join("customers.jsonl"),
        &t.join("checkouts.jsonl"),
        &[],
    );
}

#[test]
fn small_edge_files_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let incident = write(tmp.path(), "incident.toml", INCIDENT);
    // CP932 with the only Japanese on a last line that has no newline.
    let text = format!(
        "{CHECKOUT_HEADER}\r\nK1,2022-12-05 10:00:00,,false,online,card,new,VISA,4242,fp1,O1,false,soft,山田 太郎,,taro@example.jp,,,"
    );
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
    let checkouts = tmp.path().join("checkouts.csv");
    std::fs::write(&checkouts, &bytes).unwrap();
    let (code, err, csv, _) = scope(&incident, None, &checkouts, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        csv.unwrap()
            .contains("guest:taro@example.jp,taro@example.jp,山田 太郎,card;guest")
    );
    // A header alone, without a newline: no one is affected, and that is not an error.
    let empty = write(tmp.path(), "empty.csv", CHECKOUT_HEADER);
    let (code, err, csv, json) = scope(&incident, None, &empty, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        csv.unwrap(),
        "person,email,name,exposures,items,checkouts,cards,first_exposed_at,last_exposed_at\n"
    );
    assert!(json.unwrap().contains("\"persons\": 0"));
}
