#![forbid(unsafe_code)]
//! The desk: one incident's persistent state. The scope of each load,
//! sealed under the desk's key, with an audit trail and the regulator's clock.

mod bounces;
mod config;
mod deliver;
mod desk;
mod init;
mod ledger;
mod letters;
mod letters_out;
mod load;
mod notice;
mod person;
mod rotate;
mod sealed;
mod send;
mod status;

pub use bounces::IngestReport;
pub use breachdesk_letter::LetterFont;
pub use config::{
    CONFIG_FILE, DeskConfig, DkimConfig, LettersConfig, Overrides, Secret, ShopConfig, SmtpConfig,
    load_config,
};
pub use desk::{Desk, audit_verify};
pub use init::{InitReport, init_desk};
pub use letters::LetterRow;
pub use letters_out::LettersReport;
pub use load::{Changes, LoadReport};
pub use person::{PersonView, StoredVersion};
pub use rotate::{RotationReport, rotate_key};
pub use sealed::SealedPerson;
pub use send::{SendOptions, SendReport};
pub use status::{GenerationStatus, Status};

use breachdesk_domain::Instant;

/// Where "now" comes from: the system clock, or a pinned one in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Instant(nanos)
    }
}

pub struct FixedClock(pub Instant);

impl Clock for FixedClock {
    fn now(&self) -> Instant {
        self.0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Incident(#[from] breachdesk_domain::IncidentError),
    #[error(transparent)]
    Scope(#[from] breachdesk_scope::ScopeError),
    #[error(transparent)]
    Store(#[from] breachdesk_store::StoreError),
    #[error(transparent)]
    Vault(#[from] breachdesk_vault::VaultError),
    #[error("{0}")]
    NotFound(String),
    /// The send run's ledger could not be written (the database's error).
    #[error("the notice ledger: {0}")]
    Ledger(String),
    #[error(transparent)]
    Letter(#[from] breachdesk_letter::LetterError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}
