//! The scoping run: customers first (they decide who owns a guest checkout),
//! then checkouts, each streamed once on all cores.

use crate::ScopeError;
use crate::aggregate::{CheckoutDetail, CheckoutHit, PersonAgg, PersonMap, merge_maps};
use crate::directory::{CustomerDirectory, DirectoryShard};
use crate::output::{AffectedPerson, Summary};
use breachdesk_domain::column::{checkout as co, customer as cu};
use breachdesk_domain::person::checkout_person_key;
use breachdesk_domain::{
    Exposure, Incident, ItemSet, Outcome, Record, RecordKind, normalize_email,
};
use breachdesk_ingest::{Input, ScanReport, scan};
use std::collections::{BTreeMap, HashSet};

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
    pub persons: Vec<AffectedPerson>,
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

/// Reads the customers file into a directory, scoping customer exposures on the way.
pub(crate) fn read_customers(
    incident: &Incident,
    input: Option<&Input>,
    threads: usize,
) -> Result<(CustomerDirectory, PersonMap, Option<ScanReport>), ScopeError> {
    let Some(input) = input else {
        // A password hash is only known from the customer records.
        if incident.reads(RecordKind::Customers) || incident.checkouts_expose_password() {
            return Err(ScopeError::CustomersRequired);
        }
        return Ok((CustomerDirectory::default(), PersonMap::new(), None));
    };
    let exposures = exposures_of(incident, RecordKind::Customers);
    let (shards, report) = scan(
        input,
        RecordKind::Customers,
        &incident.zone,
        threads,
        || (DirectoryShard::default(), PersonMap::new()),
        |(shard, persons), record, line| {
            shard.add(record, line);
            let (mask, items, _) = match_record(&exposures, record);
            if mask != 0 {
                let key = record.get(cu::CUSTOMER_ID).trim().to_owned();
                persons.entry(key).or_default().add_customer(mask, items);
            }
        },
    )?;
    let (shards, maps): (Vec<_>, Vec<_>) = shards.into_iter().unzip();
    let directory =
        CustomerDirectory::from_shards(shards).map_err(|d| ScopeError::DuplicateCustomer {
            file: input.display(),
            id: d.id,
            line: d.line,
            first_line: d.first_line,
        })?;
    Ok((directory, merge_maps(maps), Some(report)))
}

/// Whether the customer behind a checkout has a password hash on file.
pub(crate) fn checkout_has_password(directory: &CustomerDirectory, record: &Record<'_>) -> bool {
    let id = record.get(co::CUSTOMER_ID).trim();
    let customer = if id.is_empty() {
        normalize_email(record.get(co::EMAIL)).and_then(|e| directory.by_email(&e))
    } else {
        directory.by_id(id)
    };
    customer.is_some_and(|c| c.has_password)
}

/// The person key of a checkout, and its normalized email.
pub(crate) fn checkout_owner(
    directory: &CustomerDirectory,
    record: &Record<'_>,
) -> (String, Option<String>) {
    let email = normalize_email(record.get(co::EMAIL));
    let key = checkout_person_key(
        record.get(co::CUSTOMER_ID),
        email.as_deref(),
        record.get(co::CHECKOUT_ID),
        |e| directory.by_email(e).map(|c| c.id),
    );
    (key, email)
}

/// Runs the whole scope.
pub fn run_scope(incident: &Incident, inputs: &ScopeInputs) -> Result<ScopeResult, ScopeError> {
    let (directory, customer_hits, customers_report) =
        read_customers(incident, inputs.customers.as_ref(), inputs.threads)?;
    let exposures = exposures_of(incident, RecordKind::Checkouts);
    let needs_password = incident.checkouts_expose_password();
    let (maps, checkouts_report) = scan(
        &inputs.checkouts,
        RecordKind::Checkouts,
        &incident.zone,
        inputs.threads,
        PersonMap::new,
        |persons, record, line| {
            let mut record = *record;
            if needs_password {
                record.has_password_hash = checkout_has_password(&directory, &record);
            }
            let (mask, items, card) = match_record(&exposures, &record);
            if mask == 0 {
                return;
            }
            let (key, email) = checkout_owner(&directory, &record);
            let fingerprint = record.get(co::CARD_FINGERPRINT).trim();
            // A person with an account is named by it: remembering the name
            // and address typed on each checkout would only cost memory.
            let known = directory.by_id(&key).is_some();
            let hit = CheckoutHit {
                exposures: mask,
                items,
                card_fingerprint: (card && !fingerprint.is_empty()).then_some(fingerprint),
                at: record.at,
                line,
                name: if known { "" } else { record.get(co::NAME) },
                normalized_email: if known { None } else { email.as_deref() },
                detail: inputs.collect_checkouts.then(|| CheckoutDetail {
                    checkout_id: record.get(co::CHECKOUT_ID).to_owned(),
                    order_id: record.get(co::ORDER_ID).to_owned(),
                    submitted_at: incident.zone.format(record.at),
                    payment_method: record.get(co::PAYMENT_METHOD).to_owned(),
                    card_brand: record.get(co::CARD_BRAND).to_owned(),
                    card_last4: last4(record.get(co::CARD_LAST4)),
                    postal_code: record.get(co::POSTAL_CODE).trim().to_owned(),
                    address: record.get(co::ADDRESS).trim().to_owned(),
                    exposures: exposure_ids(incident, mask),
                    sort_key: (record.at, line),
                }),
            };
            persons.entry(key).or_default().add_checkout(hit);
        },
    )?;
    let persons = merge_maps(std::iter::once(customer_hits).chain(maps));
    let (persons, summary) = finish(incident, &directory, persons);
    Ok(ScopeResult {
        persons,
        summary,
        customers_report,
        checkouts_report,
    })
}

/// Turns the per-person aggregates into sorted output rows and the summary.
fn finish(
    incident: &Incident,
    directory: &CustomerDirectory,
    persons: PersonMap,
) -> (Vec<AffectedPerson>, Summary) {
    let mut rows: Vec<(String, PersonAgg)> = persons.into_iter().collect();
    rows.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut all_cards: HashSet<&str> = HashSet::new();
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
    for (_, agg) in &rows {
        all_cards.extend(agg.cards.iter().map(String::as_str));
        for (i, exposure) in incident.exposures.iter().enumerate() {
            if agg.exposures & (1 << i) != 0 {
                *by_exposure.entry(exposure.id.clone()).or_default() += 1;
            }
        }
        for item in agg.items.iter() {
            *by_item.entry(item.name().to_owned()).or_default() += 1;
        }
    }
    let summary = Summary {
        incident: incident.id.clone(),
        persons: rows.len() as u64,
        cards: all_cards.len() as u64,
        by_exposure,
        by_item,
    };
    let persons = rows
        .into_iter()
        .map(|(key, agg)| {
            let customer = directory.by_id(&key);
            let guest_email = key.strip_prefix(breachdesk_domain::person::GUEST_PREFIX);
            let email = match (customer, guest_email) {
                (Some(c), _) => c.email.to_owned(),
                (None, Some(e)) => e.to_owned(),
                (None, None) => agg
                    .latest_email
                    .as_ref()
                    .map(|l| l.value.clone())
                    .unwrap_or_default(),
            };
            let name = match customer {
                Some(c) => c.name.to_owned(),
                None => agg
                    .latest_name
                    .as_ref()
                    .map(|l| l.value.clone())
                    .unwrap_or_default(),
            };
            let exposures = exposure_ids(incident, agg.exposures);
            let mut checkouts_detail = agg.details;
            checkouts_detail.sort_by_key(|d| d.sort_key);
            AffectedPerson {
                first_exposed_at: agg.first.map(|t| incident.zone.format(t)),
                last_exposed_at: agg.last.map(|t| incident.zone.format(t)),
                person: key,
                email,
                name,
                exposures,
                items: agg.items,
                checkouts: agg.checkouts,
                cards: agg.cards.len() as u64,
                checkouts_detail,
            }
        })
        .collect();
    (persons, summary)
}

/// Ids of the exposures in a mask, sorted.
fn exposure_ids(incident: &Incident, mask: u64) -> Vec<String> {
    let mut ids: Vec<String> = incident
        .exposures
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, e)| e.id.clone())
        .collect();
    ids.sort_unstable();
    ids
}

/// At most the last four digits: a longer value (a full number typed into
/// the wrong column) must never be kept.
fn last4(value: &str) -> String {
    let digits: Vec<char> = value.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(4)..].iter().collect()
}

#[cfg(test)]
mod tests {
    use super::last4;

    #[test]
    fn only_the_last_four_digits_are_kept() {
        assert_eq!(last4("4242"), "4242");
        assert_eq!(last4("4111 1111 1111 1234"), "1234");
        assert_eq!(last4("12"), "12");
        assert_eq!(last4(""), "");
    }
}
