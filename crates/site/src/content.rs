//! The starting Q&A content, written into a desk that has none: only the
//! entries for the incident's kinds of exposure.

use crate::SiteError;
use breachdesk_domain::{Incident, Item, RecordKind};
use breachdesk_store::{QaChangeRow, QaEntryRow, Store};
use serde::Deserialize;

const STARTING: [(&str, &str); 2] = [
    ("ja", include_str!("../content/qa.ja.toml")),
    ("en", include_str!("../content/qa.en.toml")),
];

/// What kinds of exposure an incident has, as the starting content is
/// chosen by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kinds {
    /// Card details typed on a tampered payment page.
    pub card: bool,
    /// The shop's customer records were read.
    pub database: bool,
}

impl Kinds {
    pub fn of(incident: &Incident) -> Kinds {
        Kinds {
            card: incident
                .exposures
                .iter()
                .any(|e| e.exposes.contains(Item::CardNumber)),
            database: incident.exposures.iter().any(|e| {
                e.records == RecordKind::Customers || e.exposes.contains(Item::PasswordHash)
            }),
        }
    }

    fn wants(self, target: &str) -> bool {
        match target {
            "card" => self.card,
            "database" => self.database,
            _ => true,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContentFile {
    entry: Vec<ContentEntry>,
    #[serde(default)]
    change: Vec<ContentChange>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContentEntry {
    anchor: String,
    category: String,
    #[serde(rename = "for")]
    target: String,
    question: String,
    answer: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContentChange {
    text: String,
}

/// The starting entries and change log for these kinds, dated `today`
/// (`YYYY-MM-DD`) and stamped `now`.
pub fn starting_content(
    kinds: Kinds,
    today: &str,
    now: &str,
) -> Result<(Vec<QaEntryRow>, Vec<QaChangeRow>), SiteError> {
    let mut entries = Vec::new();
    let mut changes = Vec::new();
    for (lang, text) in STARTING {
        let file: ContentFile = toml::from_str(text)
            .map_err(|e| SiteError::Content(format!("qa.{lang}.toml: {}", e.message())))?;
        for (position, e) in file
            .entry
            .into_iter()
            .filter(|e| kinds.wants(&e.target))
            .enumerate()
        {
            entries.push(QaEntryRow {
                lang: lang.to_owned(),
                anchor: e.anchor,
                category: e.category,
                position: i64::try_from(position).unwrap_or(i64::MAX),
                question: e.question,
                answer: e.answer.trim().to_owned(),
                updated_at: now.to_owned(),
            });
        }
        for c in file.change {
            changes.push(QaChangeRow {
                change_id: i64::try_from(changes.len() + 1).unwrap_or(i64::MAX),
                lang: lang.to_owned(),
                published_on: today.to_owned(),
                text: c.text,
            });
        }
    }
    Ok((entries, changes))
}

/// Writes the starting content into a desk that has none. Returns whether
/// it did.
pub async fn seed_content(
    store: &Store,
    incident: &Incident,
    today: &str,
    now: &str,
) -> Result<bool, SiteError> {
    let (entries, changes) = starting_content(Kinds::of(incident), today, now)?;
    Ok(store.seed_qa(&entries, &changes).await?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_starting_set_follows_the_kinds_of_exposure() {
        let card = Kinds {
            card: true,
            database: false,
        };
        let database = Kinds {
            card: false,
            database: true,
        };
        let (with_card, _) = starting_content(card, "2026-12-02", "t").unwrap();
        let (with_db, changes) = starting_content(database, "2026-12-02", "t").unwrap();
        let anchors = |rows: &[QaEntryRow], lang: &str| -> Vec<String> {
            rows.iter()
                .filter(|r| r.lang == lang)
                .map(|r| r.anchor.clone())
                .collect()
        };
        assert!(anchors(&with_card, "ja").contains(&"card-reissue".to_owned()));
        assert!(!anchors(&with_db, "ja").contains(&"card-reissue".to_owned()));
        assert!(anchors(&with_db, "ja").contains(&"database-risk".to_owned()));
        assert!(!anchors(&with_card, "en").contains(&"database-risk".to_owned()));
        // Both languages carry the same questions, in the same order.
        assert_eq!(anchors(&with_card, "ja"), anchors(&with_card, "en"));
        assert_eq!(anchors(&with_db, "ja"), anchors(&with_db, "en"));
        assert_eq!(changes.len(), 2);
        assert!(changes.iter().all(|c| c.published_on == "2026-12-02"));
    }
}
