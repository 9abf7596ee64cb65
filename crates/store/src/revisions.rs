//! A revised scope reaching the ledger. When a new generation is loaded,
//! what has not reached its person yet follows it: rows of persons it
//! leaves out are withdrawn, rows of persons it brings back are queued
//! again, and queued rows render from it. What did reach someone (sent, in
//! doubt, a printed letter) stays as it was, and if the new generation says
//! something else about that person, they are due a correction.

use crate::{Store, StoreError, WritePool, dispatch};
use breachdesk_domain::{NoticeKind, NoticeState};

/// What one revision changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Revision {
    /// Rows of persons the generation left out, never reached: withdrawn.
    pub withdrawn: u64,
    /// Withdrawn rows of persons back in scope: queued again.
    pub requeued: u64,
    /// Queued rows that now render from the new generation.
    pub updated: u64,
}

/// A person told something a later generation no longer says.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CorrectionDue {
    pub person_id: i64,
    /// The generation the person was last told from.
    pub told_generation: i64,
    /// False when the new generation leaves the person out altogether.
    pub affected_now: bool,
}

/// The latest reached row of every person, with what it was rendered from
/// and what `$1` (the new generation) says now.
const CORRECTIONS_DUE: &str = "
    WITH told AS (
        SELECT person_id, MAX(notice_id) AS notice_id FROM notices
        WHERE state IN ('sent', 'in_doubt', 'letter_printed') GROUP BY person_id
    )
    SELECT n.person_id, n.generation, CAST(CASE WHEN cur.person_id IS NULL THEN 0 ELSE 1 END AS BIGINT)
    FROM told
    JOIN notices n ON n.notice_id = told.notice_id
    LEFT JOIN person_generations was ON was.person_id = n.person_id AND was.generation = n.generation
    LEFT JOIN person_generations cur ON cur.person_id = n.person_id AND cur.generation = $1
    WHERE n.generation <> $1
      AND (cur.person_id IS NULL OR was.person_id IS NULL
           OR cur.exposures <> was.exposures OR cur.items <> was.items)
    ORDER BY n.person_id";

impl Store {
    /// Brings the ledger in line with `generation` (idempotent: `load`
    /// calls it, and so does every send run before it starts).
    pub async fn revise_notices(&self, generation: i64, now: &str) -> Result<Revision, StoreError> {
        let in_scope = "SELECT person_id FROM person_generations WHERE generation = $2";
        let withdraw = format!(
            "UPDATE notices SET state = 'withdrawn', detail = 'left out by a later generation', updated_at = $1 \
             WHERE kind = 'notice' AND state IN ({}) AND person_id NOT IN ({in_scope})",
            NoticeState::sql_list(NoticeState::Withdrawn.predecessors())
        );
        let requeue = format!(
            "UPDATE notices SET state = 'pending', generation = $2, detail = '', updated_at = $1 \
             WHERE kind = 'notice' AND state = 'withdrawn' AND person_id IN ({in_scope})"
        );
        let queued: Vec<NoticeState> = NoticeState::ALL
            .into_iter()
            .filter(|s| s.sendable() || s.letter_due())
            .collect();
        // A queued correction renders from the newest generation whether
        // the person is in it or not (not being in it is the correction).
        let update = format!(
            "UPDATE notices SET generation = $2, updated_at = $1 \
             WHERE state IN ({}) AND generation <> $2 \
               AND (kind = 'correction' OR person_id IN ({in_scope}))",
            NoticeState::sql_list(&queued)
        );
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut counts = [0u64; 3];
            for (count, sql) in counts.iter_mut().zip([&withdraw, &requeue, &update]) {
                *count = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(now)
                    .bind(generation)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            tx.commit().await?;
            let [withdrawn, requeued, updated] = counts;
            Ok(Revision { withdrawn, requeued, updated })
        })
    }

    /// Persons whose last notice said something `generation` does not.
    pub async fn corrections_due(&self, generation: i64) -> Result<Vec<CorrectionDue>, StoreError> {
        dispatch!(self, pool => {
            let rows: Vec<(i64, i64, i64)> = sqlx::query_as(CORRECTIONS_DUE)
                .bind(generation)
                .fetch_all(pool)
                .await?;
            Ok(rows
                .into_iter()
                .map(|(person_id, told_generation, now)| CorrectionDue {
                    person_id,
                    told_generation,
                    affected_now: now == 1,
                })
                .collect())
        })
    }

    /// Queues a correction in `campaign` for every person due one who has
    /// no row in it yet. Returns how many were added.
    pub async fn ensure_corrections(
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
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(crate::notices::NOTICE_IDS_LOCK).execute(&mut *tx).await?;
            }
            let due: Vec<(i64, i64, i64)> = sqlx::query_as(CORRECTIONS_DUE).bind(generation).fetch_all(&mut *tx).await?;
            let present: Vec<i64> = sqlx::query_scalar("SELECT person_id FROM notices WHERE campaign = $1")
                .bind(campaign)
                .fetch_all(&mut *tx)
                .await?;
            let present: std::collections::HashSet<i64> = present.into_iter().collect();
            let missing: Vec<i64> = due.into_iter().map(|d| d.0).filter(|p| !present.contains(p)).collect();
            crate::notices::insert_pending!(tx, &missing, campaign, generation, now, message_id, NoticeKind::Correction);
            tx.commit().await?;
            Ok(missing.len())
        })
    }

    /// The generation of the last row that reached the person before
    /// `before` (a correction's own row), if any.
    pub async fn told_generation(
        &self,
        person_id: i64,
        before: i64,
    ) -> Result<Option<i64>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_scalar(
            "SELECT generation FROM notices WHERE person_id = $1 AND notice_id < $2 \
             AND state IN ('sent', 'in_doubt', 'letter_printed') ORDER BY notice_id DESC LIMIT 1",
        )
        .bind(person_id)
        .bind(before)
        .fetch_optional(pool)
        .await?))
    }
}
