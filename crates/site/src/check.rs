//! The self-check. A submission only queues (the same work for every
//! address, so neither the page nor its timing can tell one from another);
//! the worker inside `serve` answers by mail: to a person of the scope,
//! their own notice again; to any other address, that nothing is on
//! record. One result per address per day.

use crate::SiteError;
use crate::page::Lang;
use breachdesk_desk::{CheckSealed, Desk, SiteRow};
use breachdesk_domain::{Instant, Zone, normalize_email};
use breachdesk_notify::{Language, Transport};
use breachdesk_outreach::{Outreach, SiteMailReport, SiteMailSealed, site_mail_message_id};
use breachdesk_store::{CheckAdmission, CheckOutcome, NewSiteMail};
use serde::Serialize;
use std::sync::Arc;

const DAY_MICROS: i64 = 86_400_000_000;
/// A check taken by a worker that has not finished it after this long is
/// taken again (its worker died before committing anything).
const STALE_MICROS: i64 = 10 * 60 * 1_000_000;

/// What a submission got: queued, or refused because its client is over
/// its limit (the same for every address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Queued,
    TooMany,
}

type Pending = (
    CheckAdmission,
    tokio::sync::oneshot::Sender<Result<bool, String>>,
);

/// Takes self-check submissions and writes them in batches: whatever
/// arrives while one transaction commits goes into the next, so a crowd
/// costs one commit (one fsync) per batch, not two per request. Each
/// submission is answered once its batch is on disk.
#[derive(Clone)]
pub struct CheckIntake {
    tx: tokio::sync::mpsc::Sender<Pending>,
}

/// Submissions per transaction at most.
const INTAKE_BATCH: usize = 512;

impl CheckIntake {
    /// Starts the writer; it stops when the last `CheckIntake` is dropped.
    pub fn start(desk: Arc<Desk>) -> (CheckIntake, tokio::task::JoinHandle<()>) {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Pending>(INTAKE_BATCH * 4);
        let writer = tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < INTAKE_BATCH {
                    match rx.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let (admissions, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
                match desk.store().admit_checks(&admissions).await {
                    Ok(results) => {
                        for (reply, queued) in replies.into_iter().zip(results) {
                            let _ = reply.send(Ok(queued));
                        }
                    }
                    Err(e) => {
                        let message = e.to_string();
                        for reply in replies {
                            let _ = reply.send(Err(message.clone()));
                        }
                    }
                }
            }
        });
        (CheckIntake { tx }, writer)
    }

    /// Queues a self-check of `email` from `client` (whatever was typed: a
    /// malformed address is queued too, and found out by the worker), unless
    /// the client is over `per_hour`. The work is the same for every
    /// address: one keyed digest, one sealing, one row.
    pub async fn submit(
        &self,
        desk: &Desk,
        client: std::net::IpAddr,
        email: &str,
        lang: Lang,
        per_hour: u32,
    ) -> Result<Admission, SiteError> {
        let email: String = email.chars().take(320).collect();
        let email_index = desk.check_index(&email);
        let sealed = serde_json::to_vec(&CheckSealed {
            email,
            lang: lang.code().to_owned(),
        })
        .map_err(|e| SiteError::Content(e.to_string()))?;
        let sealed = desk.seal_site(&zeroize::Zeroizing::new(sealed), SiteRow::CheckRequest)?;
        let (bucket, window_start) = crate::rate::RateLimiter::bucket(
            desk,
            "check",
            client,
            desk.now().0.div_euclid(1_000_000),
        );
        let admission = CheckAdmission {
            bucket,
            window_start,
            limit: i64::from(per_hour),
            email_index,
            sealed,
            received_at: desk.now_text(),
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.tx
            .send((admission, reply))
            .await
            .map_err(|_| SiteError::Intake("the writer stopped".into()))?;
        match answer.await {
            Ok(Ok(true)) => Ok(Admission::Queued),
            Ok(Ok(false)) => Ok(Admission::TooMany),
            Ok(Err(message)) => Err(SiteError::Intake(message)),
            Err(_) => Err(SiteError::Intake("the writer stopped".into())),
        }
    }
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
        // Each check's decision, then all of them in one transaction.
        let mut decided: Vec<(breachdesk_store::CheckRequestRow, Option<NewSiteMail>)> = Vec::new();
        let mut recipients: Vec<(String, Language)> = Vec::new();
        for row in taken {
            report.checks += 1;
            let sealed = desk.open_site(&row.sealed, SiteRow::CheckRequest)?;
            let check: CheckSealed =
                serde_json::from_slice(&sealed).map_err(|e| SiteError::Content(e.to_string()))?;
            let lang = Lang::from_code(&check.lang);
            let normalized = normalize_email(&check.email).filter(|e| e.contains('@'));
            let mail = match &normalized {
                None => None,
                // The index the address was queued with is the one persons
                // are found by (both from the normalized address).
                Some(_) => {
                    let persons = desk.persons_in_scope_by_index(&row.email_index).await?;
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
            recipients.push((normalized.unwrap_or_default(), lang.language()));
            decided.push((row, mail));
        }
        if !decided.is_empty() {
            let seal =
                |position: usize, mail_id: i64| -> Result<Vec<u8>, breachdesk_store::StoreError> {
                    let (to, language) = recipients.get(position).cloned().ok_or_else(|| {
                        breachdesk_store::StoreError::Invalid("no such check".into())
                    })?;
                    let json = serde_json::to_vec(&SiteMailSealed { to, language })
                        .map_err(|e| breachdesk_store::StoreError::Invalid(e.to_string()))?;
                    desk.seal_site(&zeroize::Zeroizing::new(json), SiteRow::SiteMail(mail_id))
                        .map_err(|e| breachdesk_store::StoreError::Invalid(e.to_string()))
                };
            let incident = desk.incident().id.clone();
            let domain = self.outreach.message_domain();
            let message_id = |id: i64| site_mail_message_id(&incident, &domain, id);
            let outcomes = desk
                .store()
                .finish_checks(
                    &decided,
                    &seal,
                    &message_id,
                    &desk.now_text(),
                    &self.text(now.0 - DAY_MICROS),
                )
                .await?;
            for (outcome, (_, mail)) in outcomes.into_iter().zip(&decided) {
                match (outcome, mail.map(|m| m.kind)) {
                    (CheckOutcome::Done, Some("check-affected")) => report.affected += 1,
                    (CheckOutcome::Done, _) => report.nothing += 1,
                    (CheckOutcome::Suppressed, _) => report.suppressed += 1,
                    (CheckOutcome::Invalid, _) => report.invalid += 1,
                }
            }
        }
        if let Some(transport) = &self.transport {
            report.mail = self.outreach.send_site_mail(transport, batch).await?;
        }
        Ok(report)
    }
}
