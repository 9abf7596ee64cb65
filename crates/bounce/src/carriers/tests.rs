//! One short message per carrier form, written for these tests (fictional
//! addresses, own wording around each carrier's form), in the charsets the
//! carriers use.
#![allow(clippy::unwrap_used)]

use super::{Carrier, of_address, refine};
use crate::{Bounce, Reason, parse_message};
use encoding_rs::{EUC_JP, Encoding, ISO_2022_JP, SHIFT_JIS};

/// A single-part notice: `headers` (each line ending in CRLF), then `body`
/// encoded in `encoding` and labelled `label`.
fn notice(headers: &str, label: &str, encoding: &'static Encoding, body: &str) -> Vec<u8> {
    let mut raw = format!(
        "{headers}MIME-Version: 1.0\r\nContent-Type: text/plain; charset={label}\r\n\
         Content-Transfer-Encoding: 7bit\r\n\r\n"
    )
    .into_bytes();
    let (bytes, _, unmappable) = encoding.encode(body);
    assert!(!unmappable, "the test text fits {label}");
    raw.extend_from_slice(&bytes);
    raw
}

fn one(raw: &[u8]) -> Bounce {
    let found = parse_message("t.eml", raw).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    found.into_iter().next().unwrap()
}

fn assert_bounce(b: &Bounce, recipient: &str, status: &str, reason: &str, hard: bool) {
    assert_eq!(
        (
            b.recipient.as_str(),
            b.status.as_str(),
            b.reason.as_str(),
            b.hard
        ),
        (recipient, status, reason, hard),
        "{b:?}"
    );
}

const EZWEB: &str = "From: Postmaster@ezweb.ne.jp\r\nTo: <care@shop.example>\r\n\
    Subject: Mail System Error - Returned Mail\r\nDate: Mon, 2 Feb 2026 10:00:00 +0900\r\n";
const AU_COM: &str = "From: Postmaster@au.com\r\nTo: <care@shop.example>\r\n\
    Subject: Mail System Error - Returned Mail\r\nDate: Mon, 2 Feb 2026 10:00:00 +0900\r\n";

#[test]
fn au_over_quota_in_iso_2022_jp() {
    let raw = notice(
        EZWEB,
        "iso-2022-jp",
        ISO_2022_JP,
        "ご送信のメールは、下記のお宛先にお届けできませんでした。\r\n\r\n\
         The user(s) account is temporarily over quota.\r\n\r\n<someone@ezweb.ne.jp>\r\n",
    );
    assert_bounce(
        &one(&raw),
        "someone@ezweb.ne.jp",
        "5.0.922",
        "mailbox full",
        false,
    );
}

#[test]
fn au_account_limited_in_shift_jis() {
    let raw = notice(
        AU_COM,
        "shift_jis",
        SHIFT_JIS,
        "ご送信のメールはお届けできませんでした。\r\n\r\n\
         The user(s) account is temporarily limited.\r\n\r\n<someone@au.com>\r\n",
    );
    assert_bounce(
        &one(&raw),
        "someone@au.com",
        "5.0.921",
        "mailbox suspended",
        false,
    );
}

#[test]
fn au_japanese_only_notice_names_the_address_after_a_label() {
    // No English line: the reason is the Japanese one, and the address runs
    // into its label's full-width colon.
    let raw = notice(
        EZWEB,
        "iso-2022-jp",
        ISO_2022_JP,
        "メールをお届けできませんでした。\r\n\
         送信先のメールアドレスが見つかりませんでした。\r\n\r\n宛先：someone@ezweb.ne.jp\r\n",
    );
    assert_bounce(
        &one(&raw),
        "someone@ezweb.ne.jp",
        "5.0.911",
        "user unknown",
        true,
    );
}

#[test]
fn au_euc_jp_text_labelled_iso_2022_jp() {
    // Only the Japanese line says why; read under its wrong label it is
    // replacement characters and the reason is lost.
    let raw = notice(
        EZWEB,
        "iso-2022-jp",
        EUC_JP,
        "お宛先のメールボックスが一杯のため、お届けできませんでした。\r\n\r\n\
         <someone@ezweb.ne.jp>\r\n",
    );
    assert_bounce(
        &one(&raw),
        "someone@ezweb.ne.jp",
        "5.0.922",
        "mailbox full",
        false,
    );
}

#[test]
fn au_rejected_at_rcpt_with_a_transcript() {
    let raw = notice(
        EZWEB,
        "iso-2022-jp",
        ISO_2022_JP,
        "お届けできませんでした。\r\n\r\n\
         Each of the following recipients was rejected by a remote\r\nmail server.\r\n\r\n\
         \x20   Recipient: <someone@ezweb.ne.jp>\r\n\
         \x20   >>> RCPT TO:<someone@ezweb.ne.jp>\r\n\
         \x20   <<< 550 <someone@ezweb.ne.jp>: User unknown\r\n",
    );
    assert_bounce(
        &one(&raw),
        "someone@ezweb.ne.jp",
        "5.0.911",
        "user unknown",
        true,
    );
}

#[test]
fn au_gave_up_after_retrying() {
    let raw = notice(
        EZWEB,
        "iso-2022-jp",
        ISO_2022_JP,
        "何度か再送信を試みましたが、お届けできませんでした。\r\n\r\n\
         Your message was not delivered within 2 days and 0 hours.\r\n\
         Remote host is not responding.\r\n\r\n\
         The following recipients did not receive this message:\r\n\r\n<someone@au.com>\r\n",
    );
    assert_bounce(&one(&raw), "someone@au.com", "5.0.947", "expired", false);
}

#[test]
fn au_spam_filter_marks_its_notice() {
    let headers = format!("{EZWEB}X-SPASIGN: NG\r\n");
    let raw = notice(
        &headers,
        "iso-2022-jp",
        ISO_2022_JP,
        "<someone@ezweb.ne.jp>\r\n\r\n\
         Each of the following recipients was rejected by a remote mail server.\r\n",
    );
    assert_bounce(
        &one(&raw),
        "someone@ezweb.ne.jp",
        "5.0.910",
        "filtered",
        false,
    );
}

/// A Postfix report of what an au or docomo server replied.
fn postfix_report(recipient: &str, host: &str, reply: &str, phase: &str, status: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.shop.example (Mail Delivery System)\r\nTo: care@shop.example\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"R\"\r\n\r\n\
         --R\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n\
         Your notice could not be handed over.\r\n\r\n\
         <{recipient}>: host {host}[192.0.2.7] said: {reply} (in reply to {phase}\r\n    command)\r\n\r\n\
         --R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.shop.example\r\n\r\n\
         Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: {status}\r\n\
         Remote-MTA: dns; {host}\r\nDiagnostic-Code: smtp; {reply}\r\n\r\n--R--\r\n"
    )
}

#[test]
fn au_filter_says_user_unknown_without_the_address() {
    let filtered = postfix_report(
        "someone@au.com",
        "msmx.au.com",
        "550 : User unknown",
        "end of DATA",
        "5.0.0",
    );
    assert_bounce(
        &one(filtered.as_bytes()),
        "someone@au.com",
        "5.0.0",
        "filtered",
        false,
    );
    // The same server for an address that does not exist names it.
    let unknown = postfix_report(
        "nobody@ezweb.ne.jp",
        "lsean.ezweb.ne.jp",
        "550 <nobody@ezweb.ne.jp>: User unknown",
        "RCPT TO",
        "5.0.0",
    );
    assert_bounce(
        &one(unknown.as_bytes()),
        "nobody@ezweb.ne.jp",
        "5.0.0",
        "user unknown",
        true,
    );
}

#[test]
fn pipelined_rcpt_replies_shown_after_data_are_still_unknown_users() {
    // Sendmail with PIPELINING prints the RCPT replies after `>>> DATA`,
    // then its own verdict on the refused recipient.
    let raw = sendmail_notice(
        "550 Unknown user someone@docomo.ne.jp",
        ">>> DATA\r\n<<< 550 Unknown user someone@docomo.ne.jp\r\n\
         550 5.1.1 <someone@docomo.ne.jp>... User unknown\r\n<<< 554 no valid recipients\r\n",
    );
    assert_bounce(
        &one(raw.as_bytes()),
        "someone@docomo.ne.jp",
        "5.1.1",
        "user unknown",
        true,
    );
}

const KDDI: &str = "From: no-reply@abc1234.dion.ne.jp\r\nTo: <care@shop.example>\r\n\
    Reply-To: no-reply@app.auone-net.jp\r\nSubject: Mail\r\nDate: Mon, 2 Feb 2026 10:00:00 +0900\r\n";

#[test]
fn kddi_notice_from_no_reply_with_a_plain_subject() {
    let raw = notice(
        KDDI,
        "iso-2022-jp",
        ISO_2022_JP,
        "Your mail sent on: Mon, 2 Feb 2026 09:58:00 +0900\r\n\
         \x20    Could not be delivered to: <someone@abc1234.dion.ne.jp>\r\n\
         \x20    As their mailbox is full.\r\n",
    );
    assert_bounce(
        &one(&raw),
        "someone@abc1234.dion.ne.jp",
        "5.0.922",
        "mailbox full",
        false,
    );
}

#[test]
fn kddi_notice_for_a_domain_that_does_not_exist() {
    let raw = notice(
        KDDI,
        "iso-2022-jp",
        ISO_2022_JP,
        "メールをお届けできませんでした。\r\n\r\n\
         Your mail attempted to be delivered on: Mon, 2 Feb 2026 09:58:00 +0900\r\n\
         \x20    Could not be delivered to: <someone@no-such-shop.example.jp>\r\n\
         \x20    As the remote domain doesnt exist.\r\n",
    );
    assert_bounce(
        &one(&raw),
        "someone@no-such-shop.example.jp",
        "5.0.912",
        "host unknown",
        true,
    );
}

/// A Sendmail notice without a delivery-status part, of a session with
/// docomo's server.
fn sendmail_notice(summary: &str, transcript: &str) -> String {
    format!(
        "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.shop.example>\r\nTo: care@shop.example\r\n\
         Subject: Returned mail: see transcript for details\r\n\r\n\
         The notice was received at Mon, 2 Feb 2026 10:00:00 +0900\r\n\r\n\
         \x20  ----- The following addresses had permanent fatal errors -----\r\n\
         <someone@docomo.ne.jp>\r\n    (reason: {summary})\r\n\r\n\
         \x20  ----- Transcript of session follows -----\r\n\
         ... while talking to mfsmax.docomo.ne.jp.:\r\n{transcript}\r\n"
    )
}

#[test]
fn docomo_unknown_user_at_rcpt() {
    let raw = sendmail_notice(
        "550 Unknown user someone@docomo.ne.jp",
        ">>> RCPT To:<someone@docomo.ne.jp>\r\n<<< 550 Unknown user someone@docomo.ne.jp\r\n\
         550 5.1.1 <someone@docomo.ne.jp>... User unknown\r\n\
         >>> DATA\r\n<<< 503 Bad sequence of commands\r\n",
    );
    assert_bounce(
        &one(raw.as_bytes()),
        "someone@docomo.ne.jp",
        "5.1.1",
        "user unknown",
        true,
    );
}

#[test]
fn docomo_unknown_user_after_data_is_the_recipients_filter() {
    let raw = sendmail_notice(
        "550 Unknown user someone@docomo.ne.jp",
        ">>> DATA\r\n<<< 550 Unknown user someone@docomo.ne.jp\r\n554 5.0.0 Service unavailable\r\n",
    );
    assert_bounce(
        &one(raw.as_bytes()),
        "someone@docomo.ne.jp",
        "5.0.0",
        "filtered",
        false,
    );
    let postfix = postfix_report(
        "someone@docomo.ne.jp",
        "mfsmax.docomo.ne.jp",
        "550 Unknown user someone@docomo.ne.jp",
        "end of DATA",
        "5.0.0",
    );
    assert_bounce(
        &one(postfix.as_bytes()),
        "someone@docomo.ne.jp",
        "5.0.0",
        "filtered",
        false,
    );
}

#[test]
fn docomo_too_much_mail_data() {
    let raw = postfix_report(
        "someone@docomo.ne.jp",
        "mfsmax.docomo.ne.jp",
        "552 too much mail data",
        "end of DATA",
        "5.0.0",
    );
    assert_bounce(
        &one(raw.as_bytes()),
        "someone@docomo.ne.jp",
        "5.0.0",
        "mailbox full",
        false,
    );
}

#[test]
fn docomo_japanese_notice_in_shift_jis() {
    let headers = "From: MAILER-DAEMON@docomo.ne.jp\r\nTo: care@shop.example\r\n\
        Subject: =?ISO-2022-JP?B?GyRCJWEhPCVrR1s/LiUoJWkhPBsoQg==?=\r\n";
    let raw = notice(
        headers,
        "Shift_JIS",
        SHIFT_JIS,
        "以下の宛先へメールを配信できませんでした。\r\n\r\n\
         宛先：someone@docomo.ne.jp\r\n理由：このメールアドレスは存在しません。\r\n",
    );
    assert_bounce(
        &one(&raw),
        "someone@docomo.ne.jp",
        "5.0.911",
        "user unknown",
        true,
    );
}

#[test]
fn softbank_japanese_notice_with_the_address_in_full_width_brackets() {
    let headers = "From: Mail Delivery Subsystem <MAILER-DAEMON@softbank.ne.jp>\r\n\
        To: care@shop.example\r\nSubject: Returned mail\r\n";
    let raw = notice(
        headers,
        "Shift_JIS",
        SHIFT_JIS,
        "送信先（someone@softbank.ne.jp）のメールボックスがいっぱいのため、\r\n\
         メールをお届けできませんでした。\r\n",
    );
    assert_bounce(
        &one(&raw),
        "someone@softbank.ne.jp",
        "5.0.922",
        "mailbox full",
        false,
    );
}

#[test]
fn softbank_replies_read_as_they_say() {
    let unknown = postfix_report(
        "someone@i.softbank.jp",
        "mx.i.softbank.example",
        "550 5.1.1 <someone@i.softbank.jp>: Recipient address rejected: User unknown",
        "RCPT TO",
        "5.1.1",
    );
    assert_bounce(
        &one(unknown.as_bytes()),
        "someone@i.softbank.jp",
        "5.1.1",
        "user unknown",
        true,
    );
    // No report shows SoftBank refusing known users after DATA, so a
    // user unknown there stays one.
    let after_data = postfix_report(
        "someone@disney.ne.jp",
        "mx.softbank.example",
        "550 5.1.1 User unknown",
        "end of DATA",
        "5.1.1",
    );
    assert_bounce(
        &one(after_data.as_bytes()),
        "someone@disney.ne.jp",
        "5.1.1",
        "user unknown",
        true,
    );
}

#[test]
fn carriers_by_address_and_by_server() {
    assert_eq!(of_address("a@biz.ezweb.ne.jp"), Some(Carrier::Au));
    assert_eq!(of_address("a@docomo.ne.jp"), Some(Carrier::Docomo));
    assert_eq!(of_address("a@i.softbank.jp"), Some(Carrier::SoftBank));
    assert_eq!(of_address("a@notdocomo.ne.jp"), None);
    // A customer domain hosted on docomo's server.
    assert_eq!(
        refine(
            Reason::UserUnknown,
            "a@shop.example.jp",
            "550 Unknown user a@shop.example.jp",
            "host mfsmax.docomo.ne.jp said: 550 Unknown user (in reply to end of DATA command)",
        ),
        Reason::Filtered
    );
    assert_eq!(
        refine(
            Reason::UserUnknown,
            "a@shop.example.jp",
            "550 5.1.1 User unknown",
            "(in reply to end of DATA command)",
        ),
        Reason::UserUnknown
    );
}
