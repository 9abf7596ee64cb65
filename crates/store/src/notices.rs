//! The notice ledger: one row per (campaign, person), moved only along the
//! transitions of `NoticeState` (every UPDATE is guarded by the states it
//! may come from, and a CHECK constraint keeps other words out).

use crate::{Store, StoreError, WritePool, dispatch};
use breachdesk_domain::{NoticeKind, NoticeState};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NoticeRow {
    pub notice_id: i64,
    pub campaign: String,
    pub person_id: i64,
    pub generation: i64,
    pub state: NoticeState,
    pub attempts: i64,
    pub message_id: String,
    pub kind: NoticeKind,
}

/// A row's new state, for `commit_ledger`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerOutcome {
    pub notice_id: i64,
    pub state: NoticeState,
    pub detail: String,
}

/// What one group commit did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Committed {
    /// Claims granted (the row was sendable and is now `sending`).
    pub claimed: Vec<i64>,
    /// Outcomes refused: the row was not in a state that may become the
    /// outcome (another hand moved it), so nothing was written for it.
    pub refused: Vec<i64>,
}

type NoticeTuple = (i64, String, i64, i64, String, i64, String, String);

pub(crate) fn notice(t: NoticeTuple) -> Result<NoticeRow, StoreError> {
    Ok(NoticeRow {
        notice_id: t.0,
        campaign: t.1,
        person_id: t.2,
        generation: t.3,
        state: t
            .4
            .parse()
            .map_err(|e: breachdesk_domain::notice::UnknownState| {
                StoreError::Invalid(e.to_string())
            })?,
        attempts: t.5,
        message_id: t.6,
        kind: t
            .7
            .parse()
            .map_err(|e: breachdesk_domain::notice::UnknownState| {
                StoreError::Invalid(e.to_string())
            })?,
    })
}

fn notices(rows: Vec<NoticeTuple>) -> Result<Vec<NoticeRow>, StoreError> {
    rows.into_iter().map(notice).collect()
}

/// A server's reply as a detail: PostgreSQL refuses NUL in text (SQLite
/// does not), and one such reply must not fail the group it is committed with.
fn storable(detail: &str) -> String {
    detail.replace('\0', "")
}

const COLUMNS: &str = "SELECT notice_id, campaign, person_id, generation, state, attempts, message_id, kind FROM notices";

/// `UPDATE` of one row to `to`, only from the states that may precede it.
fn guarded_update(to: NoticeState) -> String {
    format!(
        "UPDATE notices SET state = '{}', detail = $1, updated_at = $2 WHERE notice_id = $3 AND state IN ({})",
        to.as_str(),
        NoticeState::sql_list(to.predecessors())
    )
}

/// PostgreSQL: the lock that serializes the transactions which hand out
/// new notice ids (SQLite's `BEGIN IMMEDIATE` does that already).
pub(crate) const NOTICE_IDS_LOCK: i64 = 7_263_539;

/// Inserts a pending row in `campaign` for each of `$persons`, with ids
/// after the largest one: inside a transaction that holds the ids' lock.
macro_rules! insert_pending {
    ($tx:ident, $persons:expr, $campaign:expr, $generation:expr, $now:expr, $message_id:expr, $kind:expr) => {{
        let max: Option<i64> = sqlx::query_scalar("SELECT MAX(notice_id) FROM notices")
            .fetch_one(&mut *$tx)
            .await?;
        let mut next = max.unwrap_or(0);
        for batch in $persons.chunks(2000) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO notices (notice_id, campaign, person_id, generation, state, attempts, message_id, updated_at, detail, kind) ",
            );
            q.push_values(batch, |mut b, person_id| {
                next += 1;
                b.push_bind(next)
                    .push_bind($campaign)
                    .push_bind(*person_id)
                    .push_bind($generation)
                    .push_bind(NoticeState::Pending.as_str())
                    .push_bind(0i64)
                    .push_bind($message_id(next))
                    .push_bind($now)
                    .push_bind("")
                    .push_bind($kind.as_str());
            });
            q.build().execute(&mut *$tx).await?;
        }
    }};
}
pub(crate) use insert_pending;

impl Store {
    /// Adds a pending row for every person of `generation` that the
    /// campaign does not have yet; `message_id` derives the Message-ID
    /// from the new row's id. Returns how many were added.
    pub async fn ensure_notices(
        &self,
        campaign: &str,
        generation: i64,
        now: &str,
        message_id: &(dyn Fn(i64) -> String + Sync),
    ) -> Result<usize, StoreError> {
        let postgres = matches!(self, Store::Postgres(_));
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if postgres {
                // Ids are read and taken in this transaction: two runs
                // queueing at once must not pick the same ones.
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(NOTICE_IDS_LOCK).execute(&mut *tx).await?;
            }
            let missing: Vec<i64> = sqlx::query_scalar(
                "SELECT person_id FROM person_generations WHERE generation = $1 AND person_id NOT IN \
                 (SELECT person_id FROM notices WHERE campaign = $2) ORDER BY person_id",
            )
            .bind(generation)
            .bind(campaign)
            .fetch_all(&mut *tx)
            .await?;
            insert_pending!(tx, &missing, campaign, generation, now, message_id, NoticeKind::Notice);
            tx.commit().await?;
            Ok(missing.len())
        })
    }

    /// Rows that may be sent now, oldest first.
    pub async fn sendable_notices(
        &self,
        campaign: &str,
        limit: i64,
    ) -> Result<Vec<NoticeRow>, StoreError> {
        let sendable: Vec<NoticeState> = NoticeState::ALL
            .into_iter()
            .filter(|s| s.sendable())
            .collect();
        let sql = format!(
            "{COLUMNS} WHERE campaign = $1 AND state IN ({}) ORDER BY notice_id LIMIT $2",
            NoticeState::sql_list(&sendable)
        );
        dispatch!(self, pool => {
            let rows: Vec<NoticeTuple> = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(campaign)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            notices(rows)
        })
    }

    /// Claims and outcomes of several notices in one transaction (a group
    /// commit: one write of the WAL for all of them, where one transaction
    /// each kept the notices in flight waiting on each other's locks). A
    /// claim is refused when another sender took the row first, an outcome
    /// when the row is in no state it may follow. Rows are written in id
    /// order, so two runs committing at once take their locks in the same
    /// order and cannot deadlock.
    pub async fn commit_ledger(
        &self,
        run_id: i64,
        claims: &[i64],
        outcomes: &[LedgerOutcome],
        now: &str,
    ) -> Result<Committed, StoreError> {
        enum Write<'a> {
            Claim,
            Outcome(&'a LedgerOutcome),
        }
        let mut writes: Vec<(i64, Write<'_>)> = claims
            .iter()
            .map(|id| (*id, Write::Claim))
            .chain(outcomes.iter().map(|o| (o.notice_id, Write::Outcome(o))))
            .collect();
        writes.sort_by_key(|(id, _)| *id);
        let claim_sql = format!(
            "UPDATE notices SET state = 'sending', attempts = attempts + 1, updated_at = $1, run_id = $2 \
             WHERE notice_id = $3 AND state IN ({})",
            NoticeState::sql_list(NoticeState::Sending.predecessors())
        );
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut done = Committed::default();
            for (id, write) in &writes {
                match write {
                    Write::Claim => {
                        let claimed = sqlx::query(sqlx::AssertSqlSafe(claim_sql.clone()))
                            .bind(now)
                            .bind(run_id)
                            .bind(*id)
                            .execute(&mut *tx)
                            .await?;
                        if claimed.rows_affected() == 1 {
                            done.claimed.push(*id);
                        }
                    }
                    Write::Outcome(outcome) => {
                        let written = sqlx::query(sqlx::AssertSqlSafe(guarded_update(outcome.state)))
                            .bind(storable(&outcome.detail))
                            .bind(now)
                            .bind(*id)
                            .execute(&mut *tx)
                            .await?;
                        if written.rows_affected() == 0 {
                            done.refused.push(*id);
                        }
                    }
                }
            }
            tx.commit().await?;
            Ok(done)
        })
    }

    /// Moves one row to `to` if its state allows; false when it did not.
    pub async fn move_notice(
        &self,
        notice_id: i64,
        to: NoticeState,
        detail: &str,
        now: &str,
    ) -> Result<bool, StoreError> {
        dispatch!(self, pool => {
            let done = sqlx::query(sqlx::AssertSqlSafe(guarded_update(to)))
                .bind(storable(detail))
                .bind(now)
                .bind(notice_id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Moves these rows to `to` in one transaction, each only if its state
    /// allows; returns how many moved.
    pub async fn move_notices(
        &self,
        ids: &[i64],
        to: NoticeState,
        detail: &str,
        now: &str,
    ) -> Result<u64, StoreError> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut moved = 0;
            for id in &ids {
                moved += sqlx::query(sqlx::AssertSqlSafe(guarded_update(to)))
                    .bind(storable(detail))
                    .bind(now)
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            tx.commit().await?;
            Ok(moved)
        })
    }

    /// Rows per (campaign, state), for every campaign.
    pub async fn all_notice_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as(
            "SELECT campaign, state, COUNT(*) FROM notices GROUP BY campaign, state ORDER BY campaign, state",
        )
        .fetch_all(pool)
        .await?))
    }

    /// Rows per state for a campaign.
    pub async fn notice_counts(&self, campaign: &str) -> Result<Vec<(String, i64)>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as("SELECT state, COUNT(*) FROM notices WHERE campaign = $1 GROUP BY state ORDER BY state")
            .bind(campaign)
            .fetch_all(pool)
            .await?))
    }

    /// Every row in one of these states.
    pub async fn notices_in_states(
        &self,
        states: &[NoticeState],
    ) -> Result<Vec<NoticeRow>, StoreError> {
        let sql = format!(
            "{COLUMNS} WHERE state IN ({}) ORDER BY notice_id",
            NoticeState::sql_list(states)
        );
        dispatch!(self, pool => {
            let rows: Vec<NoticeTuple> = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(pool).await?;
            notices(rows)
        })
    }

    /// A person's rows, newest first.
    pub async fn notices_of_person(&self, person_id: i64) -> Result<Vec<NoticeRow>, StoreError> {
        dispatch!(self, pool => {
            let rows: Vec<NoticeTuple> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE person_id = $1 ORDER BY notice_id DESC")))
                .bind(person_id)
                .fetch_all(pool)
                .await?;
            notices(rows)
        })
    }

    pub async fn notice_by_message_id(
        &self,
        message_id: &str,
    ) -> Result<Option<NoticeRow>, StoreError> {
        dispatch!(self, pool => {
            let row: Option<NoticeTuple> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE message_id = $1")))
                .bind(message_id)
                .fetch_optional(pool)
                .await?;
            row.map(notice).transpose()
        })
    }

    /// Applies one bounce to its notice, once: a report already applied to
    /// this notice changes nothing. Returns whether it was applied now
    /// (false: applied before, or the row's state does not allow `to`).
    pub async fn apply_bounce(
        &self,
        report_digest: &str,
        notice_id: i64,
        to: NoticeState,
        detail: &str,
        now: &str,
    ) -> Result<BounceApplied, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let seen: Option<String> = sqlx::query_scalar(
                "SELECT outcome FROM bounces_applied WHERE report_digest = $1 AND notice_id = $2",
            )
            .bind(report_digest)
            .bind(notice_id)
            .fetch_optional(&mut *tx)
            .await?;
            if seen.is_some() {
                return Ok(BounceApplied::Before);
            }
            let moved = sqlx::query(sqlx::AssertSqlSafe(guarded_update(to)))
                .bind(storable(detail))
                .bind(now)
                .bind(notice_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            sqlx::query("INSERT INTO bounces_applied (report_digest, notice_id, applied_at, outcome) VALUES ($1, $2, $3, $4)")
                .bind(report_digest)
                .bind(notice_id)
                .bind(now)
                .bind(if moved { to.as_str() } else { "left as it was" })
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(if moved { BounceApplied::Now } else { BounceApplied::NotApplicable })
        })
    }
}

/// What `apply_bounce` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BounceApplied {
    Now,
    /// The same report was applied to this notice before.
    Before,
    /// The notice's state does not allow the change (settled already).
    NotApplicable,
}
