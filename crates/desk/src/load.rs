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

/// Persons sealed and written per batch: the memory a load needs beyond
/// the scope's own.
const BATCH: usize = 2_000;

/// Reads the registered postal address of every affected account in a
/// second pass over the customers file (only affected accounts kept).
fn registered_addresses(
    incident: &breachdesk_domain::Incident,
    inputs: &ScopeInputs,
    wanted: &std::collections::HashSet<&str>,
) -> Result<HashMap<String, (String, String)>, DeskError> {
    use breachdesk_domain::column::customer as cu;
    let Some(customers) = &inputs.customers else {
        return Ok(HashMap::new());
    };
    let (maps, _) = breachdesk_ingest::scan(
        customers,
        breachdesk_domain::RecordKind::Customers,
        &incident.zone,
        inputs.threads,
        HashMap::new,
        |found: &mut HashMap<String, (String, String)>, record, _| {
            let id = record.get(cu::CUSTOMER_ID).trim();
            let address = record.get(cu::ADDRESS).trim();
            if !address.is_empty() && wanted.contains(id) {
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

/// A 64-bit digest of what a generation says of a person: enough to tell
/// "the same" from "changed" without keeping both texts.
fn scope_digest(exposures: &str, items: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (exposures, items).hash(&mut h);
    h.finish()
}

/// One person's rows, sealed: a new person row when the desk has not seen
/// them, and their row of this generation.
struct Sealed {
    new_person: Option<PersonRow>,
    row: PersonGenerationRow,
}

/// A person of the scope, with the id the desk gives them, their blind
/// index when that id is new, what this generation says of them (as stored
/// and as compared), and the account's registered address.
struct ToSeal {
    person: breachdesk_scope::AffectedPerson,
    person_id: i64,
    new_key_index: Option<Vec<u8>>,
    exposures: String,
    items: String,
    registered: Option<(String, String)>,
}

/// Seals one batch (CPU work: on a blocking thread).
fn seal_batch(
    vault: &breachdesk_vault::Vault,
    generation: i64,
    batch: Vec<ToSeal>,
) -> Result<Vec<Sealed>, DeskError> {
    batch
        .into_iter()
        .map(
            |ToSeal {
                 person,
                 person_id,
                 new_key_index,
                 exposures,
                 items,
                 registered,
             }| {
                let new_person = match new_key_index {
                    Some(key_index) => Some(PersonRow {
                        person_id,
                        key_index,
                        email_index: email_index(vault, &person.email),
                        sealed_key: vault.seal_str(&person.person, &key_context(person_id))?,
                    }),
                    None => None,
                };
                let row = PersonGenerationRow {
                    generation,
                    person_id,
                    exposures,
                    items,
                    checkouts: i64::try_from(person.checkouts).unwrap_or(i64::MAX),
                    cards: i64::try_from(person.cards).unwrap_or(i64::MAX),
                    sealed: seal_person(
                        vault,
                        generation,
                        person_id,
                        &SealedPerson::from_affected(&person).with_registered(registered.as_ref()),
                    )?,
                };
                Ok(Sealed { new_person, row })
            },
        )
        .collect()
}

/// Writes one sealed batch into the generation's transaction.
async fn write_sealed(
    writer: &mut breachdesk_store::GenerationWriter,
    sealed: Vec<Sealed>,
) -> Result<(), DeskError> {
    let (new_persons, rows): (Vec<_>, Vec<_>) =
        sealed.into_iter().map(|s| (s.new_person, s.row)).unzip();
    let new_persons: Vec<PersonRow> = new_persons.into_iter().flatten().collect();
    Ok(writer.write(&new_persons, &rows).await?)
}

/// What the sealing thread needs: the vault, the generation, the first id
/// a new person may take, the desk's persons by blind index, the previous
/// generation's digests, and the registered addresses.
struct ToProduce {
    vault: std::sync::Arc<breachdesk_vault::Vault>,
    generation: i64,
    first_new_id: i64,
    known: HashMap<Vec<u8>, i64>,
    before: HashMap<i64, u64>,
    registered: HashMap<String, (String, String)>,
}

impl ToProduce {
    /// Numbers, compares and seals the persons, sending each sealed batch,
    /// and tells what changed since the previous generation. Stops early
    /// when the writer has gone (its error is the one reported).
    fn run(
        self,
        persons: impl Iterator<Item = breachdesk_scope::AffectedPerson>,
        sealed_tx: &tokio::sync::mpsc::Sender<Vec<Sealed>>,
    ) -> Result<Changes, DeskError> {
        let mut persons = persons.peekable();
        let mut changes = Changes::default();
        let mut now_ids = Vec::new();
        let mut next_new_id = self.first_new_id;
        while persons.peek().is_some() {
            let mut batch = Vec::with_capacity(BATCH);
            for person in persons.by_ref().take(BATCH) {
                let index = key_index(&self.vault, &person.person);
                let (person_id, new_key_index) = match self.known.get(&index) {
                    Some(id) => (*id, None),
                    None => {
                        next_new_id += 1;
                        (next_new_id - 1, Some(index))
                    }
                };
                let exposures = person.exposures.join(";");
                let items = person.items.joined();
                let digest = scope_digest(&exposures, &items);
                match self.before.get(&person_id) {
                    None => changes.added_ids.push(person_id),
                    Some(d) if *d != digest => changes.changed_ids.push(person_id),
                    Some(_) => {}
                }
                now_ids.push(person_id);
                let registered = self.registered.get(&person.person).cloned();
                batch.push(ToSeal {
                    person,
                    person_id,
                    new_key_index,
                    exposures,
                    items,
                    registered,
                });
            }
            let sealed = seal_batch(&self.vault, self.generation, batch)?;
            if sealed_tx.blocking_send(sealed).is_err() {
                break;
            }
        }
        let now: std::collections::HashSet<i64> = now_ids.into_iter().collect();
        changes.removed_ids = self
            .before
            .keys()
            .filter(|id| !now.contains(id))
            .copied()
            .collect();
        changes.removed_ids.sort_unstable();
        changes.added_ids.sort_unstable();
        changes.changed_ids.sort_unstable();
        changes.added = changes.added_ids.len();
        changes.removed = changes.removed_ids.len();
        changes.changed = changes.changed_ids.len();
        Ok(changes)
    }
}

impl Desk {
    /// Scopes the files and stores the result as a new generation, and
    /// remembers the files for `explain`. The generation is written in one
    /// transaction, fed in batches: memory holds the scope's result and
    /// one sealed batch, never every sealed row at once.
    pub async fn load(&self, inputs: &ScopeInputs) -> Result<LoadReport, DeskError> {
        let mut inputs = inputs.clone();
        inputs.collect_checkouts = true;
        // Scoping and the second pass are CPU-bound (seconds, on every
        // core): off the async threads.
        let (result, registered) = {
            let (incident, inputs) = (self.incident().clone(), inputs.clone());
            tokio::task::spawn_blocking(move || -> Result<_, DeskError> {
                let result = run_scope(&incident, &inputs)?;
                let wanted = result.persons.keys().collect();
                let registered = registered_addresses(&incident, &inputs, &wanted)?;
                Ok((result, registered))
            })
            .await??
        };
        let known: HashMap<Vec<u8>, i64> = self
            .store()
            .person_ids_by_key()
            .await?
            .into_iter()
            .collect();
        let previous = self.store().latest_generation().await?;
        let before: HashMap<i64, u64> = match previous {
            Some(g) => self
                .store()
                .generation_scopes(g)
                .await?
                .into_iter()
                .map(|(id, exposures, items)| (id, scope_digest(&exposures, &items)))
                .collect(),
            None => HashMap::new(),
        };
        let mut writer = self.store().begin_generation().await?;
        let generation = writer.generation();
        let breachdesk_scope::ScopeResult {
            persons, summary, ..
        } = result;
        // One blocking thread numbers, compares and seals the persons, batch
        // by batch, while this task writes the batch before: the sealing
        // and the database's thread run on two cores. The channel holds two
        // batches, so memory stays bounded however large the scope.
        let (sealed_tx, mut sealed_rx) = tokio::sync::mpsc::channel(2);
        let producer = {
            let to_seal = ToProduce {
                vault: self.shared_vault(),
                generation,
                first_new_id: writer.first_new_person_id(),
                known,
                before,
                registered,
            };
            let persons = persons.into_persons();
            tokio::task::spawn_blocking(move || to_seal.run(persons, &sealed_tx))
        };
        while let Some(batch) = sealed_rx.recv().await {
            write_sealed(&mut writer, batch).await?;
        }
        // The channel closed: the producer finished or failed.
        let changes = producer.await??;
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
        writer.finish(&row, &audit).await?;
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
