//! `bounces ingest`: bounces matched to the ledger rows that caused them,
//! by Message-ID first, else by recipient. A hard bounce sends the person
//! to a letter; a soft one is retried until the attempts run out.

use crate::{Outreach, OutreachError};
use breachdesk_bounce::Bounce;
use breachdesk_domain::NoticeState;
use breachdesk_store::{BounceApplied, NoticeRow};
use serde::Serialize;

#[derive(Clone, Debug, Default, Serialize)]
pub struct IngestReport {
    pub bounces: usize,
    pub by_message_id: usize,
    pub by_recipient: usize,
    pub unmatched: usize,
    /// Rows now waiting for a letter (hard bounce, or soft out of retries).
    pub to_letter: usize,
    /// Rows to be sent again by the next `notify send`.
    pub to_retry: usize,
    /// Matched rows already bounced or handed to letters: left as they are.
    pub already_settled: usize,
    /// Reports applied by an earlier ingest: nothing done again.
    pub read_before: usize,
    /// Bounces of the site's messages (self-check results), by Message-ID:
    /// recorded as bounced; the notice ledger is not touched.
    pub site_mail: usize,
}

impl Outreach {
    async fn notice_for(
        &self,
        bounce: &Bounce,
    ) -> Result<(Option<NoticeRow>, bool), OutreachError> {
        if let Some(id) = &bounce.message_id
            && let Some(row) = self.desk.store().notice_by_message_id(id).await?
        {
            return Ok((Some(row), true));
        }
        let Some(index) = self.desk.email_index(&bounce.recipient) else {
            return Ok((None, false));
        };
        for person in self.desk.store().persons_by_email_index(&index).await? {
            let sent = self
                .desk
                .store()
                .notices_of_person(person.person_id)
                .await?
                .into_iter()
                .find(|n| n.state == NoticeState::Sent);
            if sent.is_some() {
                return Ok((sent, false));
            }
        }
        Ok((None, false))
    }

    /// Applies bounces to the ledger. `max_attempts`: sends before a soft
    /// bounce gives up on email.
    pub async fn ingest_bounces(
        &self,
        bounces: &[Bounce],
        max_attempts: i64,
    ) -> Result<IngestReport, OutreachError> {
        let mut report = IngestReport {
            bounces: bounces.len(),
            ..IngestReport::default()
        };
        for bounce in bounces {
            let detail = format!(
                "{} {} {}",
                if bounce.hard { "hard" } else { "soft" },
                bounce.status,
                bounce.reason
            );
            // A self-check result is matched by its Message-ID only: the
            // recipient alone would point at the person's notice instead.
            if let Some(id) = &bounce.message_id
                && let Some(applied) = self
                    .desk
                    .store()
                    .bounce_site_mail(id, detail.trim(), &self.desk.now_text())
                    .await?
            {
                report.by_message_id += 1;
                report.site_mail += 1;
                if !applied {
                    report.already_settled += 1;
                }
                continue;
            }
            let (row, by_id) = self.notice_for(bounce).await?;
            let Some(row) = row else {
                report.unmatched += 1;
                continue;
            };
            if by_id {
                report.by_message_id += 1;
            } else {
                report.by_recipient += 1;
            }
            // Only rows that left count: a bounce for an in-doubt row proves
            // it was sent. A row already settled (bounced, letter) stays so,
            // and a report read before changes nothing (its retry may have
            // gone through since).
            let state = if bounce.hard || row.attempts >= max_attempts {
                NoticeState::Bounced
            } else {
                NoticeState::Deferred
            };
            let applied = self
                .desk
                .store()
                .apply_bounce(
                    &bounce.report_digest,
                    row.notice_id,
                    state,
                    detail.trim(),
                    &self.desk.now_text(),
                )
                .await?;
            match (applied, state) {
                (BounceApplied::Now, NoticeState::Bounced) => report.to_letter += 1,
                (BounceApplied::Now, _) => report.to_retry += 1,
                (BounceApplied::Before, _) => report.read_before += 1,
                (BounceApplied::NotApplicable, _) => report.already_settled += 1,
            }
        }
        self.desk.audit(
            "bounces-ingest",
            None,
            serde_json::json!({ "bounces": report.bounces, "matched": report.by_message_id + report.by_recipient,
                "to_letter": report.to_letter, "to_retry": report.to_retry }),
        )
        .await?;
        Ok(report)
    }
}
