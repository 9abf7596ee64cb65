//! `breachdesk key rotate`: re-seal everything under a new key without
//! losing a row, finishable after a crash at any point.
//!
//! The steps, in order, each done before the next begins:
//!
//! 1. `write-new-key`: a new key is written to `KEYFILE.new` (synced, with
//!    its folder).
//! 2. `record-target`: meta `rotating_to` names it. From here `Desk::open`
//!    refuses the desk (`RotationInterrupted`) until the rotation ends.
//! 3. `reseal`: every value under the old key is re-sealed, in batches of
//!    one transaction each. A sealed value records its key, so a re-run
//!    skips what is done.
//! 4. `move-old-key`: `KEYFILE` -> `KEYFILE.old-OLDID`, synced (kept:
//!    backups taken before the rotation need it).
//! 5. `switch-key`: one transaction sets meta `key_id` to the new key,
//!    clears `rotating_to` and appends the `key-rotate` audit row; its
//!    commit is synced whatever SQLite's `synchronous` setting, because
//!    step 6 relies on it.
//! 6. `place-new-key`: `KEYFILE.new` -> `KEYFILE`, synced.
//!
//! Why 4 comes before 5: the database and the key file cannot change
//! together, so for a moment they disagree whatever the order. Moved aside
//! first, that moment is one where `KEYFILE` is missing while `KEYFILE.new`
//! is there, which the vault reports as an unfinished rotation (for
//! `Desk::open`, the same `RotationInterrupted` as step 2's marker).
//! Switched first, `KEYFILE` would hold the old key while the desk names
//! the new one: a wrong key, by every sign.
//!
//! What a re-run finds after a crash, and does (`Desk::open` opens the desk
//! before step 2 and after step 6, and says `RotationInterrupted` between):
//! - during 1: perhaps a half-written `KEYFILE.new`. The desk does not name
//!   it yet, so nothing is sealed under it: it is replaced.
//! - after 1, 2 or during 3: re-seals what is left, and goes on.
//! - after 4: `KEYFILE` is missing and the desk still names the old key,
//!   which it reads from `KEYFILE.old-OLDID`; checks every value again,
//!   then 5 and 6. (A power loss may undo the last commits of 2 and 3
//!   under `synchronous = NORMAL`, in order, never the file steps after
//!   them: so this check is not idle.)
//! - after 5: the desk names `KEYFILE.new`'s key; only 6 is left.
//!
//! A state no crash leaves, `rotating_to` naming a key that `KEYFILE.new`
//! does not hold, is refused (`RotationKeyMissing`): a fresh key in its
//! place would strand every value already re-sealed.

use crate::DeskError;
use crate::config::DeskConfig;
use crate::desk::{META_KEY_ID, META_ROTATING_TO};
use crate::sealed::{email_index, generation_context, key_context, key_index, open_person};
use breachdesk_store::{KeySwitch, NewAudit, PersonRow, ResealedEntry, Store};
use breachdesk_vault::{
    DataKey, Vault, VaultError, pending_key_path, rename_durably, retired_key_path, sealed_key_id,
};
use serde::Serialize;
use std::path::{Path, PathBuf};

mod site_rows;
pub(crate) use site_rows::{META_SERVING_AT, SERVING_MARK_EVERY};

/// The audit row of a rotation; its detail names both keys.
const AUDIT_ACTION: &str = "key-rotate";

/// Values re-sealed per transaction: one commit (one sync of the WAL) per
/// batch rather than per value.
const BATCH: usize = 500;

#[derive(Debug, Serialize)]
pub struct RotationReport {
    pub old_key_id: String,
    pub new_key_id: String,
    pub persons_resealed: usize,
    /// Generation entries and the public site's rows.
    pub rows_resealed: usize,
    /// Rows already under the new key (an interrupted rotation resumed).
    pub rows_skipped: usize,
    pub old_key_file: PathBuf,
}

/// The steps of the module comment, by the names the test hook reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    WriteNewKey,
    RecordTarget,
    Reseal,
    MoveOldKey,
    SwitchKey,
    PlaceNewKey,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::WriteNewKey => "write-new-key",
            Step::RecordTarget => "record-target",
            Step::Reseal => "reseal",
            Step::MoveOldKey => "move-old-key",
            Step::SwitchKey => "switch-key",
            Step::PlaceNewKey => "place-new-key",
        }
    }
}

/// The test hook: how many more steps may run (each re-sealed value is
/// one) before the rotation stops, as a crash there would.
struct Steps(Option<usize>);

impl Steps {
    /// Whether the rotation stops before its next step (counting it if not).
    fn stop(&mut self) -> bool {
        match &mut self.0 {
            Some(0) => true,
            Some(left) => {
                *left -= 1;
                false
            }
            None => false,
        }
    }

    fn next(&mut self, step: Step) -> Result<(), DeskError> {
        if self.stop() {
            return Err(DeskError::RotationStopped {
                before: step.name(),
            });
        }
        Ok(())
    }
}

/// Rotates the desk's key, or finishes an interrupted rotation.
/// `stop_after` stops it after that many steps (see the module comment;
/// each re-sealed value counts as one, steps a resumed run finds done do
/// not count), with `RotationStopped` naming the step it stopped before,
/// as a crash there would: for tests of resumption.
pub async fn rotate_key(
    config: &DeskConfig,
    clock: &dyn crate::Clock,
    stop_after: Option<usize>,
) -> Result<RotationReport, DeskError> {
    let store = Store::open(config.database_url.expose()).await?;
    let mut rotation = Rotation {
        config,
        clock,
        store: &store,
        steps: Steps(stop_after),
    };
    let report = rotation.run().await;
    store.close().await;
    report
}

struct Rotation<'a> {
    config: &'a DeskConfig,
    clock: &'a dyn crate::Clock,
    store: &'a Store,
    steps: Steps,
}

impl Rotation<'_> {
    async fn run(&mut self) -> Result<RotationReport, DeskError> {
        let key_file = &self.config.key_file;
        let new_path = pending_key_path(key_file);
        let current = DataKey::load_if_exists(key_file)?;
        // Kept as it came: a half-written file is not an error yet.
        let pending = DataKey::load_if_exists(&new_path);
        // A running `serve` would go on sealing under the old key. Refused
        // before it starts (one under way is let finish: no `serve` can
        // open the desk while the rotation is marked).
        if !matches!(pending, Ok(Some(_))) && self.config.key_file.exists() {
            self.refuse_while_serving().await?;
        }
        let desk_key = match self.store.meta(META_KEY_ID).await? {
            Some(id) => id,
            // Never opened since `init`: the key file's key is the desk's,
            // as `Desk::open` would record it.
            None => {
                let Some(key) = &current else {
                    return Err(key_file_missing(key_file));
                };
                let id = key.id().to_string();
                self.store.set_meta(META_KEY_ID, &id).await?;
                id
            }
        };
        let marker = self
            .store
            .meta(META_ROTATING_TO)
            .await?
            .filter(|t| !t.is_empty());
        if let Ok(Some(new)) = &pending
            && new.id().to_string() == desk_key
        {
            return self
                .finish_files(current.as_ref(), new, marker.is_some())
                .await;
        }
        // A marker naming the desk's own key is one the rotation before
        // this code left behind after switching: nothing is under way.
        let target = marker.filter(|t| *t != desk_key);

        let key_file_present = current.is_some();
        let old = match current {
            Some(key) if key.id().to_string() == desk_key => key,
            Some(key) => {
                return Err(DeskError::WrongKey {
                    desk_key,
                    key_file: key_file.clone(),
                    file_key: key.id().to_string(),
                });
            }
            // Moved aside (step 4) by a run that stopped before the switch.
            None => match DataKey::load_if_exists(&retired_key_path(key_file, &desk_key))? {
                Some(key) if key.id().to_string() == desk_key => key,
                _ => return Err(key_file_missing(key_file)),
            },
        };
        let new = match (pending, &target) {
            (Ok(Some(key)), Some(t)) if key.id().to_string() != *t => {
                return Err(key_missing(t, &new_path));
            }
            (Ok(Some(key)), _) => key,
            (Ok(None), Some(t)) => return Err(key_missing(t, &new_path)),
            // The file the desk names cannot be read: its own error says why.
            (Err(e), Some(_)) => return Err(e.into()),
            (unnamed, None) => {
                self.steps.next(Step::WriteNewKey)?;
                if unnamed.is_err() {
                    // The desk does not name it, so nothing is sealed under
                    // it: a half-written file of a crash while writing it.
                    std::fs::remove_file(&new_path).map_err(io("remove", &new_path))?;
                }
                let key = DataKey::generate()?;
                key.write_new(&new_path)?;
                key
            }
        };
        let (old_vault, new_vault) = (Vault::new(&old), Vault::new(&new));
        let (old_id, new_id) = (old.id().to_string(), new.id().to_string());
        if target.as_deref() != Some(&new_id) {
            self.steps.next(Step::RecordTarget)?;
            self.store.set_meta(META_ROTATING_TO, &new_id).await?;
        }
        let mut counts = self.reseal(&old_vault, &new_vault).await?;
        self.reseal_site(&old_vault, &new_vault, &mut counts)
            .await?;
        let old_file = retired_key_path(key_file, &old_id);
        if key_file_present {
            self.steps.next(Step::MoveOldKey)?;
            rename_durably(key_file, &old_file).map_err(io("rename", key_file))?;
        }
        self.steps.next(Step::SwitchKey)?;
        let switch = KeySwitch {
            key_id_entry: META_KEY_ID,
            from: &old_id,
            to: &new_id,
            marker_entry: META_ROTATING_TO,
        };
        let audit = NewAudit {
            at: breachdesk_domain::Zone::utc().format(self.clock.now()),
            operator: self.config.operator.clone(),
            action: AUDIT_ACTION.into(),
            person_id: None,
            detail: serde_json::json!({ "from": old_id, "to": new_id }).to_string(),
        };
        if !self.store.switch_key(&switch, &audit).await? {
            // Another run switched the desk meanwhile; a re-run sees how far.
            return Err(DeskError::RotationInterrupted { target: new_id });
        }
        self.steps.next(Step::PlaceNewKey)?;
        rename_durably(&new_path, key_file).map_err(io("rename", &new_path))?;
        Ok(RotationReport {
            old_key_id: old_id,
            new_key_id: new_id,
            persons_resealed: counts.persons,
            rows_resealed: counts.rows,
            rows_skipped: counts.skipped,
            old_key_file: old_file,
        })
    }

    /// The desk already names `new`: only the files are left (step 6, and
    /// step 4 for a desk the rotation before this code switched first).
    async fn finish_files(
        &mut self,
        current: Option<&DataKey>,
        new: &DataKey,
        marked: bool,
    ) -> Result<RotationReport, DeskError> {
        let key_file = &self.config.key_file;
        let new_id = new.id().to_string();
        let still_there = current.filter(|key| key.id() != new.id());
        if let Some(old) = still_there {
            self.steps.next(Step::MoveOldKey)?;
            let old_file = retired_key_path(key_file, &old.id().to_string());
            rename_durably(key_file, &old_file).map_err(io("rename", key_file))?;
        }
        if marked {
            // Left by that same older rotation, which cleared it last.
            self.store.set_meta(META_ROTATING_TO, "").await?;
        }
        self.steps.next(Step::PlaceNewKey)?;
        let new_path = pending_key_path(key_file);
        rename_durably(&new_path, key_file).map_err(io("rename", &new_path))?;
        // Only for the report, so asked once the desk opens again.
        let old_id = match still_there {
            Some(old) => old.id().to_string(),
            None => self.switched_from(&new_id).await?,
        };
        let old_file = retired_key_path(key_file, &old_id);
        Ok(RotationReport {
            old_key_id: old_id,
            new_key_id: new_id,
            persons_resealed: 0,
            rows_resealed: 0,
            rows_skipped: 0,
            old_key_file: old_file,
        })
    }

    /// The key the switch to `new_id` retired, as its audit row records it.
    async fn switched_from(&self, new_id: &str) -> Result<String, DeskError> {
        let detail = self.store.last_audit_detail(AUDIT_ACTION).await?;
        let detail: Option<serde_json::Value> = detail.and_then(|d| serde_json::from_str(&d).ok());
        match detail {
            Some(d) if d["to"] == new_id => match d["from"].as_str() {
                Some(from) => Ok(from.to_owned()),
                None => Err(no_switch_record(new_id)),
            },
            _ => Err(no_switch_record(new_id)),
        }
    }

    /// Re-seals every value not yet under `new`.
    async fn reseal(&mut self, old: &Vault, new: &Vault) -> Result<Counts, DeskError> {
        let is_new = |sealed: &[u8]| sealed_key_id(sealed) == Some(new.key_id());
        let vault_for = |sealed: &[u8]| if is_new(sealed) { new } else { old };
        let mut counts = Counts::default();
        let mut batch = Batch::default();
        for person in self.store.persons().await? {
            let history = self.store.person_history(person.person_id).await?;
            for row in &history {
                if is_new(&row.sealed) {
                    counts.skipped += 1;
                    continue;
                }
                self.next_value(&mut batch).await?;
                let context = generation_context(row.generation, person.person_id);
                let plain = old.open(&row.sealed, context.as_bytes())?;
                batch.entries.push(ResealedEntry {
                    generation: row.generation,
                    person_id: person.person_id,
                    sealed: new.seal(&plain, context.as_bytes())?,
                });
                counts.rows += 1;
                self.flush_if_full(&mut batch).await?;
            }
            if is_new(&person.sealed_key) {
                counts.skipped += 1;
                continue;
            }
            self.next_value(&mut batch).await?;
            let key = old.open_string(&person.sealed_key, &key_context(person.person_id))?;
            // The email index needs the address: any stored generation has
            // it, opened under whichever key its row is sealed with as read.
            let email = match history.last() {
                Some(row) => {
                    open_person(
                        vault_for(&row.sealed),
                        row.generation,
                        person.person_id,
                        &row.sealed,
                    )?
                    .email
                }
                None => String::new(),
            };
            batch.persons.push(PersonRow {
                person_id: person.person_id,
                key_index: key_index(new, &key),
                email_index: email_index(new, &email),
                sealed_key: new.seal_str(&key, &key_context(person.person_id))?,
            });
            counts.persons += 1;
            self.flush_if_full(&mut batch).await?;
        }
        self.flush(&mut batch).await?;
        Ok(counts)
    }

    /// Before each re-sealed value: when the test hook stops here, what
    /// was re-sealed before is committed first, as it would be had the
    /// batches ended there.
    async fn next_value(&mut self, batch: &mut Batch) -> Result<(), DeskError> {
        if self.steps.stop() {
            self.flush(batch).await?;
            return Err(DeskError::RotationStopped {
                before: Step::Reseal.name(),
            });
        }
        Ok(())
    }

    async fn flush_if_full(&self, batch: &mut Batch) -> Result<(), DeskError> {
        if batch.entries.len() + batch.persons.len() >= BATCH {
            self.flush(batch).await?;
        }
        Ok(())
    }

    async fn flush(&self, batch: &mut Batch) -> Result<(), DeskError> {
        self.store
            .replace_sealed(&batch.entries, &batch.persons)
            .await?;
        batch.entries.clear();
        batch.persons.clear();
        Ok(())
    }
}

#[derive(Default)]
struct Counts {
    persons: usize,
    rows: usize,
    skipped: usize,
}

#[derive(Default)]
struct Batch {
    entries: Vec<ResealedEntry>,
    persons: Vec<PersonRow>,
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> DeskError {
    let path = path.to_owned();
    move |source| DeskError::Io {
        action,
        path,
        source,
    }
}

/// The key file is gone and no interrupted rotation explains it.
fn key_file_missing(key_file: &Path) -> DeskError {
    DeskError::Vault(VaultError::ReadKey {
        path: key_file.display().to_string(),
        source: std::io::ErrorKind::NotFound.into(),
    })
}

fn key_missing(target: &str, path: &Path) -> DeskError {
    DeskError::RotationKeyMissing {
        target: target.to_owned(),
        path: path.to_owned(),
    }
}

fn no_switch_record(new_id: &str) -> DeskError {
    DeskError::Corrupt {
        what: "the audit log",
        message: format!("no key-rotate row records the switch to key {new_id}"),
    }
}
