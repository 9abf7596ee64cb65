//! The scoping run: customers first (they decide who owns a guest checkout),
//! then checkouts, each streamed once on all cores.

use crate::ScopeError;
use crate::affected::AffectedSet;
use crate::aggregate::PersonTable;
use crate::detail::CompactDetail;
use crate::directory::{CustomerDirectory, DirectoryError, DirectoryShard};
use crate::output::Summary;
use crate::owner::{self, Owner};
use crate::person::CheckoutHit;
use breachdesk_domain::column::checkout as co;
use breachdesk_domain::{Exposure, Incident, ItemSet, Outcome, Record, RecordKind};
use breachdesk_ingest::{Input, ScanReport, scan};
use hashbrown::DefaultHashBuilder;
use siphasher::sip128::{Hasher128, SipHasher13};
use std::hash::{BuildHasher, Hasher};

/// The files to scope and how many threads to read them with.
#[derive(Clone, Debug)]
pub struct ScopeInputs {
    pub customers: Option<Input>,
    pub checkouts: Input,
    pub threads: usize,
    /// Keep each person's matched checkouts (for the desk); costs memory
    /// in proportion to the affected set.
    pub collect_checkouts: bool,
}

/// The answer: who is affected and the figures over them.
#[derive(Debug)]
pub struct ScopeResult {
    /// Sorted by person key (byte order).
    pub persons: AffectedSet,
    pub summary: Summary,
    pub customers_report: Option<ScanReport>,
    pub checkouts_report: ScanReport,
}

/// The exposures of one record kind with their bit in a person's mask.
pub(crate) fn exposures_of(incident: &Incident, kind: RecordKind) -> Vec<(u64, &Exposure)> {
    incident
        .exposures
        .iter()
        .enumerate()
        .filter(|(_, e)| e.records == kind)
        .map(|(i, e)| (1u64 << i, e))
        .collect()
}

/// Evaluates every exposure of the record's kind: which matched, the items
/// that counted, and whether a card item counted.
pub(crate) fn match_record(
    exposures: &[(u64, &Exposure)],
    record: &Record<'_>,
) -> (u64, ItemSet, bool) {
    let mut mask = 0;
    let mut items = ItemSet::EMPTY;
    let mut card = false;
    for (bit, exposure) in exposures {
        if let Outcome::Matched(found) = exposure.evaluate(record) {
            mask |= bit;
            items = items.union(found);
            card |= found.has_card_item();
        }
    }
    (mask, items, card)
}

/// A customer record that matched a customer exposure.
pub(crate) struct CustomerHit {
    pub index: u32,
    pub exposures: u64,
    pub items: ItemSet,
}

/// Reads the customers file into a directory, scoping customer exposures on
/// the way. Runs its table building on the current rayon pool.
pub(crate) fn read_customers(
    incident: &Incident,
    input: Option<&Input>,
    threads: usize,
    hasher: DefaultHashBuilder,
) -> Result<(CustomerDirectory, Vec<CustomerHit>, Option<ScanReport>), ScopeError> {
    let Some(input) = input else {
        // A password hash is only known from the customer records.
        if incident.reads(RecordKind::Customers) || incident.checkouts_expose_password() {
            return Err(ScopeError::CustomersRequired);
        }
        return Ok((CustomerDirectory::empty(hasher), Vec::new(), None));
    };
    let exposures = exposures_of(incident, RecordKind::Customers);
    let (shards, report) = scan(
        input,
        RecordKind::Customers,
        &incident.zone,
        threads,
        || (DirectoryShard::new(hasher.clone()), Vec::new()),
        |(shard, hits): &mut (DirectoryShard, Vec<CustomerHit>), record, line| {
            let index = shard.add(record, line);
            let (mask, items, _) = match_record(&exposures, record);
            if mask != 0 {
                hits.push(CustomerHit {
                    index,
                    exposures: mask,
                    items,
                });
            }
        },
    )?;
    let (shards, hits): (Vec<_>, Vec<_>) = shards.into_iter().unzip();
    let (directory, offsets) =
        CustomerDirectory::from_shards(shards, hasher).map_err(|e| match e {
            DirectoryError::Duplicate(d) => ScopeError::DuplicateCustomer {
                file: input.display(),
                id: d.id,
                line: d.line,
                first_line: d.first_line,
            },
            DirectoryError::TooMany => ScopeError::TooManyCustomers {
                file: input.display(),
            },
        })?;
    // Shard-local numbers become the directory's.
    let hits = hits
        .into_iter()
        .zip(offsets)
        .flat_map(|(hits, offset)| {
            hits.into_iter().map(move |h| CustomerHit {
                index: h.index + offset,
                ..h
            })
        })
        .collect();
    Ok((directory, hits, Some(report)))
}

/// Whether the customer behind a checkout has a password hash on file.
pub(crate) fn checkout_has_password(directory: &CustomerDirectory, record: &Record<'_>) -> bool {
    owner::resolve(directory, record).has_password(directory)
}

/// The person key of a checkout.
pub(crate) fn checkout_owner(directory: &CustomerDirectory, record: &Record<'_>) -> String {
    owner::resolve(directory, record).key(directory)
}

/// A rayon pool of `threads` for the parts of a run that are not reading.
pub(crate) fn pool(threads: usize) -> Result<rayon::ThreadPool, ScopeError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .thread_name(|i| format!("scope-{i}"))
        .build()
        .map_err(ScopeError::Threads)
}

/// Runs the whole scope.
pub fn run_scope(incident: &Incident, inputs: &ScopeInputs) -> Result<ScopeResult, ScopeError> {
    pool(inputs.threads)?.install(|| scope_on_pool(incident, inputs))
}

fn scope_on_pool(incident: &Incident, inputs: &ScopeInputs) -> Result<ScopeResult, ScopeError> {
    let hasher = DefaultHashBuilder::default();
    let (directory, customer_hits, customers_report) = read_customers(
        incident,
        inputs.customers.as_ref(),
        inputs.threads,
        hasher.clone(),
    )?;
    let exposures = exposures_of(incident, RecordKind::Checkouts);
    let needs_password = incident.checkouts_expose_password();
    let cards = CardHasher::new(&hasher);
    let table = PersonTable::new(hasher.clone());
    for hit in customer_hits {
        table.update(&Owner::Customer(hit.index), |agg| {
            agg.add_customer(hit.exposures, hit.items)
        });
    }
    let (_, checkouts_report) = scan(
        &inputs.checkouts,
        RecordKind::Checkouts,
        &incident.zone,
        inputs.threads,
        || (),
        |_: &mut (), record, line| {
            let mut record = *record;
            // The owner is needed before matching only when the rules ask
            // about the account's password; otherwise only for matches.
            let early = needs_password.then(|| {
                let owner = owner::resolve(&directory, &record);
                record.has_password_hash = owner.has_password(&directory);
                owner
            });
            let (mask, items, card) = match_record(&exposures, &record);
            if mask == 0 {
                return;
            }
            let owner = match early {
                Some(owner) => owner,
                None => owner::resolve(&directory, &record),
            };
            let fingerprint = record.get(co::CARD_FINGERPRINT).trim();
            let normalized_email = match &owner {
                Owner::Text { email, .. } => email.as_deref(),
                Owner::Customer(_) => None,
            };
            let hit = CheckoutHit {
                exposures: mask,
                items,
                card: (card && !fingerprint.is_empty()).then(|| cards.hash(fingerprint)),
                at: record.at,
                line,
                name: record.get(co::NAME),
                normalized_email,
                detail: inputs
                    .collect_checkouts
                    .then(|| CompactDetail::of(&record, mask, line)),
            };
            table.update(&owner, |agg| agg.add_checkout(hit));
        },
    )?;
    let parts = table.into_parts();
    let persons = AffectedSet::new(incident, directory, parts);
    let summary = persons.summary(incident);
    Ok(ScopeResult {
        persons,
        summary,
        customers_report,
        checkouts_report,
    })
}

/// Keyed 128-bit hashes of card fingerprints (see `person::CardSet`). The
/// key is drawn anew for every run, like the tables' hash keys.
struct CardHasher {
    k0: u64,
    k1: u64,
}

impl CardHasher {
    fn new(random: &DefaultHashBuilder) -> CardHasher {
        CardHasher {
            k0: random.hash_one(0u8),
            k1: random.hash_one(1u8),
        }
    }

    fn hash(&self, fingerprint: &str) -> [u64; 2] {
        let mut h = SipHasher13::new_with_keys(self.k0, self.k1);
        h.write(fingerprint.as_bytes());
        let h = h.finish128();
        [h.h1, h.h2]
    }
}
