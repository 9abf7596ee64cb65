//! The affected persons while the rows stream past: one table shared by the
//! workers, split into partitions by the hash of the person, each behind its
//! own lock. With many more partitions than workers two rarely meet, and
//! there is nothing to merge at the end: per-worker maps held most persons
//! twice (every worker sees most returning guests) and folding them together
//! took a single core as long again.

use crate::owner::{Owner, TextKind};
use crate::person::{PersonAgg, Who};
use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::{BuildHasher, Hasher};
use std::sync::{Mutex, MutexGuard};

/// Partitions of the person table; a power of two, chosen by the hash's
/// top bits. Many more than cores, so that workers seldom wait for a lock.
const PARTITION_BITS: u32 = 6;
pub(crate) const PARTITIONS: usize = 1 << PARTITION_BITS;

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
    pub(crate) sort_key: (breachdesk_domain::Instant, u64),
}

// Personal data: Debug names the checkout only.
impl std::fmt::Debug for CheckoutDetail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckoutDetail")
            .field("checkout_id", &self.checkout_id)
            .finish_non_exhaustive()
    }
}

/// One partition: the records, and an index of them by person.
#[derive(Default)]
pub(crate) struct Part {
    index: HashTable<u32>,
    pub aggs: Vec<PersonAgg>,
}

/// The affected persons, shared by the workers.
pub(crate) struct PersonTable {
    hasher: DefaultHashBuilder,
    parts: Vec<Mutex<Part>>,
}

fn tag(kind: Option<TextKind>) -> u8 {
    match kind {
        None => 0,
        Some(TextKind::UnknownId) => 1,
        Some(TextKind::Guest) => 2,
        Some(TextKind::Checkout) => 3,
    }
}

/// The same hash for an owner and for the record made from it.
fn hash_key(hasher: &DefaultHashBuilder, kind: Option<TextKind>, index: u32, rest: &str) -> u64 {
    let mut h = hasher.build_hasher();
    h.write_u8(tag(kind));
    match kind {
        None => h.write_u32(index),
        Some(_) => h.write(rest.as_bytes()),
    }
    h.finish()
}

fn hash_owner(hasher: &DefaultHashBuilder, owner: &Owner<'_>) -> u64 {
    match owner {
        Owner::Customer(i) => hash_key(hasher, None, *i, ""),
        Owner::Text { kind, rest, .. } => hash_key(hasher, Some(*kind), 0, rest),
    }
}

fn hash_who(hasher: &DefaultHashBuilder, who: &Who) -> u64 {
    match who {
        Who::Customer(i) => hash_key(hasher, None, *i, ""),
        Who::Text { kind, .. } => hash_key(hasher, Some(*kind), 0, who.key_rest()),
    }
}

fn partition_of(hash: u64) -> usize {
    (hash >> (64 - PARTITION_BITS)) as usize
}

impl Part {
    fn find(&self, hash: u64, is: impl Fn(&Who) -> bool) -> Option<usize> {
        self.index
            .find(hash, |&i| is(&self.aggs[i as usize].who))
            .map(|&i| i as usize)
    }

    fn insert(&mut self, hash: u64, agg: PersonAgg, hasher: &DefaultHashBuilder) -> usize {
        let Part { index, aggs } = self;
        // Each partition holds a share of the persons, so its slots fit a u32.
        let slot = aggs.len();
        aggs.push(agg);
        index.insert_unique(hash, slot as u32, |&i| {
            hash_who(hasher, &aggs[i as usize].who)
        });
        slot
    }
}

impl PersonTable {
    pub(crate) fn new(hasher: DefaultHashBuilder) -> PersonTable {
        PersonTable {
            hasher,
            parts: (0..PARTITIONS)
                .map(|_| Mutex::new(Part::default()))
                .collect(),
        }
    }

    /// Applies `update` to the record of the person `owner` names, created
    /// empty if new.
    pub(crate) fn update(&self, owner: &Owner<'_>, update: impl FnOnce(&mut PersonAgg)) {
        let hash = hash_owner(&self.hasher, owner);
        let mut part = lock(&self.parts[partition_of(hash)]);
        let slot = match part.find(hash, |who| who.is(owner)) {
            Some(slot) => slot,
            None => part.insert(hash, PersonAgg::new(Who::from_owner(owner)), &self.hasher),
        };
        update(&mut part.aggs[slot]);
    }

    /// The records, partition by partition; each person is in exactly one.
    pub(crate) fn into_parts(self) -> Vec<Vec<PersonAgg>> {
        self.parts
            .into_iter()
            .map(|part| {
                part.into_inner()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .aggs
            })
            .collect()
    }
}

/// A lock that a panicking worker left poisoned is still consistent: each
/// update is one insert or one fold, and the scan reports the panic anyway.
fn lock(part: &Mutex<Part>) -> MutexGuard<'_, Part> {
    part.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
