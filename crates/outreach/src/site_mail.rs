//! Sending the site's mail (self-check results): each row claimed and
//! committed as `sending` before its message leaves, its outcome recorded
//! after, as the notice ledger does. A person of the scope gets their own
//! notice again; any other address a short "nothing on record".

use crate::{Outreach, OutreachError};
use breachdesk_desk::SiteRow;
use breachdesk_domain::NoticeState;
use breachdesk_notify::{Delivery, Language, Outgoing, Prepared, ShopInfo, Transport};
use serde::{Deserialize, Serialize};

/// What a site mail row holds sealed.
#[derive(Serialize, Deserialize)]
pub struct SiteMailSealed {
    pub to: String,
    pub language: Language,
}

/// Counts of one pass over the site's outbox.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SiteMailReport {
    pub sent: usize,
    pub deferred: usize,
    pub bounced: usize,
    pub failed: usize,
    pub in_doubt: usize,
}

impl SiteMailReport {
    pub fn total(&self) -> usize {
        self.sent + self.deferred + self.bounced + self.failed + self.in_doubt
    }
}

/// A site mail's Message-ID: recognisable, free of personal data.
pub fn site_mail_message_id(incident: &str, domain: &str, mail_id: i64) -> String {
    format!("<site.{mail_id}.{incident}@{domain}>")
}

#[derive(Serialize)]
struct NothingContext<'a> {
    shop: &'a ShopInfo,
}

impl Outreach {
    /// Sends up to `limit` of the site's queued messages, each once.
    pub async fn send_site_mail(
        &self,
        transport: &Transport,
        limit: i64,
    ) -> Result<SiteMailReport, OutreachError> {
        let desk = &self.desk;
        let templates = self.templates()?;
        let signer = self.signer()?.map(std::sync::Arc::new);
        let from = self.sender();
        let rows = desk
            .store()
            .claim_site_mail(limit, &desk.now_text())
            .await?;
        let mut report = SiteMailReport::default();
        let latest = desk.store().latest_generation().await?;
        // Outcomes are recorded together once the batch is out; a crash
        // before that leaves the batch `sending`: in doubt, never again.
        let mut outcomes: Vec<(i64, NoticeState, String)> = Vec::with_capacity(rows.len());
        for row in rows {
            let sealed = desk.open_site(&row.sealed, SiteRow::SiteMail(row.mail_id))?;
            let sealed: SiteMailSealed =
                serde_json::from_slice(&sealed).map_err(|_| OutreachError::SiteMailDamaged {
                    mail_id: row.mail_id,
                })?;
            let rendered = match (row.kind.as_str(), row.person_id, row.generation, latest) {
                ("check-affected", Some(person_id), Some(generation), Some(latest)) => {
                    let person = desk.stored_version(person_id, generation, latest).await?;
                    self.render_notice(&templates, &person, sealed.language)?
                }
                _ => {
                    let shop = desk.config().shop.info();
                    Some(templates.render_message(
                        "check-nothing",
                        sealed.language,
                        &NothingContext { shop: &shop },
                    )?)
                }
            };
            let Some(rendered) = rendered else {
                outcomes.push((row.mail_id, NoticeState::Failed, "nothing to render".into()));
                report.failed += 1;
                continue;
            };
            let outgoing = Outgoing {
                from: from.clone(),
                to: sealed.to.clone(),
                message_id: row.message_id.clone(),
                subject: rendered.subject,
                text: rendered.text,
                html: rendered.html,
            };
            let signing = signer.clone();
            let prepared = tokio::task::spawn_blocking(move || {
                Prepared::new(&outgoing, signing.as_ref().map(|s| s.as_ref()))
            })
            .await?;
            let (state, detail) = match prepared {
                Err(e) => (NoticeState::Failed, e.to_string()),
                Ok(prepared) => match transport.deliver(&prepared).await {
                    Ok(Delivery::Sent(d)) => (NoticeState::Sent, d),
                    Ok(Delivery::Deferred(d)) => (NoticeState::Deferred, d),
                    Ok(Delivery::Bounced(d)) => (NoticeState::Bounced, d),
                    Ok(Delivery::InDoubt(d)) => (NoticeState::InDoubt, d),
                    // Nothing was offered to the server: it may go again.
                    Err(breachdesk_notify::TransportError::Session(m)) => {
                        (NoticeState::Deferred, m)
                    }
                    Err(e) => (NoticeState::Failed, e.to_string()),
                },
            };
            match state {
                NoticeState::Sent => report.sent += 1,
                NoticeState::Deferred => report.deferred += 1,
                NoticeState::Bounced => report.bounced += 1,
                NoticeState::InDoubt => report.in_doubt += 1,
                _ => report.failed += 1,
            }
            outcomes.push((row.mail_id, state, detail));
        }
        if !outcomes.is_empty() {
            desk.store()
                .finish_site_mail(&outcomes, &desk.now_text())
                .await?;
        }
        Ok(report)
    }

    /// The From of the desk's messages: `[smtp] from`, else the shop's address.
    pub fn sender(&self) -> String {
        crate::request::outreach_sender(self.desk.config())
    }
}
