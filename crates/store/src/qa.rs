//! The Q&A page's content: questions and answers per language, and the
//! dated change log. Text written by the shop, never personal data.

use crate::{Store, StoreError, WritePool, dispatch};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QaEntryRow {
    pub lang: String,
    pub anchor: String,
    pub category: String,
    pub position: i64,
    pub question: String,
    pub answer: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QaChangeRow {
    pub change_id: i64,
    pub lang: String,
    pub published_on: String,
    pub text: String,
}

impl Store {
    /// The entries of one language, in page order.
    pub async fn qa_entries(&self, lang: &str) -> Result<Vec<QaEntryRow>, StoreError> {
        let rows: Vec<(String, String, String, i64, String, String, String)> = dispatch!(self, pool => sqlx::query_as(
            "SELECT lang, anchor, category, position, question, answer, updated_at FROM qa_entries \
             WHERE lang = $1 ORDER BY position, anchor",
        )
        .bind(lang)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(
                |(lang, anchor, category, position, question, answer, updated_at)| QaEntryRow {
                    lang,
                    anchor,
                    category,
                    position,
                    question,
                    answer,
                    updated_at,
                },
            )
            .collect())
    }

    /// The change log of one language, newest first.
    pub async fn qa_changes(&self, lang: &str) -> Result<Vec<QaChangeRow>, StoreError> {
        let rows: Vec<(i64, String, String, String)> = dispatch!(self, pool => sqlx::query_as(
            "SELECT change_id, lang, published_on, text FROM qa_changes WHERE lang = $1 \
             ORDER BY published_on DESC, change_id DESC",
        )
        .bind(lang)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(change_id, lang, published_on, text)| QaChangeRow {
                change_id,
                lang,
                published_on,
                text,
            })
            .collect())
    }

    /// A fingerprint of what the public page is built from (the latest
    /// generation, the entries' last edit, the change log): a page built
    /// for the same fingerprint is still right.
    pub async fn qa_version(&self) -> Result<String, StoreError> {
        dispatch!(self, pool => {
            let (generation, edited, changes): (Option<i64>, Option<String>, i64) = sqlx::query_as(
                "SELECT (SELECT MAX(generation) FROM generations), (SELECT MAX(updated_at) FROM qa_entries), \
                 (SELECT COUNT(*) FROM qa_changes)",
            )
            .fetch_one(pool)
            .await?;
            Ok(format!("{}/{}/{changes}", generation.unwrap_or(0), edited.unwrap_or_default()))
        })
    }

    /// Writes the starting content when the desk has none yet (in one
    /// transaction: two servers starting at once seed it once). Returns
    /// whether it was written.
    pub async fn seed_qa(
        &self,
        entries: &[QaEntryRow],
        changes: &[QaChangeRow],
    ) -> Result<bool, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if matches!(self, Store::Postgres(_)) {
                sqlx::query("LOCK TABLE qa_entries IN EXCLUSIVE MODE").execute(&mut *tx).await?;
            }
            let present: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM qa_entries").fetch_one(&mut *tx).await?;
            if present > 0 {
                return Ok(false);
            }
            for e in entries {
                sqlx::query(
                    "INSERT INTO qa_entries (lang, anchor, category, position, question, answer, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&e.lang)
                .bind(&e.anchor)
                .bind(&e.category)
                .bind(e.position)
                .bind(&e.question)
                .bind(&e.answer)
                .bind(&e.updated_at)
                .execute(&mut *tx)
                .await?;
            }
            for c in changes {
                sqlx::query("INSERT INTO qa_changes (change_id, lang, published_on, text) VALUES ($1, $2, $3, $4)")
                    .bind(c.change_id)
                    .bind(&c.lang)
                    .bind(&c.published_on)
                    .bind(&c.text)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(true)
        })
    }
}
