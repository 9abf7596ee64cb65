//! The Japanese mobile carriers: au (KDDI: `ezweb.ne.jp`, `au.com`, and the
//! au one net notices of `dion.ne.jp`), NTT docomo (`docomo.ne.jp`) and
//! SoftBank (`softbank.ne.jp`, `i.softbank.jp`, `disney.ne.jp`). A shop in
//! Japan sends much of its mail there, and these carriers write notices that
//! follow no standard, partly in Japanese and in Japanese charsets, and give
//! SMTP replies whose words mean something else than they say.

use crate::Reason;
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::{Encoding, Message, MimeHeaders};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Carrier {
    Au,
    Docomo,
    SoftBank,
}

const DOMAINS: &[(&str, Carrier)] = &[
    ("ezweb.ne.jp", Carrier::Au),
    ("au.com", Carrier::Au),
    ("docomo.ne.jp", Carrier::Docomo),
    ("softbank.ne.jp", Carrier::SoftBank),
    ("i.softbank.jp", Carrier::SoftBank),
    ("disney.ne.jp", Carrier::SoftBank),
];

/// The carriers' inbound servers, as a sender's report names them: the
/// failed address need not be at the carrier's domain (an alias forwarded
/// there, or a report whose addresses were anonymised).
const HOSTS: &[(&str, Carrier)] = &[
    ("lsean.ezweb.ne.jp", Carrier::Au),
    ("msmx.au.com", Carrier::Au),
    ("mfsmax.docomo.ne.jp", Carrier::Docomo),
];

/// The carrier whose domain (or a subdomain of it, like `biz.ezweb.ne.jp`)
/// an address is at.
pub(crate) fn of_address(address: &str) -> Option<Carrier> {
    let domain = address.rsplit('@').next()?.to_ascii_lowercase();
    DOMAINS
        .iter()
        .find(|(d, _)| domain == *d || domain.ends_with(&format!(".{d}")))
        .map(|(_, c)| *c)
}

fn named_host(text: &str) -> Option<Carrier> {
    HOSTS
        .iter()
        .find(|(h, _)| text.contains(h))
        .map(|(_, c)| *c)
}

/// Sentences of the carriers' own English templates, matched on the
/// lower-cased text before the general phrases: each is one sender's exact
/// wording, so it is more precise than any general phrase it also contains.
pub(crate) const TEMPLATE_PHRASES: &[(Reason, &[&str])] = &[
    // au: the recipient has not paid, or the line is restricted.
    (Reason::Suspend, &["account is temporarily limited"]),
    // au, after its retries: "Your message was not delivered within 0 days
    // and 4 hours. Remote host is not responding."
    (Reason::Expired, &["was not delivered within"]),
    // au one net: "Could not be delivered to: <...> As the remote domain
    // doesnt exist." (sic), or "... Due to the following SMTP relay error".
    (
        Reason::HostUnknown,
        &["remote domain doesnt exist", "remote domain doesn't exist"],
    ),
    (
        Reason::NoRelaying,
        &["due to the following smtp relay error"],
    ),
    // docomo's replies for a full mailbox and for too many recipients.
    (Reason::MailboxFull, &["552 too much mail data"]),
    (Reason::TooManyConn, &["552 too many recipients"]),
];

/// Japanese notices (the carriers', and Japanese servers' generally), when
/// no English sentence says more. Matched after the general phrases: au
/// puts the same generic Japanese lead ("the address was not found") above
/// an English line that names the real cause (a disabled account).
pub(crate) const JAPANESE_PHRASES: &[(Reason, &[&str])] = &[
    // Before the user-unknown words: "ドメインが存在しません" also reads
    // "...存在しません".
    (
        Reason::HostUnknown,
        &["ドメインが存在しません", "ドメインが見つかりません"],
    ),
    (
        Reason::MailboxFull,
        &[
            "メールボックスが一杯",
            "メールボックスがいっぱい",
            "容量超過",
            "容量オーバー",
            "容量を超え",
        ],
    ),
    (
        Reason::Suspend,
        &["利用停止", "利用を停止", "休止中", "一時停止"],
    ),
    (
        Reason::Filtered,
        &["受信拒否", "受信を拒否", "迷惑メールフィルタ", "指定受信"],
    ),
    (
        Reason::UserUnknown,
        &[
            "アドレスが見つかりませんでした",
            "アドレスは存在しません",
            "アドレスが存在しません",
            "宛先不明",
            "存在しないメールアドレス",
            "ユーザーが存在しません",
        ],
    ),
    (
        Reason::Expired,
        &["再送信を試みましたが", "配送期限", "一定時間内に"],
    ),
];

/// au one net (KDDI's provider mail) sends its notices from a `no-reply`
/// address with a subject such as "Mail", so neither header reads as a
/// bounce; its text does: when the mail was sent (or tried), then the
/// address it could not be delivered to.
pub(crate) fn is_kddi_notice(text: &str) -> bool {
    let mut opened = false;
    for line in text.lines() {
        let line = line.trim().to_ascii_lowercase();
        if line.starts_with("your mail sent on:")
            || line.starts_with("your mail attempted to be delivered on:")
        {
            opened = true;
        } else if opened && line.starts_with("could not be delivered to:") {
            return true;
        }
    }
    false
}

/// au's spam filter marks the notice of a message it refused with
/// `X-SPASIGN: NG`; the address exists, the recipient's filter said no.
pub(crate) fn refused_by_spam_filter(message: &Message<'_>) -> bool {
    message
        .header_raw("X-SPASIGN")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("NG"))
}

/// A "user unknown" that au and docomo give for an address that exists:
/// their recipients' reception filters (domain or sender allow and block
/// lists) can judge a message by its headers, so they refuse some only after
/// DATA, and say "user unknown" so as not to tell who has an account. au
/// leaves the address out of that reply (`550 : User unknown`), which it
/// never does for a real unknown user (`550 <a@ezweb.ne.jp>: User unknown`);
/// docomo's reply is the same either way (`550 Unknown user a@docomo.ne.jp`)
/// and only the command it answered tells. Such a recipient can still be
/// reached once it allows the sender, so this is a filter, not an unknown
/// user. SoftBank is left out: no report seen shows it doing the same.
pub(crate) fn refine(reason: Reason, recipient: &str, diagnostic: &str, report: &str) -> Reason {
    if reason != Reason::UserUnknown {
        return reason;
    }
    let text = format!("{diagnostic} {report}")
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let filtered = match of_address(recipient).or_else(|| named_host(&text)) {
        Some(Carrier::Au) => {
            text.contains("550 : user unknown") || text.contains("550: : user unknown")
        }
        Some(Carrier::Docomo) => refused_after_data(&text),
        _ => false,
    };
    if filtered { Reason::Filtered } else { reason }
}

/// Whether the "unknown user" reply answered the message's DATA, not its
/// RCPT: Postfix says so after the reply; a Sendmail transcript names the
/// command (`>>> DATA`) before the reply (`<<< 550 ...`). A transcript goes
/// on with DATA after a refused RCPT too, so only the command just before
/// the reply counts; and with pipelining Sendmail shows the RCPT replies
/// after `>>> DATA`, followed by its own `... User unknown` for the refused
/// recipient, which it writes for a refused RCPT only.
fn refused_after_data(text: &str) -> bool {
    if text.contains("in reply to end of data") || text.contains("in reply to data") {
        return true;
    }
    if text.contains("... user unknown") {
        return false;
    }
    let mut offset = 0;
    for (n, piece) in text.split("<<< ").enumerate() {
        let reply = piece.split(">>> ").next().unwrap_or_default();
        if n > 0 && (reply.contains("unknown user") || reply.contains("user unknown")) {
            return text[..offset]
                .rfind(">>> ")
                .is_some_and(|at| text[at + ">>> ".len()..].starts_with("data"));
        }
        offset += piece.len() + "<<< ".len();
    }
    false
}

/// The text of a body part, read again when it is labelled ISO-2022-JP but
/// holds 8-bit bytes: ISO-2022-JP is 7-bit, yet au's notices have come with
/// EUC-JP text under that label (Shift_JIS is tried too), which a decoder
/// that trusts the label turns into replacement characters.
pub(crate) fn mislabelled_japanese(message: &Message<'_>, index: usize) -> Option<String> {
    let part = message.parts.get(*message.text_body.get(index)? as usize)?;
    let labelled = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .is_some_and(|c| c.eq_ignore_ascii_case("iso-2022-jp"));
    if !labelled || part.encoding != Encoding::None {
        return None;
    }
    let raw = message
        .raw_message
        .get(part.offset_body as usize..part.offset_end as usize)?;
    if raw.is_ascii() {
        return None;
    }
    ["euc-jp", "shift_jis"]
        .iter()
        .filter_map(|name| charset_decoder(name.as_bytes()))
        .map(|decode| decode(raw))
        .find(|text| !text.contains('\u{FFFD}'))
}

#[cfg(test)]
mod tests;
