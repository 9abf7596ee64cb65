//! Send runs and their leases. Every run holds a lock that the operating
//! system (a file lock, for SQLite) or the database (an advisory lock held
//! by the run's own connection, for PostgreSQL) releases the moment the
//! run's process dies. A run starting later marks in doubt only the
//! `sending` rows of runs whose lock is free: a run that is merely slow,
//! or running on another machine against the same PostgreSQL, keeps its
//! rows. No clock is involved, so a pinned test clock cannot keep a dead
//! run alive, nor a slow one look dead.

use crate::{Store, StoreError, WritePool, dispatch};
use breachdesk_domain::NoticeState;
use sqlx::Connection;
use std::path::PathBuf;

/// The first key of the PostgreSQL advisory locks of runs; the second is
/// the run id.
const RUN_LOCK_CLASS: i32 = 72_635;

/// A live run's lease: dropping it (or the process dying) ends the run.
pub struct RunLease {
    pub run_id: i64,
    hold: Hold,
}

enum Hold {
    File { _file: std::fs::File, path: PathBuf },
    Postgres(Option<sqlx::PgConnection>),
}

impl std::fmt::Debug for RunLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunLease")
            .field("run_id", &self.run_id)
            .finish_non_exhaustive()
    }
}

impl Drop for RunLease {
    fn drop(&mut self) {
        if let Hold::File { path, .. } = &self.hold {
            // The lock goes with the file handle; the file is only a name.
            let _ = std::fs::remove_file(path);
        }
    }
}

fn run_key(run_id: i64) -> Result<i32, StoreError> {
    i32::try_from(run_id).map_err(|_| StoreError::Invalid(format!("run id {run_id} out of range")))
}

impl Store {
    /// Where the lock files of a SQLite desk's runs live: beside its file.
    fn runs_dir(&self) -> Option<PathBuf> {
        match self {
            Store::Sqlite(pool) => {
                let db = pool.connect_options().get_filename().to_path_buf();
                let mut name = db.into_os_string();
                name.push(".runs");
                Some(PathBuf::from(name))
            }
            Store::Postgres(_) => None,
        }
    }

    /// Starts a send run of `campaign`: a new run id (taken in the
    /// transaction that records it), and the lease that keeps it alive.
    pub async fn start_run(&self, campaign: &str, now: &str) -> Result<RunLease, StoreError> {
        let postgres = matches!(self, Store::Postgres(_));
        let run_id: i64 = dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(crate::notices::NOTICE_IDS_LOCK).execute(&mut *tx).await?;
            }
            let max: Option<i64> = sqlx::query_scalar("SELECT MAX(run_id) FROM send_runs").fetch_one(&mut *tx).await?;
            let run_id = max.unwrap_or(0) + 1;
            sqlx::query("INSERT INTO send_runs (run_id, campaign, started_at) VALUES ($1, $2, $3)")
                .bind(run_id)
                .bind(campaign)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            run_id
        });
        let hold = match self {
            Store::Sqlite(_) => {
                let dir = self
                    .runs_dir()
                    .ok_or_else(|| StoreError::Invalid("no folder for run locks".into()))?;
                let io = |e: std::io::Error| {
                    StoreError::Invalid(format!("run lock in {}: {e}", dir.display()))
                };
                std::fs::create_dir_all(&dir).map_err(io)?;
                let path = dir.join(format!("{run_id}.lock"));
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&path)
                    .map_err(io)?;
                file.lock().map_err(io)?;
                Hold::File { _file: file, path }
            }
            Store::Postgres(pool) => {
                let mut connection = pool.acquire().await?.detach();
                sqlx::query("SELECT pg_advisory_lock($1, $2)")
                    .bind(RUN_LOCK_CLASS)
                    .bind(run_key(run_id)?)
                    .execute(&mut connection)
                    .await?;
                Hold::Postgres(Some(connection))
            }
        };
        Ok(RunLease { run_id, hold })
    }

    /// Ends a run: recorded, and its lease let go.
    pub async fn finish_run(&self, mut lease: RunLease, now: &str) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query("UPDATE send_runs SET finished_at = $1 WHERE run_id = $2")
                .bind(now)
                .bind(lease.run_id)
                .execute(pool)
                .await?;
        });
        if let Hold::Postgres(connection) = &mut lease.hold
            && let Some(connection) = connection.take()
        {
            connection.close().await?;
        }
        Ok(())
    }

    /// Whether the run still holds its lease.
    async fn run_alive(&self, run_id: i64) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(_) => {
                let Some(dir) = self.runs_dir() else {
                    return Ok(false);
                };
                let path = dir.join(format!("{run_id}.lock"));
                let file = match std::fs::OpenOptions::new().write(true).open(&path) {
                    Ok(file) => file,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
                    Err(e) => return Err(StoreError::Invalid(format!("{}: {e}", path.display()))),
                };
                match file.try_lock() {
                    Ok(()) => Ok(false),
                    Err(std::fs::TryLockError::WouldBlock) => Ok(true),
                    Err(std::fs::TryLockError::Error(e)) => {
                        Err(StoreError::Invalid(format!("{}: {e}", path.display())))
                    }
                }
            }
            Store::Postgres(pool) => {
                let mut connection = pool.acquire().await?;
                let free: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
                    .bind(RUN_LOCK_CLASS)
                    .bind(run_key(run_id)?)
                    .fetch_one(&mut *connection)
                    .await?;
                if free {
                    sqlx::query("SELECT pg_advisory_unlock($1, $2)")
                        .bind(RUN_LOCK_CLASS)
                        .bind(run_key(run_id)?)
                        .execute(&mut *connection)
                        .await?;
                }
                Ok(!free)
            }
        }
    }

    /// Rows a run that died left `sending`: their message may or may not
    /// have left. They become `in_doubt` and are never re-sent
    /// automatically. Rows of live runs (and of `own`) are left alone.
    pub async fn mark_in_doubt(
        &self,
        campaign: &str,
        own: i64,
        now: &str,
    ) -> Result<u64, StoreError> {
        let runs: Vec<Option<i64>> = dispatch!(self, pool => {
            sqlx::query_scalar("SELECT DISTINCT run_id FROM notices WHERE campaign = $1 AND state = 'sending'")
                .bind(campaign)
                .fetch_all(pool)
                .await?
        });
        let mut marked = 0;
        for run in runs {
            let dead = match run {
                Some(id) if id == own => false,
                Some(id) => !self.run_alive(id).await?,
                // Claimed before runs had leases: no run can still hold it.
                None => true,
            };
            if !dead {
                continue;
            }
            let sql = format!(
                "UPDATE notices SET state = '{}', updated_at = $1 WHERE campaign = $2 AND state = 'sending' AND {}",
                NoticeState::InDoubt.as_str(),
                if run.is_some() {
                    "run_id = $3"
                } else {
                    "run_id IS NULL"
                }
            );
            marked += dispatch!(self, pool => {
                let query = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(now).bind(campaign);
                let query = match run {
                    Some(id) => query.bind(id),
                    None => query,
                };
                query.execute(pool).await?.rows_affected()
            });
        }
        Ok(marked)
    }
}
