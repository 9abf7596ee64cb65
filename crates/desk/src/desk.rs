//! An open desk: its config, store, key and incident.

use crate::config::DeskConfig;
use crate::{Clock, DeskError};
use breachdesk_domain::{Incident, load_incident};
use breachdesk_store::{AuditEntry, ChainBreak, NewAudit, Store, verify_chain};
use breachdesk_vault::{DataKey, Vault};

pub struct Desk {
    pub config: DeskConfig,
    pub store: Store,
    pub(crate) vault: Vault,
    pub incident: Incident,
    pub(crate) clock: Box<dyn Clock>,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk")
            .field("store", &self.store)
            .field("incident", &self.incident.id)
            .finish_non_exhaustive()
    }
}

pub(crate) const META_KEY_ID: &str = "key_id";
pub(crate) const META_ROTATING_TO: &str = "rotating_to";

impl Desk {
    /// Opens the desk: the database (migrated), the key (checked against the
    /// one the desk was sealed with) and the incident file.
    pub async fn open(config: DeskConfig, clock: Box<dyn Clock>) -> Result<Desk, DeskError> {
        let source = std::fs::read_to_string(&config.incident).map_err(|e| {
            DeskError::Config(format!("cannot read {}: {e}", config.incident.display()))
        })?;
        let incident = load_incident(&config.incident.display().to_string(), &source)?;
        let key = DataKey::load(&config.key_file)?;
        let store = Store::open(config.database_url.expose()).await?;
        let vault = Vault::new(&key);
        match store.meta(META_KEY_ID).await? {
            None => {
                store
                    .set_meta(META_KEY_ID, &vault.key_id().to_string())
                    .await?
            }
            Some(id) if id == vault.key_id().to_string() => {}
            Some(id) => {
                return Err(DeskError::Config(format!(
                    "this desk is sealed under key {id}, but {} holds key {}",
                    config.key_file.display(),
                    vault.key_id()
                )));
            }
        }
        if let Some(target) = store
            .meta(META_ROTATING_TO)
            .await?
            .filter(|t| !t.is_empty())
        {
            return Err(DeskError::Config(format!(
                "a key rotation to key {target} was interrupted: run `breachdesk key rotate` again to finish it"
            )));
        }
        Ok(Desk {
            config,
            store,
            vault,
            incident,
            clock,
        })
    }

    pub(crate) fn now_text(&self) -> String {
        breachdesk_domain::Zone::named("UTC")
            .map(|z| z.format(self.clock.now()))
            .unwrap_or_default()
    }

    /// Appends an audit row for the current operator.
    pub async fn audit(
        &self,
        action: &str,
        person_id: Option<i64>,
        detail: serde_json::Value,
    ) -> Result<i64, DeskError> {
        Ok(self
            .store
            .append_audit(&self.new_audit(action, person_id, detail))
            .await?)
    }

    pub(crate) fn new_audit(
        &self,
        action: &str,
        person_id: Option<i64>,
        detail: serde_json::Value,
    ) -> NewAudit {
        NewAudit {
            at: self.now_text(),
            operator: self.config.operator.clone(),
            action: action.to_owned(),
            person_id,
            detail: detail.to_string(),
        }
    }

    pub async fn audit_entries(&self) -> Result<Vec<AuditEntry>, DeskError> {
        Ok(self.store.audit_entries().await?)
    }

    /// A consistent copy of a SQLite desk (still sealed), audited.
    pub async fn backup(&self, path: &std::path::Path) -> Result<(), DeskError> {
        if path.exists() {
            return Err(DeskError::Config(format!(
                "{} exists already",
                path.display()
            )));
        }
        self.store.backup_to(&path.display().to_string()).await?;
        self.audit(
            "backup",
            None,
            serde_json::json!({ "file": path.display().to_string() }),
        )
        .await?;
        Ok(())
    }
}

/// Checks the audit chain; the number of rows, or the first break.
pub fn audit_verify(entries: &[AuditEntry]) -> Result<usize, ChainBreak> {
    verify_chain(entries)
}
