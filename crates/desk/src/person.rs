//! `breachdesk person`: one stored person, opened and audited.

use crate::DeskError;
use crate::desk::Desk;
use crate::sealed::{SealedPerson, email_index, key_context, key_index, open_person};
use breachdesk_domain::person::{CHECKOUT_PREFIX, GUEST_PREFIX};
use serde::Serialize;

/// A person as one generation stored them.
#[derive(Debug, Serialize)]
pub struct StoredVersion {
    pub generation: i64,
    pub exposures: Vec<String>,
    pub items: Vec<String>,
    pub checkouts: i64,
    pub cards: i64,
    pub data: SealedPersonView,
}

/// The opened data, serializable for `--json`.
#[derive(Serialize)]
pub struct SealedPersonView {
    pub email: String,
    pub name: String,
    pub first_exposed_at: Option<String>,
    pub last_exposed_at: Option<String>,
    pub checkouts: Vec<breachdesk_scope::CheckoutDetail>,
    /// Where a letter goes.
    pub postal_code: String,
    pub address: String,
}

impl std::fmt::Debug for SealedPersonView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealedPersonView(<redacted>)")
    }
}

impl From<SealedPerson> for SealedPersonView {
    fn from(p: SealedPerson) -> Self {
        SealedPersonView {
            email: p.email,
            name: p.name,
            first_exposed_at: p.first_exposed_at,
            last_exposed_at: p.last_exposed_at,
            checkouts: p.checkouts,
            postal_code: p.postal_code,
            address: p.address,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PersonView {
    pub person_id: i64,
    pub key: String,
    /// Whether the latest generation lists this person.
    pub affected_now: bool,
    pub versions: Vec<StoredVersion>,
}

impl Desk {
    /// A person as one generation stored them. `latest` is the newest
    /// generation, for `affected_now`: asked of the store only when the
    /// version read is an older one.
    pub async fn stored_version(
        &self,
        person_id: i64,
        generation: i64,
        latest: i64,
    ) -> Result<PersonView, DeskError> {
        let (person, row) = self
            .store()
            .person_in_generation(generation, person_id)
            .await?
            .ok_or(DeskError::PersonMissing {
                person_id,
                generation,
            })?;
        self.person_view(&person, &row, latest).await
    }

    /// A person from their sealed rows (as `stored_version` or the send
    /// loop's read-ahead fetched them).
    pub async fn person_view(
        &self,
        person: &breachdesk_store::PersonRow,
        row: &breachdesk_store::PersonGenerationRow,
        latest: i64,
    ) -> Result<PersonView, DeskError> {
        let (person_id, generation) = (person.person_id, row.generation);
        let key = self
            .vault()
            .open_string(&person.sealed_key, &key_context(person_id))?;
        let data = open_person(self.vault(), generation, person_id, &row.sealed)?;
        let affected_now = generation == latest
            || self
                .store()
                .person_in_generation(latest, person_id)
                .await?
                .is_some();
        let split = |s: &str| {
            s.split(';')
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect()
        };
        Ok(PersonView {
            person_id,
            key: key.to_string(),
            affected_now,
            versions: vec![StoredVersion {
                generation,
                exposures: split(&row.exposures),
                items: split(&row.items),
                checkouts: row.checkouts,
                cards: row.cards,
                data: data.into(),
            }],
        })
    }

    /// The internal id of a stored person key, if the desk holds it.
    pub async fn person_id(&self, key: &str) -> Result<Option<i64>, DeskError> {
        Ok(self
            .store()
            .person_by_key_index(&key_index(self.vault(), key))
            .await?
            .map(|p| p.person_id))
    }

    /// Finds persons by key (customer id, `guest:…`, `checkout:…`) or by
    /// email, opens their data and records the read in the audit log.
    pub async fn person(&self, query: &str) -> Result<Vec<PersonView>, DeskError> {
        let query = query.trim();
        // Full-width addresses (＠) count as emails: decide on the normalized form.
        let by_key = query.starts_with(GUEST_PREFIX)
            || query.starts_with(CHECKOUT_PREFIX)
            || !breachdesk_domain::normalize_email(query).is_some_and(|e| e.contains('@'));
        let rows = if by_key {
            self.store()
                .person_by_key_index(&key_index(self.vault(), query))
                .await?
                .into_iter()
                .collect()
        } else {
            match email_index(self.vault(), query) {
                Some(index) => self.store().persons_by_email_index(&index).await?,
                None => Vec::new(),
            }
        };
        let latest = self.store().latest_generation().await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let key = self
                .vault()
                .open_string(&row.sealed_key, &key_context(row.person_id))?;
            let mut versions = Vec::new();
            for version in self.store().person_history(row.person_id).await? {
                let data = open_person(
                    self.vault(),
                    version.generation,
                    row.person_id,
                    &version.sealed,
                )?;
                versions.push(StoredVersion {
                    generation: version.generation,
                    exposures: split(&version.exposures),
                    items: split(&version.items),
                    checkouts: version.checkouts,
                    cards: version.cards,
                    data: data.into(),
                });
            }
            self.audit(
                "read-person",
                Some(row.person_id),
                serde_json::json!({ "generations": versions.len() }),
            )
            .await?;
            out.push(PersonView {
                person_id: row.person_id,
                key: key.to_string(),
                affected_now: versions.last().map(|v| v.generation) == latest,
                versions,
            });
        }
        Ok(out)
    }
}

fn split(joined: &str) -> Vec<String> {
    joined
        .split(';')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}
