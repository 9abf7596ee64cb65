//! Why a delivery failed, from the diagnostic text and the status code, and
//! whether that is permanent for the address. The categories follow those
//! of mature bounce parsers, so results can be compared with them.

use crate::carriers;

/// The cause of a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    UserUnknown,
    HostUnknown,
    HasMoved,
    MailboxFull,
    Suspend,
    MesgTooBig,
    Expired,
    NetworkError,
    Blocked,
    Rejected,
    Filtered,
    PolicyViolation,
    SpamDetected,
    VirusDetected,
    SecurityError,
    NoRelaying,
    TooManyConn,
    SystemError,
    SystemFull,
    MailerError,
    SyntaxError,
    ContentError,
    NotAccept,
    OnHold,
    Undefined,
    Vacation,
    Delivered,
}

impl Reason {
    pub fn words(self) -> &'static str {
        use Reason::*;
        match self {
            UserUnknown => "user unknown",
            HostUnknown => "host unknown",
            HasMoved => "has moved",
            MailboxFull => "mailbox full",
            Suspend => "mailbox suspended",
            MesgTooBig => "message too big",
            Expired => "expired",
            NetworkError => "network error",
            Blocked => "blocked",
            Rejected => "rejected",
            Filtered => "filtered",
            PolicyViolation => "policy violation",
            SpamDetected => "spam detected",
            VirusDetected => "virus detected",
            SecurityError => "security error",
            NoRelaying => "relaying denied",
            TooManyConn => "too many connections",
            SystemError => "system error",
            SystemFull => "system full",
            MailerError => "mailer error",
            SyntaxError => "syntax error",
            ContentError => "content error",
            NotAccept => "not accepted",
            OnHold => "on hold",
            Undefined => "undefined",
            Vacation => "vacation",
            Delivered => "delivered",
        }
    }

    /// Permanent for this address: it does not exist, its domain does not,
    /// it moved, or the host accepts no mail at all (with a 5xx status).
    pub fn is_hard(self, status: &str) -> bool {
        match self {
            Reason::UserUnknown | Reason::HostUnknown | Reason::HasMoved => true,
            Reason::NotAccept => status.starts_with('5'),
            _ => false,
        }
    }
}

/// Phrases seen in real diagnostics, most specific first. Matched on the
/// lower-cased text.
const PHRASES: &[(Reason, &[&str])] = &[
    (
        Reason::Vacation,
        &[
            "out of office",
            "auto-reply",
            "autoreply",
            "vacation",
            "away from the office",
        ],
    ),
    (
        Reason::HasMoved,
        &[
            "has been moved",
            "address has changed",
            "user has moved",
            "no longer with",
            "has moved to",
        ],
    ),
    (
        Reason::HostUnknown,
        &[
            "host not found",
            "host or domain name not found",
            "unknown host",
            "domain not found",
            "no such domain",
            "domain does not exist",
            "unrouteable address",
            "unroutable address",
            "name service error",
            "domain name not found",
            "host unknown",
            "illegal host/domain",
            "no mx record",
            "domain is not valid",
            "dns error",
            "unknown domain",
            "recipient domain",
            "mx lookup failed",
        ],
    ),
    (
        Reason::MailboxFull,
        &[
            "mailbox full",
            "mailbox is full",
            "quota exceeded",
            "over quota",
            "overquota",
            "exceeded storage",
            "insufficient disk space",
            "mailbox size limit",
            "user is over",
            "exceeds its quota",
            "over the allowed quota",
            "mail box full",
            "mailfolder is full",
            "disk quota",
            "storage quota",
            "not enough storage",
        ],
    ),
    (
        Reason::Suspend,
        &[
            "suspended",
            "account disabled",
            "mailbox disabled",
            "account is disabled",
            "inactive",
            "has been disabled",
            "mailbox unavailable: disabled",
            "temporarily disabled",
            "account has been",
            "is not active",
            "deactivated",
        ],
    ),
    (
        Reason::MesgTooBig,
        &[
            "message too big",
            "message is too large",
            "size limit",
            "message size exceeds",
            "exceeds size",
            "too large",
        ],
    ),
    (
        Reason::UserUnknown,
        &[
            "user unknown",
            "unknown user",
            "no such user",
            "no such recipient",
            "no such mailbox",
            "user not found",
            "mailbox not found",
            "recipient not found",
            "address rejected",
            "does not exist",
            "doesn't exist",
            "invalid recipient",
            "unknown recipient",
            "recipient unknown",
            "no mailbox here",
            "not a valid mailbox",
            "unknown address",
            "no such account",
            "undeliverable address",
            "user doesn't have",
            "is not a known user",
            "bad destination mailbox",
            "invalid mailbox",
            "unknown local part",
            "not our customer",
            "no account by that name",
            "address unknown",
            "user_unknown",
            "account does not exist",
            "mailbox does not exist",
            "user does not exist",
            "address does not exist",
            "recipient does not exist",
            "email account that you tried to reach does not exist",
            "this user doesn't have",
            "destin. sconosciuto",
            "not listed in domino directory",
            "not listed in public name",
        ],
    ),
    (
        Reason::NoRelaying,
        &[
            "relay access denied",
            "relaying denied",
            "relay not permitted",
            "not permitted to relay",
            "relaying not allowed",
            "unable to relay",
        ],
    ),
    (
        Reason::SpamDetected,
        &[
            "spam",
            "junk mail",
            "bulk mail",
            "content rejected",
            "message content",
            "unsolicited",
        ],
    ),
    (Reason::VirusDetected, &["virus", "malware", "infected"]),
    (
        Reason::Blocked,
        &[
            "blocked",
            "blacklist",
            "block list",
            "blocklist",
            "listed at",
            "rbl",
            "dnsbl",
            "spamhaus",
            "client host rejected",
            "poor reputation",
            "not allowed to send",
            "access denied",
            "connection refused",
            "ip address",
            "reverse dns",
            "ptr record",
        ],
    ),
    (
        Reason::SecurityError,
        &[
            "authentication required",
            "spf",
            "dkim",
            "dmarc",
            "authentication failed",
            "must authenticate",
            "tls required",
        ],
    ),
    (
        Reason::PolicyViolation,
        &["policy", "prohibited", "not authorized", "not allowed"],
    ),
    (
        Reason::TooManyConn,
        &[
            "too many connections",
            "too many concurrent",
            "connection limit",
            "rate limit",
            "too many messages",
            "try again later",
        ],
    ),
    (
        Reason::Filtered,
        &[
            "filtered",
            "rejected by the recipient",
            "refused by",
            "recipient rejected",
            "not accepting mail from",
        ],
    ),
    (
        Reason::Expired,
        &[
            "retry timeout exceeded",
            "delivery time expired",
            "could not be delivered for",
            "giving up",
            "expired",
            "retry time not reached",
            "timed out",
            "timeout",
            "delivery attempts will continue",
            "has not yet been delivered",
            "delayed",
            "was not delivered after",
            "message is still in the queue",
            "did not accept our requests to connect",
        ],
    ),
    (
        Reason::NetworkError,
        &[
            "network",
            "connection reset",
            "lost connection",
            "could not connect",
            "no route to host",
            "connection timed out",
            "unreachable",
        ],
    ),
    (
        Reason::SystemFull,
        &[
            "system full",
            "out of disk",
            "disk full",
            "insufficient system storage",
        ],
    ),
    (
        Reason::SystemError,
        &[
            "system error",
            "internal error",
            "server error",
            "temporary failure",
            "local configuration error",
            "mail loop",
            "loops back",
            "too many hops",
        ],
    ),
    (
        Reason::MailerError,
        &[
            "mailer error",
            "command failed",
            "exit code",
            "procmail",
            "pipe to",
            "unknown mailer",
        ],
    ),
    (
        Reason::SyntaxError,
        &["syntax error", "command unrecognized", "bad sequence"],
    ),
    (
        Reason::NotAccept,
        &[
            "does not accept mail",
            "accepts no mail",
            "null mx",
            "not accepting any mail",
        ],
    ),
    (
        Reason::Rejected,
        &[
            "rejected",
            "refused",
            "denied",
            "not accepted",
            // Google Groups: the group may not exist, or the sender may not
            // post; its notice, in the sender's language, links its help.
            "permission to post",
            "投稿する権限",
            "groups.google.com/support",
        ],
    ),
];

/// Reason from an enhanced status code alone.
fn from_status(status: &str) -> Option<Reason> {
    let detail = status.get(2..).unwrap_or("");
    Some(match detail {
        "1.1" | "1.0" | "1.6" | "1.10" => Reason::UserUnknown,
        "1.2" | "4.4" => Reason::HostUnknown,
        // The sender's address was refused, not the recipient's.
        "1.7" | "1.8" => Reason::Rejected,
        "1.3" => Reason::SyntaxError,
        "2.2" => Reason::MailboxFull,
        "2.1" => Reason::Suspend,
        "2.3" | "3.4" => Reason::MesgTooBig,
        "3.1" => Reason::SystemFull,
        "4.7" => Reason::Expired,
        "4.1" | "4.2" | "4.0" => Reason::NetworkError,
        "5.3" | "3.0" => Reason::SystemError,
        "7.1" => Reason::Rejected,
        "7.0" | "7.5" | "7.7" | "7.8" | "7.9" => Reason::SecurityError,
        "6.0" => Reason::ContentError,
        "4.6" => Reason::SystemError,
        "1.4" | "5.4" => Reason::PolicyViolation,
        _ => return None,
    })
}

/// The status a report implies when it states none: the codes that mature
/// bounce parsers use for each reason (x.0.9yy), with class 4 when the
/// failure was temporary. Only reasons seen with such a code in the
/// reference readings are mapped.
pub(crate) fn implied_status(reason: Reason, temporary: bool) -> Option<String> {
    let detail = match reason {
        Reason::Undefined => "900",
        Reason::OnHold => "901",
        Reason::Filtered => "910",
        Reason::UserUnknown => "911",
        Reason::HostUnknown => "912",
        Reason::Rejected => "918",
        Reason::Suspend => "921",
        Reason::MailboxFull => "922",
        Reason::SystemError => "930",
        Reason::NotAccept => "932",
        Reason::MesgTooBig => "934",
        Reason::MailerError => "939",
        Reason::NetworkError => "944",
        Reason::Expired => "947",
        Reason::Blocked => "971",
        Reason::SpamDetected => "980",
        _ => return None,
    };
    Some(format!("{}.0.{detail}", if temporary { '4' } else { '5' }))
}

/// Whether a diagnostic carries a temporary (4xx) SMTP reply.
pub(crate) fn temporary_reply(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_digit())
        .any(|n| n.len() == 3 && n.starts_with('4') && n.as_bytes()[1] <= b'5')
}

/// Finds an enhanced status code (`5.1.1`) in free text.
pub(crate) fn status_in(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if !matches!(b, b'2' | b'4' | b'5') || bytes.get(i + 1) != Some(&b'.') {
            continue;
        }
        if i > 0 && (bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'.') {
            continue;
        }
        let rest = &text[i + 2..];
        let subject: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if subject.is_empty() || subject.len() > 3 {
            continue;
        }
        let after = &rest[subject.len()..];
        let Some(after) = after.strip_prefix('.') else {
            continue;
        };
        let detail: String = after.chars().take_while(char::is_ascii_digit).collect();
        if detail.is_empty() || detail.len() > 3 {
            continue;
        }
        let end = i + 2 + subject.len() + 1 + detail.len();
        if bytes
            .get(end)
            .is_some_and(|c| c.is_ascii_digit() || *c == b'.')
        {
            continue;
        }
        return Some(format!("{}.{subject}.{detail}", b as char));
    }
    None
}

/// Normalizes the status and decides the reason.
pub(crate) fn classify(status: &str, diagnostic: &str) -> (String, Reason) {
    let stated = status_in(status);
    let status = stated.or_else(|| status_in(diagnostic)).unwrap_or_default();
    let text = diagnostic.to_lowercase();
    let find = |table: &[(Reason, &[&str])]| {
        table
            .iter()
            .find(|(_, phrases)| phrases.iter().any(|p| text.contains(p)))
            .map(|(r, _)| *r)
    };
    let by_phrase = find(carriers::TEMPLATE_PHRASES)
        .or_else(|| find(PHRASES))
        .or_else(|| find(carriers::JAPANESE_PHRASES));
    let by_status = from_status(&status);
    // A refused sender address (x.1.7, x.1.8) is never about the recipient.
    if by_status == Some(Reason::Rejected) && matches!(status.get(2..), Some("1.7" | "1.8")) {
        return (status, Reason::Rejected);
    }
    // A precise status (x.1.1, x.1.2, x.2.2...) beats a vague phrase; a vague
    // status (x.0.0, x.7.1) gives way to what the text says.
    let reason = match (by_status, by_phrase) {
        (
            Some(
                s @ (Reason::UserUnknown
                | Reason::HostUnknown
                | Reason::MailboxFull
                | Reason::MesgTooBig),
            ),
            Some(p),
        ) if !matches!(p, Reason::HasMoved | Reason::Suspend | Reason::Vacation)
            && !status.ends_with(".1.0") =>
        {
            s
        }
        (_, Some(p)) => p,
        (Some(s), None) => s,
        (None, None) => {
            if status.starts_with('2') {
                Reason::Delivered
            } else if status.starts_with('4') {
                Reason::OnHold
            } else {
                Reason::Undefined
            }
        }
    };
    (status, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_found_in_text() {
        assert_eq!(
            status_in("550 5.1.1 <a@b.jp>: user unknown").as_deref(),
            Some("5.1.1")
        );
        assert_eq!(status_in("Sorry (#5.1.1)").as_deref(), Some("5.1.1"));
        assert_eq!(status_in("version 1.5.1.2 here"), None);
        assert_eq!(status_in("4.4.7"), Some("4.4.7".into()));
        assert_eq!(status_in("no code"), None);
    }

    #[test]
    fn implied_statuses() {
        assert_eq!(
            implied_status(Reason::UserUnknown, false).as_deref(),
            Some("5.0.911")
        );
        assert_eq!(
            implied_status(Reason::Expired, true).as_deref(),
            Some("4.0.947")
        );
        assert_eq!(implied_status(Reason::PolicyViolation, false), None);
        assert!(temporary_reply("host said: 451 try later"));
        assert!(!temporary_reply("550 5.1.1 user unknown"));
        assert!(!temporary_reply("version 4711 build"));
    }

    #[test]
    fn reasons_and_hardness() {
        assert_eq!(
            classify("5.0.0", "550 No such user here").1,
            Reason::UserUnknown
        );
        assert_eq!(
            classify("", "Host or domain name not found").1,
            Reason::HostUnknown
        );
        assert_eq!(classify("5.2.2", "mailbox full").1, Reason::MailboxFull);
        assert_eq!(classify("4.4.7", "").1, Reason::Expired);
        assert!(Reason::UserUnknown.is_hard("4.1.1"));
        assert!(!Reason::MailboxFull.is_hard("5.2.2"));
        assert!(Reason::NotAccept.is_hard("5.1.10") && !Reason::NotAccept.is_hard("4.0.0"));
    }
}
