//! The audit log: append-only, each row chained to the previous one by a
//! SHA-256 hash, so an edited, removed or reordered row is detectable.

use crate::rows::{AuditEntry, NewAudit};
use crate::{Store, StoreError, WritePool, dispatch};
use sha2::{Digest, Sha256};

/// The hash of the chain's start.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub(crate) fn chain_hash(prev_hash: &str, seq: i64, row: &NewAudit) -> String {
    let mut h = Sha256::new();
    // Length-prefixed fields: no two different rows hash the same bytes.
    for field in [
        prev_hash,
        &seq.to_string(),
        &row.at,
        &row.operator,
        &row.action,
        &row.person_id.map(|p| p.to_string()).unwrap_or_default(),
        &row.detail,
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Where the chain breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Checks the whole chain, in the order given (by `seq`); reports the first break.
pub fn verify_chain(entries: &[AuditEntry]) -> Result<usize, ChainBreak> {
    let mut prev = GENESIS.to_owned();
    for (i, e) in entries.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if e.seq != expected_seq {
            return Err(ChainBreak {
                seq: e.seq,
                reason: format!(
                    "row {expected_seq} is missing (the next row present is {})",
                    e.seq
                ),
            });
        }
        if e.prev_hash != prev {
            return Err(ChainBreak {
                seq: e.seq,
                reason: "does not follow the row before it (removed or reordered rows)".into(),
            });
        }
        let row = NewAudit {
            at: e.at.clone(),
            operator: e.operator.clone(),
            action: e.action.clone(),
            person_id: e.person_id,
            detail: e.detail.clone(),
        };
        if chain_hash(&e.prev_hash, e.seq, &row) != e.hash {
            return Err(ChainBreak {
                seq: e.seq,
                reason: "its content was edited".into(),
            });
        }
        prev = e.hash.clone();
    }
    Ok(entries.len())
}

type AuditTuple = (
    i64,
    String,
    String,
    String,
    Option<i64>,
    String,
    String,
    String,
);

fn entry(t: AuditTuple) -> AuditEntry {
    AuditEntry {
        seq: t.0,
        at: t.1,
        operator: t.2,
        action: t.3,
        person_id: t.4,
        detail: t.5,
        prev_hash: t.6,
        hash: t.7,
    }
}

/// Appends inside an open transaction (shared by `append_audit` and the
/// writes that must be audited atomically with their change).
macro_rules! append_in_tx {
    ($store:expr, $tx:expr, $row:expr) => {{
        if matches!($store, Store::Postgres(_)) {
            // Serialize appenders across instances sharing the desk.
            sqlx::query("LOCK TABLE audit IN EXCLUSIVE MODE").execute(&mut *$tx).await?;
        }
        let last: Option<(i64, String)> = sqlx::query_as("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *$tx)
            .await?;
        let (seq, prev) = match last {
            Some((seq, hash)) => (seq + 1, hash),
            None => (1, $crate::audit::GENESIS.to_owned()),
        };
        let hash = $crate::audit::chain_hash(&prev, seq, $row);
        sqlx::query("INSERT INTO audit (seq, at, operator, action, person_id, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(seq)
            .bind(&$row.at)
            .bind(&$row.operator)
            .bind(&$row.action)
            .bind($row.person_id)
            .bind(&$row.detail)
            .bind(&prev)
            .bind(&hash)
            .execute(&mut *$tx)
            .await?;
        seq
    }};
}
pub(crate) use append_in_tx;

impl Store {
    /// Appends one row; returns its sequence number.
    pub async fn append_audit(&self, row: &NewAudit) -> Result<i64, StoreError> {
        dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let seq = append_in_tx!(self, tx, row);
            tx.commit().await?;
            Ok(seq)
        })
    }

    /// The whole log, by sequence number.
    pub async fn audit_entries(&self) -> Result<Vec<AuditEntry>, StoreError> {
        dispatch!(self, pool => {
            let rows: Vec<AuditTuple> = sqlx::query_as(
                "SELECT seq, at, operator, action, person_id, detail, prev_hash, hash FROM audit ORDER BY seq",
            )
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(entry).collect())
        })
    }
}
