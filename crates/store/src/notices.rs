//! The notice ledger: one row per (campaign, person), moved through
//! pending → sending → sent | deferred | bounced | failed, or in doubt.

use crate::{Store, StoreError, dispatch};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NoticeRow {
    pub notice_id: i64,
    pub campaign: String,
    pub person_id: i64,
    pub generation: i64,
    pub state: String,
    pub attempts: i64,
    pub message_id: String,
}

/// A row's new state, for `commit_ledger`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerOutcome {
    pub notice_id: i64,
    pub state: String,
    pub detail: String,
}

type NoticeTuple = (i64, String, i64, i64, String, i64, String);

fn notice(t: NoticeTuple) -> NoticeRow {
    NoticeRow {
        notice_id: t.0,
        campaign: t.1,
        person_id: t.2,
        generation: t.3,
        state: t.4,
        attempts: t.5,
        message_id: t.6,
    }
}

/// A server's reply as a detail: PostgreSQL refuses NUL in text (SQLite
/// does not), and one such reply must not fail the group it is committed with.
fn storable(detail: &str) -> String {
    detail.replace('\0', "")
}

const COLUMNS: &str =
    "SELECT notice_id, campaign, person_id, generation, state, attempts, message_id FROM notices";

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
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let missing: Vec<i64> = sqlx::query_scalar(
                "SELECT person_id FROM person_generations WHERE generation = $1 AND person_id NOT IN \
                 (SELECT person_id FROM notices WHERE campaign = $2) ORDER BY person_id",
            )
            .bind(generation)
            .bind(campaign)
            .fetch_all(&mut *tx)
            .await?;
            let max: Option<i64> = sqlx::query_scalar("SELECT MAX(notice_id) FROM notices").fetch_one(&mut *tx).await?;
            let mut next = max.unwrap_or(0);
            for batch in missing.chunks(2000) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO notices (notice_id, campaign, person_id, generation, state, attempts, message_id, updated_at, detail) ",
                );
                q.push_values(batch, |mut b, person_id| {
                    next += 1;
                    b.push_bind(next)
                        .push_bind(campaign)
                        .push_bind(*person_id)
                        .push_bind(generation)
                        .push_bind("pending")
                        .push_bind(0i64)
                        .push_bind(message_id(next))
                        .push_bind(now)
                        .push_bind("");
                });
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(missing.len())
        })
    }

    /// Rows left `sending` by a crash: their message may or may not have
    /// left. They are marked `in_doubt` and never re-sent automatically.
    pub async fn mark_in_doubt(&self, campaign: &str, now: &str) -> Result<u64, StoreError> {
        dispatch!(self, pool => {
            let done = sqlx::query("UPDATE notices SET state = 'in_doubt', updated_at = $1 WHERE campaign = $2 AND state = 'sending'")
                .bind(now)
                .bind(campaign)
                .execute(pool)
                .await?;
            Ok(done.rows_affected())
        })
    }

    /// Rows that may be sent now, oldest first.
    pub async fn sendable_notices(
        &self,
        campaign: &str,
        limit: i64,
    ) -> Result<Vec<NoticeRow>, StoreError> {
        dispatch!(self, pool => {
            let rows: Vec<NoticeTuple> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{COLUMNS} WHERE campaign = $1 AND state IN ('pending', 'deferred') ORDER BY notice_id LIMIT $2"
            )))
            .bind(campaign)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(notice).collect())
        })
    }

    /// Claims and outcomes of several notices in one transaction (a group
    /// commit: one write of the WAL for all of them, where one transaction
    /// each kept the notices in flight waiting on each other's locks).
    /// Returns the claimed ids; a claim is refused when another sender
    /// took the row first.
    pub async fn commit_ledger(
        &self,
        claims: &[i64],
        outcomes: &[LedgerOutcome],
        now: &str,
    ) -> Result<Vec<i64>, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut claimed = Vec::with_capacity(claims.len());
            for id in claims {
                let done = sqlx::query(
                    "UPDATE notices SET state = 'sending', attempts = attempts + 1, updated_at = $1 \
                     WHERE notice_id = $2 AND state IN ('pending', 'deferred')",
                )
                .bind(now)
                .bind(*id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 1 {
                    claimed.push(*id);
                }
            }
            for outcome in outcomes {
                sqlx::query("UPDATE notices SET state = $1, detail = $2, updated_at = $3 WHERE notice_id = $4")
                    .bind(&outcome.state)
                    .bind(storable(&outcome.detail))
                    .bind(now)
                    .bind(outcome.notice_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(claimed)
        })
    }

    pub async fn set_notice_state(
        &self,
        notice_id: i64,
        state: &str,
        detail: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query("UPDATE notices SET state = $1, detail = $2, updated_at = $3 WHERE notice_id = $4")
                .bind(state)
                .bind(storable(detail))
                .bind(now)
                .bind(notice_id)
                .execute(pool)
                .await?;
            Ok(())
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
    pub async fn notices_in_states(&self, states: &[&str]) -> Result<Vec<NoticeRow>, StoreError> {
        let states: Vec<String> = states.iter().map(|s| (*s).to_owned()).collect();
        let placeholders: Vec<String> = (1..=states.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "{COLUMNS} WHERE state IN ({}) ORDER BY notice_id",
            placeholders.join(", ")
        );
        dispatch!(self, pool => {
            let mut query = sqlx::query_as::<_, NoticeTuple>(sqlx::AssertSqlSafe(sql.clone()));
            for state in &states {
                query = query.bind(state);
            }
            Ok(query.fetch_all(pool).await?.into_iter().map(notice).collect())
        })
    }

    /// A person's rows, newest first.
    pub async fn notices_of_person(&self, person_id: i64) -> Result<Vec<NoticeRow>, StoreError> {
        dispatch!(self, pool => {
            let rows: Vec<NoticeTuple> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE person_id = $1 ORDER BY notice_id DESC")))
                .bind(person_id)
                .fetch_all(pool)
                .await?;
            Ok(rows.into_iter().map(notice).collect())
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
            Ok(row.map(notice))
        })
    }
}
