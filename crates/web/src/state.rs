//! What every request shares: the desk, the pages, the form tokens' key,
//! the built Q&A pages (rebuilt when the desk's content changes), and the
//! worker that answers self-checks.

use breachdesk_desk::Desk;
use breachdesk_site::{
    CheckIntake, CheckWorker, FormTokens, Lang, Links, Message, Pages, SiteError,
};
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
    #[error(transparent)]
    Desk(#[from] breachdesk_desk::DeskError),
    #[error("stopped: `key rotate` began on this desk; start `serve` again once it has finished")]
    KeyRotating,
}

/// A built Q&A page: the content version it shows, when that version was
/// last confirmed, and the page.
struct BuiltPage {
    version: String,
    confirmed: std::time::Instant,
    html: axum::body::Bytes,
}

/// How long a built page is served without asking the database whether its
/// content changed: a new generation shows within this, and a crowd on the
/// page costs one query a second instead of one a request.
const CONFIRM_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

type BuiltPages = HashMap<&'static str, BuiltPage>;

#[derive(Clone)]
pub(crate) struct AppState {
    pub desk: Arc<Desk>,
    pub pages: Arc<Pages>,
    pub tokens: Arc<FormTokens>,
    pub intake: CheckIntake,
    /// Built Q&A pages by language, with the content version they show.
    qa: Arc<Mutex<BuiltPages>>,
    /// The forms' answers, the same for everyone: rendered once.
    messages: Arc<Mutex<HashMap<(&'static str, Message), axum::body::Bytes>>>,
    transport: Option<Arc<breachdesk_notify::Transport>>,
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl AppState {
    pub async fn open(desk: Arc<Desk>) -> Result<AppState, WebError> {
        // Before anything is sealed: a rotation from now on waits for us.
        if desk.mark_serving().await? {
            return Err(WebError::KeyRotating);
        }
        let pages = Pages::of_desk(&desk).await?;
        let tokens = FormTokens::of(&desk).await?;
        let outreach = breachdesk_outreach::Outreach::new(Arc::clone(&desk));
        let transport = outreach.configured_transport(2)?.map(Arc::new);
        if transport.is_none() {
            tracing::warn!("no [smtp] url: self-check results stay queued until one is set");
        }
        let (intake, _writer) = CheckIntake::start(Arc::clone(&desk));
        Ok(AppState {
            intake,
            desk,
            pages: Arc::new(pages),
            tokens: Arc::new(tokens),
            qa: Arc::new(Mutex::new(HashMap::new())),
            messages: Arc::new(Mutex::new(HashMap::new())),
            transport,
            metrics: Arc::new(crate::metrics::Metrics::new()),
        })
    }

    /// A message page that is the same for everyone (no reference).
    pub fn message_page(
        &self,
        lang: Lang,
        message: Message,
    ) -> Result<axum::body::Bytes, SiteError> {
        if let Ok(cache) = self.messages.lock()
            && let Some(page) = cache.get(&(lang.code(), message))
        {
            return Ok(page.clone());
        }
        let page =
            axum::body::Bytes::from(self.pages.message(&self.desk, lang, message, None)?.html);
        if let Ok(mut cache) = self.messages.lock() {
            cache.insert((lang.code(), message), page.clone());
        }
        Ok(page)
    }

    /// The Q&A page of `lang`, built again only when what it shows changed.
    pub async fn qa_page(&self, lang: Lang) -> Result<axum::body::Bytes, SiteError> {
        let fresh = |page: &BuiltPage| page.confirmed.elapsed() < CONFIRM_EVERY;
        if let Ok(cache) = self.qa.lock()
            && let Some(page) = cache.get(lang.code()).filter(|p| fresh(p))
        {
            return Ok(page.html.clone());
        }
        let version = self.desk.store().qa_version().await?;
        if let Ok(mut cache) = self.qa.lock()
            && let Some(page) = cache.get_mut(lang.code())
            && page.version == version
        {
            page.confirmed = std::time::Instant::now();
            return Ok(page.html.clone());
        }
        let html =
            axum::body::Bytes::from(self.pages.qa(&self.desk, lang, Links::Served).await?.html);
        if let Ok(mut cache) = self.qa.lock() {
            cache.insert(
                lang.code(),
                BuiltPage {
                    version,
                    confirmed: std::time::Instant::now(),
                    html: html.clone(),
                },
            );
        }
        Ok(html)
    }
}

/// Answers queued self-checks and sends their mail until told to stop;
/// marks the desk as served every few seconds, and when a key rotation has
/// begun all the same, sends on `rotating` and returns true.
pub(crate) async fn run_worker(
    state: AppState,
    mut stop: tokio::sync::watch::Receiver<bool>,
    rotating: tokio::sync::oneshot::Sender<()>,
) -> bool {
    let worker = CheckWorker::new(Arc::clone(&state.desk), state.transport.clone());
    let mut marked = std::time::Instant::now();
    loop {
        if marked.elapsed() >= Desk::serving_mark_every() {
            match state.desk.mark_serving().await {
                Ok(false) => marked = std::time::Instant::now(),
                Ok(true) => {
                    tracing::error!("key rotation begun on this desk: stopping");
                    let _ = rotating.send(());
                    return true;
                }
                // Tried again on the next pass; `key rotate` refuses
                // meanwhile only if an earlier mark is fresh.
                Err(e) => tracing::error!("marking the desk as served: {e}"),
            }
        }
        match worker.run_once(64).await {
            Ok(report) if report.checks > 0 || report.mail.total() > 0 => {
                state.metrics.worker_pass(&report);
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
                    return false;
                }
                continue;
            }
            Ok(_) => {}
            Err(e) => {
                state.metrics.worker_error();
                tracing::error!("self-check worker: {e}");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_millis(250)) => {}
            _ = stop.changed() => return false,
        }
    }
}
