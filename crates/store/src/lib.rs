#![forbid(unsafe_code)]
//! Persistent storage of a desk: SQLite (the default, one file) or
//! PostgreSQL (several instances sharing one desk), chosen by the URL.
//!
//! The store never sees personal data in the clear: callers hand it sealed
//! bytes and keyed blind indexes. Both backends run the same SQL text; the
//! `dispatch!` macro compiles each method body once per backend, so the two
//! cannot drift apart.

mod audit;
mod migrations;
mod notices;
mod persons;
mod rows;
mod scratch;

pub use audit::{ChainBreak, verify_chain};
pub use notices::{LedgerOutcome, NoticeRow};
pub use rows::{AuditEntry, GenerationRow, NewAudit, PersonGenerationRow, PersonRow};
pub use scratch::ScratchDatabase;

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
                .synchronous(SqliteSynchronous::Normal)
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
            let mut tx = pool.begin().await?;
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

    /// A consistent copy of a SQLite desk into `path` (which must not exist).
    pub async fn backup_to(&self, path: &str) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(pool) => {
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
