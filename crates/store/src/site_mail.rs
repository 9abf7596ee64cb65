//! The site's outgoing mail, through the same states as the notice ledger:
//! a row is claimed (`sending`) and committed before its message leaves,
//! so a crash leaves it in doubt, never sent twice.

use crate::{Store, StoreError, WritePool, dispatch};
use breachdesk_domain::NoticeState;

#[derive(Clone)]
pub struct SiteMailRow {
    pub mail_id: i64,
    pub kind: String,
    pub person_id: Option<i64>,
    pub generation: Option<i64>,
    pub sealed: Vec<u8>,
    pub attempts: i64,
    pub message_id: String,
}

impl std::fmt::Debug for SiteMailRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteMailRow")
            .field("mail_id", &self.mail_id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A row as read: mail id, kind, person, generation, sealed, attempts, Message-ID.
type SiteMailTuple = (i64, String, Option<i64>, Option<i64>, Vec<u8>, i64, String);

impl Store {
    /// Claims up to `limit` rows that may be sent now: each moves to
    /// `sending` in this transaction, so no other worker takes it.
    pub async fn claim_site_mail(
        &self,
        limit: i64,
        now: &str,
    ) -> Result<Vec<SiteMailRow>, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let rows: Vec<SiteMailTuple> = sqlx::query_as(
                "SELECT mail_id, kind, person_id, generation, sealed, attempts, message_id FROM site_mail \
                 WHERE state IN ('pending', 'deferred') ORDER BY mail_id LIMIT $1",
            )
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
            let mut claimed = Vec::with_capacity(rows.len());
            for (mail_id, kind, person_id, generation, sealed, attempts, message_id) in rows {
                let row = SiteMailRow { mail_id, kind, person_id, generation, sealed, attempts, message_id };
                let done = sqlx::query(
                    "UPDATE site_mail SET state = 'sending', attempts = attempts + 1, updated_at = $1 \
                     WHERE mail_id = $2 AND state IN ('pending', 'deferred')",
                )
                .bind(now)
                .bind(row.mail_id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 1 {
                    claimed.push(row);
                }
            }
            tx.commit().await?;
            Ok(claimed)
        })
    }

    /// Records the outcomes of claimed rows, in one transaction. A row that
    /// is not `sending` any more (another outcome came first) is an error.
    pub async fn finish_site_mail(
        &self,
        outcomes: &[(i64, NoticeState, String)],
        now: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for (mail_id, state, detail) in outcomes {
                let done = sqlx::query(
                    "UPDATE site_mail SET state = $1, detail = $2, updated_at = $3 WHERE mail_id = $4 AND state = 'sending'",
                )
                .bind(state.as_str())
                .bind(detail)
                .bind(now)
                .bind(mail_id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Invalid(format!("site mail {mail_id} was not being sent")));
                }
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Rows left `sending` since before `stale_before` (a worker died while
    /// handing them over): in doubt, not sent again.
    pub async fn site_mail_in_doubt(
        &self,
        stale_before: &str,
        now: &str,
    ) -> Result<u64, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "UPDATE site_mail SET state = 'in_doubt', updated_at = $1 WHERE state = 'sending' AND updated_at < $2",
            )
            .bind(now)
            .bind(stale_before)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(done.rows_affected())
        })
    }

    /// A bounce of the site's message `message_id`: a row that left (sent,
    /// or in doubt) becomes `bounced`. `None` when no site message has that
    /// Message-ID; `Some(false)` when it was bounced already (or never left).
    pub async fn bounce_site_mail(
        &self,
        message_id: &str,
        detail: &str,
        now: &str,
    ) -> Result<Option<bool>, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let found: Option<i64> = sqlx::query_scalar("SELECT mail_id FROM site_mail WHERE message_id = $1")
                .bind(message_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(mail_id) = found else {
                return Ok(None);
            };
            let done = sqlx::query(
                "UPDATE site_mail SET state = 'bounced', detail = $1, updated_at = $2 \
                 WHERE mail_id = $3 AND state IN ('sent', 'in_doubt')",
            )
            .bind(detail)
            .bind(now)
            .bind(mail_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Some(done.rows_affected() == 1))
        })
    }

    /// Site mail per (kind, state).
    pub async fn site_mail_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as(
            "SELECT kind, state, COUNT(*) FROM site_mail GROUP BY kind, state ORDER BY kind, state",
        )
        .fetch_all(pool)
        .await?))
    }
}
