//! `notify send`: every affected person once, through the ledger.

use crate::deliver::SendContext;
use crate::{Outreach, OutreachError};
use breachdesk_notify::{Language, Transport};
use serde::Serialize;

#[derive(Clone, Debug, Default, Serialize)]
pub struct SendReport {
    pub campaign: String,
    /// Persons newly added to the ledger by this run.
    pub queued: usize,
    /// Rows a previous run left in flight, now marked in doubt.
    pub in_doubt: u64,
    /// Notices of this run whose connection was lost while they were
    /// handed over: in doubt, not sent again.
    pub lost: usize,
    pub sent: usize,
    pub deferred: usize,
    pub bounced: usize,
    /// Persons with no email address: straight to a letter.
    pub letter: usize,
    pub failed: usize,
    /// Notices rendered by a dry run (nothing sent).
    pub rendered: usize,
    /// What the newest generation changed in the ledger before the run.
    pub revision: breachdesk_store::Revision,
    /// Persons already told something the newest generation no longer
    /// says, after the run: `--corrections` tells them.
    pub corrections_due: usize,
    /// Rows per state after the run.
    pub states: Vec<(String, i64)>,
}

/// Options of one run.
#[derive(Clone, Debug)]
pub struct SendOptions {
    pub campaign: String,
    /// Tries again within the run after a temporary failure.
    pub retries: u32,
    pub retry_delay: std::time::Duration,
    pub from: String,
    pub limit: Option<usize>,
    pub dry_run: bool,
    pub language: Language,
    /// Notices in flight at once (one per SMTP connection).
    pub connections: usize,
    /// Queue corrections (for persons told something the newest generation
    /// no longer says) instead of notices.
    pub corrections: bool,
}

impl Outreach {
    /// The DKIM signer, when `[dkim]` names a selector and a domain.
    pub fn signer(&self) -> Result<Option<breachdesk_notify::Signer>, OutreachError> {
        let dkim = &self.desk.config().dkim;
        if dkim.selector.trim().is_empty() || dkim.domain.trim().is_empty() {
            return Ok(None);
        }
        let key = dkim
            .key_file
            .clone()
            .unwrap_or_else(|| self.desk.config().dir.join("dkim.pem"));
        Ok(Some(breachdesk_notify::Signer::load(
            &dkim.selector,
            &dkim.domain,
            &key,
        )?))
    }

    /// The Message-ID of a ledger row: recognisable, free of personal data.
    fn message_id(&self, campaign: &str, notice_id: i64) -> String {
        format!(
            "<{campaign}.{notice_id}.{}@{}>",
            self.desk.incident().id,
            self.message_domain()
        )
    }

    /// The domain of the desk's Message-IDs: the shop's.
    pub fn message_domain(&self) -> String {
        self.desk
            .config()
            .shop
            .email
            .rsplit('@')
            .next()
            .filter(|d| d.contains('.'))
            .unwrap_or("breachdesk.invalid")
            .to_owned()
    }

    /// Sends the campaign's notices: queues every person of the latest
    /// generation once, marks what a crash left in flight as in doubt, then
    /// claims, sends and records row by row. `progress(done, total)` is
    /// called after each row.
    /// A dry run needs no transport (`None`); a real run does.
    pub async fn send_notices(
        &self,
        transport: Option<std::sync::Arc<Transport>>,
        options: &SendOptions,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<SendReport, OutreachError> {
        let templates = self.templates()?;
        let signer = self.signer()?;
        let generation = self
            .desk
            .store()
            .latest_generation()
            .await?
            .ok_or(breachdesk_desk::DeskError::NothingLoaded)?;
        let campaign = options.campaign.clone();
        let now = self.desk.now_text();
        let mut report = SendReport {
            campaign: campaign.clone(),
            ..SendReport::default()
        };
        let store = self.desk.store();
        // The newest generation reaches the ledger before anything is sent
        // (load did this already, unless it stopped before).
        report.revision = store.revise_notices(generation, &now).await?;
        let message_id = |id| self.message_id(&campaign, id);
        report.queued = if options.corrections {
            store
                .ensure_corrections(&campaign, generation, &now, &message_id)
                .await?
        } else {
            store
                .ensure_notices(&campaign, generation, &now, &message_id)
                .await?
        };
        // A real run holds a lease for as long as it lives; rows that a dead
        // run left `sending` are in doubt (a live run's are its own).
        let lease = if options.dry_run {
            None
        } else {
            let lease = self.desk.store().start_run(&campaign, &now).await?;
            report.in_doubt = self
                .desk
                .store()
                .mark_in_doubt(&campaign, lease.run_id, &now)
                .await?;
            Some(lease)
        };
        let limit = options.limit.unwrap_or(usize::MAX);
        let rows = self
            .desk
            .store()
            .sendable_notices(&campaign, i64::try_from(limit).unwrap_or(i64::MAX))
            .await?;
        if options.dry_run {
            let total = rows.len();
            for (done, row) in rows.into_iter().enumerate() {
                self.render_row(&templates, &row, generation, options.language)
                    .await?;
                report.rendered += 1;
                progress(done + 1, total);
            }
        } else {
            let (Some(transport), Some(lease)) = (transport, lease) else {
                return Err(OutreachError::NoTransport);
            };
            let (ledger, ledger_writer) =
                crate::ledger::Ledger::start(self.clone(), crate::ledger::RunId(lease.run_id));
            let context = std::sync::Arc::new(SendContext {
                templates,
                signer,
                transport,
                options: options.clone(),
                latest_generation: generation,
                pace: std::sync::Mutex::new(breachdesk_notify::DomainLimits::new(
                    &self.desk.config().smtp.per_domain,
                    self.desk.config().smtp.per_minute,
                )),
                started: tokio::time::Instant::now(),
                ledger,
            });
            let delivered = self
                .deliver_rows(rows, &context, &mut report, progress)
                .await;
            // Every row's outcome was answered before its task ended; the
            // writer stops once the last handle (in the context) is gone.
            drop(context);
            let writer = ledger_writer.await;
            self.desk
                .store()
                .finish_run(lease, &self.desk.now_text())
                .await?;
            delivered?;
            writer?;
        }
        report.states = self.desk.store().notice_counts(&campaign).await?;
        report.corrections_due = self.desk.store().corrections_due(generation).await?.len();
        if !options.dry_run {
            self.desk.audit(
                "notify-send",
                None,
                serde_json::json!({ "campaign": campaign, "sent": report.sent, "deferred": report.deferred,
                    "bounced": report.bounced, "letter": report.letter, "in_doubt": report.in_doubt }),
            )
            .await?;
        }
        Ok(report)
    }
}
