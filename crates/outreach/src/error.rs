//! What can go wrong while telling the affected, by kind.

use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutreachError {
    #[error(transparent)]
    Desk(#[from] breachdesk_desk::DeskError),
    #[error(transparent)]
    Store(#[from] breachdesk_store::StoreError),
    /// Notices nobody signed would look like the phishing they warn about.
    #[error("set `name` and `email` under [shop] in {}: notices are signed with them", config.display())]
    ShopUnsigned { config: PathBuf },
    #[error(transparent)]
    Template(#[from] breachdesk_notify::TemplateError),
    #[error(transparent)]
    Dkim(#[from] breachdesk_notify::DkimError),
    #[error("no mail transport given for a real run")]
    NoTransport,
    #[error("no mail server: pass --smtp URL (or maildir:DIR) or set [smtp] url")]
    NoMailServer,
    #[error(transparent)]
    Transport(#[from] breachdesk_notify::TransportError),
    /// The server refused the session (greeting, TLS, AUTH): nothing was
    /// offered to it, and the run stopped.
    #[error("{message}; nothing was sent to this person, fix the [smtp] settings and run again")]
    SmtpSession { message: String },
    /// The ledger could not be written; shared by every notice of the
    /// group commit that failed.
    #[error("the notice ledger: {0}")]
    Ledger(Arc<breachdesk_store::StoreError>),
    #[error(
        "notice #{notice_id} could not become {state}: the ledger was changed by another hand while it was being sent"
    )]
    LedgerRefused {
        notice_id: i64,
        state: breachdesk_domain::NoticeState,
    },
    #[error("the notice ledger's writer stopped")]
    LedgerStopped,
    #[error("reading the persons ahead stopped after {received} of {expected} rows")]
    ReadAheadStopped { received: usize, expected: usize },
    #[error("the pacing state was lost (a send task panicked)")]
    PacingLost,
    #[error("a thread rendering {0} stopped unexpectedly")]
    WorkerPanicked(&'static str),
    #[error("a background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("person #{person_id} has no stored version to tell them about")]
    NothingToTell { person_id: i64 },
    #[error("site mail #{mail_id} cannot be read back (damaged, or sealed under another key)")]
    SiteMailDamaged { mail_id: i64 },
    #[error(transparent)]
    Letter(#[from] breachdesk_letter::LetterError),
    #[error("cannot write {}: {source}", path.display())]
    Csv { path: PathBuf, source: csv::Error },
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}
