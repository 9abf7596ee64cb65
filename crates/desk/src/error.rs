//! What can go wrong in the desk, by kind, so that a caller (the CLI, a web
//! handler) can tell a missing desk from a wrong key from a broken database
//! and answer each its own way.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeskError {
    #[error(
        "a `breachdesk serve` of this desk was running {seconds_ago} s ago; stop every one before rotating the key (each seals with the key it started with), then start them again"
    )]
    SiteServing { seconds_ago: i64 },
    #[error("no desk at {} ({source}); create one with `breachdesk init {}`", dir.display(), dir.display())]
    NoDesk {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", path.display())]
    ConfigSyntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A setting that is there but cannot be used.
    #[error("{}: {message}", path.display())]
    ConfigValue { path: PathBuf, message: String },
    #[error("cannot read {what} from {}: {source}", path.display())]
    ReadSecret {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} already holds a desk ({} exists)", dir.display(), crate::CONFIG_FILE)]
    DeskExists { dir: PathBuf },
    #[error("{} exists already", path.display())]
    Exists { path: PathBuf },
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("this desk is sealed under key {desk_key}, but {} holds key {file_key}", key_file.display())]
    WrongKey {
        desk_key: String,
        key_file: PathBuf,
        file_key: String,
    },
    #[error(
        "a key rotation to key {target} was interrupted: run `breachdesk key rotate` again to finish it"
    )]
    RotationInterrupted { target: String },
    /// The desk records a rotation to a key that its new key file no
    /// longer holds: no crash leaves this (the file is on disk before the
    /// desk names it), so someone moved or replaced the file.
    #[error(
        "a key rotation to key {target} was interrupted, but {} does not hold that key: put that file back (values already re-sealed need it), then run `breachdesk key rotate` again", path.display()
    )]
    RotationKeyMissing { target: String, path: PathBuf },
    /// The rotation's test hook stopped it before the step named, as a
    /// crash would.
    #[error("the key rotation stopped before its step {before}")]
    RotationStopped { before: &'static str },
    #[error("nothing loaded yet: run `breachdesk load` first")]
    NothingLoaded,
    #[error("no stored person #{person_id} in generation {generation}")]
    PersonMissing { person_id: i64, generation: i64 },
    /// Something the desk stored that it cannot read back.
    #[error("{what} cannot be read: {message}")]
    Corrupt { what: &'static str, message: String },
    #[error(transparent)]
    Incident(#[from] breachdesk_domain::IncidentError),
    #[error(transparent)]
    Scope(#[from] breachdesk_scope::ScopeError),
    #[error(transparent)]
    Store(#[from] breachdesk_store::StoreError),
    #[error(transparent)]
    Vault(breachdesk_vault::VaultError),
    #[error("a background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl From<breachdesk_vault::VaultError> for DeskError {
    /// A key file missing beside its rotation's new key is an interrupted
    /// rotation: the same kind, and the same way out, as the desk's
    /// database marking one.
    fn from(error: breachdesk_vault::VaultError) -> DeskError {
        match error {
            breachdesk_vault::VaultError::RotationUnfinished { target, .. } => {
                DeskError::RotationInterrupted { target }
            }
            other => DeskError::Vault(other),
        }
    }
}
