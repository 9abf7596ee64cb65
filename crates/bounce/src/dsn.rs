//! RFC 3464 delivery status notifications, read field by field.

use crate::Failure;
use mail_parser::{Message, MimeHeaders};

/// Recipients of every `message/delivery-status` (or global) part.
pub(crate) fn failures(message: &Message<'_>) -> Vec<Failure> {
    let mut out = Vec::new();
    for part in &message.parts {
        let is_dsn = part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("message")
                && ct.subtype().is_some_and(|s| {
                    s.eq_ignore_ascii_case("delivery-status")
                        || s.eq_ignore_ascii_case("global-delivery-status")
                })
        });
        if is_dsn {
            out.extend(parse_fields(&String::from_utf8_lossy(part.contents())));
        }
    }
    if out.is_empty() {
        // Some servers write the report's fields into a body whose MIME
        // boundaries are missing: read them from the raw body.
        let body_start = message
            .parts
            .first()
            .map(|p| p.offset_body as usize)
            .unwrap_or(0);
        let body =
            String::from_utf8_lossy(message.raw_message.get(body_start..).unwrap_or_default());
        out.extend(parse_fields(&body));
    }
    out
}

/// Splits a delivery-status body into field blocks (blank-line separated,
/// continuation lines folded) and keeps the per-recipient ones.
pub(crate) fn parse_fields(body: &str) -> Vec<Failure> {
    let mut blocks: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for line in body.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            if blocks.last().is_some_and(|b| !b.is_empty()) {
                blocks.push(Vec::new());
            }
            continue;
        }
        let current = blocks.last_mut();
        match (line.starts_with([' ', '\t']), current) {
            (true, Some(block)) if !block.is_empty() => {
                if let Some((_, value)) = block.last_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
            }
            (_, Some(block)) => {
                if let Some((name, value)) = line.split_once(':') {
                    let name = name.trim().to_ascii_lowercase();
                    let field = (name, value.trim().to_owned());
                    // Some servers leave out the blank line between two
                    // recipients: a second Final- (or Original-) Recipient
                    // starts the next one.
                    let starts_next =
                        matches!(field.0.as_str(), "final-recipient" | "original-recipient")
                            && block.iter().any(|(n, _)| *n == field.0);
                    if starts_next {
                        blocks.push(vec![field]);
                    } else {
                        block.push(field);
                    }
                }
            }
            (_, None) => {}
        }
    }
    blocks
        .into_iter()
        .filter_map(|block| {
            let get = |name: &str| {
                block
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
            };
            // A final recipient on a host without a domain (a source route to
            // an internal server) says less than the original one.
            let final_ = get("final-recipient")
                .and_then(|f| address_of(&f))
                .filter(|a| a.rsplit('@').next().is_some_and(|d| d.contains('.')));
            let recipient = final_
                .or_else(|| get("original-recipient").and_then(|o| address_of(&o)))
                .or_else(|| get("final-recipient").and_then(|f| address_of(&f)))?;
            Some(Failure {
                recipient,
                status: get("status").unwrap_or_default(),
                diagnostic: get("diagnostic-code")
                    .map(|d| strip_type(&d))
                    .unwrap_or_default(),
                action: get("action").unwrap_or_default().to_ascii_lowercase(),
            })
        })
        .collect()
}

/// `rfc822; <Taro@Example.JP>` -> `taro@example.jp`.
pub(crate) fn address_of(field: &str) -> Option<String> {
    let value = strip_type(field);
    let value = value
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    // A source route (`@relay:user@host`) or a delivery path
    // (`/home/x/.forward/user@host`) leads the address: keep its end.
    let value = value.rsplit(':').next().unwrap_or(value);
    let value = if value.starts_with('/') {
        value.rsplit('/').next().unwrap_or(value)
    } else {
        value
    };
    let ok = value.contains('@')
        && !value.contains(' ')
        && !value.starts_with('@')
        && !value.ends_with('@');
    ok.then(|| value.to_lowercase())
}

/// Drops an address or diagnostic type prefix (`rfc822;`, `smtp;`, `X-Postfix;`).
fn strip_type(value: &str) -> String {
    match value.split_once(';') {
        Some((kind, rest)) if !kind.contains(' ') && kind.len() < 20 => rest.trim().to_owned(),
        _ => value.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{address_of, parse_fields};

    #[test]
    fn recipients_without_a_blank_line_between_them() {
        let body = "Reporting-MTA: dns; mx.example.jp\n\nFinal-Recipient: rfc822; a@example.jp\nOriginal-Recipient: rfc822;a@example.jp\nAction: failed\nStatus: 5.2.2\nFinal-Recipient: rfc822; b@example.jp\nOriginal-Recipient: rfc822;b@example.jp\nAction: failed\nStatus: 5.1.1\n";
        let found: Vec<(String, String)> = parse_fields(body)
            .into_iter()
            .map(|f| (f.recipient, f.status))
            .collect();
        assert_eq!(
            found,
            [
                ("a@example.jp".to_owned(), "5.2.2".to_owned()),
                ("b@example.jp".to_owned(), "5.1.1".to_owned())
            ]
        );
    }

    #[test]
    fn address_forms() {
        assert_eq!(
            address_of("rfc822; <Taro@Example.JP>").as_deref(),
            Some("taro@example.jp")
        );
        assert_eq!(
            address_of("rfc822;@smtp.example.net:kijitora@server").as_deref(),
            Some("kijitora@server")
        );
        assert_eq!(
            address_of("/home/neko/.cat/kijitora@example.com").as_deref(),
            Some("kijitora@example.com")
        );
        assert_eq!(address_of("rfc822; @mx.example.org"), None);
        assert_eq!(address_of("rfc822; nobody"), None);
    }
}
