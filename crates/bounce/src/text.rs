//! Bounces that are not RFC 3464 reports: the failed address and the
//! server's words are read from the text that the mail server wrote.

use crate::Failure;
use crate::dsn::address_of;
use mail_parser::Message;

const SENDER_MARKS: &[&str] = &[
    "mailer-daemon",
    "postmaster",
    "mail delivery",
    "mail-daemon",
    "mailer daemon",
    "mdaemon",
    "mail administrator",
];
const SUBJECT_MARKS: &[&str] = &[
    "undeliver",
    "delivery fail",
    "delivery status",
    "returned mail",
    "failure notice",
    "mail delivery",
    "not delivered",
    "delivery notification",
    "could not be delivered",
    "delivery problem",
    "nondeliverable",
    "non-deliverable",
    "returned to sender",
    "could not send",
    "delayed mail",
    "delivery delayed",
    "mail system error",
    "failed delivery",
    "delivery failure",
    "rejected",
    "error",
    "配信",
    "不達",
    "エラー",
    "返送",
    "届きません",
];
const AUTO_REPLY_MARKS: &[&str] = &[
    "out of office",
    "auto reply",
    "autoreply",
    "auto-reply",
    "automatic reply",
    "vacation",
    "不在",
    "自動応答",
    "自動返信",
];

/// Lines after which the original message is quoted.
const ORIGINAL_MARKS: &[&str] = &[
    "this is a copy of the message",
    "below this line is a copy of the message",
    "original message follows",
    "----- original message",
    "unsent message follows",
    "header of the original message",
    "original message headers",
    "--- the header of",
    "content-type: message/rfc822",
    "returned message",
    "------ original",
    "received: from",
    "message headers follow",
    "headers of the original",
];

/// Whether a message without a delivery-status part still reads as a bounce.
pub(crate) fn looks_like_bounce(message: &Message<'_>) -> bool {
    let subject = message.subject().unwrap_or("").to_lowercase();
    if AUTO_REPLY_MARKS.iter().any(|m| subject.contains(m)) {
        return false;
    }
    let from = message
        .from()
        .and_then(|a| a.first())
        .map(|a| format!("{} {}", a.name().unwrap_or(""), a.address().unwrap_or("")).to_lowercase())
        .unwrap_or_default();
    SENDER_MARKS.iter().any(|m| from.contains(m))
        || SUBJECT_MARKS.iter().any(|m| subject.contains(m))
        || crate::carriers::is_kddi_notice(&crate::report_text(message))
}

/// Addresses that are not the failed recipient: the report's own parties.
fn own_addresses(message: &Message<'_>) -> Vec<String> {
    let mut own = Vec::new();
    for list in [
        message.from(),
        message.to(),
        message.reply_to(),
        message.sender(),
    ]
    .into_iter()
    .flatten()
    {
        own.extend(
            list.iter()
                .filter_map(|a| a.address())
                .map(str::to_lowercase),
        );
    }
    if let Some(path) = message.return_path().as_text() {
        own.push(path.trim_matches(['<', '>', ' ']).to_lowercase());
    }
    own
}

fn is_daemon(address: &str) -> bool {
    let local = address.split('@').next().unwrap_or("");
    // Not `postmaster`: mail to a postmaster bounces too, and is reported.
    matches!(local, "mailer-daemon" | "mail-daemon" | "daemon" | "nobody")
}

/// Japanese text runs into an address without a space (`宛先：a@b.jp`,
/// `<a@b.jp>へ`): its letters and full-width punctuation end an address.
fn is_japanese(c: char) -> bool {
    matches!(c,
        '\u{2010}'..='\u{206F}' // general punctuation (※, ―, …)
        | '\u{3000}'..='\u{30FF}' // CJK punctuation, hiragana, katakana
        | '\u{3400}'..='\u{9FFF}' // kanji
        | '\u{FF00}'..='\u{FFEF}' // full-width forms (：＜＞（）)
    )
}

/// Every `something@domain` in a line, cleaned of brackets and quotes.
fn addresses_in(line: &str) -> Vec<String> {
    line.split(|c: char| {
        c.is_whitespace()
            || is_japanese(c)
            || matches!(
                c,
                '<' | '>' | '(' | ')' | '"' | '\'' | ',' | ';' | '[' | ']'
            )
    })
    .filter_map(|token| {
        let token = token
            .trim_end_matches([':', '.'])
            .trim_start_matches("mailto:");
        let (local, domain) = token.split_once('@')?;
        let ok = !local.is_empty()
            && domain.contains('.')
            && !domain.ends_with('.')
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && local
                .chars()
                .all(|c| !c.is_control() && c != '=' || local.contains('+'));
        ok.then(|| token.to_lowercase())
    })
    .collect()
}

/// Index of the first line of the quoted original message, if any.
fn original_starts(lines: &[&str]) -> usize {
    lines
        .iter()
        .position(|l| {
            let l = l.to_lowercase();
            ORIGINAL_MARKS.iter().any(|m| l.contains(m))
        })
        .unwrap_or(lines.len())
}

/// The report's own words: its text up to the quoted original message.
pub(crate) fn before_original(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[..original_starts(&lines)].join(" ")
}

/// Recipients named in the report's text, each with the words after it.
pub(crate) fn failures(message: &Message<'_>) -> Vec<Failure> {
    let own = own_addresses(message);
    let text = crate::report_text(message);
    let lines: Vec<&str> = text.lines().collect();
    let end = original_starts(&lines);
    let report = &lines[..end];
    let usable = |a: &String| !own.contains(a) && !is_daemon(a);
    let mut out: Vec<Failure> = Vec::new();
    for (i, line) in report.iter().enumerate() {
        let trimmed = line.trim();
        let lower = trimmed.to_lowercase();
        let addresses: Vec<String> = addresses_in(trimmed).into_iter().filter(usable).collect();
        let Some(first) = addresses.first() else {
            continue;
        };
        // The line names the recipient when it starts with the address
        // (Postfix, qmail, Exim, Sendmail), quotes the RCPT command, or is a
        // DSN-style field written as text.
        // Sendmail's transcript puts the reply code first: `554 <a@b>... why`.
        let after_code = match trimmed.as_bytes() {
            [b'4' | b'5', b'0'..=b'9', b'0'..=b'9', b' ', ..] => &trimmed[4..],
            _ => trimmed,
        };
        let leads = after_code
            .trim_start_matches(['<', '"', '\''])
            .to_lowercase()
            .starts_with(first.as_str());
        let rcpt = lower.contains("rcpt to")
            || lower.contains("final-recipient")
            || lower.contains("original-recipient");
        // Japanese notices label the address (宛先, 送信先: destination) or
        // say beside it that sending failed (できませんでした).
        let failed_line = lower.contains("failed")
            || lower.contains("unknown")
            || lower.contains("rejected")
            || lower.contains("could not")
            || ["宛先", "あて先", "送信先", "できませんでした", "失敗"]
                .iter()
                .any(|m| trimmed.contains(m));
        if !(leads || rcpt || failed_line) {
            continue;
        }
        if out.iter().any(|f| &f.recipient == first) {
            continue;
        }
        // A transcript line carries its own reason; the lines after it are
        // other recipients'.
        let take = if after_code.len() < trimmed.len() {
            1
        } else {
            8
        };
        let diagnostic: Vec<&str> = report[i..].iter().take(take).copied().collect();
        out.push(Failure {
            recipient: address_of(first).unwrap_or_else(|| first.clone()),
            diagnostic: diagnostic.join(" "),
            ..Failure::default()
        });
    }
    if out.is_empty() {
        // Exim (and Google) name the failed recipients in a header, even
        // when the text does not, or names them only as the report's own To.
        let header = message.header_raw("X-Failed-Recipients").unwrap_or("");
        for recipient in addresses_in(header) {
            if !out.iter().any(|f| f.recipient == recipient) {
                out.push(Failure {
                    recipient,
                    diagnostic: report.join(" "),
                    ..Failure::default()
                });
            }
        }
    }
    if out.is_empty() {
        // Last resort: the original message's To, with the whole report as
        // the diagnostic.
        let quoted_to = lines[end..].iter().find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("to")
                .then(|| addresses_in(value).into_iter().find(|a| usable(a)))?
        });
        let first_in_report = report
            .iter()
            .find_map(|l| addresses_in(l).into_iter().find(|a| usable(a)));
        if let Some(recipient) = quoted_to.or(first_in_report) {
            out.push(Failure {
                recipient,
                diagnostic: report.join(" "),
                ..Failure::default()
            });
        }
    }
    out
}
