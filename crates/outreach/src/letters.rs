//! Letters for the persons email could not reach: no address, a hard
//! bounce, or a soft bounce out of retries. Each carries the same notice
//! as the email, always in Japanese: it goes to an address in Japan.

use crate::{Outreach, OutreachError};
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
        let mut latest: BTreeMap<i64, breachdesk_store::NoticeRow> = BTreeMap::new();
        for row in self
            .desk
            .store()
            .notices_in_states(&["letter", "bounced"])
            .await?
        {
            match latest.get(&row.person_id) {
                Some(existing) if existing.notice_id > row.notice_id => {}
                _ => {
                    latest.insert(row.person_id, row);
                }
            }
        }
        let mut out = Vec::with_capacity(latest.len());
        for (person_id, notice) in latest {
            let person = self
                .desk
                .stored_version(person_id, notice.generation, newest)
                .await?;
            let rendered = self
                .render_notice(&templates, &person, Language::Ja)?
                .ok_or(OutreachError::NothingToTell { person_id })?;
            let data = &person.versions[0].data;
            out.push(LetterRow {
                person_id,
                name: data.name.clone(),
                postal_code: data.postal_code.clone(),
                address: data.address.clone(),
                reason: if notice.state == "letter" {
                    "no email address".into()
                } else {
                    "email bounced".into()
                },
                campaign: notice.campaign.clone(),
                notice_id: notice.notice_id,
                subject: rendered.subject,
                body: rendered.text,
            });
        }
        Ok(out)
    }

    /// Records that these letters were handed over (audited export), and
    /// moves their ledger rows to `letter`.
    pub async fn mark_letters(
        &self,
        letters: &[LetterRow],
        file: &str,
    ) -> Result<(), OutreachError> {
        let now = self.desk.now_text();
        for letter in letters {
            self.desk
                .store()
                .set_notice_state(letter.notice_id, "letter", &letter.reason, &now)
                .await?;
        }
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
