//! The site's errors: what a web handler maps to a status, and what the
//! operator reads in the log (never personal data).

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error(transparent)]
    Desk(#[from] breachdesk_desk::DeskError),
    #[error(transparent)]
    Store(#[from] breachdesk_store::StoreError),
    #[error(transparent)]
    Outreach(#[from] breachdesk_outreach::OutreachError),
    #[error("{file}:{line}: {message}")]
    Template {
        file: String,
        line: usize,
        message: String,
    },
    #[error("the built-in Q&A content: {0}")]
    Content(String),
    #[error("no random numbers from the system: {0}")]
    Random(String),
    #[error("the self-check intake: {0}")]
    Intake(String),
    #[error("the form tokens' key cannot be read back")]
    TokenKey,
}

impl SiteError {
    pub(crate) fn template(file: &str, e: &minijinja::Error) -> SiteError {
        SiteError::Template {
            file: file.to_owned(),
            line: e.line().unwrap_or(1),
            message: e.detail().unwrap_or(&e.kind().to_string()).to_owned(),
        }
    }
}

/// Random bytes from the system.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], SiteError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| SiteError::Random(e.to_string()))?;
    Ok(bytes)
}
