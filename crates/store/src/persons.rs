//! Generations and the persons they list.

use crate::rows::{GenerationRow, PersonGenerationRow, PersonRow};
use crate::{Store, StoreError, dispatch};

type PersonTuple = (i64, Vec<u8>, Option<Vec<u8>>, Vec<u8>);
type PersonGenerationTuple = (i64, i64, String, String, i64, i64, Vec<u8>);
type GenerationTuple = (i64, String, String, String, String, String);

fn person(t: PersonTuple) -> PersonRow {
    PersonRow {
        person_id: t.0,
        key_index: t.1,
        email_index: t.2,
        sealed_key: t.3,
    }
}

fn person_generation(t: PersonGenerationTuple) -> PersonGenerationRow {
    PersonGenerationRow {
        generation: t.0,
        person_id: t.1,
        exposures: t.2,
        items: t.3,
        checkouts: t.4,
        cards: t.5,
        sealed: t.6,
    }
}

fn generation(t: GenerationTuple) -> GenerationRow {
    GenerationRow {
        generation: t.0,
        loaded_at: t.1,
        operator: t.2,
        incident_id: t.3,
        summary: t.4,
        changes: t.5,
    }
}

/// A person with one generation's entry, as the joins of `persons p` and
/// `person_generations g` select them.
const JOINED_COLUMNS: &str = "p.person_id, p.key_index, p.email_index, p.sealed_key, \
     g.generation, g.exposures, g.items, g.checkouts, g.cards, g.sealed";
type JoinedTuple = (
    i64,
    Vec<u8>,
    Option<Vec<u8>>,
    Vec<u8>,
    i64,
    String,
    String,
    i64,
    i64,
    Vec<u8>,
);

fn joined(t: JoinedTuple) -> (PersonRow, PersonGenerationRow) {
    (
        person((t.0, t.1, t.2, t.3)),
        person_generation((t.4, t.0, t.5, t.6, t.7, t.8, t.9)),
    )
}

const PERSON_COLUMNS: &str = "SELECT person_id, key_index, email_index, sealed_key FROM persons";
const PG_COLUMNS: &str = "SELECT generation, person_id, exposures, items, checkouts, cards, sealed FROM person_generations";

impl Store {
    pub async fn persons(&self) -> Result<Vec<PersonRow>, StoreError> {
        dispatch!(self, pool => {
            let rows: Vec<PersonTuple> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{PERSON_COLUMNS} ORDER BY person_id"))).fetch_all(pool).await?;
            Ok(rows.into_iter().map(person).collect())
        })
    }

    /// A person and their entry in one generation, in one query.
    pub async fn person_in_generation(
        &self,
        generation: i64,
        person_id: i64,
    ) -> Result<Option<(PersonRow, PersonGenerationRow)>, StoreError> {
        let sql = format!(
            "SELECT {JOINED_COLUMNS} FROM persons p JOIN person_generations g ON g.person_id = p.person_id \
             WHERE g.generation = $1 AND p.person_id = $2"
        );
        dispatch!(self, pool => {
            let row: Option<JoinedTuple> = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(generation)
                .bind(person_id)
                .fetch_optional(pool)
                .await?;
            Ok(row.map(joined))
        })
    }

    /// The persons of several ledger rows, each in the generation its row
    /// names, in one query: the send loop reads ahead in batches rather
    /// than one statement per notice. Rows whose person is gone are left out.
    pub async fn persons_of_notices(
        &self,
        notice_ids: &[i64],
    ) -> Result<Vec<(PersonRow, PersonGenerationRow)>, StoreError> {
        if notice_ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=notice_ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {JOINED_COLUMNS} \
             FROM notices n JOIN persons p ON p.person_id = n.person_id \
             JOIN person_generations g ON g.person_id = n.person_id AND g.generation = n.generation \
             WHERE n.notice_id IN ({})",
            placeholders.join(", ")
        );
        dispatch!(self, pool => {
            let mut query = sqlx::query_as::<_, JoinedTuple>(sqlx::AssertSqlSafe(sql.clone()));
            for id in notice_ids {
                query = query.bind(*id);
            }
            Ok(query.fetch_all(pool).await?.into_iter().map(joined).collect())
        })
    }

    pub async fn person_by_key_index(
        &self,
        key_index: &[u8],
    ) -> Result<Option<PersonRow>, StoreError> {
        dispatch!(self, pool => {
            let row: Option<PersonTuple> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{PERSON_COLUMNS} WHERE key_index = $1")))
                .bind(key_index)
                .fetch_optional(pool)
                .await?;
            Ok(row.map(person))
        })
    }

    pub async fn persons_by_email_index(
        &self,
        email_index: &[u8],
    ) -> Result<Vec<PersonRow>, StoreError> {
        dispatch!(self, pool => {
            let rows: Vec<PersonTuple> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{PERSON_COLUMNS} WHERE email_index = $1 ORDER BY person_id")))
                .bind(email_index)
                .fetch_all(pool)
                .await?;
            Ok(rows.into_iter().map(person).collect())
        })
    }

    /// The newest generation, without reading every generation's summary.
    pub async fn latest_generation(&self) -> Result<Option<i64>, StoreError> {
        dispatch!(self, pool => {
            let latest: Option<i64> = sqlx::query_scalar("SELECT MAX(generation) FROM generations")
                .fetch_one(pool)
                .await?;
            Ok(latest)
        })
    }

    pub async fn generations(&self) -> Result<Vec<GenerationRow>, StoreError> {
        dispatch!(self, pool => {
            let rows: Vec<GenerationTuple> = sqlx::query_as(
                "SELECT generation, loaded_at, operator, incident_id, summary, changes FROM generations ORDER BY generation",
            )
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(generation).collect())
        })
    }

    /// Every person listed by one generation.
    pub async fn generation_persons(
        &self,
        generation: i64,
    ) -> Result<Vec<PersonGenerationRow>, StoreError> {
        dispatch!(self, pool => {
            let rows: Vec<PersonGenerationTuple> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{PG_COLUMNS} WHERE generation = $1 ORDER BY person_id")))
                .bind(generation)
                .fetch_all(pool)
                .await?;
            Ok(rows.into_iter().map(person_generation).collect())
        })
    }

    /// One person's entries in every generation that listed them.
    pub async fn person_history(
        &self,
        person_id: i64,
    ) -> Result<Vec<PersonGenerationRow>, StoreError> {
        dispatch!(self, pool => {
            let rows: Vec<PersonGenerationTuple> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{PG_COLUMNS} WHERE person_id = $1 ORDER BY generation")))
                .bind(person_id)
                .fetch_all(pool)
                .await?;
            Ok(rows.into_iter().map(person_generation).collect())
        })
    }

    /// The highest person id in use (new persons are numbered after it).
    pub async fn max_person_id(&self) -> Result<i64, StoreError> {
        dispatch!(self, pool => {
            let max: Option<i64> = sqlx::query_scalar("SELECT MAX(person_id) FROM persons").fetch_one(pool).await?;
            Ok(max.unwrap_or(0))
        })
    }

    /// Every person's key index and id: what a load needs to recognise
    /// the persons it has seen before, without their sealed data.
    pub async fn person_ids_by_key(&self) -> Result<Vec<(Vec<u8>, i64)>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as("SELECT key_index, person_id FROM persons").fetch_all(pool).await?))
    }

    /// What a generation said of each person (exposures and items, not the
    /// sealed data): what the next load compares with.
    pub async fn generation_scopes(
        &self,
        generation: i64,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        dispatch!(self, pool => Ok(sqlx::query_as(
            "SELECT person_id, exposures, items FROM person_generations WHERE generation = $1",
        )
        .bind(generation)
        .fetch_all(pool)
        .await?))
    }

    /// Replaces a person's sealed key and indexes (key rotation).
    pub async fn replace_person_crypto(&self, row: &PersonRow) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query("UPDATE persons SET key_index = $1, email_index = $2, sealed_key = $3 WHERE person_id = $4")
                .bind(&row.key_index)
                .bind(&row.email_index)
                .bind(&row.sealed_key)
                .bind(row.person_id)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Replaces one generation entry's sealed data (key rotation).
    pub async fn replace_generation_sealed(
        &self,
        generation: i64,
        person_id: i64,
        sealed: &[u8],
    ) -> Result<(), StoreError> {
        dispatch!(self, pool => {
            sqlx::query("UPDATE person_generations SET sealed = $1 WHERE generation = $2 AND person_id = $3")
                .bind(sealed)
                .bind(generation)
                .bind(person_id)
                .execute(pool)
                .await?;
            Ok(())
        })
    }
}
