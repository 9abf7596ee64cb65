//! Bad input: one clear line naming file, line and column; exit 1; no output.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

const GOOD_ROW: &str = "K1,2022-12-05 10:00:00,,false,online,card,new,VISA,4242,fp1,O1,false,soft,山田 太郎,,taro@example.jp,,,";

fn fails_with(checkouts_body: &str, expected: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let incident = write(tmp.path(), "incident.toml", INCIDENT);
    let checkouts = write(tmp.path(), "checkouts.csv", checkouts_body);
    let (code, err, csv, json) = scope(&incident, None, &checkouts, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(csv.is_none() && json.is_none(), "no output may be written");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert_eq!(
        err.matches(expected).count(),
        1,
        "expected {expected:?} once in: {err}"
    );
}

#[test]
fn unterminated_quote() {
    fails_with(
        &format!(
            "{CHECKOUT_HEADER}\n{GOOD_ROW}\nK2,2022-12-05 10:00:00,,false,online,card,new,VISA,4242,fp1,O1,false,soft,\"山田,,x,,,\n"
        ),
        "checkouts.csv:3: column `name`: unterminated quoted field",
    );
}

#[test]
fn wrong_field_count() {
    fails_with(
        &format!("{CHECKOUT_HEADER}\n{GOOD_ROW}\n{GOOD_ROW}\nK3,2022-12-05\n"),
        "checkouts.csv:4: column `customer_id`: missing: expected 19 fields as in the header, found 2",
    );
}

#[test]
fn unparsable_timestamp() {
    let bad = GOOD_ROW.replace("2022-12-05 10:00:00", "2022/12/05 10:00");
    fails_with(
        &format!("{CHECKOUT_HEADER}\n{GOOD_ROW}\n{bad}\n"),
        "checkouts.csv:3: column `submitted_at`: cannot read \"2022/12/05 10:00\" as a timestamp",
    );
}

#[test]
fn unparsable_boolean() {
    let bad = GOOD_ROW.replace(",false,online", ",no,online");
    fails_with(
        &format!("{CHECKOUT_HEADER}\n{bad}\n"),
        "checkouts.csv:2: column `logged_in`: cannot read \"no\" as a boolean",
    );
}

#[test]
fn missing_required_column() {
    let header = CHECKOUT_HEADER.replace("submitted_at,", "");
    let row = GOOD_ROW.replace("2022-12-05 10:00:00,", "");
    fails_with(
        &format!("{header}\n{row}\n"),
        "checkouts.csv:1: missing required column `submitted_at`",
    );
}

#[test]
fn invalid_utf8_names_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let incident = write(tmp.path(), "incident.toml", INCIDENT);
    let mut bytes = format!("{CHECKOUT_HEADER}\n{GOOD_ROW}\n").into_bytes();
    bytes.extend_from_slice(b"K2,2022-12-05 10:00:00,,false,online,card,new,VISA,4242,fp1,O1,false,soft,\xff\xfe,,,,,\n");
    let checkouts = tmp.path().join("checkouts.csv");
    std::fs::write(&checkouts, bytes).unwrap();
    let (code, err, csv, _) = scope(&incident, None, &checkouts, &[]);
    assert_eq!(code, 1);
    assert!(csv.is_none());
    assert!(
        err.contains("checkouts.csv:3: column `name`: invalid UTF-8"),
        "{err}"
    );
}

#[test]
fn stray_quote_in_an_unquoted_field() {
    let bad = GOOD_ROW.replace("山田 太郎", "山田 \"太郎");
    fails_with(
        &format!("{CHECKOUT_HEADER}\n{bad}\n"),
        "checkouts.csv:2: column `name`: a quote inside an unquoted value",
    );
}

#[test]
fn incident_errors_name_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let checkouts = write(
        tmp.path(),
        "checkouts.csv",
        &format!("{CHECKOUT_HEADER}\n{GOOD_ROW}\n"),
    );
    let incident = write(
        tmp.path(),
        "incident.toml",
        &INCIDENT.replace(
            "exposes = [\"name\", \"email\", \"phone\"]",
            "exposes = [\"name\", \"emial\"]",
        ),
    );
    let (code, err, csv, _) = scope(&incident, None, &checkouts, &[]);
    assert_eq!(code, 1);
    assert!(csv.is_none());
    assert!(
        err.contains("incident.toml:20: unknown item \"emial\""),
        "{err}"
    );
}

#[test]
fn customers_required_when_an_exposure_reads_them() {
    let tmp = tempfile::tempdir().unwrap();
    let checkouts = write(
        tmp.path(),
        "checkouts.csv",
        &format!("{CHECKOUT_HEADER}\n{GOOD_ROW}\n"),
    );
    let incident = write(
        tmp.path(),
        "incident.toml",
        &format!(
            "{INCIDENT}\n[[exposure]]\nid = \"m\"\nrecords = \"customers\"\nexposes = [\"email\"]\n"
        ),
    );
    let (code, err, _, _) = scope(&incident, None, &checkouts, &[]);
    assert_eq!(code, 1);
    assert!(err.contains("pass --customers"), "{err}");
}

#[test]
fn duplicate_customer_key() {
    let tmp = tempfile::tempdir().unwrap();
    let row = "C1,a@example.jp,山田,,,,,,,2020-01-01 00:00:00,";
    let customers = write(
        tmp.path(),
        "customers.csv",
        &format!(
            "{CUSTOMER_HEADER}\n{row}\n{}\n{row}\n",
            row.replace("C1", "C2")
        ),
    );
    let checkouts = write(
        tmp.path(),
        "checkouts.csv",
        &format!("{CHECKOUT_HEADER}\n{GOOD_ROW}\n"),
    );
    let incident = write(tmp.path(), "incident.toml", INCIDENT);
    let (code, err, _, _) = scope(&incident, Some(&customers), &checkouts, &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "customers.csv:4: column `customer_id`: \"C1\" appears again (first at line 2)"
        ),
        "{err}"
    );
}

#[test]
fn an_error_deep_in_a_large_file_is_placed_exactly() {
    // Large enough to be cut into several chunks read on several threads;
    // quoted multi-line fields make line counting non-trivial.
    let tmp = tempfile::tempdir().unwrap();
    let incident = write(tmp.path(), "incident.toml", INCIDENT);
    let mut body = format!("{CHECKOUT_HEADER}\n");
    let mut line = 2u64;
    for i in 0..120_000u64 {
        if i == 100_000 {
            body.push_str(
                &GOOD_ROW
                    .replace("K1,", &format!("K{i},"))
                    .replace(",false,online", ",maybe,online"),
            );
            body.push('\n');
            break;
        }
        if i % 7 == 0 {
            body.push_str(
                &GOOD_ROW
                    .replace("K1,", &format!("K{i},"))
                    .replace("山田 太郎", "\"山田\n太郎, \"\"様\"\"\""),
            );
            line += 2;
        } else {
            body.push_str(&GOOD_ROW.replace("K1,", &format!("K{i},")));
            line += 1;
        }
        body.push('\n');
    }
    let checkouts = write(tmp.path(), "checkouts.csv", &body);
    for threads in ["1", "2", "3"] {
        let (code, err, csv, _) = scope(&incident, None, &checkouts, &["--threads", threads]);
        assert_eq!(code, 1);
        assert!(csv.is_none());
        assert!(
            err.contains(&format!("checkouts.csv:{line}: column `logged_in`")),
            "threads {threads}: {err}"
        );
    }
}

#[test]
fn json_lines_errors_name_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let incident = write(tmp.path(), "incident.toml", INCIDENT);
    let good = r#"{"checkout_id":"K1","submitted_at":"2022-12-05T10:00:00+09:00","logged_in":false,"channel":"online","payment_method":"card","card_entry":"new","name":"山田","email":"a@example.jp"}"#;
    let cases = [
        (
            format!("{good}\n{}\n", good.replace("\"logged_in\":false,", "")),
            "checkouts.jsonl:2: column `logged_in`: missing required field",
        ),
        (
            format!(
                "{good}\n\n{}\n",
                good.replace("2022-12-05T10:00:00+09:00", "yesterday")
            ),
            "checkouts.jsonl:3: column `submitted_at`: cannot read \"yesterday\"",
        ),
        (
            format!("{good}\n{{\"checkout_id\": \n"),
            "checkouts.jsonl:2: not a JSON object",
        ),
        (
            format!("{}\n", good.replace("\"name\":\"山田\"", "\"name\":[1]")),
            "checkouts.jsonl:1: column `name`: must be a string",
        ),
    ];
    for (body, expected) in cases {
        let checkouts = write(tmp.path(), "checkouts.jsonl", &body);
        let (code, err, csv, _) = scope(&incident, None, &checkouts, &[]);
        assert_eq!(code, 1, "{err}");
        assert!(csv.is_none());
        assert!(err.contains(expected), "expected {expected:?} in: {err}");
    }
}

#[test]
fn a_corrupt_gzip_file_is_an_error_not_a_short_read() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let incident = write(tmp.path(), "incident.toml", INCIDENT);
    let mut body = format!("{CHECKOUT_HEADER}\n");
    for i in 0..20_000 {
        body.push_str(&GOOD_ROW.replace("K1,", &format!("K{i},")));
        body.push('\n');
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(body.as_bytes()).unwrap();
    let mut bytes = gz.finish().unwrap();
    let cut = bytes.len() / 2;
    bytes.truncate(cut);
    let checkouts = tmp.path().join("checkouts.csv.gz");
    std::fs::write(&checkouts, bytes).unwrap();
    let (code, err, csv, _) = scope(&incident, None, &checkouts, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(csv.is_none());
    assert_eq!(
        err.trim(),
        format!(
            "error: {}: cannot read: incomplete deflate stream",
            checkouts.display()
        )
    );
}

/// A quote that is never closed makes the rest of the file one field: the
/// reader stops at a record of 32 MiB instead of holding the whole file.
#[test]
fn a_stray_quote_stops_at_the_record_cap() {
    let mut body = format!("{CHECKOUT_HEADER}\n{GOOD_ROW}\n");
    body.push_str(&GOOD_ROW.replace("山田 太郎", "\"山田 太郎"));
    body.push('\n');
    while body.len() < 40 << 20 {
        body.push_str(GOOD_ROW);
        body.push('\n');
    }
    fails_with(
        &body,
        "checkouts.csv:3: the record starting here runs past 32 MiB without ending",
    );
}
