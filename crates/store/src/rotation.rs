//! The writes of a key rotation that must each land whole: a batch of
//! re-sealed values, and the switch of the desk's key with its audit row.

use crate::audit::append_in_tx;
use crate::rows::{NewAudit, PersonRow};
use crate::{Store, StoreError, WritePool, dispatch};

/// A generation entry's personal data, re-sealed under the new key.
#[derive(Clone, PartialEq, Eq)]
pub struct ResealedEntry {
    pub generation: i64,
    pub person_id: i64,
    pub sealed: Vec<u8>,
}

// Sealed bytes are not worth printing, and nothing else here is either.
impl std::fmt::Debug for ResealedEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResealedEntry")
            .field("generation", &self.generation)
            .field("person_id", &self.person_id)
            .finish_non_exhaustive()
    }
}

/// The end of a key rotation, in the desk's meta entries (whose names are
/// the desk's, not the store's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySwitch<'a> {
    /// The entry naming the key the desk is sealed under...
    pub key_id_entry: &'a str,
    /// ...moved from this key id...
    pub from: &'a str,
    /// ...to this one.
    pub to: &'a str,
    /// The entry marking a rotation under way, cleared.
    pub marker_entry: &'a str,
}

impl Store {
    /// Writes re-sealed values in one transaction: one commit for the
    /// batch rather than one per value (a commit is a sync of the WAL), and
    /// a crash keeps the batch whole or not at all.
    pub async fn replace_sealed(
        &self,
        entries: &[ResealedEntry],
        persons: &[PersonRow],
    ) -> Result<(), StoreError> {
        if entries.is_empty() && persons.is_empty() {
            return Ok(());
        }
        dispatch!(self, pool => {
            // The first statement writes: a deferred BEGIN takes the write
            // lock there, waiting its turn, with no snapshot to go stale.
            let mut tx = pool.begin_write().await?;
            for entry in entries {
                sqlx::query("UPDATE person_generations SET sealed = $1 WHERE generation = $2 AND person_id = $3")
                    .bind(&entry.sealed)
                    .bind(entry.generation)
                    .bind(entry.person_id)
                    .execute(&mut *tx)
                    .await?;
            }
            for row in persons {
                sqlx::query("UPDATE persons SET key_index = $1, email_index = $2, sealed_key = $3 WHERE person_id = $4")
                    .bind(&row.key_index)
                    .bind(&row.email_index)
                    .bind(&row.sealed_key)
                    .bind(row.person_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Ends a key rotation in one transaction: the desk's key id moves
    /// from `from` to `to`, the rotation's marker is cleared and `audit` is
    /// appended. Separately, a crash between them left a desk naming the
    /// new key yet still marked as rotating, or switched without a trace in
    /// the log.
    ///
    /// Returns false, changing nothing, when the key id no longer is
    /// `from` (another rotation switched it meanwhile).
    ///
    /// On SQLite the commit is synced whatever the connection's
    /// `synchronous` setting: the caller renames key files next, relying on
    /// the switch, and a switch rolled back by a power loss after those
    /// renames would leave the desk's key id and its key file disagreeing.
    pub async fn switch_key(
        &self,
        switch: &KeySwitch<'_>,
        audit: &NewAudit,
    ) -> Result<bool, StoreError> {
        let sqlite = matches!(self, Store::Sqlite(_));
        dispatch!(self, pool => {
            let mut conn = pool.acquire().await?;
            let previous: Option<i64> = if sqlite {
                let level = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *conn).await?;
                sqlx::query("PRAGMA synchronous = FULL").execute(&mut *conn).await?;
                Some(level)
            } else {
                None
            };
            let switched = async {
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                let moved = sqlx::query("UPDATE meta SET value = $1 WHERE name = $2 AND value = $3")
                    .bind(switch.to)
                    .bind(switch.key_id_entry)
                    .bind(switch.from)
                    .execute(&mut *tx)
                    .await?;
                if moved.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Ok::<bool, StoreError>(false);
                }
                sqlx::query("INSERT INTO meta (name, value) VALUES ($1, '') ON CONFLICT (name) DO UPDATE SET value = excluded.value")
                    .bind(switch.marker_entry)
                    .execute(&mut *tx)
                    .await?;
                append_in_tx!(self, tx, audit);
                tx.commit().await?;
                Ok(true)
            }
            .await;
            if let Some(level) = previous {
                // Back to what the pool's other users expect. Failing that,
                // this connection just stays synced (slower, never wrong);
                // it must not turn a committed switch into an error.
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA synchronous = {level}")))
                    .execute(&mut *conn)
                    .await;
            }
            switched
        })
    }

    /// The detail of the newest audit row with `action`, if any.
    pub async fn last_audit_detail(&self, action: &str) -> Result<Option<String>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_scalar("SELECT detail FROM audit WHERE action = $1 ORDER BY seq DESC LIMIT 1")
            .bind(action)
            .fetch_optional(pool)
            .await?))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn audit(action: &str, detail: &str) -> NewAudit {
        NewAudit {
            at: "2023-02-04T00:00:00Z".into(),
            operator: "test".into(),
            action: action.into(),
            person_id: None,
            detail: detail.into(),
        }
    }

    #[tokio::test]
    async fn the_key_switch_is_one_transaction_and_only_from_the_expected_key() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::open(&url).await.unwrap();
        store.set_meta("key_id", "aa").await.unwrap();
        store.set_meta("rotating_to", "bb").await.unwrap();
        let switch = KeySwitch {
            key_id_entry: "key_id",
            from: "aa",
            to: "bb",
            marker_entry: "rotating_to",
        };
        let row = audit("key-rotate", r#"{"from":"aa","to":"bb"}"#);
        assert!(store.switch_key(&switch, &row).await.unwrap());
        assert_eq!(store.meta("key_id").await.unwrap().as_deref(), Some("bb"));
        assert_eq!(
            store.meta("rotating_to").await.unwrap().as_deref(),
            Some("")
        );
        assert_eq!(
            store.last_audit_detail("key-rotate").await.unwrap(),
            Some(row.detail.clone())
        );
        // A second switch from the old key changes nothing, audits nothing.
        assert!(!store.switch_key(&switch, &row).await.unwrap());
        let entries = store.audit_entries().await.unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(crate::verify_chain(&entries), Ok(1));
        assert_eq!(store.last_audit_detail("backup").await.unwrap(), None);
        store.close().await;
    }
}
