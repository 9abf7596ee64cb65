//! The incident: what happened, when, and which records it exposed.

mod load;
mod raw;

pub use load::{IncidentError, load_incident};

use crate::column::{ColumnType, RecordKind, checkout, customer};
use crate::item::{Item, ItemSet};
use crate::record::Record;
use crate::time::{Instant, Zone};

/// A validated incident file.
#[derive(Debug, Clone)]
pub struct Incident {
    pub id: String,
    pub title: String,
    pub zone: Zone,
    pub exposures: Vec<Exposure>,
    /// The regulator's clock, when the file says when the incident was discovered.
    pub regulator: Option<crate::regulator::RegulatorFacts>,
}

impl Incident {
    /// Whether any exposure reads customer records (then `--customers` is required).
    pub fn reads(&self, kind: RecordKind) -> bool {
        self.exposures.iter().any(|e| e.records == kind)
    }

    /// Whether a checkout exposure can reveal the customer's password hash,
    /// which needs the customer behind each checkout resolved before evaluation.
    pub fn checkouts_expose_password(&self) -> bool {
        self.exposures
            .iter()
            .any(|e| e.records == RecordKind::Checkouts && e.exposes.contains(Item::PasswordHash))
    }

    /// Every item some exposure lists, in name order.
    pub fn listed_items(&self) -> ItemSet {
        self.exposures
            .iter()
            .fold(ItemSet::EMPTY, |acc, e| acc.union(e.exposes))
    }
}

/// One way data left the shop: a record kind, a window, conditions, items.
#[derive(Debug, Clone)]
pub struct Exposure {
    pub id: String,
    pub title: String,
    pub records: RecordKind,
    /// Inclusive bounds.
    pub from: Option<Instant>,
    pub to: Option<Instant>,
    pub when: Vec<Condition>,
    pub unless: Vec<Exclusion>,
    pub exposes: ItemSet,
    /// `exposes` with where each item comes from, for this record kind.
    sources: Vec<(Item, ItemSource)>,
}

/// Where an item's presence is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ItemSource {
    /// The item is there when this text column is not blank.
    Text(usize),
    /// The card was typed into this checkout's form.
    CardTyped,
    /// The checkout became an order.
    Order,
    /// The customer has a password hash.
    Password,
    /// This record kind never holds the item.
    Never,
}

fn item_source(kind: RecordKind, item: Item) -> ItemSource {
    use ItemSource::*;
    match (kind, item) {
        (_, Item::PasswordHash) => Password,
        (RecordKind::Checkouts, item) if item.is_card() => CardTyped,
        (RecordKind::Checkouts, Item::OrderHistory) => Order,
        (RecordKind::Checkouts, Item::Name) => Text(checkout::NAME),
        (RecordKind::Checkouts, Item::NameKana) => Text(checkout::NAME_KANA),
        (RecordKind::Checkouts, Item::Email) => Text(checkout::EMAIL),
        (RecordKind::Checkouts, Item::Phone) => Text(checkout::PHONE),
        (RecordKind::Checkouts, Item::PostalCode) => Text(checkout::POSTAL_CODE),
        (RecordKind::Checkouts, Item::Address) => Text(checkout::ADDRESS),
        (RecordKind::Customers, Item::Name) => Text(customer::NAME),
        (RecordKind::Customers, Item::NameKana) => Text(customer::NAME_KANA),
        (RecordKind::Customers, Item::Email) => Text(customer::EMAIL),
        (RecordKind::Customers, Item::Phone) => Text(customer::PHONE),
        (RecordKind::Customers, Item::PostalCode) => Text(customer::POSTAL_CODE),
        (RecordKind::Customers, Item::Address) => Text(customer::ADDRESS),
        (RecordKind::Customers, Item::BirthDate) => Text(customer::BIRTH_DATE),
        _ => Never,
    }
}

/// `column = value` or `column = [values...]` (any of them).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub column: usize,
    pub column_name: &'static str,
    pub expected: Expected,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    Text(Vec<String>),
    Flag(Vec<bool>),
}

impl Condition {
    pub fn holds(&self, record: &Record<'_>) -> bool {
        match &self.expected {
            Expected::Text(values) => {
                let actual = record.get(self.column);
                values.iter().any(|v| v == actual)
            }
            Expected::Flag(values) => {
                let actual = record.flag(self.column);
                values.contains(&actual)
            }
        }
    }

    /// The record's value in this condition's column, as written for people.
    pub fn actual<'a>(&self, record: &Record<'a>) -> String {
        match self.expected {
            Expected::Text(_) => record.get(self.column).to_owned(),
            Expected::Flag(_) => record.flag(self.column).to_string(),
        }
    }

    /// The expected value(s) as written for people: `"card"` or `["new", "updated"]`.
    pub fn expected_text(&self) -> String {
        let parts: Vec<String> = match &self.expected {
            Expected::Text(v) => v.iter().map(|s| format!("{s:?}")).collect(),
            Expected::Flag(v) => v.iter().map(bool::to_string).collect(),
        };
        match parts.as_slice() {
            [one] => one.clone(),
            _ => format!("[{}]", parts.join(", ")),
        }
    }
}

/// An `unless` entry: records matching all its conditions are left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Exclusion {
    pub conditions: Vec<Condition>,
    pub reason: String,
}

impl Exclusion {
    pub fn holds(&self, record: &Record<'_>) -> bool {
        self.conditions.iter().all(|c| c.holds(record))
    }
}

/// What an exposure made of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The record is exposed; these items of it counted.
    Matched(ItemSet),
    /// The record kind is not the one this exposure reads.
    OtherKind,
    /// The record's time is outside `from`..=`to`.
    OutsideWindow,
    /// `when[i]` did not hold.
    WhenFailed(usize),
    /// `unless[i]` held.
    Excluded(usize),
    /// Everything held, but the record holds none of the listed items.
    NothingExposed,
}

impl Exposure {
    /// Decides one record, in the order staff explain it: window, `when`,
    /// `unless`, then whether anything listed is actually there.
    pub fn evaluate(&self, record: &Record<'_>) -> Outcome {
        if record.kind != self.records {
            return Outcome::OtherKind;
        }
        if !self.in_window(record) {
            return Outcome::OutsideWindow;
        }
        if let Some(i) = self.when.iter().position(|c| !c.holds(record)) {
            return Outcome::WhenFailed(i);
        }
        if let Some(i) = self.unless.iter().position(|e| e.holds(record)) {
            return Outcome::Excluded(i);
        }
        let items = self.items_present(record);
        if items.is_empty() {
            Outcome::NothingExposed
        } else {
            Outcome::Matched(items)
        }
    }

    /// A checkout is inside when submitted within the bounds; a customer when
    /// the account existed at some moment of them.
    pub fn in_window(&self, record: &Record<'_>) -> bool {
        let from = self.from.unwrap_or(Instant::MIN);
        let to = self.to.unwrap_or(Instant::MAX);
        match record.kind {
            RecordKind::Checkouts => from <= record.at && record.at <= to,
            RecordKind::Customers => {
                record.at <= to && record.withdrawn_at.is_none_or(|w| w >= from)
            }
        }
    }

    fn items_present(&self, record: &Record<'_>) -> ItemSet {
        let card_typed = || matches!(record.get(checkout::CARD_ENTRY), "new" | "updated");
        self.sources
            .iter()
            .filter(|(_, source)| match *source {
                ItemSource::Text(column) => !record.get(column).trim().is_empty(),
                ItemSource::CardTyped => card_typed(),
                ItemSource::Order => !record.get(checkout::ORDER_ID).trim().is_empty(),
                ItemSource::Password => record.has_password_hash,
                ItemSource::Never => false,
            })
            .map(|(item, _)| *item)
            .collect()
    }
}

/// The type a condition column must be compared with, for load-time checks.
pub(crate) fn column_type(kind: RecordKind, column: usize) -> Option<ColumnType> {
    kind.columns().get(column).map(|c| c.ty)
}

#[cfg(test)]
mod tests;
