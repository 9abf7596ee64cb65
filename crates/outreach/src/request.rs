//! What a user asks for, with every unset choice taken from the desk's
//! config: the CLI and the web desk pass what they were given and nothing
//! more, so both resolve defaults the same way.

use crate::letters_out::LettersReport;
use crate::send::{SendOptions, SendReport};
use crate::{LetterFont, Outreach, OutreachError};
use breachdesk_notify::{Language, Transport};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One `notify send`.
#[derive(Debug, Clone)]
pub struct SendRequest {
    pub campaign: String,
    /// smtp://HOST:PORT, smtps://HOST:PORT or maildir:DIR (default `[smtp] url`).
    pub smtp: Option<String>,
    /// Sender (default `[smtp] from`, else the shop's email).
    pub from: Option<String>,
    pub limit: Option<usize>,
    pub dry_run: bool,
    /// Tries within the run after a temporary failure (default `[smtp] retries`, else 2).
    pub retries: Option<u32>,
    /// First wait before a retry, doubled each time (default `[smtp] retry_delay_ms`, else 2000).
    pub retry_delay_ms: Option<u64>,
    /// Default `[shop] language`.
    pub language: Option<Language>,
    /// Notices in flight at once (default `[smtp] connections`, else 4).
    pub connections: Option<u32>,
    /// Corrections instead of notices (see `SendOptions::corrections`).
    pub corrections: bool,
}

impl SendRequest {
    pub fn campaign(name: &str) -> SendRequest {
        SendRequest {
            campaign: name.to_owned(),
            smtp: None,
            from: None,
            limit: None,
            dry_run: false,
            retries: None,
            retry_delay_ms: None,
            language: None,
            connections: None,
            corrections: false,
        }
    }
}

/// Which font the letters are set in.
#[derive(Debug, Clone, Default)]
pub enum FontChoice {
    /// `[letters] font` (with this face, else `[letters] font_index`), else
    /// the best Japanese font installed.
    #[default]
    Configured,
    ConfiguredFace(u32),
    /// This file (and face of a collection).
    File {
        path: PathBuf,
        index: u32,
    },
    /// No PDFs: only `letters.csv`, for a vendor that prints from its own layout.
    CsvOnly,
}

/// A notice rendered for reading, and where its files were written.
#[derive(Debug)]
pub struct Preview {
    pub person_id: i64,
    pub to: String,
    pub subject: String,
    pub text: String,
    /// The `.txt` file; the `.html` one sits beside it.
    pub text_file: PathBuf,
    pub html_file: PathBuf,
}

impl Outreach {
    /// The run's options, with the desk's defaults filled in.
    pub fn send_options(&self, request: &SendRequest) -> SendOptions {
        let config = self.desk.config();
        let smtp = &config.smtp;
        SendOptions {
            campaign: request.campaign.clone(),
            retries: request.retries.or(smtp.retries).unwrap_or(2),
            retry_delay: std::time::Duration::from_millis(
                request
                    .retry_delay_ms
                    .or(smtp.retry_delay_ms)
                    .unwrap_or(2000),
            ),
            from: request
                .from
                .clone()
                .unwrap_or_else(|| outreach_sender(config)),
            limit: request.limit,
            dry_run: request.dry_run,
            language: request.language.unwrap_or(config.shop.language),
            connections: request.connections.or(smtp.connections).unwrap_or(4).max(1) as usize,
            corrections: request.corrections,
        }
    }

    /// The mail transport of a real run (a dry run needs none).
    fn transport_for(
        &self,
        request: &SendRequest,
        connections: usize,
    ) -> Result<Option<Transport>, OutreachError> {
        if request.dry_run {
            return Ok(None);
        }
        let url = request
            .smtp
            .clone()
            .or_else(|| {
                self.desk
                    .config()
                    .smtp
                    .url
                    .as_ref()
                    .map(|u| u.expose().to_owned())
            })
            .ok_or(OutreachError::NoMailServer)?;
        let connections = u32::try_from(connections).unwrap_or(u32::MAX);
        Ok(Some(self.transport_to(&url, connections)?))
    }

    /// The transport of `[smtp] url`, when the desk has one.
    pub fn configured_transport(
        &self,
        connections: u32,
    ) -> Result<Option<Transport>, OutreachError> {
        match &self.desk.config().smtp.url {
            Some(url) => Ok(Some(self.transport_to(url.expose(), connections)?)),
            None => Ok(None),
        }
    }

    fn transport_to(&self, url: &str, connections: u32) -> Result<Transport, OutreachError> {
        let smtp = &self.desk.config().smtp;
        let credentials = match (&smtp.username, &smtp.password) {
            (Some(user), Some(password)) => Some((user.clone(), password.expose().to_owned())),
            _ => None,
        };
        Ok(Transport::from_url(url, credentials, connections)?)
    }

    /// Sends (or, dry, renders) the campaign's notices.
    pub async fn send(
        &self,
        request: &SendRequest,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<SendReport, OutreachError> {
        let options = self.send_options(request);
        let transport = self.transport_for(request, options.connections)?;
        self.send_notices(transport.map(Arc::new), &options, progress)
            .await
    }

    /// Renders the notice of every person `query` names (a key or an email;
    /// the read is audited) and writes each as `.txt` and `.html` under
    /// `out` (default `previews/` in the desk), readable by the owner only.
    pub async fn preview(
        &self,
        query: &str,
        language: Option<Language>,
        out: Option<&Path>,
    ) -> Result<Vec<Preview>, OutreachError> {
        let templates = self.templates()?;
        let language = language.unwrap_or(self.desk.config().shop.language);
        let persons = self.desk.person(query).await?;
        let out = out.map_or_else(
            || self.desk.config().dir.join("previews"),
            Path::to_path_buf,
        );
        breachdesk_vault::create_owner_only_dir(&out).map_err(|source| OutreachError::Io {
            action: "create",
            path: out.clone(),
            source,
        })?;
        let mut previews = Vec::new();
        for person in &persons {
            let Some(notice) = self.render_notice(&templates, person, language)? else {
                continue;
            };
            let base = format!("person-{}.{}", person.person_id, language.code());
            let text_file = out.join(format!("{base}.txt"));
            let html_file = out.join(format!("{base}.html"));
            for (path, bytes) in [
                (
                    &text_file,
                    format!("Subject: {}\n\n{}", notice.subject, notice.text).into_bytes(),
                ),
                (&html_file, notice.html.clone().into_bytes()),
            ] {
                breachdesk_vault::replace_owner_only(path, &bytes).map_err(|source| {
                    OutreachError::Io {
                        action: "write",
                        path: path.clone(),
                        source,
                    }
                })?;
            }
            previews.push(Preview {
                person_id: person.person_id,
                to: person
                    .versions
                    .last()
                    .map(|v| v.data.email.clone())
                    .unwrap_or_default(),
                subject: notice.subject,
                text: notice.text,
                text_file,
                html_file,
            });
        }
        Ok(previews)
    }

    /// Prints a letter for everyone due one into `out` (default `letters/`
    /// in the desk), and records the hand-over.
    pub async fn print_letters(
        &self,
        out: Option<&Path>,
        font: &FontChoice,
    ) -> Result<LettersReport, OutreachError> {
        let configured = &self.desk.config().letters;
        let font = match font {
            FontChoice::CsvOnly => None,
            FontChoice::Configured => Some(LetterFont::find(
                configured.font.as_deref(),
                configured.font_index,
            )?),
            FontChoice::ConfiguredFace(index) => {
                Some(LetterFont::find(configured.font.as_deref(), *index)?)
            }
            FontChoice::File { path, index } => Some(LetterFont::find(Some(path), *index)?),
        };
        let rows = self.letters_due().await?;
        let out = out.map_or_else(|| self.desk.config().dir.join("letters"), Path::to_path_buf);
        self.write_letters(&rows, &out, font.as_ref()).await
    }
}

/// The From of the desk's messages: `[smtp] from`, else the shop's address.
pub(crate) fn outreach_sender(config: &breachdesk_desk::DeskConfig) -> String {
    config
        .smtp
        .from
        .clone()
        .unwrap_or_else(|| config.shop.email.clone())
}
