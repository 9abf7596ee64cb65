//! Inquiries from the public form: the topic in the clear (for sorting the
//! work), everything the person typed sealed.

use crate::{Store, StoreError, WritePool, dispatch};

#[derive(Clone)]
pub struct InquiryRow {
    pub inquiry_id: i64,
    pub reference: String,
    pub topic: String,
    pub received_at: String,
    pub state: String,
    pub sealed: Vec<u8>,
}

impl std::fmt::Debug for InquiryRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InquiryRow")
            .field("inquiry_id", &self.inquiry_id)
            .field("topic", &self.topic)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

const INQUIRY_IDS_LOCK: i64 = 7_263_543;

impl Store {
    /// Stores an inquiry; `sealed_for(id)` seals its text for the id it
    /// gets (taken in this transaction). Returns the id.
    pub async fn add_inquiry(
        &self,
        reference: &str,
        topic: &str,
        now: &str,
        sealed_for: &(dyn Fn(i64) -> Result<Vec<u8>, StoreError> + Sync),
    ) -> Result<i64, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if matches!(self, Store::Postgres(_)) {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(INQUIRY_IDS_LOCK).execute(&mut *tx).await?;
            }
            let max: Option<i64> = sqlx::query_scalar("SELECT MAX(inquiry_id) FROM inquiries").fetch_one(&mut *tx).await?;
            let id = max.unwrap_or(0) + 1;
            sqlx::query(
                "INSERT INTO inquiries (inquiry_id, reference, topic, received_at, state, sealed) \
                 VALUES ($1, $2, $3, $4, 'open', $5)",
            )
            .bind(id)
            .bind(reference)
            .bind(topic)
            .bind(now)
            .bind(sealed_for(id)?)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Every inquiry, oldest first.
    pub async fn inquiries(&self) -> Result<Vec<InquiryRow>, StoreError> {
        let rows: Vec<(i64, String, String, String, String, Vec<u8>)> = dispatch!(self, pool => sqlx::query_as(
            "SELECT inquiry_id, reference, topic, received_at, state, sealed FROM inquiries ORDER BY inquiry_id",
        )
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(
                |(inquiry_id, reference, topic, received_at, state, sealed)| InquiryRow {
                    inquiry_id,
                    reference,
                    topic,
                    received_at,
                    state,
                    sealed,
                },
            )
            .collect())
    }
}
