//! `notify send` through the ledger: everyone once, and after `kill -9` at
//! random moments, nobody twice and nobody missed (in-doubt rows reported).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use std::collections::HashMap;
use std::path::Path;

fn ledger(desk: &Path) -> HashMap<String, i64> {
    let out = ok(in_desk(
        desk,
        &["notify", "send", "--dry-run", "--limit", "0", "--json"],
    )
    .output()
    .unwrap());
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    report["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s[0].as_str().unwrap().to_owned(), s[1].as_i64().unwrap()))
        .collect()
}

#[test]
fn everyone_once_into_a_maildir() {
    let (tmp, desk, persons) = demo_desk("300", "3000", "3");
    let maildir = tmp.path().join("outbox");
    let target = format!("maildir:{}", maildir.display());
    let dry = ok(
        in_desk(&desk, &["notify", "send", "--smtp", &target, "--dry-run"])
            .output()
            .unwrap(),
    );
    assert!(
        dry.contains(&format!("{persons} notices rendered")),
        "{dry}"
    );
    assert!(
        !maildir.exists(),
        "a dry run sends nothing and touches no transport"
    );
    let out = ok(in_desk(&desk, &["notify", "send", "--smtp", &target])
        .output()
        .unwrap());
    let letters = ledger(&desk).get("letter").copied().unwrap_or(0) as u64;
    assert!(
        out.contains(&format!("{} sent", persons - letters)),
        "persons without email go to a letter: {out}"
    );
    let again = ok(in_desk(&desk, &["notify", "send", "--smtp", &target])
        .output()
        .unwrap());
    assert!(
        again.contains("0 sent"),
        "a second run sends nothing: {again}"
    );
    let files = message_id_counts(&maildir.join("new"));
    assert_eq!(files.len() as u64, persons - letters);
    assert!(files.values().all(|&n| n == 1));
    // The message is the person's own notice.
    let any = std::fs::read_dir(maildir.join("new"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(any).unwrap();
    assert!(
        text.contains("From: care@kumosoft.example") && text.contains("multipart/alternative"),
        "{text}"
    );
}

#[test]
fn kill_9_at_random_moments_never_sends_twice_or_misses_anyone() {
    let (tmp, desk, persons) = demo_desk("2000", "20000", "3");
    let maildir = tmp.path().join("outbox");
    let target = format!("maildir:{}", maildir.display());
    // Moments spread over the run; the ledger decides what happens next.
    for delay_ms in [150u64, 420, 90, 700] {
        let mut child = in_desk(&desk, &["notify", "send", "--smtp", &target])
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL: no chance to clean up
        let _ = child.wait();
    }
    let last = ok(in_desk(&desk, &["notify", "send", "--smtp", &target])
        .output()
        .unwrap());
    let states = ledger(&desk);
    let sent = states.get("sent").copied().unwrap_or(0);
    let in_doubt = states.get("in_doubt").copied().unwrap_or(0);
    let letter = states.get("letter").copied().unwrap_or(0);
    assert_eq!(
        (sent + in_doubt + letter) as u64,
        persons,
        "every person accounted for: {states:?} {last}"
    );
    // Four kills, at most four notices in flight each (the default connections).
    assert!(
        in_doubt <= 4 * 4,
        "only what was in flight at a kill is in doubt: {states:?}"
    );
    let files = message_id_counts(&maildir.join("new"));
    assert!(
        files.values().all(|&n| n == 1),
        "nobody received two copies"
    );
    // Every sent row has its file; in-doubt rows have at most one.
    assert!(
        files.len() as i64 >= sent && files.len() as i64 <= sent + in_doubt,
        "files {} sent {sent} in doubt {in_doubt}",
        files.len()
    );
    println!(
        "kill -9 test: {persons} persons, {sent} sent, {in_doubt} in doubt, {letter} letters, {} files",
        files.len()
    );
}

/// A standard bounce report for `recipient`, quoting `message_id`.
fn dsn(recipient: &str, status: &str, message_id: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.example.net\r\nTo: care@kumosoft.example\r\nSubject: Undelivered Mail Returned to Sender\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n\
         --B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\r\n\
         --B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n\
         Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: {status}\r\nDiagnostic-Code: smtp; 550 {status} failure\r\n\r\n\
         --B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {message_id}\r\nSubject: notice\r\n\r\n--B--\r\n"
    )
}

#[test]
fn bounces_are_matched_to_notices_and_decide_retry_or_letter() {
    let (tmp, desk, _) = demo_desk("300", "3000", "3");
    let maildir = tmp.path().join("outbox");
    let target = format!("maildir:{}", maildir.display());
    ok(in_desk(&desk, &["notify", "send", "--smtp", &target])
        .output()
        .unwrap());
    // Three sent notices: (recipient, Message-ID).
    let mut sent: Vec<(String, String)> = std::fs::read_dir(maildir.join("new"))
        .unwrap()
        .map(|e| {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            let header = |name: &str| header(&text, name);
            (header("To: "), header("Message-ID: "))
        })
        .collect();
    sent.sort();
    let bounces = tmp.path().join("bounces");
    std::fs::create_dir_all(&bounces).unwrap();
    std::fs::write(bounces.join("1.eml"), dsn(&sent[0].0, "5.1.1", &sent[0].1)).unwrap();
    std::fs::write(bounces.join("2.eml"), dsn(&sent[1].0, "4.2.2", &sent[1].1)).unwrap();
    // No Message-ID we know: matched by the recipient's address.
    std::fs::write(
        bounces.join("3.eml"),
        dsn(&sent[2].0.to_uppercase(), "5.1.1", "<unknown@elsewhere>"),
    )
    .unwrap();
    std::fs::write(
        bounces.join("4.eml"),
        dsn("stranger@example.org", "5.1.1", "<other@elsewhere>"),
    )
    .unwrap();
    let out = ok(
        in_desk(&desk, &["bounces", "ingest", p(&bounces), "--json"])
            .output()
            .unwrap(),
    );
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["by_message_id"], 2, "{out}");
    assert_eq!(report["by_recipient"], 1, "{out}");
    assert_eq!(report["unmatched"], 1, "{out}");
    assert_eq!(report["to_letter"], 2, "{out}");
    assert_eq!(report["to_retry"], 1, "{out}");
    let states = ledger(&desk);
    assert_eq!(states.get("bounced"), Some(&2), "{states:?}");
    assert_eq!(states.get("deferred"), Some(&1), "{states:?}");
    // The same bounces again: the two matched by Message-ID were applied
    // before and change nothing; the one matched by recipient finds no
    // sent notice left, so it is unmatched.
    let ingest_again = || -> serde_json::Value {
        let out = ok(
            in_desk(&desk, &["bounces", "ingest", p(&bounces), "--json"])
                .output()
                .unwrap(),
        );
        serde_json::from_str(&out).unwrap()
    };
    let twice = ingest_again();
    assert_eq!(twice["read_before"], 2, "{twice}");
    assert_eq!(twice["unmatched"], 2, "{twice}");
    assert_eq!(twice["to_letter"], 0, "{twice}");
    assert_eq!(twice["to_retry"], 0, "{twice}");
    assert_eq!(ledger(&desk).get("bounced"), Some(&2));
    // The soft bounce is retried by the next run; nothing else is re-sent.
    let again = ok(in_desk(&desk, &["notify", "send", "--smtp", &target])
        .output()
        .unwrap());
    assert!(again.contains("1 sent"), "{again}");
    // The soft bounce read once more after its retry went through: the
    // notice stays sent, and no run sends it a third time.
    let sent_before = ledger(&desk).get("sent").copied();
    let thrice = ingest_again();
    assert_eq!(thrice["to_retry"], 0, "{thrice}");
    assert_eq!(ledger(&desk).get("sent").copied(), sent_before);
    assert_eq!(ledger(&desk).get("deferred"), None);
    let idle = ok(in_desk(&desk, &["notify", "send", "--smtp", &target])
        .output()
        .unwrap());
    assert!(idle.contains(" 0 sent"), "{idle}");

    // Letters: the two hard bounces and everyone without an email address.
    let no_email = states.get("letter").copied().unwrap_or(0);
    let letters_dir = tmp.path().join("letters");
    let rows = if letter_font("printed letters in the bounce story") {
        printed_letters(&desk, &letters_dir, 2 + no_email)
    } else {
        // Without a font the command says how to get one and writes
        // nothing; the vendor's list needs none.
        let refused = in_desk(&desk, &["letters", "--out", p(&letters_dir)])
            .output()
            .unwrap();
        assert!(!refused.status.success());
        let err = stderr(&refused);
        assert!(
            err.contains("no Japanese font") && err.contains("fonts-noto-cjk"),
            "{err}"
        );
        assert!(!letters_dir.exists(), "nothing written without a font");
        assert_eq!(ledger(&desk).get("bounced").copied(), Some(2));
        let out = ok(
            in_desk(&desk, &["letters", "--out", p(&letters_dir), "--csv-only"])
                .output()
                .unwrap(),
        );
        assert!(
            out.contains(&format!("{} letters listed", 2 + no_email)),
            "{out}"
        );
        vendor_rows(&letters_dir)
    };
    assert_eq!(rows.len() as i64, 2 + no_email);
    let bounced: Vec<&Vec<String>> = rows.iter().filter(|r| r[4] == "email bounced").collect();
    assert_eq!(bounced.len(), 2);
    // Every letter has a name and, from the account or the order form, an address.
    assert!(rows.iter().all(|r| !r[1].is_empty()), "{rows:?}");
    assert!(bounced.iter().all(|r| !r[3].is_empty()), "{rows:?}");
    let after = ledger(&desk);
    assert_eq!(after.get("bounced"), None, "handed over: {after:?}");
    assert_eq!(after.get("letter"), None, "handed over: {after:?}");
    assert_eq!(after.get("letter_printed").copied(), Some(2 + no_email));
    // A second run prints nobody again.
    let second = tmp.path().join("letters-again");
    let out = ok(
        in_desk(&desk, &["letters", "--out", p(&second), "--csv-only"])
            .output()
            .unwrap(),
    );
    assert!(out.contains("0 letters listed"), "{out}");
    assert_eq!(
        ledger(&desk).get("letter_printed").copied(),
        Some(2 + no_email)
    );
}

/// The rows of `letters.csv`.
fn vendor_rows(letters_dir: &Path) -> Vec<Vec<String>> {
    let csv = std::fs::read_to_string(letters_dir.join("letters.csv")).unwrap();
    csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// `letters` with a font: a character the font lacks refuses the whole
/// run; then the PDFs are written and, with poppler, read back. Returns
/// the vendor's rows.
fn printed_letters(desk: &Path, letters_dir: &Path, expected: i64) -> Vec<Vec<String>> {
    // A sender line the font cannot draw: the whole run is refused, naming
    // the character, and nothing is written or handed over.
    let config_path = desk.join("breachdesk.toml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    std::fs::write(
        &config_path,
        config.replacen("address = \"\"", "address = \"\\U0010FFFD\"", 1),
    )
    .unwrap();
    let refused = in_desk(desk, &["letters", "--out", p(letters_dir)])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("U+10FFFD") && err.contains("No. "), "{err}");
    let leftovers: Vec<_> = std::fs::read_dir(letters_dir)
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(ledger(desk).get("bounced").copied(), Some(2));
    std::fs::write(
        &config_path,
        config.replacen("address = \"\"", "address = \"東京都千代田区千代田1-1\"", 1),
    )
    .unwrap();

    let out = ok(in_desk(desk, &["letters", "--out", p(letters_dir)])
        .output()
        .unwrap());
    assert!(out.contains(&format!("{expected} letters listed")), "{out}");
    let rows = vendor_rows(letters_dir);
    // One PDF per person, readable only by the desk's owner, plus the print run.
    for row in &rows {
        let pdf = letters_dir.join(&row[6]);
        assert!(pdf.is_file(), "{row:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&pdf).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{}", pdf.display());
        }
    }
    assert!(letters_dir.join("letters.pdf").is_file());
    if !pdftotext_installed("letters read back in the bounce story") {
        return rows;
    }
    let bounced = rows.iter().find(|r| r[4] == "email bounced").unwrap();
    let text = pdftotext(&letters_dir.join(&bounced[6]));
    let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let name: String = bounced[1].chars().filter(|c| !c.is_whitespace()).collect();
    for part in [
        format!("〒{}", bounced[2]),
        format!("{name}様"),
        "東京都千代田区千代田1-1".to_owned(),
        "お問い合わせ".to_owned(),
    ] {
        assert!(flat.contains(&part), "{part} not in:\n{text}");
    }
    let all = pdftotext(&letters_dir.join("letters.pdf"));
    for row in &rows {
        assert!(
            all.contains(&format!("No. {}", row[0])),
            "{} missing",
            row[0]
        );
    }
    rows
}

/// The text of a PDF, read by poppler's pdftotext.
fn pdftotext(pdf: &Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftotext on {}: {out:?}",
        pdf.display()
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
