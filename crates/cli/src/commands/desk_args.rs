//! Options shared by the commands that work inside a desk.

use breachdesk_desk::{Clock, Desk, DeskConfig, FixedClock, Overrides, SystemClock, load_config};
use breachdesk_domain::Zone;
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct DeskArgs {
    /// The desk folder (made by `breachdesk init`).
    #[arg(long, env = "BREACHDESK_DESK", default_value = ".", value_name = "DIR")]
    pub desk: PathBuf,
    /// Your name for the audit log (overrides the config's operator).
    #[arg(long = "as", value_name = "NAME")]
    pub operator: Option<String>,
    /// Database URL (overrides the config; prefer BREACHDESK_DATABASE_URL_FILE for passwords).
    #[arg(long, value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl DeskArgs {
    pub fn config(&self) -> anyhow::Result<DeskConfig> {
        let overrides = Overrides {
            database_url: self.database_url.clone(),
            operator: self.operator.clone(),
        };
        Ok(load_config(
            &self.desk,
            &|name| std::env::var(name).ok(),
            &overrides,
        )?)
    }

    pub async fn open(&self) -> anyhow::Result<Desk> {
        Ok(Desk::open(self.config()?, clock()?).await?)
    }
}

/// The system clock, or the instant in `BREACHDESK_NOW` (RFC 3339), which
/// lets tests and rehearsals pin "today".
pub fn clock() -> anyhow::Result<Box<dyn Clock>> {
    match std::env::var("BREACHDESK_NOW") {
        Ok(text) if !text.trim().is_empty() => {
            let utc = Zone::utc();
            let now = utc
                .parse_timestamp(&text)
                .map_err(|e| anyhow::anyhow!("BREACHDESK_NOW={text:?}: {e}"))?;
            Ok(Box::new(FixedClock(now)))
        }
        _ => Ok(Box::new(SystemClock)),
    }
}

/// Runs an async desk command on a runtime of its own.
pub fn block_on<T>(
    future: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(future)
}
