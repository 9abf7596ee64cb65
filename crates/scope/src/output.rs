//! `affected.csv` and `summary.json`, written whole or not at all.

use crate::ScopeError;
use breachdesk_domain::ItemSet;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// One row of `affected.csv`.
#[derive(Clone, PartialEq, Eq)]
pub struct AffectedPerson {
    pub person: String,
    pub email: String,
    pub name: String,
    /// Sorted ids.
    pub exposures: Vec<String>,
    pub items: ItemSet,
    pub checkouts: u64,
    pub cards: u64,
    pub first_exposed_at: Option<String>,
    pub last_exposed_at: Option<String>,
    /// Matched checkouts by time, when collected (see `ScopeInputs::collect_checkouts`).
    pub checkouts_detail: Vec<crate::aggregate::CheckoutDetail>,
}

// Rows are personal data: Debug shows the key only, never email or name.
impl std::fmt::Debug for AffectedPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AffectedPerson")
            .field("person", &"<redacted>")
            .field("exposures", &self.exposures)
            .field("items", &self.items.joined())
            .finish_non_exhaustive()
    }
}

/// `summary.json`: persons, cards, persons per exposure and per item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub incident: String,
    pub persons: u64,
    pub cards: u64,
    pub by_exposure: BTreeMap<String, u64>,
    pub by_item: BTreeMap<String, u64>,
}

pub const AFFECTED_HEADER: [&str; 9] = [
    "person",
    "email",
    "name",
    "exposures",
    "items",
    "checkouts",
    "cards",
    "first_exposed_at",
    "last_exposed_at",
];

/// Writes `affected.csv`: RFC 4180, quoted only where needed, `\n` line ends.
pub fn write_affected_csv<W: Write>(out: W, persons: &[AffectedPerson]) -> Result<W, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(out);
    writer.write_record(AFFECTED_HEADER)?;
    for p in persons {
        let checkouts = p.checkouts.to_string();
        let cards = p.cards.to_string();
        writer.write_record([
            p.person.as_str(),
            p.email.as_str(),
            p.name.as_str(),
            p.exposures.join(";").as_str(),
            p.items.joined().as_str(),
            checkouts.as_str(),
            cards.as_str(),
            p.first_exposed_at.as_deref().unwrap_or(""),
            p.last_exposed_at.as_deref().unwrap_or(""),
        ])?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// The bytes of `affected.csv`, for callers that want them in memory.
pub fn affected_csv(persons: &[AffectedPerson]) -> Result<Vec<u8>, csv::Error> {
    write_affected_csv(Vec::new(), persons)
}

pub fn summary_json(summary: &Summary) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(summary).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Produces one output file's content into a writer.
pub type WriteContent<'a> = Box<dyn FnOnce(&mut dyn Write) -> Result<(), ScopeError> + 'a>;

/// Writes every file to a temporary sibling first and renames only when all
/// were written, so a failure leaves no output and no partial file. Content
/// is streamed, never held whole.
pub fn write_atomically(files: Vec<(&Path, WriteContent<'_>)>) -> Result<(), ScopeError> {
    let mut staged = Vec::with_capacity(files.len());
    for (path, content) in files {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let io = |source| ScopeError::Output {
            path: path.display().to_string(),
            source,
        };
        let temp = tempfile::Builder::new()
            .prefix(".breachdesk-")
            .tempfile_in(dir)
            .map_err(io)?;
        let mut writer = std::io::BufWriter::with_capacity(1 << 20, temp);
        content(&mut writer)?;
        let temp = writer.into_inner().map_err(|e| io(e.into_error()))?;
        temp.as_file().sync_all().map_err(io)?;
        staged.push((temp, path));
    }
    for (temp, path) in staged {
        temp.persist(path).map_err(|e| ScopeError::Output {
            path: path.display().to_string(),
            source: e.error,
        })?;
    }
    Ok(())
}
