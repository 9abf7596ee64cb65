//! `breachdesk init DIR`: a new desk with its config, an incident file to
//! fill in, and a fresh data key readable only by its owner.

use crate::DeskError;
use crate::config::CONFIG_FILE;
use breachdesk_vault::DataKey;
use std::path::{Path, PathBuf};

const CONFIG_TEMPLATE: &str = r#"# breachdesk desk configuration.
# Every value can also come from the environment (BREACHDESK_DATABASE_URL,
# BREACHDESK_INCIDENT, BREACHDESK_KEY_FILE, BREACHDESK_OPERATOR, BREACHDESK_SMTP_*)
# or a flag; secrets may be read from files (BREACHDESK_DATABASE_URL_FILE, ...).

[desk]
# SQLite file in this folder (default), or postgres://user@host/db when
# several people work on one desk (put a password in database_url_file).
database_url = "sqlite://breachdesk.db"
incident = "incident.toml"
# 64 hex digits, readable only by you. Keep a copy somewhere safe: without
# it nothing stored in this desk can be read.
key_file = "data.key"
# Your name, recorded in the audit log (or pass --as NAME).
operator = ""

[shop]
# How notices are signed, and where people can reach you.
name = ""                        # e.g. "Kumo Soft Store"
email = ""                       # e.g. "support@kumosoft.example"
phone = ""
url = ""
address = ""                     # printed as the sender on letters
language = "ja"                  # ja or en

[dkim]
# Sign notices: run `breachdesk notify dkim-key`, publish the record it
# prints, then set the selector and the domain of the From address.
selector = ""
domain = ""
# key_file = "dkim.pem"

[smtp]
# Filled in before sending notices, e.g. "smtp://mail.example.jp:587".
url = ""
from = ""
username = ""
# password_file = "smtp-password"
retries = 2                      # tries again within a run after a 4xx or a dropped connection
retry_delay_ms = 2000            # first wait, doubled each time
connections = 4                  # kept open and reused; one notice in flight on each
# per_minute = 600               # any domain without its own rate

# Messages per minute per destination domain. Japanese carriers
# (docomo.ne.jp, ezweb.ne.jp, au.com, softbank.ne.jp, i.softbank.jp,
# ymobile.ne.jp) default to 30.
[smtp.per_domain]
# "docomo.ne.jp" = 30

[letters]
# A Japanese font for printed letters (or BREACHDESK_LETTERS_FONT). Empty:
# the best installed (Noto Sans CJK JP, IPAex, Hiragino, Yu Gothic, ...).
font = ""
font_index = 0                   # the face in a .ttc collection

[web]
# `breachdesk serve`: the public Q&A page, the self-check and the inquiry form.
listen = "127.0.0.1:8080"        # or BREACHDESK_WEB_LISTEN; `serve --listen` overrides
public_url = ""                  # where the public reaches it, e.g. "https://incident.example.jp"
trusted_proxies = []             # proxies whose X-Forwarded-For is believed, e.g. ["10.0.0.2"]
checks_per_hour = 20             # self-checks per client per hour
inquiries_per_hour = 10          # inquiries per client per hour
max_body_bytes = 16384           # largest request body accepted
metrics_listen = ""              # Prometheus GET /metrics on its own address, e.g. "127.0.0.1:9464"
"#;

const INCIDENT_TEMPLATE: &str = r#"# The incident: fill in what the investigation found. Every field is checked
# when the file is loaded; mistakes are reported with their line.

[incident]
id = "my-shop-2026"                # a short name, used in reports
title = "Payment page tampering"
timezone = "Asia/Tokyo"            # local dates and naive timestamps are read in this zone
discovered = 2026-01-20            # the day you learned of it: starts the regulator's clock
unauthorized_access = true         # final report due in 60 days instead of 30
eu_residents = false               # true adds the GDPR 72-hour deadline

# One [[exposure]] per way data left the shop.
[[exposure]]
id = "card-typed"
title = "Card details typed on the tampered payment page"
records = "checkouts"              # or "customers"
from = 2025-11-15                  # inclusive, whole local days
to = 2026-01-17
when = { channel = "online", payment_method = "card", card_entry = ["new", "updated"] }
unless = [
  { auto_renewal = true, reason = "automatic renewal: charged without the payment page" },
]
exposes = ["card_number", "card_expiry", "card_security_code", "card_holder", "name", "email"]
"#;

/// What `init` made.
#[derive(Debug)]
pub struct InitReport {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub incident: PathBuf,
    /// Where the key was written, or `None` when `BREACHDESK_KEY_FILE` names an existing one.
    pub key_file: Option<PathBuf>,
}

/// Creates a desk in `dir` (created if missing; refused if a desk is there).
pub fn init_desk(dir: &Path, external_key: Option<&Path>) -> Result<InitReport, DeskError> {
    let io = |action: &'static str, path: &Path| {
        let path = path.to_owned();
        move |source| DeskError::Io {
            action,
            path,
            source,
        }
    };
    std::fs::create_dir_all(dir).map_err(io("create the folder", dir))?;
    #[cfg(unix)]
    {
        // Only the owner may enter the desk: it gathers the shop's most
        // sensitive data, sealed or not.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(io("restrict the folder", dir))?;
    }
    let config = dir.join(CONFIG_FILE);
    if config.exists() {
        return Err(DeskError::DeskExists {
            dir: dir.to_owned(),
        });
    }
    let key_file = match external_key {
        Some(path) => {
            breachdesk_vault::DataKey::load(path)?;
            None
        }
        None => {
            let path = dir.join("data.key");
            DataKey::generate()?.write_new(&path)?;
            Some(path)
        }
    };
    let incident = dir.join("incident.toml");
    if !incident.exists() {
        std::fs::write(&incident, INCIDENT_TEMPLATE).map_err(io("write", &incident))?;
    }
    // The desk holds the most sensitive data the shop has: keep it out of
    // any repository the folder might end up in.
    let ignore = dir.join(".gitignore");
    std::fs::write(&ignore, "*\n").map_err(io("write", &ignore))?;
    std::fs::write(&config, CONFIG_TEMPLATE).map_err(io("write", &config))?;
    Ok(InitReport {
        dir: dir.to_path_buf(),
        config,
        incident,
        key_file,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn templates_load() {
        breachdesk_domain::load_incident("incident.toml", INCIDENT_TEMPLATE).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let report = init_desk(&dir.path().join("desk"), None).unwrap();
        let config =
            crate::config::load_config(&report.dir, &|_| None, &Default::default()).unwrap();
        assert_eq!(config.key_file, report.key_file.unwrap());
        assert!(
            init_desk(&dir.path().join("desk"), None).is_err(),
            "a second init is refused"
        );
    }

    #[test]
    fn an_existing_key_file_is_used_not_copied() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("shared.key");
        DataKey::generate().unwrap().write_new(&key).unwrap();
        let report = init_desk(&dir.path().join("desk"), Some(&key)).unwrap();
        assert!(report.key_file.is_none());
        assert!(!report.dir.join("data.key").exists());
        assert!(
            init_desk(
                &dir.path().join("other"),
                Some(&dir.path().join("missing.key"))
            )
            .is_err()
        );
    }
}
