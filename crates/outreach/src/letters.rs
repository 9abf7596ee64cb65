//! Letters for the persons email could not reach: no address, a hard
//! bounce, or a soft bounce out of retries. Each carries the same notice
//! as the email, always in Japanese: it goes to an address in Japan.

use crate::{Outreach, OutreachError};
use breachdesk_domain::NoticeState;
use breachdesk_notify::Language;
use std::collections::BTreeMap;

/// One letter to send.
#[derive(Clone)]
pub struct LetterRow {
    pub person_id: i64,
    pub name: String,
    pub postal_code: String,
    pub address: String,
    /// Why email did not reach them.
    pub reason: String,
    pub campaign: String,
    pub notice_id: i64,
    /// Older notices of the same person, also due a letter: this one, the
    /// newest, stands for them and they are printed with it.
    pub superseded: Vec<i64>,
    /// The notice, rendered from the desk's Japanese text template.
    pub subject: String,
    pub body: String,
}

// Personal data: never in logs.
impl std::fmt::Debug for LetterRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LetterRow")
            .field("person_id", &self.person_id)
            .finish_non_exhaustive()
    }
}

impl Outreach {
    /// Persons due a letter, one row each (their latest notice decides).
    pub async fn letters_due(&self) -> Result<Vec<LetterRow>, OutreachError> {
        let templates = self.templates()?;
        let newest = self.desk.store().latest_generation().await?.unwrap_or(0);
        // Per person: every notice due a letter, the newest last.
        let mut due: BTreeMap<i64, Vec<breachdesk_store::NoticeRow>> = BTreeMap::new();
        for row in self
            .desk
            .store()
            .notices_in_states(&[NoticeState::Letter, NoticeState::Bounced])
            .await?
        {
            due.entry(row.person_id).or_default().push(row);
        }
        let mut out = Vec::with_capacity(due.len());
        for (person_id, mut notices) in due {
            notices.sort_by_key(|n| n.notice_id);
            let Some(notice) = notices.pop() else {
                continue;
            };
            let told = self
                .render_row(&templates, &notice, newest, Language::Ja)
                .await?;
            let person = told.person;
            let rendered = told
                .notice
                .ok_or(OutreachError::NothingToTell { person_id })?;
            let data = &person.versions[0].data;
            out.push(LetterRow {
                person_id,
                name: data.name.clone(),
                postal_code: data.postal_code.clone(),
                address: data.address.clone(),
                reason: if notice.state == NoticeState::Letter {
                    "no email address".into()
                } else {
                    "email bounced".into()
                },
                campaign: notice.campaign.clone(),
                notice_id: notice.notice_id,
                superseded: notices.iter().map(|n| n.notice_id).collect(),
                subject: rendered.subject,
                body: rendered.text,
            });
        }
        Ok(out)
    }

    /// Records that these letters were handed over (audited export): their
    /// ledger rows become `letter_printed`, so the next run prints none of
    /// them again.
    pub async fn mark_letters(
        &self,
        letters: &[LetterRow],
        file: &str,
    ) -> Result<(), OutreachError> {
        let now = self.desk.now_text();
        let ids: Vec<i64> = letters
            .iter()
            .flat_map(|l| std::iter::once(l.notice_id).chain(l.superseded.iter().copied()))
            .collect();
        self.desk
            .store()
            .move_notices(&ids, NoticeState::LetterPrinted, "printed", &now)
            .await?;
        self.desk
            .audit(
                "letters-export",
                None,
                serde_json::json!({ "letters": letters.len(), "file": file }),
            )
            .await?;
        Ok(())
    }
}
