#![forbid(unsafe_code)]
//! Reading bounces: which recipient failed, with which status, whether
//! retrying can ever succeed, and which of our messages caused it.
//!
//! Standard reports (RFC 3464 `message/delivery-status`) are read field by
//! field; the many non-standard ones that mail servers really send are read
//! from their text. Feedback reports, auto-replies and ordinary mail yield
//! nothing.

mod carriers;
mod dsn;
mod reason;
mod ses;
mod sources;
mod text;

pub use reason::Reason;
pub use sources::{Source, read_sources};

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};
use serde::Serialize;

/// One failed or delayed recipient found in a bounce.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Bounce {
    pub file: String,
    /// Lower-cased address.
    pub recipient: String,
    /// Enhanced status code (`5.1.1`), or empty when the report gives none.
    pub status: String,
    /// True when retrying the same address cannot succeed.
    pub hard: bool,
    pub reason: String,
    /// Message-ID of the original message, with its angle brackets.
    pub message_id: Option<String>,
    /// What names this report itself, so the same report read twice can be
    /// recognised: a digest (SHA-256, hex) of its own Message-ID, or of its
    /// bytes when it has none. A digest, because a Message-ID may name a
    /// host or a person. Not part of `bounces parse`'s output contract.
    #[serde(skip)]
    pub report_digest: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BounceError {
    #[error("not an email message (no header block)")]
    NotAMessage,
}

/// A recipient as a report states it, before classification.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Failure {
    pub recipient: String,
    pub status: String,
    pub diagnostic: String,
    /// `failed`, `delayed`, ... when the report says.
    pub action: String,
}

/// The human-readable text of a report (its text parts, not the returned
/// message): where the reason is read when a recipient's own lines say nothing.
pub(crate) fn report_text(message: &Message<'_>) -> String {
    (0..message.text_body.len().max(1))
        .filter_map(|i| {
            carriers::mislabelled_japanese(message, i)
                .or_else(|| message.body_text(i).map(|t| t.into_owned()))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads every failed or delayed recipient of one message.
pub fn parse_message(file: &str, raw: &[u8]) -> Result<Vec<Bounce>, BounceError> {
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(BounceError::NotAMessage)?;
    if message.headers().is_empty() || message.parts.is_empty() {
        return Err(BounceError::NotAMessage);
    }
    if is_feedback_report(&message) {
        return Ok(Vec::new());
    }
    let mut failures = dsn::failures(&message);
    let mut message_id = original_message_id(&message);
    if failures.is_empty()
        && let Some((found, id)) = ses::failures(&message)
    {
        failures = found;
        message_id = message_id.or(id);
    } else if failures.is_empty() && text::looks_like_bounce(&message) {
        failures = text::failures(&message);
    }
    let report_digest = {
        use sha2::{Digest, Sha256};
        let digest = match message.message_id() {
            Some(id) => Sha256::digest(format!("message-id\0{id}")),
            None => Sha256::digest(raw),
        };
        hex::encode(digest)
    };
    let mut context: Option<String> = None;
    let mut whole: Option<String> = None;
    let spam_filtered = carriers::refused_by_spam_filter(&message);
    let mut out: Vec<Bounce> = Vec::new();
    for failure in failures {
        if matches!(
            failure.action.as_str(),
            "delivered" | "relayed" | "expanded"
        ) {
            continue;
        }
        let (mut status, mut reason) = reason::classify(&failure.status, &failure.diagnostic);
        if matches!(reason, Reason::Undefined | Reason::OnHold) {
            let context =
                context.get_or_insert_with(|| text::before_original(&report_text(&message)));
            (status, reason) = reason::classify(
                &failure.status,
                &format!("{} {context}", failure.diagnostic),
            );
        }
        if reason == Reason::Vacation || reason == Reason::Delivered {
            continue;
        }
        if reason == Reason::UserUnknown {
            // The whole text: the words that tell a carrier's filter (the
            // server, the SMTP phase) may follow a line that reads as the
            // start of the returned message (Postfix's "...the attached
            // returned message").
            let whole = whole.get_or_insert_with(|| report_text(&message));
            reason = carriers::refine(reason, &failure.recipient, &failure.diagnostic, whole);
        }
        if spam_filtered {
            reason = Reason::Filtered;
        }
        if out.iter().any(|b| b.recipient == failure.recipient) {
            continue;
        }
        if status.is_empty() {
            let temporary =
                failure.action == "delayed" || reason::temporary_reply(&failure.diagnostic);
            status = reason::implied_status(reason, temporary).unwrap_or_default();
        }
        out.push(Bounce {
            file: file.to_owned(),
            hard: reason.is_hard(&status),
            recipient: failure.recipient,
            status,
            reason: reason.words().to_owned(),
            message_id: message_id.clone(),
            report_digest: report_digest.clone(),
        });
    }
    Ok(out)
}

fn is_feedback_report(message: &Message<'_>) -> bool {
    message.parts.iter().any(|part| {
        part.content_type().is_some_and(|ct| {
            let sub = ct.subtype().unwrap_or("").to_ascii_lowercase();
            (ct.ctype().eq_ignore_ascii_case("message") && sub == "feedback-report")
                || (sub == "report"
                    && ct
                        .attribute("report-type")
                        .is_some_and(|t| t.eq_ignore_ascii_case("feedback-report")))
        })
    })
}

/// The Message-ID of the message that bounced: from the returned message or
/// its headers, else from a `Message-ID:` line quoted in the report's text.
fn original_message_id(message: &Message<'_>) -> Option<String> {
    let bracket = |id: &str| {
        format!(
            "<{}>",
            id.trim().trim_start_matches('<').trim_end_matches('>')
        )
    };
    for part in &message.parts {
        match &part.body {
            PartType::Message(inner) => {
                if let Some(id) = inner.message_id() {
                    return Some(bracket(id));
                }
            }
            _ => {
                let is_headers = part.content_type().is_some_and(|ct| {
                    ct.ctype().eq_ignore_ascii_case("text")
                        && ct
                            .subtype()
                            .is_some_and(|s| s.eq_ignore_ascii_case("rfc822-headers"))
                });
                if is_headers
                    && let Some(id) = MessageParser::default()
                        .parse_headers(part.contents())
                        .and_then(|m| m.message_id().map(bracket))
                {
                    return Some(id);
                }
            }
        }
    }
    // Non-MIME bounces quote the original below their own text.
    let own = message.message_id().map(bracket);
    let body_start = message
        .parts
        .first()
        .map(|p| p.offset_body as usize)
        .unwrap_or(0);
    let body = String::from_utf8_lossy(message.raw_message.get(body_start..).unwrap_or_default());
    body.lines()
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            (name.trim().eq_ignore_ascii_case("message-id") && value.contains('@'))
                .then(|| bracket(value))
        })
        .find(|id| Some(id) != own.as_ref())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const DSN: &str = "From: MAILER-DAEMON@mx.example.jp\r\nTo: shop@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce1@mx.example.jp>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.jp\r\n\r\nFinal-Recipient: rfc822; Taro@Example.JP\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 <taro@example.jp>: Recipient address rejected: User unknown\r\n\r\nFinal-Recipient: rfc822; hanako@example.jp\r\nAction: delayed\r\nStatus: 4.2.2\r\nDiagnostic-Code: smtp; 452 4.2.2 Mailbox full\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: shop@example.com\r\nMessage-ID: <notice-42@shop.example.com>\r\nSubject: Notice\r\n\r\n--B--\r\n";

    #[test]
    fn standard_report() {
        let found = parse_message("x.eml", DSN.as_bytes()).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].recipient, "taro@example.jp");
        assert_eq!(found[0].status, "5.1.1");
        assert!(found[0].hard);
        assert_eq!(found[0].reason, "user unknown");
        assert_eq!(
            found[0].message_id.as_deref(),
            Some("<notice-42@shop.example.com>")
        );
        assert_eq!(found[1].recipient, "hanako@example.jp");
        assert!(!found[1].hard);
        assert_eq!(found[1].reason, "mailbox full");
    }

    #[test]
    fn failed_recipients_header_when_the_text_names_nobody() {
        let exim = "From: Mail Delivery System <Mailer-Daemon@mx.example.jp>\r\nTo: shop@example.com\r\nX-Failed-Recipients: Taro@example.jp\r\nSubject: Mail delivery failed: returning message to sender\r\n\r\nThis message was created automatically by mail delivery software.\r\nA message that you sent could not be delivered to one or more of its\r\nrecipients. This is a permanent error. The following address(es) failed:\r\n  save to inbox\r\n    mailbox is full\r\n";
        let found = parse_message("x.eml", exim.as_bytes()).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].recipient, "taro@example.jp");
        assert_eq!(found[0].reason, "mailbox full");
    }

    #[test]
    fn ordinary_mail_is_not_a_bounce() {
        let mail = "From: friend@example.jp\r\nTo: shop@example.com\r\nSubject: Hello\r\n\r\nThanks for the cookies! Write to me at friend@example.jp\r\n";
        assert!(parse_message("m.eml", mail.as_bytes()).unwrap().is_empty());
        assert_eq!(
            parse_message("e.eml", b"").unwrap_err(),
            BounceError::NotAMessage
        );
    }
}
