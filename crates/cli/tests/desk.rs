//! The desk through the real binary: init, load, status, person, audit,
//! key rotation, with the clock pinned by BREACHDESK_NOW.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

fn new_desk() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let desk = tmp.path().join("desk");
    ok(run(&["init", p(&desk)]));
    let incident = std::fs::read_to_string(examples().join("software-shop/incident.toml"))
        .unwrap()
        .replace(
            "timezone = \"Asia/Tokyo\"",
            "timezone = \"Asia/Tokyo\"\ndiscovered = 2023-02-01",
        );
    std::fs::write(desk.join("incident.toml"), incident).unwrap();
    let ex = examples().join("software-shop");
    let out = ok(run_in_desk(
        &desk,
        &[
            "load",
            "--customers",
            p(&ex.join("customers.csv")),
            "--checkouts",
            p(&ex.join("checkouts.csv")),
        ],
    ));
    assert!(
        out.contains("generation 1: 9 persons, 5 distinct cards"),
        "{out}"
    );
    (tmp, desk)
}

#[test]
fn init_load_status_person_explain() {
    let (_tmp, desk) = new_desk();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(desk.join("data.key"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
        assert_eq!(
            std::fs::metadata(&desk).unwrap().permissions().mode() & 0o777,
            0o700
        );
    }
    let status: serde_json::Value =
        serde_json::from_str(&ok(run_in_desk(&desk, &["status", "--json"]))).unwrap();
    assert_eq!(status["persons"], 9);
    assert_eq!(status["cards"], 5);
    assert_eq!(status["by_item"]["phone"], 2);
    assert_eq!(status["deadlines"][0]["due"], "2023-02-03");
    assert_eq!(status["deadlines"][0]["overdue"], true);
    assert_eq!(status["deadlines"][2]["due"], "2023-03-02");
    let text = ok(run_in_desk(&desk, &["status"]));
    assert!(
        text.contains("OVERDUE by 1 day") && text.contains("26 days left"),
        "{text}"
    );

    let person = ok(run_in_desk(
        &desk,
        &["person", "ｔａｒｏ．ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ"],
    ));
    assert!(
        person.contains("S001") && person.contains("VISA ****4242") && person.contains("山田 太郎"),
        "{person}"
    );
    let missing = run_in_desk(&desk, &["person", "nobody@example.jp"]);
    assert_eq!(missing.status.code(), Some(1));

    // explain from the desk: its incident and the files of the last load.
    let why = ok(run_in_desk(&desk, &["explain", "S003"]));
    assert!(why.contains("excluded: automatic renewal"), "{why}");

    let audit = ok(run_in_desk(&desk, &["audit", "list", "--json"]));
    let entries: serde_json::Value = serde_json::from_str(&audit).unwrap();
    let actions: Vec<_> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["load", "read-person", "explain"]);
    assert!(!audit.contains("taro"), "no email in the audit log");
    assert!(ok(run_in_desk(&desk, &["audit", "verify"])).contains("3 rows, chain verified"));
}

#[test]
fn a_tampered_audit_row_is_reported() {
    let (_tmp, desk) = new_desk();
    ok(run_in_desk(&desk, &["person", "S001"]));
    ok(run_in_desk(&desk, &["person", "S002"]));
    let url = format!("sqlite://{}", desk.join("breachdesk.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query("UPDATE audit SET operator = 'mallory' WHERE seq = 2")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
    let out = run_in_desk(&desk, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("audit log broken at row 2: its content was edited"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn key_rotation_keeps_every_person_readable() {
    let (_tmp, desk) = new_desk();
    let before = ok(run_in_desk(&desk, &["person", "guest:guest1@gmail.com"]));
    let rotated = ok(run_in_desk(&desk, &["key", "rotate"]));
    assert!(rotated.contains("key rotated"), "{rotated}");
    let after = ok(run_in_desk(&desk, &["person", "guest:guest1@gmail.com"]));
    assert_eq!(before, after);
    assert!(ok(run_in_desk(&desk, &["audit", "verify"])).contains("chain verified"));
}

#[test]
fn commands_outside_a_desk_say_how_to_make_one() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in_desk(tmp.path(), &["status"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("breachdesk init"), "{}", stderr(&out));
}

#[test]
fn notify_preview_renders_the_persons_notice() {
    let (_tmp, desk) = new_desk();
    let config = desk.join("breachdesk.toml");
    let unsigned = run_in_desk(&desk, &["notify", "preview", "S001"]);
    assert_eq!(unsigned.status.code(), Some(1));
    assert!(
        stderr(&unsigned).contains("[shop]"),
        "{}",
        stderr(&unsigned)
    );
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replacen("name = \"\"", "name = \"Kumo Soft Store\"", 1)
        .replacen("email = \"\"", "email = \"care@kumosoft.example\"", 1);
    std::fs::write(&config, text).unwrap();
    let out = ok(run_in_desk(&desk, &["notify", "preview", "S001"]));
    assert!(out.contains("Subject: 【Kumo Soft Store】"), "{out}");
    assert!(
        out.contains("・JCB（末尾 3530）") && out.contains("ご注文番号 O004（2023年1月17日）"),
        "{out}"
    );
    let en = ok(run_in_desk(
        &desk,
        &[
            "notify",
            "preview",
            "guest:guest1@gmail.com",
            "--lang",
            "en",
        ],
    ));
    assert!(
        en.contains("- your postal code") && !en.contains("card company"),
        "{en}"
    );
    // The person's id as the desk knows it, and the files the command says
    // it wrote: they must be that person's, in the desk's previews folder.
    let person: serde_json::Value = serde_json::from_str(&ok(run_in_desk(
        &desk,
        &["person", "guest:guest1@gmail.com", "--json"],
    )))
    .unwrap();
    let id = person[0]["person_id"].as_u64().unwrap();
    let written = en
        .rsplit_once("(written to ")
        .map(|(_, tail)| tail.trim().trim_end_matches(')'))
        .unwrap();
    let (text_file, html_file) = written.split_once(" and ").unwrap();
    let previews = desk.join("previews");
    assert_eq!(
        std::path::Path::new(html_file),
        previews.join(format!("person-{id}.en.html"))
    );
    assert_eq!(
        std::path::Path::new(text_file),
        previews.join(format!("person-{id}.en.txt"))
    );
    let html = std::fs::read_to_string(html_file).unwrap();
    for item in [
        "your name",
        "your email address",
        "your phone number",
        "your postal code",
        "your address",
    ] {
        assert!(html.contains(&format!("<li>{item}</li>")), "{item}: {html}");
    }
    assert!(
        html.contains("<li>Order O008 (2022-11-30)</li>") && !html.contains("card company"),
        "{html}"
    );
    let text = std::fs::read_to_string(text_file).unwrap();
    assert!(
        text.contains("- your postal code") && en.contains(text.trim()),
        "the text file holds the notice shown: {text}"
    );
    assert!(
        desk.join("templates/notice.ja.txt").exists(),
        "templates written for the shop to edit"
    );
}
