//! `breachdesk status`: the figures of the current generation, the history
//! of loads, and the regulator's clock. Figures only: no personal data.

use crate::DeskError;
use crate::desk::Desk;
use breachdesk_domain::regulator::{Deadline, deadlines};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize)]
pub struct GenerationStatus {
    pub generation: i64,
    pub loaded_at: String,
    pub operator: String,
    pub persons: u64,
    pub added: u64,
    pub removed: u64,
    pub changed: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Status {
    pub incident: String,
    pub title: String,
    pub backend: &'static str,
    pub key_id: String,
    pub now: String,
    pub discovered: Option<String>,
    pub generation: Option<i64>,
    pub persons: u64,
    pub cards: u64,
    pub by_exposure: BTreeMap<String, u64>,
    pub by_item: BTreeMap<String, u64>,
    pub generations: Vec<GenerationStatus>,
    pub deadlines: Vec<Deadline>,
    /// Notice ledger: campaign -> state -> rows.
    pub notices: BTreeMap<String, BTreeMap<String, i64>>,
    /// Persons already told something the latest generation no longer says.
    pub corrections_due: usize,
}

/// A generation's `summary` as `load` stored it.
#[derive(serde::Deserialize, Default)]
struct StoredSummary {
    persons: u64,
    cards: u64,
    by_exposure: BTreeMap<String, u64>,
    by_item: BTreeMap<String, u64>,
}

/// A generation's `changes` as `load` stored it.
#[derive(serde::Deserialize)]
struct StoredChanges {
    added: u64,
    removed: u64,
    changed: u64,
}

/// Stored figures read back; text that is not what `load` wrote is an
/// error, never zeros.
fn stored<T: serde::de::DeserializeOwned>(what: &'static str, text: &str) -> Result<T, DeskError> {
    serde_json::from_str(text).map_err(|e| DeskError::Corrupt {
        what,
        message: e.to_string(),
    })
}

impl Desk {
    pub async fn status(&self) -> Result<Status, DeskError> {
        let generations = self.store().generations().await?;
        let latest: StoredSummary = match generations.last() {
            Some(g) => stored("the summary of the latest generation", &g.summary)?,
            None => StoredSummary::default(),
        };
        let mut history = Vec::with_capacity(generations.len());
        for g in &generations {
            let summary: StoredSummary = stored("a generation's summary", &g.summary)?;
            let changes: StoredChanges = stored("a generation's changes", &g.changes)?;
            history.push(GenerationStatus {
                generation: g.generation,
                loaded_at: g.loaded_at.clone(),
                operator: g.operator.clone(),
                persons: summary.persons,
                added: changes.added,
                removed: changes.removed,
                changed: changes.changed,
            });
        }
        let corrections_due = match generations.last() {
            Some(g) => self.store().corrections_due(g.generation).await?.len(),
            None => 0,
        };
        let zone = &self.incident().zone;
        let now = self.now();
        Ok(Status {
            incident: self.incident().id.clone(),
            title: self.incident().title.clone(),
            backend: self.store().backend(),
            key_id: self.vault().key_id().to_string(),
            now: zone.format(now),
            discovered: self
                .incident()
                .regulator
                .as_ref()
                .map(|r| zone.format(r.discovered)),
            generation: generations.last().map(|g| g.generation),
            persons: latest.persons,
            cards: latest.cards,
            by_exposure: latest.by_exposure,
            by_item: latest.by_item,
            generations: history,
            corrections_due,
            deadlines: self
                .incident()
                .regulator
                .as_ref()
                .map(|r| deadlines(r, zone, now))
                .unwrap_or_default(),
            notices: self.store().all_notice_counts().await?.into_iter().fold(
                BTreeMap::new(),
                |mut acc, (campaign, state, n)| {
                    acc.entry(campaign)
                        .or_insert_with(BTreeMap::new)
                        .insert(state, n);
                    acc
                },
            ),
        })
    }
}

/// The figures of the latest generation, as the public site shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScopeFigures {
    pub generation: Option<i64>,
    pub persons: u64,
    pub cards: u64,
    pub by_exposure: BTreeMap<String, u64>,
}

impl Desk {
    /// The latest generation's figures (zeros before the first load).
    pub async fn scope_figures(&self) -> Result<ScopeFigures, DeskError> {
        let generations = self.store().generations().await?;
        let Some(latest) = generations.last() else {
            return Ok(ScopeFigures::default());
        };
        let summary: StoredSummary =
            stored("the summary of the latest generation", &latest.summary)?;
        Ok(ScopeFigures {
            generation: Some(latest.generation),
            persons: summary.persons,
            cards: summary.cards,
            by_exposure: summary.by_exposure,
        })
    }
}
