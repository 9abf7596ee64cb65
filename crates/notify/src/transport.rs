//! Where notices go: an SMTP server (lettre), or a maildir for the demo
//! and for rehearsals. Each message carries the Message-ID of its ledger
//! row, so every copy of it can be recognised.

use crate::smtp_pool::SmtpPool;
use lettre::Message;
use lettre::address::Envelope;
use lettre::message::{Mailbox, MultiPart};
use std::path::PathBuf;

/// One notice, ready to leave.
#[derive(Clone)]
pub struct Outgoing {
    pub from: String,
    pub to: String,
    pub message_id: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing")
            .field("message_id", &self.message_id)
            .finish_non_exhaustive()
    }
}

/// A notice built and signed once, then handed to the transport (again,
/// on a retry, byte for byte the same).
#[derive(Clone)]
pub struct Prepared {
    envelope: Envelope,
    bytes: Vec<u8>,
    message_id: String,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("message_id", &self.message_id)
            .finish_non_exhaustive()
    }
}

impl Prepared {
    /// Builds the message, DKIM-signed when a signer is given. Signing is
    /// the costly part of a send: callers run it off the async threads.
    pub fn new(
        outgoing: &Outgoing,
        signer: Option<&crate::Signer>,
    ) -> Result<Prepared, TransportError> {
        let message = build(outgoing)?;
        let mut bytes = message.formatted();
        if let Some(signer) = signer {
            let header = signer
                .signature_header(&bytes)
                .map_err(|e| TransportError::Build(e.to_string()))?;
            bytes.splice(0..0, header.into_bytes());
        }
        Ok(Prepared {
            envelope: message.envelope().clone(),
            bytes,
            message_id: outgoing.message_id.clone(),
        })
    }
}

/// What the server said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    Sent(String),
    /// Try again later (4xx, a dropped connection).
    Deferred(String),
    /// Refused for good (5xx): the person gets a letter instead.
    Bounced(String),
    /// The connection was lost while the message was handed over: it may
    /// have arrived, and must not be sent again blindly.
    InDoubt(String),
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("unsupported transport {0:?} (use smtp://HOST:PORT, smtps://HOST:PORT or maildir:DIR)")]
    Unsupported(String),
    #[error("SMTP settings: {0}")]
    Smtp(#[from] crate::smtp_pool::UrlError),
    #[error("cannot write to the maildir {dir}: {source}")]
    Maildir { dir: String, source: std::io::Error },
    #[error("cannot build the message: {0}")]
    Build(String),
    /// The server refused the session (login, TLS): a setting to fix, not
    /// a recipient to give up on.
    #[error("{0}")]
    Session(String),
}

pub enum Transport {
    Smtp(SmtpPool),
    Maildir(PathBuf),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Smtp(_) => f.write_str("Transport(smtp)"),
            Transport::Maildir(dir) => write!(f, "Transport(maildir:{})", dir.display()),
        }
    }
}

impl Transport {
    /// `smtp://host:port` (add `?tls=required` to insist on STARTTLS),
    /// `smtps://host:port` (TLS from the start), or `maildir:DIR`.
    /// `connections` caps the SMTP connections kept open and reused.
    pub fn from_url(
        url: &str,
        credentials: Option<(String, String)>,
        connections: u32,
    ) -> Result<Transport, TransportError> {
        if let Some(dir) = url.strip_prefix("maildir:") {
            let dir = PathBuf::from(dir);
            for sub in ["tmp", "new", "cur"] {
                std::fs::create_dir_all(dir.join(sub)).map_err(|source| {
                    TransportError::Maildir {
                        dir: dir.display().to_string(),
                        source,
                    }
                })?;
            }
            return Ok(Transport::Maildir(dir));
        }
        if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
            return Err(TransportError::Unsupported(
                url.split('@').next_back().unwrap_or("").to_owned(),
            ));
        }
        Ok(Transport::Smtp(SmtpPool::from_url(
            url,
            credentials,
            connections,
        )?))
    }

    /// Whether messages leave over the network (and so are paced).
    pub fn is_network(&self) -> bool {
        matches!(self, Transport::Smtp(_))
    }

    /// Hands a prepared notice to the server (or the maildir).
    pub async fn deliver(&self, prepared: &Prepared) -> Result<Delivery, TransportError> {
        match self {
            Transport::Maildir(dir) => {
                let io = |source| TransportError::Maildir {
                    dir: dir.display().to_string(),
                    source,
                };
                // A unique name per delivery, as maildir wants: a second copy
                // of a message would show as a second file, not overwrite.
                let id: String = prepared
                    .message_id
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                    .collect();
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0);
                let name = format!("{nanos}.{}.{id}", std::process::id());
                let tmp = dir.join("tmp").join(&name);
                std::fs::write(&tmp, &prepared.bytes).map_err(io)?;
                std::fs::rename(&tmp, dir.join("new").join(&name)).map_err(io)?;
                Ok(Delivery::Sent(format!(
                    "written to {}",
                    dir.join("new").join(&name).display()
                )))
            }
            Transport::Smtp(smtp) => match smtp.send(&prepared.envelope, &prepared.bytes).await {
                Ok(response) => Ok(Delivery::Sent(
                    response.message().collect::<Vec<_>>().join(" "),
                )),
                Err(e) if e.is_session() => Err(TransportError::Session(e.to_string())),
                Err(e) if e.is_in_doubt() => Ok(Delivery::InDoubt(e.to_string())),
                Err(e) if e.is_permanent() => Ok(Delivery::Bounced(e.to_string())),
                Err(e) => Ok(Delivery::Deferred(e.to_string())),
            },
        }
    }
}

fn build(o: &Outgoing) -> Result<Message, TransportError> {
    let bad = |e: &dyn std::fmt::Display| TransportError::Build(e.to_string());
    let from: Mailbox = o.from.parse().map_err(|e| bad(&e))?;
    let to: Mailbox = o.to.parse().map_err(|e| bad(&e))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(&o.subject)
        .message_id(Some(o.message_id.clone()))
        .multipart(MultiPart::alternative_plain_html(
            o.text.clone(),
            o.html.clone(),
        ))
        .map_err(|e| bad(&e))
}
