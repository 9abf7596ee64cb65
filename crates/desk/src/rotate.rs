//! `breachdesk key rotate`: re-seal everything under a new key without
//! losing a row, resumable after an interruption at any point.
//!
//! The new key is written to `KEYFILE.new` before anything changes; each
//! sealed value records which key sealed it, so a resumed rotation skips
//! what is done. Only when every row is under the new key does the desk
//! switch its key id, and only then are the files renamed
//! (`KEYFILE` -> `KEYFILE.old-ID`, `KEYFILE.new` -> `KEYFILE`).

use crate::DeskError;
use crate::config::DeskConfig;
use crate::desk::{META_KEY_ID, META_ROTATING_TO};
use crate::sealed::{email_index, generation_context, key_context, key_index, open_person};
use breachdesk_store::{NewAudit, PersonRow, Store};
use breachdesk_vault::{DataKey, Vault, sealed_key_id};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Serialize)]
pub struct RotationReport {
    pub old_key_id: String,
    pub new_key_id: String,
    pub persons_resealed: usize,
    pub rows_resealed: usize,
    /// Rows already under the new key (an interrupted rotation resumed).
    pub rows_skipped: usize,
    pub old_key_file: PathBuf,
}

fn new_key_path(config: &DeskConfig) -> PathBuf {
    let mut name = config.key_file.clone().into_os_string();
    name.push(".new");
    PathBuf::from(name)
}

/// Rotates the desk's key. `stop_after` stops after that many re-sealed
/// values, as a crash would (for tests of resumption).
pub async fn rotate_key(
    config: &DeskConfig,
    clock: &dyn crate::Clock,
    stop_after: Option<usize>,
) -> Result<RotationReport, DeskError> {
    let old = DataKey::load(&config.key_file)?;
    let new_path = new_key_path(config);
    let new = if new_path.exists() {
        DataKey::load(&new_path)?
    } else {
        let key = DataKey::generate()?;
        key.write_new(&new_path)?;
        key
    };
    let (old_vault, new_vault) = (Vault::new(&old), Vault::new(&new));
    let store = Store::open(config.database_url.expose()).await?;
    let desk_key = store.meta(META_KEY_ID).await?;
    let old_file = {
        let mut name = config.key_file.clone().into_os_string();
        name.push(format!(".old-{}", old.id()));
        PathBuf::from(name)
    };
    // Interrupted after the switch, before the renames: only the renames are left.
    if desk_key.as_deref() == Some(&new.id().to_string()) {
        finish_files(config, &new_path, &old_file)?;
        return Ok(report(&old_vault, &new_vault, 0, 0, 0, old_file));
    }
    if desk_key.as_deref() != Some(&old.id().to_string()) {
        return Err(DeskError::WrongKey {
            desk_key: desk_key.unwrap_or_default(),
            key_file: config.key_file.clone(),
            file_key: old.id().to_string(),
        });
    }
    store
        .set_meta(META_ROTATING_TO, &new.id().to_string())
        .await?;
    let vault_for = |sealed: &[u8]| {
        if sealed_key_id(sealed) == Some(new_vault.key_id()) {
            &new_vault
        } else {
            &old_vault
        }
    };
    let mut budget = stop_after.unwrap_or(usize::MAX);
    let (mut persons_done, mut rows_done, mut skipped) = (0, 0, 0);
    for person in store.persons().await? {
        let history = store.person_history(person.person_id).await?;
        for row in &history {
            let vault = vault_for(&row.sealed);
            if std::ptr::eq(vault, &new_vault) {
                skipped += 1;
                continue;
            }
            if budget == 0 {
                return Err(DeskError::RotationStopped);
            }
            let context = generation_context(row.generation, person.person_id);
            let plain = old_vault.open(&row.sealed, context.as_bytes())?;
            let resealed = new_vault.seal(&plain, context.as_bytes())?;
            store
                .replace_generation_sealed(row.generation, person.person_id, &resealed)
                .await?;
            budget -= 1;
            rows_done += 1;
        }
        if std::ptr::eq(vault_for(&person.sealed_key), &new_vault) {
            skipped += 1;
            continue;
        }
        if budget == 0 {
            return Err(DeskError::RotationStopped);
        }
        let key = old_vault.open_string(&person.sealed_key, &key_context(person.person_id))?;
        // The email index needs the address: any stored generation has it.
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
        store
            .replace_person_crypto(&PersonRow {
                person_id: person.person_id,
                key_index: key_index(&new_vault, &key),
                email_index: email_index(&new_vault, &email),
                sealed_key: new_vault.seal_str(&key, &key_context(person.person_id))?,
            })
            .await?;
        budget -= 1;
        persons_done += 1;
    }
    store.set_meta(META_KEY_ID, &new.id().to_string()).await?;
    store.set_meta(META_ROTATING_TO, "").await?;
    store
        .append_audit(&NewAudit {
            at: breachdesk_domain::Zone::utc().format(clock.now()),
            operator: config.operator.clone(),
            action: "key-rotate".into(),
            person_id: None,
            detail: serde_json::json!({ "from": old.id().to_string(), "to": new.id().to_string() })
                .to_string(),
        })
        .await?;
    store.close().await;
    finish_files(config, &new_path, &old_file)?;
    Ok(report(
        &old_vault,
        &new_vault,
        persons_done,
        rows_done,
        skipped,
        old_file,
    ))
}

fn report(
    old: &Vault,
    new: &Vault,
    persons: usize,
    rows: usize,
    skipped: usize,
    old_key_file: PathBuf,
) -> RotationReport {
    RotationReport {
        old_key_id: old.key_id().to_string(),
        new_key_id: new.key_id().to_string(),
        persons_resealed: persons,
        rows_resealed: rows,
        rows_skipped: skipped,
        old_key_file,
    }
}

fn finish_files(
    config: &DeskConfig,
    new_path: &PathBuf,
    old_file: &PathBuf,
) -> Result<(), DeskError> {
    let io = |path: &PathBuf| {
        let path = path.clone();
        move |source| DeskError::Io {
            action: "rename",
            path,
            source,
        }
    };
    if new_path.exists() {
        // Keep the old key until the operator deletes it: backups made
        // before the rotation still need it.
        std::fs::rename(&config.key_file, old_file).map_err(io(&config.key_file))?;
        std::fs::rename(new_path, &config.key_file).map_err(io(new_path))?;
    }
    Ok(())
}
