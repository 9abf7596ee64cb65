//! The self-check. A submission only queues (the same work for every
//! address, so neither the page nor its timing can tell one from another);
//! the worker inside `serve` answers by mail: to a person of the scope,
//! their own notice again; to any other address, that nothing is on
//! record. One result per address per day.

use crate::SiteError;
use crate::page::Lang;
use breachdesk_desk::Desk;
use breachdesk_domain::{Instant, Zone, normalize_email};
use breachdesk_notify::{Language, Transport};
use breachdesk_outreach::{
    Outreach, SiteMailReport, SiteMailSealed, site_mail_context, site_mail_message_id,
};
use breachdesk_store::{CheckOutcome, NewSiteMail};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

const CHECK_CONTEXT: &str = "check_request";
const DAY_MICROS: i64 = 86_400_000_000;
/// A check taken by a worker that has not finished it after this long is
/// taken again (its worker died before committing anything).
const STALE_MICROS: i64 = 10 * 60 * 1_000_000;

#[derive(Serialize, Deserialize)]
struct CheckSealed {
    email: String,
    lang: String,
}

/// Queues a self-check of `email` (whatever was typed: a malformed address
/// is queued too, and found out by the worker).
pub async fn accept_check(desk: &Desk, email: &str, lang: Lang) -> Result<(), SiteError> {
    let email: String = email.chars().take(320).collect();
    let index = desk
        .address_index(&email)
        .unwrap_or_else(|| desk.site_digest("malformed", &email));
    let sealed = serde_json::to_vec(&CheckSealed {
        email,
        lang: lang.code().to_owned(),
    })
    .map_err(|e| SiteError::Content(e.to_string()))?;
    let sealed = desk.seal_site(&zeroize::Zeroizing::new(sealed), CHECK_CONTEXT)?;
    desk.store()
        .queue_check(&index, &sealed, &desk.now_text())
        .await?;
    Ok(())
}

/// What one pass of the worker did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WorkerReport {
    pub checks: usize,
    pub affected: usize,
    pub nothing: usize,
    pub suppressed: usize,
    pub invalid: usize,
    pub mail: SiteMailReport,
}

/// The worker of one `serve`: several may run on one desk, each taking
/// checks and mail the others have not.
pub struct CheckWorker {
    outreach: Outreach,
    transport: Option<Arc<Transport>>,
}

impl CheckWorker {
    pub fn new(desk: Arc<Desk>, transport: Option<Arc<Transport>>) -> CheckWorker {
        CheckWorker {
            outreach: Outreach::new(desk),
            transport,
        }
    }

    fn desk(&self) -> &Desk {
        self.outreach.desk()
    }

    fn text(&self, micros: i64) -> String {
        Zone::utc().format(Instant(micros))
    }

    /// Answers up to `batch` queued checks and sends what is queued.
    pub async fn run_once(&self, batch: i64) -> Result<WorkerReport, SiteError> {
        let desk = self.desk();
        let now = desk.now();
        let mut report = WorkerReport::default();
        let stale = self.text(now.0 - STALE_MICROS);
        desk.store()
            .site_mail_in_doubt(&stale, &desk.now_text())
            .await?;
        let taken = desk
            .store()
            .take_checks(batch, &desk.now_text(), &stale)
            .await?;
        for row in taken {
            report.checks += 1;
            let sealed = desk.open_site(&row.sealed, CHECK_CONTEXT)?;
            let check: CheckSealed =
                serde_json::from_slice(&sealed).map_err(|e| SiteError::Content(e.to_string()))?;
            let lang = Lang::from_code(&check.lang);
            let normalized = normalize_email(&check.email).filter(|e| e.contains('@'));
            let mail = match &normalized {
                None => None,
                Some(email) => {
                    let index = desk.address_index(email).unwrap_or_default();
                    let persons = desk.persons_in_scope_by_index(&index).await?;
                    Some(match persons.first() {
                        Some((person_id, generation)) => NewSiteMail {
                            kind: "check-affected",
                            person_id: Some(*person_id),
                            generation: Some(*generation),
                        },
                        None => NewSiteMail {
                            kind: "check-nothing",
                            person_id: None,
                            generation: None,
                        },
                    })
                }
            };
            let to = normalized.clone().unwrap_or_default();
            let language: Language = lang.language();
            let seal = |mail_id: i64| -> Result<Vec<u8>, breachdesk_store::StoreError> {
                let json = serde_json::to_vec(&SiteMailSealed {
                    to: to.clone(),
                    language,
                })
                .map_err(|e| breachdesk_store::StoreError::Invalid(e.to_string()))?;
                desk.seal_site(&zeroize::Zeroizing::new(json), &site_mail_context(mail_id))
                    .map_err(|e| breachdesk_store::StoreError::Invalid(e.to_string()))
            };
            let incident = desk.incident().id.clone();
            let domain = self.outreach.message_domain();
            let message_id = |id: i64| site_mail_message_id(&incident, &domain, id);
            let outcome = desk
                .store()
                .finish_check(
                    &row,
                    mail.as_ref(),
                    &seal,
                    &message_id,
                    &desk.now_text(),
                    &self.text(now.0 - DAY_MICROS),
                )
                .await?;
            match (outcome, mail.map(|m| m.kind)) {
                (CheckOutcome::Done, Some("check-affected")) => report.affected += 1,
                (CheckOutcome::Done, _) => report.nothing += 1,
                (CheckOutcome::Suppressed, _) => report.suppressed += 1,
                (CheckOutcome::Invalid, _) => report.invalid += 1,
            }
        }
        if let Some(transport) = &self.transport {
            report.mail = self.outreach.send_site_mail(transport, batch).await?;
        }
        Ok(report)
    }
}
