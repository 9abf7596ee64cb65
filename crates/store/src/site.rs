//! What the public site keeps, so that several `serve` processes on one
//! database act as one site: the form tokens' key, the per-client request
//! counters, and the self-check queue with each address's last result.

use crate::{Store, StoreError, WritePool, dispatch};

/// A self-check waiting for the worker.
#[derive(Clone)]
pub struct CheckRequestRow {
    pub request_id: i64,
    pub email_index: Vec<u8>,
    pub sealed: Vec<u8>,
    pub received_at: String,
}

// The sealed address is personal data, even sealed: never printed.
impl std::fmt::Debug for CheckRequestRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckRequestRow")
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

/// A self-check as it arrives: its client's counter (a keyed digest, the
/// hour's window, the limit) and the address (blind index, sealed).
#[derive(Clone)]
pub struct CheckAdmission {
    pub bucket: Vec<u8>,
    pub window_start: i64,
    pub limit: i64,
    pub email_index: Vec<u8>,
    pub sealed: Vec<u8>,
    pub received_at: String,
}

impl std::fmt::Debug for CheckAdmission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckAdmission")
            .field("window_start", &self.window_start)
            .finish_non_exhaustive()
    }
}

/// What became of a self-check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckOutcome {
    /// A result was queued to the address.
    Done,
    /// The address had a result less than a day ago: nothing sent.
    Suppressed,
    /// The address could not be read as one: nothing sent.
    Invalid,
}

impl CheckOutcome {
    fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::Done => "done",
            CheckOutcome::Suppressed => "suppressed",
            CheckOutcome::Invalid => "invalid",
        }
    }
}

/// A message the site is to send, as the worker queues it.
#[derive(Clone, Copy, Debug)]
pub struct NewSiteMail {
    /// `check-affected` or `check-nothing`.
    pub kind: &'static str,
    pub person_id: Option<i64>,
    pub generation: Option<i64>,
}

/// Counts one hit of `$bucket` in the window at `$window` inside `$tx` and
/// yields the window's count so far; on a window's first hit, the bucket's
/// windows before `$forget_before` are dropped.
macro_rules! count_hit {
    ($tx:ident, $bucket:expr, $window:expr, $forget_before:expr) => {{
        let hits: i64 = sqlx::query_scalar(
            "INSERT INTO rate_counters (bucket, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_counters.hits + 1 \
             RETURNING hits",
        )
        .bind($bucket)
        .bind($window)
        .fetch_one(&mut *$tx)
        .await?;
        if hits == 1 {
            sqlx::query("DELETE FROM rate_counters WHERE bucket = $1 AND window_start < $2")
                .bind($bucket)
                .bind($forget_before)
                .execute(&mut *$tx)
                .await?;
        }
        hits
    }};
}

impl Store {
    /// The shared secret `name`, sealed; created from `fresh` when the desk
    /// has none yet (the first writer wins, every server then reads it).
    pub async fn web_secret(&self, name: &str, fresh: &[u8]) -> Result<Vec<u8>, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO web_secrets (name, sealed) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(name)
                .bind(fresh)
                .execute(&mut *tx)
                .await?;
            let sealed: Vec<u8> = sqlx::query_scalar("SELECT sealed FROM web_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(sealed)
        })
    }

    /// Replaces the secret `name` when it is still `unreadable` (sealed under
    /// a key the desk no longer has); returns the secret now stored.
    pub async fn replace_web_secret(
        &self,
        name: &str,
        unreadable: &[u8],
        fresh: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE web_secrets SET sealed = $1 WHERE name = $2 AND sealed = $3")
                .bind(fresh)
                .bind(name)
                .bind(unreadable)
                .execute(&mut *tx)
                .await?;
            let sealed: Vec<u8> = sqlx::query_scalar("SELECT sealed FROM web_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(sealed)
        })
    }

    /// Counts one request of `bucket` in the window starting at
    /// `window_start` (seconds) and returns the window's count so far.
    /// Windows older than `forget_before` are dropped on the way.
    pub async fn count_request(
        &self,
        bucket: &[u8],
        window_start: i64,
        forget_before: i64,
    ) -> Result<i64, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let hits = count_hit!(tx, bucket, window_start, forget_before);
            tx.commit().await?;
            Ok(hits)
        })
    }

    /// Admits a batch of self-checks in one transaction (one commit, one
    /// fsync, however many arrived together): each counts against its
    /// client's window, and is queued only while the client is within its
    /// limit. Returns, for each, whether it was queued.
    pub async fn admit_checks(&self, batch: &[CheckAdmission]) -> Result<Vec<bool>, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if matches!(self, Store::Postgres(_)) {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(CHECK_IDS_LOCK).execute(&mut *tx).await?;
            }
            let max: Option<i64> = sqlx::query_scalar("SELECT MAX(request_id) FROM check_requests").fetch_one(&mut *tx).await?;
            let mut next = max.unwrap_or(0);
            let mut admitted = Vec::with_capacity(batch.len());
            for check in batch {
                let hits = count_hit!(tx, &check.bucket, check.window_start, check.window_start);
                if hits > check.limit {
                    admitted.push(false);
                    continue;
                }
                next += 1;
                sqlx::query(
                    "INSERT INTO check_requests (request_id, email_index, sealed, received_at, state) \
                     VALUES ($1, $2, $3, $4, 'queued')",
                )
                .bind(next)
                .bind(&check.email_index)
                .bind(&check.sealed)
                .bind(&check.received_at)
                .execute(&mut *tx)
                .await?;
                admitted.push(true);
            }
            tx.commit().await?;
            Ok(admitted)
        })
    }

    /// Takes up to `limit` queued self-checks for this worker; a check that
    /// another worker took before `stale_before` and never finished is
    /// taken again (its worker died: nothing was queued for it, since the
    /// result and the check's end commit together).
    pub async fn take_checks(
        &self,
        limit: i64,
        now: &str,
        stale_before: &str,
    ) -> Result<Vec<CheckRequestRow>, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let rows: Vec<(i64, Vec<u8>, Vec<u8>, String)> = sqlx::query_as(
                "SELECT request_id, email_index, sealed, received_at FROM check_requests \
                 WHERE state = 'queued' OR (state = 'taken' AND taken_at < $1) \
                 ORDER BY request_id LIMIT $2",
            )
            .bind(stale_before)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
            let mut taken = Vec::with_capacity(rows.len());
            for (request_id, email_index, sealed, received_at) in rows {
                let row = CheckRequestRow { request_id, email_index, sealed, received_at };
                let done = sqlx::query(
                    "UPDATE check_requests SET state = 'taken', taken_at = $1 WHERE request_id = $2 \
                     AND (state = 'queued' OR (state = 'taken' AND taken_at < $3))",
                )
                .bind(now)
                .bind(row.request_id)
                .bind(stale_before)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 1 {
                    taken.push(row);
                }
            }
            tx.commit().await?;
            Ok(taken)
        })
    }

    /// Ends a batch of self-checks in one transaction. For each with a
    /// `mail` whose address had no result since `day_before`, records this
    /// one and queues the mail, sealed by `sealed_for(position in the batch,
    /// mail id)`. Returns what became of each, in order.
    pub async fn finish_checks(
        &self,
        checks: &[(CheckRequestRow, Option<NewSiteMail>)],
        sealed_for: &(dyn Fn(usize, i64) -> Result<Vec<u8>, StoreError> + Sync),
        message_id: &(dyn Fn(i64) -> String + Sync),
        now: &str,
        day_before: &str,
    ) -> Result<Vec<CheckOutcome>, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if matches!(self, Store::Postgres(_)) {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(SITE_MAIL_IDS_LOCK).execute(&mut *tx).await?;
            }
            let max: Option<i64> = sqlx::query_scalar("SELECT MAX(mail_id) FROM site_mail").fetch_one(&mut *tx).await?;
            let mut next = max.unwrap_or(0);
            let mut outcomes = Vec::with_capacity(checks.len());
            for (position, (request, mail)) in checks.iter().enumerate() {
                let outcome = match mail {
                    None => CheckOutcome::Invalid,
                    Some(mail) => {
                        // The row is written only when the last result is
                        // older than a day (or there is none): that is the rule.
                        let recorded = sqlx::query(
                            "INSERT INTO check_results (email_index, last_result_at) VALUES ($1, $2) \
                             ON CONFLICT (email_index) DO UPDATE SET last_result_at = excluded.last_result_at \
                             WHERE check_results.last_result_at < $3",
                        )
                        .bind(&request.email_index)
                        .bind(now)
                        .bind(day_before)
                        .execute(&mut *tx)
                        .await?;
                        if recorded.rows_affected() == 1 {
                            next += 1;
                            sqlx::query(
                                "INSERT INTO site_mail (mail_id, kind, person_id, generation, sealed, state, attempts, \
                                 message_id, created_at, updated_at, detail) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7, $7, '')",
                            )
                            .bind(next)
                            .bind(mail.kind)
                            .bind(mail.person_id)
                            .bind(mail.generation)
                            .bind(sealed_for(position, next)?)
                            .bind(message_id(next))
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                            CheckOutcome::Done
                        } else {
                            CheckOutcome::Suppressed
                        }
                    }
                };
                sqlx::query("UPDATE check_requests SET state = $1 WHERE request_id = $2 AND state = 'taken'")
                    .bind(outcome.as_str())
                    .bind(request.request_id)
                    .execute(&mut *tx)
                    .await?;
                outcomes.push(outcome);
            }
            tx.commit().await?;
            Ok(outcomes)
        })
    }

    /// Self-checks per state (for `status` and the tests).
    pub async fn check_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as(
            "SELECT state, COUNT(*) FROM check_requests GROUP BY state ORDER BY state",
        )
        .fetch_all(pool)
        .await?))
    }
}

/// PostgreSQL locks that serialize id allocation.
const CHECK_IDS_LOCK: i64 = 7_263_541;
pub(crate) const SITE_MAIL_IDS_LOCK: i64 = 7_263_542;
