//! `affected.csv` and `summary.json`, written whole or not at all.

use crate::ScopeError;
use crate::affected::AffectedSet;
use crate::person::PersonAgg;
use breachdesk_domain::ItemSet;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::collections::HashMap;
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
    pub checkouts_detail: Vec<crate::CheckoutDetail>,
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

/// Persons formatted per task: large enough that a task is worth its
/// scheduling, small enough that a few in flight stay a few MB.
const ROWS_PER_BLOCK: usize = 8_192;

/// Writes `affected.csv`: RFC 4180, quoted only where needed, `\n` line ends.
/// Rows are formatted in blocks on the rayon pool and written in order.
pub fn write_affected_csv<W: Write>(mut out: W, persons: &AffectedSet) -> Result<W, csv::Error> {
    let mut header = row_writer(Vec::new());
    header.write_record(AFFECTED_HEADER)?;
    let header = header
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    out.write_all(&header).map_err(csv::Error::from)?;
    let batch = rayon::current_num_threads().max(1) * 2;
    let blocks: Vec<Vec<&PersonAgg>> = persons.blocks(ROWS_PER_BLOCK).collect();
    let format = |group: &[Vec<&PersonAgg>]| -> Result<Vec<Vec<u8>>, csv::Error> {
        group
            .par_iter()
            .map(|block| format_block(persons, block))
            .collect()
    };
    // Each group is written (here: the writer need not be Send) while the
    // next is formatted on the pool.
    let mut groups = blocks.chunks(batch);
    let mut ready = groups.next().map(format).transpose()?;
    while let Some(done) = ready.take() {
        let mut next = Ok(None);
        let written = rayon::in_place_scope(|scope| {
            let group = groups.next();
            let next = &mut next;
            scope.spawn(move |_| *next = group.map(format).transpose());
            done.iter().try_for_each(|bytes| out.write_all(bytes))
        });
        written.map_err(csv::Error::from)?;
        ready = next?;
    }
    Ok(out)
}

/// One block of rows as CSV bytes.
fn format_block(persons: &AffectedSet, block: &[&PersonAgg]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = row_writer(Vec::with_capacity(block.len() * 160));
    // Few distinct exposure and item sets exist: join each once.
    let mut exposures: HashMap<u64, String> = HashMap::new();
    let mut items: HashMap<ItemSet, String> = HashMap::new();
    for agg in block {
        let f = persons.fields(agg);
        let exposures = exposures
            .entry(agg.exposures)
            .or_insert_with(|| persons.exposure_list(agg.exposures).join(";"));
        let items = items.entry(agg.items).or_insert_with(|| agg.items.joined());
        let (first, last) = match agg.span() {
            Some((first, last)) => (persons.zone().format(first), persons.zone().format(last)),
            None => (String::new(), String::new()),
        };
        let mut checkouts = itoa::Buffer::new();
        let mut cards = itoa::Buffer::new();
        writer.write_record([
            f.key.as_bytes(),
            f.email.as_bytes(),
            f.name.as_bytes(),
            exposures.as_bytes(),
            items.as_bytes(),
            checkouts.format(agg.checkouts()).as_bytes(),
            cards.format(agg.cards.len()).as_bytes(),
            first.as_bytes(),
            last.as_bytes(),
        ])?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

fn row_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(out)
}

/// The bytes of `affected.csv`, for callers that want them in memory.
pub fn affected_csv(persons: &AffectedSet) -> Result<Vec<u8>, csv::Error> {
    write_affected_csv(Vec::new(), persons)
}

pub fn summary_json(summary: &Summary) -> Vec<u8> {
    // Strings, numbers and maps keyed by strings: serde_json cannot fail on
    // them (it fails only on non-string map keys and failing Serialize impls).
    #[allow(clippy::expect_used)]
    let mut bytes = serde_json::to_vec_pretty(summary).expect("a summary is plain data");
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
