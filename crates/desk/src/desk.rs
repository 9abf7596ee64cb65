//! An open desk: its config, store, key and incident.

use crate::config::DeskConfig;
use crate::{Clock, DeskError};
use breachdesk_domain::{Incident, load_incident};
use breachdesk_store::{AuditEntry, ChainBreak, NewAudit, Store, verify_chain};
use breachdesk_vault::{DataKey, Vault};

pub struct Desk {
    config: DeskConfig,
    store: Store,
    vault: Vault,
    incident: Incident,
    clock: Box<dyn Clock>,
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
        let source = std::fs::read_to_string(&config.incident).map_err(|source| DeskError::Io {
            action: "read",
            path: config.incident.clone(),
            source,
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
                return Err(DeskError::WrongKey {
                    desk_key: id,
                    key_file: config.key_file.clone(),
                    file_key: vault.key_id().to_string(),
                });
            }
        }
        if let Some(target) = store
            .meta(META_ROTATING_TO)
            .await?
            .filter(|t| !t.is_empty())
        {
            return Err(DeskError::RotationInterrupted { target });
        }
        Ok(Desk {
            config,
            store,
            vault,
            incident,
            clock,
        })
    }

    pub fn config(&self) -> &DeskConfig {
        &self.config
    }

    /// The desk's database (holding sealed rows and blind indexes only).
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn incident(&self) -> &Incident {
        &self.incident
    }

    pub fn now(&self) -> breachdesk_domain::Instant {
        self.clock.now()
    }

    /// Now, in UTC (RFC 3339), as the desk's rows record it.
    pub fn now_text(&self) -> String {
        breachdesk_domain::Zone::utc().format(self.clock.now())
    }

    /// The keyed blind index of an email address, as persons are found by.
    pub fn email_index(&self, email: &str) -> Option<Vec<u8>> {
        crate::sealed::email_index(&self.vault, email)
    }

    pub(crate) fn vault(&self) -> &Vault {
        &self.vault
    }

    /// Closes the database's connections.
    pub async fn close(&self) {
        self.store.close().await;
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

    pub fn new_audit(
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
            return Err(DeskError::Exists {
                path: path.to_owned(),
            });
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
