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
}

fn figure(json: &serde_json::Value, name: &str) -> u64 {
    json.get(name)
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0)
}

fn figures(json: &serde_json::Value, name: &str) -> BTreeMap<String, u64> {
    json.get(name)
        .and_then(serde_json::Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default()
}

impl Desk {
    pub async fn status(&self) -> Result<Status, DeskError> {
        let generations = self.store().generations().await?;
        let parse = |s: &str| {
            serde_json::from_str::<serde_json::Value>(s).unwrap_or(serde_json::Value::Null)
        };
        let latest = generations
            .last()
            .map(|g| parse(&g.summary))
            .unwrap_or(serde_json::Value::Null);
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
            persons: figure(&latest, "persons"),
            cards: figure(&latest, "cards"),
            by_exposure: figures(&latest, "by_exposure"),
            by_item: figures(&latest, "by_item"),
            generations: generations
                .iter()
                .map(|g| {
                    let changes = parse(&g.changes);
                    GenerationStatus {
                        generation: g.generation,
                        loaded_at: g.loaded_at.clone(),
                        operator: g.operator.clone(),
                        persons: figure(&parse(&g.summary), "persons"),
                        added: figure(&changes, "added"),
                        removed: figure(&changes, "removed"),
                        changed: figure(&changes, "changed"),
                    }
                })
                .collect(),
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
