//! Desk configuration, layered: defaults → `breachdesk.toml` in the desk →
//! `BREACHDESK_*` environment → command-line flags.
//!
//! Every secret (the database URL, the SMTP URL, the SMTP password) is
//! taken from the first of these that is set, in this order, the same for
//! each (an empty value counts as unset):
//!
//! 1. the flag (`--database-url`; `notify send --smtp` for the SMTP URL,
//!    applied by that command; the password has none, as a flag's value is
//!    visible to every user of the machine in the process list),
//! 2. the variable (`BREACHDESK_DATABASE_URL`, `BREACHDESK_SMTP_URL`,
//!    `BREACHDESK_SMTP_PASSWORD`),
//! 3. the file named by the variable with `_FILE` added (a relative path
//!    from where the command runs),
//! 4. the file named by the config's `*_file` key (`database_url_file`,
//!    `url_file`, `password_file`; a relative path from the desk),
//! 5. the config's value (`database_url`, `url`; there is no `password`:
//!    the config is no place for one).
//!
//! A file beats the config's value because `init` writes a `database_url`
//! into every config: a `database_url_file` added next to it must not be
//! ignored. A variable beats a `_FILE` variable as a flag beats both: the
//! nearer the command, the more deliberate.

use crate::DeskError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "breachdesk.toml";

/// A value that must never be printed: database URLs carry passwords.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone)]
pub struct DeskConfig {
    pub dir: PathBuf,
    pub database_url: Secret,
    pub incident: PathBuf,
    pub key_file: PathBuf,
    /// Who is working: recorded in the audit log.
    pub operator: String,
    pub smtp: SmtpConfig,
    pub shop: ShopConfig,
    pub dkim: DkimConfig,
    pub letters: LettersConfig,
    pub web: crate::web_config::WebConfig,
}

/// Printed letters.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LettersConfig {
    /// A font file with Japanese; empty: the best Japanese font installed
    /// on the system.
    pub font: Option<PathBuf>,
    /// The face to use in a font collection (`.ttc`).
    #[serde(default)]
    pub font_index: u32,
}
/// DKIM signing of notices: on when `selector` and `domain` are set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DkimConfig {
    #[serde(default)]
    pub selector: String,
    #[serde(default)]
    pub domain: String,
    /// PKCS#1 PEM RSA key (default `dkim.pem` in the desk).
    pub key_file: Option<PathBuf>,
}

/// How the shop signs its notices.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopConfig {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub url: String,
    /// Postal address, printed as the sender of letters.
    #[serde(default)]
    pub address: String,
    /// `ja` (default) or `en`.
    #[serde(default)]
    pub language: breachdesk_notify::Language,
}

impl ShopConfig {
    /// The shop as its notices, pages and messages are signed.
    pub fn info(&self) -> breachdesk_notify::ShopInfo {
        breachdesk_notify::ShopInfo {
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            url: self.url.clone(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SmtpConfig {
    pub url: Option<Secret>,
    pub from: Option<String>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// Extra tries within a run after a temporary failure (default 2).
    pub retries: Option<u32>,
    /// First wait before a retry, doubled each time (default 2000 ms).
    pub retry_delay_ms: Option<u64>,
    /// Messages per minute to any domain without its own rate (default: no limit).
    pub per_minute: Option<u32>,
    /// Connections kept open to the server, each carrying one notice at a
    /// time (default 4).
    pub connections: Option<u32>,
    /// Messages per minute per destination domain (carriers have defaults).
    pub per_domain: std::collections::HashMap<String, u32>,
}

/// Values given on the command line; they win over everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub database_url: Option<String>,
    pub operator: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    desk: FileDesk,
    #[serde(default)]
    smtp: FileSmtp,
    #[serde(default)]
    shop: ShopConfig,
    #[serde(default)]
    dkim: DkimConfig,
    #[serde(default)]
    letters: LettersConfig,
    #[serde(default)]
    web: crate::web_config::WebConfig,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileDesk {
    database_url: Option<String>,
    database_url_file: Option<PathBuf>,
    incident: Option<PathBuf>,
    key_file: Option<PathBuf>,
    operator: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileSmtp {
    url: Option<String>,
    url_file: Option<PathBuf>,
    from: Option<String>,
    username: Option<String>,
    password_file: Option<PathBuf>,
    retries: Option<u32>,
    retry_delay_ms: Option<u64>,
    per_minute: Option<u32>,
    connections: Option<u32>,
    #[serde(default)]
    per_domain: std::collections::HashMap<String, u32>,
}

/// Reads a secret from a file (trailing newline removed).
fn read_secret(path: &Path, what: &'static str) -> Result<String, DeskError> {
    std::fs::read_to_string(path)
        .map(|s| s.trim_end_matches(['\n', '\r']).to_owned())
        .map_err(|source| DeskError::ReadSecret {
            what,
            path: path.to_owned(),
            source,
        })
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// Where one secret may come from, nearest the command first.
struct SecretSources {
    what: &'static str,
    flag: Option<String>,
    /// The variable; `{var}_FILE` names a file holding it.
    var: &'static str,
    /// The config's `*_file` key, resolved against the desk.
    config_file: Option<PathBuf>,
    config_value: Option<String>,
}

/// The secret from the first source set, in the order of the module's
/// documentation; `env` already treats an empty variable as unset.
fn resolve_secret(
    sources: SecretSources,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<String>, DeskError> {
    if let Some(value) = non_empty(sources.flag).or_else(|| env(sources.var)) {
        return Ok(Some(value));
    }
    if let Some(file) = env(&format!("{}_FILE", sources.var)) {
        return read_secret(Path::new(&file), sources.what).map(Some);
    }
    if let Some(file) = sources.config_file {
        return read_secret(&file, sources.what).map(Some);
    }
    Ok(non_empty(sources.config_value))
}

/// Loads the desk in `dir`. `env` reads an environment variable (injected so
/// tests need not touch the process environment).
pub fn load_config(
    dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    overrides: &Overrides,
) -> Result<DeskConfig, DeskError> {
    let path = dir.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| DeskError::NoDesk {
        dir: dir.to_owned(),
        source,
    })?;
    let file: FileConfig = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        DeskError::ConfigSyntax {
            path: path.clone(),
            line: line.unwrap_or(1),
            message: e.message().to_owned(),
        }
    })?;
    let env = |name: &str| non_empty(env(name));
    let resolve = |p: PathBuf| if p.is_absolute() { p } else { dir.join(p) };
    // An empty `*_file = ""` is unset, as an empty value is.
    let config_file = |p: Option<PathBuf>| p.filter(|p| !p.as_os_str().is_empty()).map(resolve);

    let database_url = resolve_secret(
        SecretSources {
            what: "the database URL",
            flag: overrides.database_url.clone(),
            var: "BREACHDESK_DATABASE_URL",
            config_file: config_file(file.desk.database_url_file),
            config_value: file.desk.database_url,
        },
        &env,
    )?
    .unwrap_or_else(|| "sqlite://breachdesk.db".to_owned());
    let smtp_url = resolve_secret(
        SecretSources {
            what: "the SMTP URL",
            // `notify send --smtp` is applied by that command, over this.
            flag: None,
            var: "BREACHDESK_SMTP_URL",
            config_file: config_file(file.smtp.url_file),
            config_value: file.smtp.url,
        },
        &env,
    )?;
    let smtp_password = resolve_secret(
        SecretSources {
            what: "the SMTP password",
            flag: None,
            var: "BREACHDESK_SMTP_PASSWORD",
            config_file: config_file(file.smtp.password_file),
            config_value: None,
        },
        &env,
    )?;
    Ok(DeskConfig {
        database_url: Secret(resolve_sqlite(&database_url, dir)),
        incident: resolve(
            env("BREACHDESK_INCIDENT")
                .map(PathBuf::from)
                .or(file.desk.incident)
                .unwrap_or_else(|| "incident.toml".into()),
        ),
        key_file: resolve(
            env("BREACHDESK_KEY_FILE")
                .map(PathBuf::from)
                .or(file.desk.key_file)
                .unwrap_or_else(|| "data.key".into()),
        ),
        operator: overrides
            .operator
            .clone()
            .or_else(|| env("BREACHDESK_OPERATOR"))
            .or(non_empty(file.desk.operator))
            .or_else(|| env("USER"))
            .unwrap_or_else(|| "unknown".to_owned()),
        smtp: SmtpConfig {
            url: smtp_url.map(Secret),
            from: env("BREACHDESK_SMTP_FROM").or(non_empty(file.smtp.from)),
            username: env("BREACHDESK_SMTP_USERNAME").or(non_empty(file.smtp.username)),
            password: smtp_password.map(Secret),
            retries: file.smtp.retries,
            retry_delay_ms: file.smtp.retry_delay_ms,
            per_minute: file.smtp.per_minute,
            connections: file.smtp.connections,
            per_domain: file.smtp.per_domain,
        },
        shop: file.shop,
        dkim: DkimConfig {
            key_file: Some(resolve(
                file.dkim
                    .key_file
                    .clone()
                    .unwrap_or_else(|| "dkim.pem".into()),
            )),
            ..file.dkim
        },
        letters: LettersConfig {
            font: env("BREACHDESK_LETTERS_FONT")
                .map(PathBuf::from)
                .or(file.letters.font.filter(|f| !f.as_os_str().is_empty()))
                .map(resolve),
            font_index: file.letters.font_index,
        },
        web: file.web.with_env(&env),
        dir: dir.to_path_buf(),
    })
}

/// A relative SQLite path is relative to the desk, not to where the command runs.
fn resolve_sqlite(url: &str, dir: &Path) -> String {
    let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return url.to_owned();
    };
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let path = Path::new(path);
    let full = if path.is_absolute() {
        path.to_path_buf()
    } else {
        dir.join(path)
    };
    match query {
        Some(q) => format!("sqlite://{}?{q}", full.display()),
        None => format!("sqlite://{}", full.display()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn layers_defaults_file_env_flags() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[desk]\noperator = \"from-file\"\nincident = \"case.toml\"\n",
        )
        .unwrap();
        let d = dir.path();
        let c = load_config(d, &env_of(&[]), &Overrides::default()).unwrap();
        assert_eq!(c.operator, "from-file");
        assert_eq!(c.incident, d.join("case.toml"));
        assert_eq!(c.key_file, d.join("data.key"));
        assert_eq!(
            c.database_url.expose(),
            format!("sqlite://{}", d.join("breachdesk.db").display())
        );
        let c = load_config(
            d,
            &env_of(&[("BREACHDESK_OPERATOR", "from-env")]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(c.operator, "from-env");
        let flags = Overrides {
            operator: Some("from-flag".into()),
            database_url: None,
        };
        let c = load_config(d, &env_of(&[("BREACHDESK_OPERATOR", "from-env")]), &flags).unwrap();
        assert_eq!(c.operator, "from-flag");
    }

    #[test]
    fn secrets_from_files_and_never_in_debug() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "").unwrap();
        let url_file = dir.path().join("db-url");
        std::fs::write(&url_file, "postgres://desk:s3cret@127.0.0.1/desk\n").unwrap();
        let env = env_of(&[("BREACHDESK_DATABASE_URL_FILE", url_file.to_str().unwrap())]);
        let c = load_config(dir.path(), &env, &Overrides::default()).unwrap();
        assert_eq!(
            c.database_url.expose(),
            "postgres://desk:s3cret@127.0.0.1/desk"
        );
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn bad_config_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[desk]\noperator = \"x\"\ncolour = 1\n",
        )
        .unwrap();
        let e = load_config(dir.path(), &env_of(&[]), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("breachdesk.toml:3:") && e.contains("colour"),
            "{e}"
        );
        let missing = tempfile::tempdir().unwrap();
        let e = load_config(missing.path(), &env_of(&[]), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("breachdesk init"), "{e}");
    }

    /// Every secret resolves the same way, each layer beating the next:
    /// flag, variable, file named by the variable `*_FILE`, file named by
    /// the config's `*_file` key, the config's value.
    #[test]
    fn every_secret_resolves_in_the_same_order() {
        struct Case {
            var: &'static str,
            section: &'static str,
            value_key: Option<&'static str>,
            file_key: &'static str,
            get: fn(&DeskConfig) -> Option<String>,
            flag: fn(&str) -> Overrides,
        }
        let cases = [
            Case {
                var: "BREACHDESK_DATABASE_URL",
                section: "desk",
                value_key: Some("database_url"),
                file_key: "database_url_file",
                get: |c| Some(c.database_url.expose().to_owned()),
                flag: |v| Overrides {
                    database_url: Some(v.to_owned()),
                    operator: None,
                },
            },
            Case {
                var: "BREACHDESK_SMTP_PASSWORD",
                section: "smtp",
                // No password in the config itself: only a file it names.
                value_key: None,
                file_key: "password_file",
                get: |c| c.smtp.password.as_ref().map(|p| p.expose().to_owned()),
                flag: |_| Overrides::default(),
            },
            Case {
                var: "BREACHDESK_SMTP_URL",
                section: "smtp",
                value_key: Some("url"),
                file_key: "url_file",
                get: |c| c.smtp.url.as_ref().map(|u| u.expose().to_owned()),
                // `notify send --smtp` is applied by the command itself.
                flag: |_| Overrides::default(),
            },
        ];
        for case in cases {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            // Values that resolve_sqlite leaves alone, so each layer shows.
            let value = |layer: &str| format!("postgres://{layer}@db.example/desk");
            std::fs::write(d.join("from-env-file"), value("env-file") + "\n").unwrap();
            std::fs::write(d.join("from-config-file"), value("config-file") + "\n").unwrap();
            let file_var = format!("{}_FILE", case.var);
            let env_file = d.join("from-env-file");
            let config = |with_file: bool| {
                let mut text = format!("[{}]\n", case.section);
                if with_file {
                    text += &format!("{} = \"from-config-file\"\n", case.file_key);
                }
                if let Some(key) = case.value_key {
                    text += &format!("{key} = \"{}\"\n", value("config"));
                }
                std::fs::write(d.join(CONFIG_FILE), text).unwrap();
            };
            let resolved = |env: &[(&str, &str)], flags: &Overrides| {
                (case.get)(&load_config(d, &env_of(env), flags).unwrap())
            };
            let from_env = value("env");
            let all_env = [
                (case.var, from_env.as_str()),
                (file_var.as_str(), env_file.to_str().unwrap()),
            ];
            let only_file_env = [(file_var.as_str(), env_file.to_str().unwrap())];
            let flags = (case.flag)(&value("flag"));
            let flagged = flags.database_url.is_some();
            config(true);
            if flagged {
                assert_eq!(
                    resolved(&all_env, &flags),
                    Some(value("flag")),
                    "{}",
                    case.var
                );
            }
            let none = Overrides::default();
            assert_eq!(
                resolved(&all_env, &none),
                Some(value("env")),
                "{}",
                case.var
            );
            assert_eq!(
                resolved(&only_file_env, &none),
                Some(value("env-file")),
                "{file_var}"
            );
            assert_eq!(
                resolved(&[], &none),
                Some(value("config-file")),
                "{} {}",
                case.var,
                case.file_key
            );
            if let Some(key) = case.value_key {
                config(false);
                assert_eq!(resolved(&[], &none), Some(value("config")), "{key}");
            }
            // An empty setting counts as unset, like an empty variable.
            let mut text = format!("[{}]\n{} = \"\"\n", case.section, case.file_key);
            if let Some(key) = case.value_key {
                text += &format!("{key} = \"\"\n");
            }
            std::fs::write(d.join(CONFIG_FILE), text).unwrap();
            let empty = [(case.var, ""), (file_var.as_str(), "")];
            let fallback = resolved(&empty, &none);
            assert!(
                fallback.is_none()
                    || fallback
                        .as_deref()
                        .is_some_and(|f| f.starts_with("sqlite://")),
                "{}: {fallback:?}",
                case.var
            );
        }
    }
}
