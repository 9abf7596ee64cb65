//! `explain`: for one person, every record of theirs and what each exposure
//! made of it. This is what staff read out when asked "why me?" or "why not me?".

use crate::ScopeError;
use crate::engine::{ScopeInputs, checkout_has_password, checkout_owner, pool, read_customers};
use breachdesk_domain::column::{checkout as co, customer as cu};
use breachdesk_domain::person::{CHECKOUT_PREFIX, GUEST_PREFIX};
use breachdesk_domain::{Exposure, Incident, Outcome, Record, RecordKind, normalize_email};
use breachdesk_ingest::{Input, scan};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Serialize)]
pub struct Explanation {
    pub query: String,
    pub incident: String,
    pub timezone: String,
    /// Each exposure's window, in the incident's zone.
    pub windows: Vec<ExposureWindow>,
    pub persons: Vec<PersonExplanation>,
}

#[derive(Debug, Serialize)]
pub struct ExposureWindow {
    pub exposure: String,
    pub records: &'static str,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PersonExplanation {
    pub person: String,
    pub affected: bool,
    /// Ids of the exposures that matched at least one record.
    pub exposures: Vec<String>,
    /// Items that counted over all matched records, sorted.
    pub items: Vec<String>,
    pub records: Vec<RecordExplanation>,
}

#[derive(Debug, Serialize)]
pub struct RecordExplanation {
    /// `checkouts` or `customers`.
    pub kind: &'static str,
    pub id: String,
    pub file: String,
    pub line: u64,
    /// `submitted_at` or `registered_at`, in the incident's zone.
    pub at: String,
    pub withdrawn_at: Option<String>,
    pub order_id: Option<String>,
    pub payment_method: Option<String>,
    pub card: Option<String>,
    pub verdicts: Vec<ExposureVerdict>,
}

#[derive(Debug, Serialize)]
pub struct ExposureVerdict {
    pub exposure: String,
    #[serde(flatten)]
    pub verdict: Verdict,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Verdict {
    Matched {
        items: Vec<String>,
    },
    OutsideWindow {
        time: String,
        from: Option<String>,
        to: Option<String>,
    },
    ConditionFailed {
        column: String,
        expected: String,
        actual: String,
    },
    Excluded {
        reason: String,
    },
    NothingExposed {
        listed: Vec<String>,
    },
}

fn verdict(incident: &Incident, exposure: &Exposure, record: &Record<'_>) -> Option<Verdict> {
    let zone = &incident.zone;
    Some(match exposure.evaluate(record) {
        Outcome::OtherKind => return None,
        Outcome::Matched(items) => Verdict::Matched {
            items: items.iter().map(|i| i.name().to_owned()).collect(),
        },
        Outcome::OutsideWindow => Verdict::OutsideWindow {
            time: match (record.kind, record.withdrawn_at) {
                (RecordKind::Customers, Some(w)) => {
                    format!(
                        "registered {}, withdrawn {}",
                        zone.format_readable(record.at),
                        zone.format_readable(w)
                    )
                }
                _ => zone.format_readable(record.at),
            },
            from: exposure.from.map(|t| zone.format_readable(t)),
            to: exposure.to.map(|t| zone.format_readable(t)),
        },
        Outcome::WhenFailed(i) => {
            let c = exposure.when.get(i)?;
            Verdict::ConditionFailed {
                column: c.column_name.to_owned(),
                expected: c.expected_text(),
                actual: c.actual(record),
            }
        }
        Outcome::Excluded(i) => Verdict::Excluded {
            reason: exposure.unless.get(i)?.reason.clone(),
        },
        Outcome::NothingExposed => Verdict::NothingExposed {
            listed: exposure
                .exposes
                .iter()
                .map(|i| i.name().to_owned())
                .collect(),
        },
    })
}

fn explain_record(
    incident: &Incident,
    record: &Record<'_>,
    file: &str,
    line: u64,
) -> RecordExplanation {
    let zone = &incident.zone;
    let text = |c: usize| Some(record.get(c).to_owned()).filter(|s| !s.is_empty());
    let (id, order_id, payment_method, card) = match record.kind {
        RecordKind::Checkouts => {
            let card = match (record.get(co::CARD_BRAND), record.get(co::CARD_LAST4)) {
                ("", "") => None,
                (brand, last4) => Some(format!(
                    "{brand} ****{last4} ({})",
                    record.get(co::CARD_ENTRY)
                )),
            };
            (
                record.get(co::CHECKOUT_ID).to_owned(),
                text(co::ORDER_ID),
                text(co::PAYMENT_METHOD),
                card,
            )
        }
        RecordKind::Customers => (record.get(cu::CUSTOMER_ID).to_owned(), None, None, None),
    };
    RecordExplanation {
        kind: record.kind.name(),
        id,
        file: file.to_owned(),
        line,
        at: zone.format_readable(record.at),
        withdrawn_at: record.withdrawn_at.map(|w| zone.format_readable(w)),
        order_id,
        payment_method,
        card,
        verdicts: incident
            .exposures
            .iter()
            .filter_map(|e| {
                verdict(incident, e, record).map(|v| ExposureVerdict {
                    exposure: e.id.clone(),
                    verdict: v,
                })
            })
            .collect(),
    }
}

/// Explains every record of the person named by `query`: a person key
/// (customer id, `guest:…`, `checkout:…`) or any email address the person
/// used, compared normalized.
pub fn explain(
    incident: &Incident,
    inputs: &ScopeInputs,
    query: &str,
) -> Result<Explanation, ScopeError> {
    let (directory, _, _) = pool(inputs.threads)?.install(|| {
        read_customers(
            incident,
            inputs.customers.as_ref(),
            inputs.threads,
            hashbrown::DefaultHashBuilder::default(),
        )
    })?;
    let query = query.trim();
    // Full-width addresses (＠) count as emails: decide on the normalized form.
    let is_key = query.starts_with(GUEST_PREFIX)
        || query.starts_with(CHECKOUT_PREFIX)
        || !breachdesk_domain::normalize_email(query).is_some_and(|e| e.contains('@'));
    let mut targets: BTreeSet<String> = BTreeSet::new();
    if is_key {
        targets.insert(query.to_owned());
    } else if let Some(email) = normalize_email(query) {
        targets.extend(
            directory
                .all_with_email(&email)
                .into_iter()
                .map(|c| c.id.to_owned()),
        );
        // Whoever checked out with this address, however they are keyed.
        let (found, _) = scan(
            &inputs.checkouts,
            RecordKind::Checkouts,
            &incident.zone,
            inputs.threads,
            Vec::new,
            |keys: &mut Vec<String>, record, _| {
                if normalize_email(record.get(co::EMAIL)).as_deref() == Some(email.as_str()) {
                    keys.push(checkout_owner(&directory, record));
                }
            },
        )?;
        targets.extend(found.into_iter().flatten());
    }
    let mut by_person: BTreeMap<String, Vec<RecordExplanation>> = BTreeMap::new();
    if let Some(input) = inputs
        .customers
        .as_ref()
        .filter(|_| targets.iter().any(|t| directory.by_id(t).is_some()))
    {
        let found = collect(
            incident,
            input,
            RecordKind::Customers,
            inputs.threads,
            |record| {
                let id = record.get(cu::CUSTOMER_ID).trim();
                targets.contains(id).then(|| id.to_owned())
            },
        )?;
        for (key, record) in found {
            by_person.entry(key).or_default().push(record);
        }
    }
    let needs_password = incident.checkouts_expose_password();
    let found = collect(
        incident,
        &inputs.checkouts,
        RecordKind::Checkouts,
        inputs.threads,
        |record| {
            if needs_password {
                record.has_password_hash = checkout_has_password(&directory, record);
            }
            let key = checkout_owner(&directory, record);
            targets.contains(&key).then_some(key)
        },
    )?;
    for (key, record) in found {
        by_person.entry(key).or_default().push(record);
    }
    let persons = by_person
        .into_iter()
        .map(|(person, mut records)| {
            // The account first, then checkouts in file order.
            records.sort_by_key(|r| (r.kind != RecordKind::Customers.name(), r.line));
            let mut exposures = BTreeSet::new();
            let mut items = BTreeSet::new();
            for v in records.iter().flat_map(|r| &r.verdicts) {
                if let Verdict::Matched { items: found } = &v.verdict {
                    exposures.insert(v.exposure.clone());
                    items.extend(found.iter().cloned());
                }
            }
            PersonExplanation {
                person,
                affected: !exposures.is_empty(),
                exposures: exposures.into_iter().collect(),
                items: items.into_iter().collect(),
                records,
            }
        })
        .collect();
    Ok(Explanation {
        query: query.to_owned(),
        incident: incident.id.clone(),
        timezone: incident.zone.name().to_owned(),
        windows: incident
            .exposures
            .iter()
            .map(|e| ExposureWindow {
                exposure: e.id.clone(),
                records: e.records.name(),
                from: e.from.map(|t| incident.zone.format_readable(t)),
                to: e.to.map(|t| incident.zone.format_readable(t)),
            })
            .collect(),
        persons,
    })
}

/// Explains the records of one file for which `owner` names a target
/// person; `owner` may also complete the record (the password flag).
fn collect(
    incident: &Incident,
    input: &Input,
    kind: RecordKind,
    threads: usize,
    owner: impl Fn(&mut Record<'_>) -> Option<String> + Sync,
) -> Result<Vec<(String, RecordExplanation)>, ScopeError> {
    let file = input.display();
    let (found, _) = scan(
        input,
        kind,
        &incident.zone,
        threads,
        Vec::new,
        |out: &mut Vec<_>, record, line| {
            let mut record = *record;
            if let Some(key) = owner(&mut record) {
                out.push((key, explain_record(incident, &record, &file, line)));
            }
        },
    )?;
    Ok(found.into_iter().flatten().collect())
}
