//! Writing one generation: a single transaction that the load feeds in
//! batches, so it never holds the whole affected set sealed in memory, and
//! in which the generation number and the new persons' ids are taken, so
//! two loads at once cannot pick the same ones. A load that fails or is
//! dropped before `finish` leaves nothing behind.

use crate::audit::append_in_tx;
use crate::rows::{GenerationRow, NewAudit, PersonGenerationRow, PersonRow};
use crate::{Store, StoreError, WritePool, dispatch};

/// PostgreSQL: the lock that serializes loads (SQLite's `BEGIN IMMEDIATE`
/// does that already).
const LOAD_LOCK: i64 = 7_263_540;

/// SQLite page cache while a generation is written, and after it.
const SQLITE_LOAD_CACHE: &str = "PRAGMA cache_size = -32768";
const SQLITE_DEFAULT_CACHE: &str = "PRAGMA cache_size = -2000";

/// Rows per INSERT; well under SQLite's 32,766 bound values.
const BATCH: usize = 2_000;

enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// One generation being written.
pub struct GenerationWriter {
    tx: Tx,
    store: Store,
    generation: i64,
    last_person_id: i64,
}

impl std::fmt::Debug for GenerationWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenerationWriter")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

/// Runs `$body` with `$tx` bound to the writer's transaction of either backend.
macro_rules! with_tx {
    ($writer:expr, $tx:ident => $body:expr) => {
        match &mut $writer.tx {
            Tx::Sqlite($tx) => $body,
            Tx::Postgres($tx) => $body,
        }
    };
}

impl Store {
    /// Opens the transaction of the next generation.
    pub async fn begin_generation(&self) -> Result<GenerationWriter, StoreError> {
        let postgres = matches!(self, Store::Postgres(_));
        let (tx, generation, last_person_id) = dispatch!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(LOAD_LOCK).execute(&mut *tx).await?;
            } else {
                // The persons' blind indexes arrive in random order: with
                // SQLite's default 2 MiB page cache each insert rereads
                // index pages (measured: writing 242,705 persons took 5.4 s
                // instead of 3.5 s). Only this connection, only for the load.
                sqlx::query(SQLITE_LOAD_CACHE).execute(&mut *tx).await?;
            }
            let generation: Option<i64> = sqlx::query_scalar("SELECT MAX(generation) FROM generations").fetch_one(&mut *tx).await?;
            let person: Option<i64> = sqlx::query_scalar("SELECT MAX(person_id) FROM persons").fetch_one(&mut *tx).await?;
            (Tx::from(tx), generation.unwrap_or(0) + 1, person.unwrap_or(0))
        });
        Ok(GenerationWriter {
            tx,
            store: self.clone(),
            generation,
            last_person_id,
        })
    }

    /// Writes a whole generation, its new persons and its audit row in one
    /// transaction: a crash leaves the previous state, never half a load.
    /// The generation must be the next one.
    pub async fn save_generation(
        &self,
        generation: &GenerationRow,
        new_persons: &[PersonRow],
        rows: &[PersonGenerationRow],
        audit: &NewAudit,
    ) -> Result<(), StoreError> {
        let mut writer = self.begin_generation().await?;
        if writer.generation() != generation.generation {
            return Err(StoreError::Invalid(format!(
                "generation {} is not the next one ({})",
                generation.generation,
                writer.generation()
            )));
        }
        writer.write(new_persons, rows).await?;
        writer.finish(generation, audit).await
    }
}

impl From<sqlx::Transaction<'static, sqlx::Sqlite>> for Tx {
    fn from(tx: sqlx::Transaction<'static, sqlx::Sqlite>) -> Tx {
        Tx::Sqlite(tx)
    }
}

impl From<sqlx::Transaction<'static, sqlx::Postgres>> for Tx {
    fn from(tx: sqlx::Transaction<'static, sqlx::Postgres>) -> Tx {
        Tx::Postgres(tx)
    }
}

impl GenerationWriter {
    /// The number this generation gets.
    pub fn generation(&self) -> i64 {
        self.generation
    }

    /// The first id a person new to the desk may take; the ones after it
    /// are free too (ids are taken inside this transaction, which loads
    /// hold one at a time).
    pub fn first_new_person_id(&self) -> i64 {
        self.last_person_id + 1
    }

    /// Adds new persons and this generation's rows.
    pub async fn write(
        &mut self,
        new_persons: &[PersonRow],
        rows: &[PersonGenerationRow],
    ) -> Result<(), StoreError> {
        with_tx!(self, tx => {
            for batch in new_persons.chunks(BATCH) {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO persons (person_id, key_index, email_index, sealed_key) ");
                q.push_values(batch, |mut b, p| {
                    b.push_bind(p.person_id).push_bind(&p.key_index).push_bind(&p.email_index).push_bind(&p.sealed_key);
                });
                q.build().execute(&mut **tx).await?;
            }
            for batch in rows.chunks(BATCH) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO person_generations (generation, person_id, exposures, items, checkouts, cards, sealed) ",
                );
                q.push_values(batch, |mut b, r| {
                    b.push_bind(r.generation)
                        .push_bind(r.person_id)
                        .push_bind(&r.exposures)
                        .push_bind(&r.items)
                        .push_bind(r.checkouts)
                        .push_bind(r.cards)
                        .push_bind(&r.sealed);
                });
                q.build().execute(&mut **tx).await?;
            }
        });
        Ok(())
    }

    /// Records the generation and its audit row, and commits it all.
    pub async fn finish(
        mut self,
        generation: &GenerationRow,
        audit: &NewAudit,
    ) -> Result<(), StoreError> {
        if generation.generation != self.generation {
            return Err(StoreError::Invalid(format!(
                "generation {} written as {}",
                self.generation, generation.generation
            )));
        }
        let store = self.store.clone();
        with_tx!(self, tx => {
            sqlx::query("INSERT INTO generations (generation, loaded_at, operator, incident_id, summary, changes) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(generation.generation)
                .bind(&generation.loaded_at)
                .bind(&generation.operator)
                .bind(&generation.incident_id)
                .bind(&generation.summary)
                .bind(&generation.changes)
                .execute(&mut **tx)
                .await?;
            append_in_tx!(store, (*tx), audit);
        });
        match self.tx {
            Tx::Sqlite(mut tx) => {
                // The cache goes back to its default before the connection
                // returns to the pool; the pragma is not transactional.
                sqlx::query(SQLITE_DEFAULT_CACHE).execute(&mut *tx).await?;
                tx.commit().await?
            }
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}
