//! The affected set after the merge: compact records in key order, turned
//! into rows (`AffectedPerson`, or `affected.csv` lines) only as they are
//! read, so a million persons never exist as a million sets of strings.

use crate::aggregate::PARTITIONS;
use crate::directory::CustomerDirectory;
use crate::output::{AffectedPerson, Summary};
use crate::owner::TextKind;
use crate::person::{PersonAgg, Who};
use breachdesk_domain::person::GUEST_PREFIX;
use breachdesk_domain::{Incident, Zone};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// Every affected person, sorted by person key (byte order).
pub struct AffectedSet {
    directory: CustomerDirectory,
    parts: Vec<Vec<PersonAgg>>,
    /// (partition, slot) of each person, in key order.
    order: Vec<(u32, u32)>,
    /// Exposure ids by bit.
    exposure_ids: Vec<String>,
    zone: Zone,
}

impl std::fmt::Debug for AffectedSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AffectedSet")
            .field("persons", &self.order.len())
            .finish_non_exhaustive()
    }
}

/// The first 16 bytes of a key, zero-padded, big-endian: most comparisons
/// of the sort end here, without reading the key itself.
fn key_prefix(key: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let n = key.len().min(16);
    bytes[..n].copy_from_slice(&key.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
}

impl AffectedSet {
    pub(crate) fn new(
        incident: &Incident,
        directory: CustomerDirectory,
        parts: Vec<Vec<PersonAgg>>,
    ) -> AffectedSet {
        let key = |who| key_of(&directory, who);
        let mut order: Vec<(u128, u32, u32)> = parts
            .iter()
            .enumerate()
            .flat_map(|(p, aggs)| {
                aggs.iter()
                    .enumerate()
                    .map(move |(s, agg)| (p as u32, s as u32, agg))
            })
            .map(|(p, s, agg)| (key_prefix(key(&agg.who)), p, s))
            .collect();
        let who = |p: u32, s: u32| &parts[p as usize][s as usize].who;
        order.par_sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| key(who(a.1, a.2)).cmp(key(who(b.1, b.2))))
        });
        let order = order.into_iter().map(|(_, p, s)| (p, s)).collect();
        AffectedSet {
            exposure_ids: incident.exposures.iter().map(|e| e.id.clone()).collect(),
            zone: incident.zone.clone(),
            directory,
            parts,
            order,
        }
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The customer directory the keys were resolved against.
    pub fn directory(&self) -> &CustomerDirectory {
        &self.directory
    }

    fn agg(&self, n: usize) -> Option<&PersonAgg> {
        let &(p, s) = self.order.get(n)?;
        self.parts.get(p as usize)?.get(s as usize)
    }

    /// The person key of each person, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).filter_map(|n| self.agg(n).map(|a| self.fields(a).key))
    }

    /// Each person as a row, in order (matched checkouts cloned; see
    /// [`AffectedSet::into_persons`] to move them out instead).
    pub fn iter(&self) -> impl Iterator<Item = AffectedPerson> + '_ {
        (0..self.len()).filter_map(|n| {
            self.agg(n)
                .map(|a| self.person(a, self.expanded(&a.details)))
        })
    }

    /// Each person as a row, in order, giving up the set.
    pub fn into_persons(mut self) -> impl Iterator<Item = AffectedPerson> {
        let order = std::mem::take(&mut self.order);
        order.into_iter().filter_map(move |(p, s)| {
            let agg = self.parts.get_mut(p as usize)?.get_mut(s as usize)?;
            let details = std::mem::take(&mut agg.details);
            let agg = self.parts.get(p as usize)?.get(s as usize)?;
            Some(self.person(agg, self.expanded(&details)))
        })
    }

    fn person(
        &self,
        agg: &PersonAgg,
        checkouts_detail: Vec<crate::CheckoutDetail>,
    ) -> AffectedPerson {
        let f = self.fields(agg);
        let span = agg.span();
        AffectedPerson {
            person: f.key.to_owned(),
            email: f.email.to_owned(),
            name: f.name.to_owned(),
            exposures: self.exposure_list(agg.exposures),
            items: agg.items,
            checkouts: agg.checkouts(),
            cards: agg.cards.len() as u64,
            first_exposed_at: span.map(|(first, _)| self.zone.format(first)),
            last_exposed_at: span.map(|(_, last)| self.zone.format(last)),
            checkouts_detail,
        }
    }

    /// Key, email and name of one person, borrowed.
    pub(crate) fn fields<'a>(&'a self, agg: &'a PersonAgg) -> Fields<'a> {
        match &agg.who {
            Who::Customer(i) => {
                let c = self.directory.info(*i);
                Fields {
                    key: c.id,
                    email: c.email,
                    name: c.name,
                }
            }
            who @ Who::Text { kind, .. } => {
                let key = who.text_key();
                let email = match (kind, key.strip_prefix(GUEST_PREFIX)) {
                    (_, Some(guest)) => guest,
                    (TextKind::UnknownId, None) => who.email(),
                    _ => "",
                };
                Fields {
                    key,
                    email,
                    name: who.name(),
                }
            }
        }
    }

    /// Ids of the exposures in a mask, sorted.
    pub(crate) fn exposure_list(&self, mask: u64) -> Vec<String> {
        let mut ids: Vec<String> = self
            .exposure_ids
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, id)| id.clone())
            .collect();
        ids.sort_unstable();
        ids
    }

    pub(crate) fn zone(&self) -> &Zone {
        &self.zone
    }

    /// The records in order, in runs of `block` for parallel formatting.
    pub(crate) fn blocks(&self, block: usize) -> impl Iterator<Item = Vec<&PersonAgg>> + '_ {
        self.order.chunks(block.max(1)).map(|chunk| {
            chunk
                .iter()
                .filter_map(|&(p, s)| self.parts.get(p as usize)?.get(s as usize))
                .collect()
        })
    }

    /// The figures: persons, distinct cards, persons per exposure and item.
    pub(crate) fn summary(&self, incident: &Incident) -> Summary {
        let mut cards: Vec<[u64; 2]> = self
            .parts
            .par_iter()
            .flat_map_iter(|aggs| aggs.iter().flat_map(|a| a.cards.as_slice().iter().copied()))
            .collect();
        cards.par_sort_unstable();
        cards.dedup();
        let mut masks: HashMap<(u64, u16), u64> = HashMap::new();
        for agg in self.parts.iter().flatten() {
            *masks.entry((agg.exposures, agg.items.bits())).or_default() += 1;
        }
        let mut by_exposure: BTreeMap<String, u64> = incident
            .exposures
            .iter()
            .map(|e| (e.id.clone(), 0))
            .collect();
        let mut by_item: BTreeMap<String, u64> = incident
            .listed_items()
            .iter()
            .map(|i| (i.name().to_owned(), 0))
            .collect();
        for (&(mask, items), &n) in &masks {
            for (i, exposure) in incident.exposures.iter().enumerate() {
                if mask & (1 << i) != 0 {
                    *by_exposure.entry(exposure.id.clone()).or_default() += n;
                }
            }
            for item in breachdesk_domain::ItemSet::from_bits(items).iter() {
                *by_item.entry(item.name().to_owned()).or_default() += n;
            }
        }
        Summary {
            incident: incident.id.clone(),
            persons: self.len() as u64,
            cards: cards.len() as u64,
            by_exposure,
            by_item,
        }
    }
}

// Only PARTITIONS partitions are ever made, so their numbers fit a u32.
const _: () = assert!(PARTITIONS <= u32::MAX as usize);

pub(crate) struct Fields<'a> {
    pub key: &'a str,
    pub email: &'a str,
    pub name: &'a str,
}

fn key_of<'a>(directory: &'a CustomerDirectory, who: &'a Who) -> &'a str {
    match who {
        Who::Customer(i) => directory.id(*i),
        Who::Text { .. } => who.text_key(),
    }
}

impl AffectedSet {
    /// A person's matched checkouts in full, by time.
    fn expanded(&self, details: &[crate::detail::CompactDetail]) -> Vec<crate::CheckoutDetail> {
        let mut out: Vec<crate::CheckoutDetail> = details
            .iter()
            .map(|d| d.expand(&self.zone, &self.exposure_ids))
            .collect();
        out.sort_by_key(|d| d.sort_key);
        out
    }
}
