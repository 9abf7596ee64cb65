#![forbid(unsafe_code)]
//! Persistent storage of a desk: SQLite (the default, one file) or
//! PostgreSQL (several instances sharing one desk), chosen by the URL.
//!
//! The store never sees personal data in the clear: callers hand it sealed
//! bytes and keyed blind indexes. Both backends run the same SQL text; the
//! `dispatch!` macro compiles each method body once per backend, so the two
//! cannot drift apart.

mod audit;
mod generation;
mod inquiries;
mod migrations;
mod notices;
mod persons;
mod qa;
mod revisions;
mod rotation;
mod rows;
mod runs;
mod scratch;
mod site;
mod site_mail;
mod site_rotation;

pub use audit::{ChainBreak, verify_chain};
pub use generation::GenerationWriter;
pub use inquiries::InquiryRow;
pub use notices::{BounceApplied, Committed, LedgerOutcome, NoticeRow};
pub use qa::{QaChangeRow, QaEntryRow};
pub use revisions::{CorrectionDue, Revision};
pub use rotation::{KeySwitch, ResealedEntry};
pub use rows::{AuditEntry, GenerationRow, NewAudit, PersonGenerationRow, PersonRow};
pub use runs::RunLease;
pub use scratch::ScratchDatabase;
pub use site::{CheckAdmission, CheckOutcome, CheckRequestRow, NewSiteMail};
pub use site_mail::SiteMailRow;
pub use site_rotation::{SiteResealed, SiteSealedRow, SiteTable};

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL (use sqlite://PATH or postgres://...)")]
    UnsupportedUrl,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Invalid(String),
}

/// An open desk database.
#[derive(Clone)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

// The URL may hold a password: never print it.
impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Store::Sqlite(_) => "Store(sqlite)",
            Store::Postgres(_) => "Store(postgres)",
        })
    }
}

/// A transaction that will write. SQLite's default `BEGIN` (deferred) takes
/// the write lock only at the first write, and a reader that then wants to
/// write fails at once with SQLITE_BUSY when another process got there
/// first; `BEGIN IMMEDIATE` takes it up front and waits its turn (the busy
/// timeout). PostgreSQL takes row locks as it goes.
pub(crate) trait WritePool {
    type Db: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>>
    + Send;
}

impl WritePool for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl WritePool for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// Runs `$body` with `$pool` bound to the concrete pool of either backend.
macro_rules! dispatch {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            Store::Sqlite($pool) => $body,
            Store::Postgres($pool) => $body,
        }
    };
}
pub(crate) use dispatch;

impl Store {
    /// Opens (creating a SQLite file if needed) and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: every commit is on disk before it returns. A claim
                // committed says "this notice is on its way"; with NORMAL a
                // power loss could roll it back and the notice go twice.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(30));
            Store::Sqlite(
                // Several notices are in flight at once, each reading its
                // person and writing its ledger row: more connections than
                // cores keeps them from queueing for one (measured: 4 → 8
                // gave about 5 % more notices a second).
                SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(options)
                    .await?,
            )
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Store::Postgres(PgPoolOptions::new().max_connections(8).connect(url).await?)
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let blob = match self {
            Store::Sqlite(_) => "BLOB",
            Store::Postgres(_) => "BYTEA",
        };
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if matches!(self, Store::Postgres(_)) {
                // Two instances starting at once must not both migrate.
                sqlx::query("SELECT pg_advisory_xact_lock(7263538)").execute(&mut *tx).await?;
            }
            sqlx::query(migrations::MIGRATIONS_TABLE).execute(&mut *tx).await?;
            let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations").fetch_all(&mut *tx).await?;
            for (version, name, statements) in migrations::MIGRATIONS {
                if applied.contains(version) {
                    continue;
                }
                for statement in *statements {
                    let sql = statement.replace("{blob}", blob);
                    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
                }
                sqlx::query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)")
                    .bind(version)
                    .bind(*name)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Names of the applied migrations, in order.
    pub async fn migrations(&self) -> Result<Vec<String>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_scalar("SELECT name FROM schema_migrations ORDER BY version").fetch_all(pool).await?))
    }

    pub async fn meta(&self, name: &str) -> Result<Option<String>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_scalar("SELECT value FROM meta WHERE name = $1").bind(name).fetch_optional(pool).await?))
    }

    pub async fn set_meta(&self, name: &str, value: &str) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query("INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
                .bind(name)
                .bind(value)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// A consistent copy of a SQLite desk into `path`, which must not exist
    /// or be empty (SQLite's rule for VACUUM INTO). The caller makes it
    /// beforehand, empty and owner-only, because SQLite would create it
    /// readable by everyone its umask allows; and syncs it afterwards.
    pub async fn backup_to(&self, path: &std::path::Path) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(pool) => {
                // Exactly this path, or none: a lossy rendering of a path
                // that is not UTF-8 would name another file, made by SQLite
                // with its default mode, while the caller's file stays empty.
                let path = path.to_str().ok_or_else(|| {
                    StoreError::Invalid(format!(
                        "the backup path {} is not UTF-8",
                        path.display()
                    ))
                })?;
                sqlx::query("VACUUM INTO $1").bind(path).execute(pool).await?;
                Ok(())
            }
            Store::Postgres(_) => Err(StoreError::Invalid(
                "backups of a PostgreSQL desk are taken with pg_dump; the sealed columns stay sealed in it".into(),
            )),
        }
    }

    pub async fn close(&self) {
        dispatch!(self, pool => pool.close().await)
    }
}
