//! `breachdesk load`: scope the exports and store the result as a new
//! generation, with what changed since the previous one.

use crate::DeskError;
use crate::desk::Desk;
use crate::sealed::{SealedPerson, email_index, key_context, key_index, seal_person};
use breachdesk_scope::{ScopeInputs, run_scope, summary_json};
use breachdesk_store::{GenerationRow, PersonGenerationRow, PersonRow};
use serde::Serialize;
use std::collections::HashMap;

/// Persons added, removed, or with other exposures or items than before.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    /// Internal ids, never emails.
    pub added_ids: Vec<i64>,
    pub removed_ids: Vec<i64>,
    pub changed_ids: Vec<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LoadReport {
    pub generation: i64,
    pub persons: u64,
    pub cards: u64,
    pub changes: Changes,
    /// What the new generation changed in the notice ledger.
    pub revision: breachdesk_store::Revision,
    /// Persons already told something this generation no longer says.
    pub corrections_due: usize,
}

impl Desk {
    /// The registered postal address of every affected account, read in a
    /// second pass over the customers file (only affected accounts kept).
    fn registered_addresses(
        &self,
        inputs: &ScopeInputs,
        persons: &breachdesk_scope::AffectedSet,
    ) -> Result<HashMap<String, (String, String)>, DeskError> {
        use breachdesk_domain::column::customer as cu;
        let Some(customers) = &inputs.customers else {
            return Ok(HashMap::new());
        };
        let wanted: std::collections::HashSet<&str> = persons.keys().collect();
        let (maps, _) = breachdesk_ingest::scan(
            customers,
            breachdesk_domain::RecordKind::Customers,
            &self.incident().zone,
            inputs.threads,
            HashMap::new,
            |found: &mut HashMap<String, (String, String)>, record, _| {
                let id = record.get(cu::CUSTOMER_ID).trim();
                let address = record.get(cu::ADDRESS).trim();
                if wanted.contains(id) && !address.is_empty() {
                    found.insert(
                        id.to_owned(),
                        (
                            record.get(cu::POSTAL_CODE).trim().to_owned(),
                            address.to_owned(),
                        ),
                    );
                }
            },
        )
        .map_err(breachdesk_scope::ScopeError::from)?;
        Ok(maps.into_iter().flatten().collect())
    }

    /// Scopes the files and stores the result as a new generation, and
    /// remembers the files for `explain`.
    pub async fn load(&self, inputs: &ScopeInputs) -> Result<LoadReport, DeskError> {
        let mut inputs = inputs.clone();
        inputs.collect_checkouts = true;
        // Scoping is CPU-bound (seconds, on every core): off the async threads.
        let result = {
            let (incident, inputs) = (self.incident().clone(), inputs.clone());
            tokio::task::spawn_blocking(move || run_scope(&incident, &inputs)).await??
        };
        let known: HashMap<Vec<u8>, i64> = self
            .store()
            .persons()
            .await?
            .into_iter()
            .map(|p| (p.key_index, p.person_id))
            .collect();
        let previous = self.store().latest_generation().await?;
        let before: HashMap<i64, (String, String)> = match previous {
            Some(g) => self
                .store()
                .generation_persons(g)
                .await?
                .into_iter()
                .map(|r| (r.person_id, (r.exposures, r.items)))
                .collect(),
            None => HashMap::new(),
        };
        let generation = previous.unwrap_or(0) + 1;
        let mut next_id = self.store().max_person_id().await?;
        let mut new_persons = Vec::new();
        let mut rows = Vec::with_capacity(result.persons.len());
        let mut changes = Changes::default();
        let registered = self.registered_addresses(&inputs, &result.persons)?;
        let breachdesk_scope::ScopeResult {
            persons, summary, ..
        } = result;
        for person in persons.into_persons() {
            let person = &person;
            let index = key_index(self.vault(), &person.person);
            let person_id = match known.get(&index) {
                Some(id) => *id,
                None => {
                    next_id += 1;
                    new_persons.push(PersonRow {
                        person_id: next_id,
                        key_index: index,
                        email_index: email_index(self.vault(), &person.email),
                        sealed_key: self
                            .vault()
                            .seal_str(&person.person, &key_context(next_id))?,
                    });
                    next_id
                }
            };
            let exposures = person.exposures.join(";");
            let items = person.items.joined();
            match before.get(&person_id) {
                None => changes.added_ids.push(person_id),
                Some((e, i)) if *e != exposures || *i != items => {
                    changes.changed_ids.push(person_id)
                }
                Some(_) => {}
            }
            rows.push(PersonGenerationRow {
                generation,
                person_id,
                exposures,
                items,
                checkouts: i64::try_from(person.checkouts).unwrap_or(i64::MAX),
                cards: i64::try_from(person.cards).unwrap_or(i64::MAX),
                sealed: seal_person(
                    self.vault(),
                    generation,
                    person_id,
                    &SealedPerson::from_affected(person)
                        .with_registered(registered.get(&person.person)),
                )?,
            });
        }
        let now: std::collections::HashSet<i64> = rows.iter().map(|r| r.person_id).collect();
        changes.removed_ids = before
            .keys()
            .filter(|id| !now.contains(id))
            .copied()
            .collect();
        changes.removed_ids.sort_unstable();
        changes.added = changes.added_ids.len();
        changes.removed = changes.removed_ids.len();
        changes.changed = changes.changed_ids.len();
        // Integers and integer lists: serde_json cannot fail on them (it
        // fails only on maps with non-string keys and failing Serialize impls).
        #[allow(clippy::expect_used)]
        let changes_json = serde_json::to_string(&changes).expect("changes are plain numbers");
        let row = GenerationRow {
            generation,
            loaded_at: self.now_text(),
            operator: self.config().operator.clone(),
            incident_id: self.incident().id.clone(),
            summary: String::from_utf8_lossy(&summary_json(&summary))
                .trim()
                .to_owned(),
            changes: changes_json,
        };
        let audit = self.new_audit(
            "load",
            None,
            serde_json::json!({
                "generation": generation,
                "persons": summary.persons,
                "added": changes.added,
                "removed": changes.removed,
                "changed": changes.changed,
            }),
        );
        self.store()
            .save_generation(&row, &new_persons, &rows, &audit)
            .await?;
        self.remember_inputs(&inputs).await?;
        // What has not reached its person follows the new scope at once.
        let revision = self
            .store()
            .revise_notices(generation, &self.now_text())
            .await?;
        let corrections_due = self.store().corrections_due(generation).await?.len();
        Ok(LoadReport {
            generation,
            persons: summary.persons,
            cards: summary.cards,
            changes,
            revision,
            corrections_due,
        })
    }
}
