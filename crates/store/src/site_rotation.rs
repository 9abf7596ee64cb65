//! What a key rotation reads and rewrites of the public site: every sealed
//! row (queued self-checks, the site's mail, inquiries, shared secrets),
//! read a page at a time in id order, and written back a batch per
//! transaction, so a rotation stopped anywhere resumes where it was.

use crate::{Store, StoreError, WritePool, dispatch};

/// Which table of the site a sealed row is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteTable {
    CheckRequests,
    SiteMail,
    Inquiries,
}

impl SiteTable {
    fn select(self) -> &'static str {
        match self {
            SiteTable::CheckRequests => {
                "SELECT request_id, email_index, sealed FROM check_requests WHERE request_id > $1 ORDER BY request_id LIMIT $2"
            }
            SiteTable::SiteMail => {
                "SELECT mail_id, NULL, sealed FROM site_mail WHERE mail_id > $1 ORDER BY mail_id LIMIT $2"
            }
            SiteTable::Inquiries => {
                "SELECT inquiry_id, NULL, sealed FROM inquiries WHERE inquiry_id > $1 ORDER BY inquiry_id LIMIT $2"
            }
        }
    }
}

/// One sealed row of the site, as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SiteSealedRow {
    pub id: i64,
    /// The self-check's index (check requests only).
    pub index: Option<Vec<u8>>,
    pub sealed: Vec<u8>,
}

// Sealed bytes and indexes are not worth printing.
impl std::fmt::Debug for SiteSealedRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteSealedRow")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A row re-sealed under the new key; for a self-check, its index under
/// the new key too (`index` replaces `old_index` in `check_results` as
/// well, so the one-result-a-day rule holds across the rotation).
#[derive(Clone, PartialEq, Eq)]
pub struct SiteResealed {
    pub table: SiteTable,
    pub id: i64,
    pub sealed: Vec<u8>,
    pub old_index: Option<Vec<u8>>,
    pub index: Option<Vec<u8>>,
}

impl std::fmt::Debug for SiteResealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteResealed")
            .field("table", &self.table)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Up to `limit` sealed rows of `table` with an id above `after`.
    pub async fn site_sealed_page(
        &self,
        table: SiteTable,
        after: i64,
        limit: i64,
    ) -> Result<Vec<SiteSealedRow>, StoreError> {
        dispatch!(self, pool => {
            let rows: Vec<(i64, Option<Vec<u8>>, Vec<u8>)> = sqlx::query_as(table.select())
                .bind(after)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            Ok(rows
                .into_iter()
                .map(|(id, index, sealed)| SiteSealedRow { id, index, sealed })
                .collect())
        })
    }

    /// Every shared secret of the site, as (name, sealed).
    pub async fn web_secrets(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as("SELECT name, sealed FROM web_secrets ORDER BY name")
            .fetch_all(pool)
            .await?))
    }

    /// Writes a batch of re-sealed site rows (and re-sealed secrets, as
    /// (name, sealed)) in one transaction.
    pub async fn replace_site_sealed(
        &self,
        rows: &[SiteResealed],
        secrets: &[(String, Vec<u8>)],
    ) -> Result<(), StoreError> {
        if rows.is_empty() && secrets.is_empty() {
            return Ok(());
        }
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for row in rows {
                let update = match (row.table, &row.index) {
                    (SiteTable::CheckRequests, Some(index)) => {
                        sqlx::query("UPDATE check_requests SET sealed = $1, email_index = $2 WHERE request_id = $3")
                            .bind(&row.sealed)
                            .bind(index)
                    }
                    (SiteTable::CheckRequests, None) => {
                        return Err(StoreError::Invalid(format!(
                            "check request {} re-sealed without its index",
                            row.id
                        )));
                    }
                    (SiteTable::SiteMail, _) => {
                        sqlx::query("UPDATE site_mail SET sealed = $1 WHERE mail_id = $2").bind(&row.sealed)
                    }
                    (SiteTable::Inquiries, _) => {
                        sqlx::query("UPDATE inquiries SET sealed = $1 WHERE inquiry_id = $2").bind(&row.sealed)
                    }
                };
                update.bind(row.id).execute(&mut *tx).await?;
                if let (Some(old), Some(new)) = (&row.old_index, &row.index) {
                    // Several requests of one address share its result row:
                    // the first moves it, the rest find nothing to move.
                    sqlx::query("UPDATE check_results SET email_index = $1 WHERE email_index = $2")
                        .bind(new)
                        .bind(old)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            for (name, sealed) in secrets {
                sqlx::query("UPDATE web_secrets SET sealed = $1 WHERE name = $2")
                    .bind(sealed)
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Forgets every per-client counter: they are keyed by digests under
    /// the old key, which no client's address matches any longer.
    pub async fn clear_rate_counters(&self) -> Result<u64, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query("DELETE FROM rate_counters").execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(done.rows_affected())
        })
    }
}
