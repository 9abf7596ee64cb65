//! An open desk: its config, store, key and incident.

use crate::config::DeskConfig;
use crate::{Clock, DeskError};
use breachdesk_domain::{Incident, load_incident};
use breachdesk_store::{AuditEntry, ChainBreak, NewAudit, Store, verify_chain};
use breachdesk_vault::{DataKey, Vault};

pub struct Desk {
    config: DeskConfig,
    store: Store,
    /// Shared with the blocking tasks that seal a load's rows.
    vault: std::sync::Arc<Vault>,
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
            vault: std::sync::Arc::new(vault),
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

    pub(crate) fn shared_vault(&self) -> std::sync::Arc<Vault> {
        std::sync::Arc::clone(&self.vault)
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

    /// A consistent copy of a SQLite desk (still sealed), audited. The copy
    /// is owner-only, like the database, and on disk when this returns.
    pub async fn backup(&self, path: &std::path::Path) -> Result<(), DeskError> {
        /// Whether `path` still names the file `file` was opened on.
        fn same_file(file: &std::fs::File, path: &std::path::Path) -> std::io::Result<bool> {
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                let (held, named) = (file.metadata()?, std::fs::symlink_metadata(path)?);
                Ok(held.dev() == named.dev() && held.ino() == named.ino())
            }
            #[cfg(not(unix))]
            {
                let _ = (file, path);
                Ok(true)
            }
        }
        let io = |action: &'static str| {
            move |source: std::io::Error| DeskError::Io {
                action,
                path: path.to_owned(),
                source,
            }
        };
        // SQLite would create the copy with its default mode (0644 less
        // the umask), readable by everyone, and a chmod afterwards would
        // leave a window. So the file is made here first, empty and 0600
        // from its creation, and VACUUM INTO fills it (it takes an empty
        // file). `create_new` also makes "never overwrite" one atomic
        // step: an existing file, even an empty one, or a symlink planted
        // there, is refused.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = match options.open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(DeskError::Exists {
                    path: path.to_owned(),
                });
            }
            Err(e) => return Err(io("create")(e)),
        };
        let copied = async {
            self.store.backup_to(path).await?;
            // SQLite writes the copy unjournaled and need not sync it: the
            // handle made above syncs it, once it is known to be the file
            // SQLite wrote (not one swapped in meanwhile), then the folder's
            // entry.
            if !same_file(&file, path).map_err(io("check"))? {
                return Err(DeskError::Io {
                    action: "check",
                    path: path.to_owned(),
                    source: std::io::Error::other("the file was replaced during the backup"),
                });
            }
            file.sync_all().map_err(io("sync"))?;
            let dir = match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir,
                _ => std::path::Path::new("."),
            };
            breachdesk_vault::sync_dir(dir).map_err(io("sync the folder of"))
        }
        .await;
        if let Err(e) = copied {
            // Whatever was made of it is removed: a half copy is no backup,
            // and its name stays free for the next try.
            drop(file);
            let _ = std::fs::remove_file(path);
            return Err(e);
        }
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
