//! What scoping remembers per affected person while the rows stream past.
//! Workers keep their own maps; merging is order-free, so the result does
//! not depend on how the file was split.

use breachdesk_domain::{Instant, ItemSet};
use std::collections::HashMap;

/// A value with the time and line it was seen at; the latest wins, the later
/// line on a tie, so the choice is the same however rows were split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Latest {
    pub at: Instant,
    pub line: u64,
    pub value: String,
}

impl Latest {
    fn offer(slot: &mut Option<Box<Latest>>, candidate: Option<Box<Latest>>) {
        if let Some(c) = candidate
            && slot
                .as_ref()
                .is_none_or(|s| (c.at, c.line) > (s.at, s.line))
        {
            *slot = Some(c);
        }
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct PersonAgg {
    pub exposures: u64,
    pub items: ItemSet,
    pub checkouts: u64,
    /// Fingerprints of cards typed in matched checkouts (kept distinct).
    pub cards: Vec<String>,
    pub first: Option<Instant>,
    pub last: Option<Instant>,
    /// Name of the latest matched checkout that carried one. Boxed: only
    /// persons without an account need it, and the map's buckets stay small.
    pub latest_name: Option<Box<Latest>>,
    /// Normalized email of the latest matched checkout that carried one.
    pub latest_email: Option<Box<Latest>>,
    /// The matched checkouts themselves, when the caller asked for them.
    pub details: Vec<CheckoutDetail>,
}

/// What later steps need of one matched checkout: enough to name it in a
/// notice or answer an inquiry, never the full card number.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CheckoutDetail {
    pub checkout_id: String,
    pub order_id: String,
    /// `submitted_at` in the incident's zone (RFC 3339).
    pub submitted_at: String,
    pub payment_method: String,
    pub card_brand: String,
    pub card_last4: String,
    /// The postal address typed on the form (for letters), when there was one.
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub address: String,
    /// Exposure ids this checkout matched.
    pub exposures: Vec<String>,
    #[serde(skip)]
    pub(crate) sort_key: (Instant, u64),
}

// Personal data: Debug names the checkout only.
impl std::fmt::Debug for CheckoutDetail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckoutDetail")
            .field("checkout_id", &self.checkout_id)
            .finish_non_exhaustive()
    }
}

/// One matched checkout, folded into its person.
pub(crate) struct CheckoutHit<'a> {
    pub exposures: u64,
    pub items: ItemSet,
    pub card_fingerprint: Option<&'a str>,
    pub at: Instant,
    pub line: u64,
    pub name: &'a str,
    pub normalized_email: Option<&'a str>,
    pub detail: Option<CheckoutDetail>,
}

impl PersonAgg {
    pub fn add_checkout(&mut self, hit: CheckoutHit<'_>) {
        self.exposures |= hit.exposures;
        self.items = self.items.union(hit.items);
        self.checkouts += 1;
        if let Some(fp) = hit.card_fingerprint {
            self.add_card(fp);
        }
        self.first = Some(self.first.map_or(hit.at, |f| f.min(hit.at)));
        self.last = Some(self.last.map_or(hit.at, |l| l.max(hit.at)));
        let latest = |value: &str| {
            Box::new(Latest {
                at: hit.at,
                line: hit.line,
                value: value.to_owned(),
            })
        };
        if !hit.name.trim().is_empty() {
            Latest::offer(&mut self.latest_name, Some(latest(hit.name)));
        }
        if let Some(email) = hit.normalized_email {
            Latest::offer(&mut self.latest_email, Some(latest(email)));
        }
        self.details.extend(hit.detail);
    }

    pub fn add_customer(&mut self, exposures: u64, items: ItemSet) {
        self.exposures |= exposures;
        self.items = self.items.union(items);
    }

    fn add_card(&mut self, fingerprint: &str) {
        if !self.cards.iter().any(|c| c == fingerprint) {
            self.cards.push(fingerprint.to_owned());
        }
    }

    pub fn merge(&mut self, other: PersonAgg) {
        self.exposures |= other.exposures;
        self.items = self.items.union(other.items);
        self.checkouts += other.checkouts;
        for card in &other.cards {
            self.add_card(card);
        }
        self.first = match (self.first, other.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, other.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        Latest::offer(&mut self.latest_name, other.latest_name);
        Latest::offer(&mut self.latest_email, other.latest_email);
        self.details.extend(other.details);
    }
}

pub(crate) type PersonMap = HashMap<String, PersonAgg>;

pub(crate) fn merge_maps(maps: impl IntoIterator<Item = PersonMap>) -> PersonMap {
    let mut maps = maps.into_iter();
    let mut total = maps.next().unwrap_or_default();
    for map in maps {
        for (key, agg) in map {
            total.entry(key).or_default().merge(agg);
        }
    }
    total
}
