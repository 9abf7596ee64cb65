//! What every request shares: the desk, the pages, the form tokens' key,
//! the built Q&A pages (rebuilt when the desk's content changes), and the
//! worker that answers self-checks.

use breachdesk_desk::Desk;
use breachdesk_site::{CheckWorker, FormTokens, Lang, Links, Pages, SiteError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    Site(#[from] SiteError),
    #[error(transparent)]
    Outreach(#[from] breachdesk_outreach::OutreachError),
    #[error("the server: {0}")]
    Io(std::io::Error),
    #[error("the self-check worker stopped: {0}")]
    Worker(String),
}

/// Built Q&A pages: language -> (the content version it shows, the page).
type BuiltPages = HashMap<&'static str, (String, Arc<String>)>;

#[derive(Clone)]
pub(crate) struct AppState {
    pub desk: Arc<Desk>,
    pub pages: Arc<Pages>,
    pub tokens: Arc<FormTokens>,
    /// Built Q&A pages by language, with the content version they show.
    qa: Arc<Mutex<BuiltPages>>,
    transport: Option<Arc<breachdesk_notify::Transport>>,
}

impl AppState {
    pub async fn open(desk: Arc<Desk>) -> Result<AppState, WebError> {
        let pages = Pages::in_dir(
            &desk.config().dir.join("templates").join("site"),
            &desk.config().web.public_url,
        )?;
        let today = desk.now_text().get(..10).unwrap_or_default().to_owned();
        breachdesk_site::seed_content(desk.store(), desk.incident(), &today, &desk.now_text())
            .await?;
        let tokens = FormTokens::of(&desk).await?;
        let outreach = breachdesk_outreach::Outreach::new(Arc::clone(&desk));
        let transport = outreach.configured_transport(2)?.map(Arc::new);
        if transport.is_none() {
            tracing::warn!("no [smtp] url: self-check results stay queued until one is set");
        }
        Ok(AppState {
            desk,
            pages: Arc::new(pages),
            tokens: Arc::new(tokens),
            qa: Arc::new(Mutex::new(HashMap::new())),
            transport,
        })
    }

    /// The Q&A page of `lang`, built again only when what it shows changed.
    pub async fn qa_page(&self, lang: Lang) -> Result<Arc<String>, SiteError> {
        let version = self.desk.store().qa_version().await?;
        if let Ok(cache) = self.qa.lock()
            && let Some((built_for, html)) = cache.get(lang.code())
            && *built_for == version
        {
            return Ok(Arc::clone(html));
        }
        let page = Arc::new(self.pages.qa(&self.desk, lang, Links::Served).await?.html);
        if let Ok(mut cache) = self.qa.lock() {
            cache.insert(lang.code(), (version, Arc::clone(&page)));
        }
        Ok(page)
    }
}

/// Answers queued self-checks and sends their mail until told to stop.
pub(crate) async fn run_worker(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let worker = CheckWorker::new(Arc::clone(&state.desk), state.transport.clone());
    loop {
        match worker.run_once(64).await {
            Ok(report) if report.checks > 0 || report.mail.total() > 0 => {
                tracing::info!(
                    checks = report.checks,
                    affected = report.affected,
                    nothing = report.nothing,
                    suppressed = report.suppressed,
                    invalid = report.invalid,
                    sent = report.mail.sent,
                    "self-check worker"
                );
                // More may be waiting: no pause.
                if *stop.borrow() {
                    return;
                }
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::error!("self-check worker: {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_millis(250)) => {}
            _ = stop.changed() => return,
        }
    }
}
