//! The parallel reader: one thread reads (and un-gzips) the file and cuts it
//! into chunks at record boundaries (`chunker`); worker threads decode,
//! split, check and hand each record to the caller's closure. Memory holds a
//! few chunks at a time, never the file.

use crate::chunker::{Chunk, Cutter, NO_ERROR};
use crate::csv_record::{CsvCursor, Field, split_header};
use crate::encoding::{Encoding, decode, detect};
use crate::error::{IngestError, RowError};
use crate::jsonl;
use crate::schema::Schema;
use crate::source::{BLOCK, Format, count_lines, open, read_full};
use breachdesk_domain::{Record, RecordKind, Zone};
use crossbeam_channel::{Receiver, Sender, bounded};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// One input file and how to read it.
#[derive(Clone, Debug)]
pub struct Input {
    pub path: PathBuf,
    pub encoding: Encoding,
}

impl Input {
    pub fn new(path: impl Into<PathBuf>) -> Input {
        Input {
            path: path.into(),
            encoding: Encoding::Auto,
        }
    }

    /// The name used in messages: the path as given.
    pub fn display(&self) -> String {
        self.path.display().to_string()
    }
}

/// What a scan found out about the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScanReport {
    pub format: Format,
    pub encoding: Encoding,
    pub rows: u64,
}

/// Reads every record of `input` as `kind`, calling `each(state, record, line)`
/// on `threads` workers, each with its own state from `init`. Returns the
/// states (merge them) or the error at the earliest line.
pub fn scan<S, I, F>(
    input: &Input,
    kind: RecordKind,
    zone: &Zone,
    threads: usize,
    init: I,
    each: F,
) -> Result<(Vec<S>, ScanReport), IngestError>
where
    S: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, &Record<'_>, u64) + Sync,
{
    let file = input.display();
    let format = Format::from_path(&input.path);
    let mut reader = open(&input.path, &file)?;
    let mut first = vec![0u8; BLOCK];
    let n = read_full(&mut reader, &mut first)
        .map_err(|e| IngestError::new(&file, format!("cannot read: {e}")))?;
    first.truncate(n);
    let whole_file = n < BLOCK;
    if first.starts_with(b"\xEF\xBB\xBF") {
        first.drain(..3);
    }
    let encoding = match input.encoding {
        Encoding::Auto => detect(&first, whole_file),
        chosen => chosen,
    };
    let (schema, body_start, first_line) = match format {
        Format::JsonLines => (Schema::for_json(kind, zone), 0, 1),
        Format::Csv => {
            // A header alone, without a final newline, is a valid empty file.
            let end = header_end(&first)
                .or_else(|| (whole_file && !first.is_empty()).then_some(first.len()))
                .ok_or_else(|| {
                    IngestError::new(
                        &file,
                        "no header row (the file is empty or its first line never ends)",
                    )
                    .at_line(1)
                })?;
            let text = decode(&first[..end], encoding).map_err(|(e, _)| e.locate(&file, 1))?;
            let names = split_header(&text).map_err(|e| e.locate(&file, 1))?;
            let schema = Schema::from_header(kind, zone, &names).map_err(|e| e.locate(&file, 1))?;
            (schema, end, 1 + count_lines(&first[..end]))
        }
    };
    first.drain(..body_start);

    let threads = threads.max(1);
    let error_line = AtomicU64::new(NO_ERROR);
    let (tx, rx) = bounded::<Chunk>(threads * 2);
    // Room for every buffer in flight, so none is ever dropped while busy.
    let (recycle, recycled) = bounded::<Vec<u8>>(threads * 3 + 2);
    let (states, reader_result, worker_errors) = std::thread::scope(|scope| {
        let cutter = Cutter {
            reader,
            format,
            file: &file,
            chunks: tx,
            recycled,
            error_line: &error_line,
        };
        let reader_thread = scope.spawn(move || cutter.run(first, first_line));
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (rx, recycle) = (rx.clone(), recycle.clone());
                let (schema, init, each, error_line, file) =
                    (&schema, &init, &each, &error_line, &file);
                scope.spawn(move || {
                    let job = Job {
                        schema,
                        format,
                        encoding,
                        file,
                        error_line,
                    };
                    job.work(rx, recycle, init(), each)
                })
            })
            .collect();
        drop((rx, recycle));
        let mut states = Vec::with_capacity(threads);
        let mut errors = Vec::new();
        let mut rows = 0;
        for worker in workers {
            match worker.join() {
                Ok((state, n, error)) => {
                    states.push(state);
                    rows += n;
                    errors.extend(error);
                }
                Err(_) => errors.push(IngestError::new(&file, "a reader thread failed")),
            }
        }
        let reader_result = reader_thread
            .join()
            .unwrap_or_else(|_| Err(IngestError::new(&file, "the reader thread failed")));
        ((states, rows), reader_result, errors)
    });
    let (states, rows) = states;
    let mut errors = worker_errors;
    if let Err(e) = reader_result {
        errors.push(e);
    }
    if let Some(first_error) = errors
        .into_iter()
        .min_by_key(|e| e.line.unwrap_or(u64::MAX))
    {
        return Err(first_error);
    }
    Ok((
        states,
        ScanReport {
            format,
            encoding,
            rows,
        },
    ))
}

/// End of the header record: the first newline outside quotes.
fn header_end(buf: &[u8]) -> Option<usize> {
    let mut in_quotes = false;
    for (i, &b) in buf.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// What every worker reads chunks with.
struct Job<'a> {
    schema: &'a Schema,
    format: Format,
    encoding: Encoding,
    file: &'a str,
    error_line: &'a AtomicU64,
}

impl Job<'_> {
    fn work<S>(
        &self,
        rx: Receiver<Chunk>,
        recycle: Sender<Vec<u8>>,
        mut state: S,
        each: &(impl Fn(&mut S, &Record<'_>, u64) + Sync),
    ) -> (S, u64, Option<IngestError>) {
        let Job {
            schema,
            format,
            encoding,
            file,
            error_line,
        } = *self;
        let mut rows = 0;
        let mut first_error: Option<IngestError> = None;
        for chunk in rx {
            if chunk.first_line > error_line.load(Ordering::Relaxed) {
                let _ = recycle.try_send(chunk.bytes);
                continue;
            }
            let first_line = chunk.first_line;
            let mut emit = |record: &Record<'_>, offset: u64| {
                rows += 1;
                each(&mut state, record, first_line + offset);
            };
            let result = match format {
                Format::Csv => csv_chunk(&chunk.bytes, schema, encoding, &mut emit),
                Format::JsonLines => json_chunk(&chunk.bytes, schema, encoding, &mut emit),
            };
            if let Err(e) = result {
                let e = e.locate(file, chunk.first_line);
                let line = e.line.unwrap_or(NO_ERROR);
                error_line.fetch_min(line, Ordering::Relaxed);
                if first_error
                    .as_ref()
                    .is_none_or(|f| f.line.unwrap_or(NO_ERROR) > line)
                {
                    first_error = Some(e);
                }
            }
            // A full pool (the reader is done) just lets the buffer go.
            let _ = recycle.try_send(chunk.bytes);
        }
        (state, rows, first_error)
    }
}

/// Parses one CSV chunk, handing each checked record and its line offset to `emit`.
fn csv_chunk(
    bytes: &[u8],
    schema: &Schema,
    encoding: Encoding,
    emit: &mut impl FnMut(&Record<'_>, u64),
) -> Result<(), RowError> {
    let text = decode(bytes, encoding).map_err(|(e, at)| {
        let column = column_at(bytes, at).and_then(|i| schema.positions.get(i).copied().flatten());
        match column {
            Some(c) => e.in_column(schema.column_name(c)),
            None => e,
        }
    })?;
    let mut cursor = CsvCursor::new(&text);
    let mut fields: Vec<Field> = Vec::with_capacity(schema.positions.len());
    let mut scratch = String::new();
    let width = schema.positions.len();
    while let Some(next) = cursor.next_record(&mut fields, &mut scratch) {
        let offset = next.map_err(|e| name_field(e, schema))?;
        if fields.len() != width {
            // Name the first missing column, or the last one when there are too many.
            let (at, what) = if fields.len() < width {
                (fields.len(), "missing")
            } else {
                (width - 1, "followed by extra fields")
            };
            let column = schema.names.get(at).cloned().unwrap_or_default();
            return Err(RowError::new(
                offset,
                format!(
                    "{what}: expected {width} fields as in the header, found {}",
                    fields.len()
                ),
            )
            .in_column(column));
        }
        let mut record = Record::empty(schema.kind);
        for (field, position) in fields.iter().zip(&schema.positions) {
            if let Some(column) = position {
                record.text[*column] = field.text(&text, &scratch);
            }
        }
        schema.finish(&mut record, offset)?;
        emit(&record, offset);
    }
    Ok(())
}

/// Parses one JSON Lines chunk, like [`csv_chunk`].
fn json_chunk(
    bytes: &[u8],
    schema: &Schema,
    encoding: Encoding,
    emit: &mut impl FnMut(&Record<'_>, u64),
) -> Result<(), RowError> {
    let text = decode(bytes, encoding).map_err(|(e, _)| e)?;
    for (offset, line) in text.split('\n').enumerate() {
        let offset = offset as u64;
        if line.trim().is_empty() {
            continue;
        }
        let cells = jsonl::cells(schema, line, offset)?;
        let mut record = Record::empty(schema.kind);
        jsonl::fill(&mut record, &cells);
        schema.finish(&mut record, offset)?;
        emit(&record, offset);
    }
    Ok(())
}

/// Gives a splitter error the header name of its field.
fn name_field(e: RowError, schema: &Schema) -> RowError {
    match e.field.and_then(|f| schema.names.get(f)) {
        Some(name) if e.column.is_none() => {
            let name = name.clone();
            e.in_column(name)
        }
        _ => e,
    }
}

/// Which CSV field (0-based) of its line the byte at `at` falls in.
fn column_at(bytes: &[u8], at: usize) -> Option<usize> {
    let line_start = memchr::memrchr(b'\n', bytes.get(..at)?).map_or(0, |n| n + 1);
    let mut in_quotes = false;
    let mut field = 0;
    for &b in &bytes[line_start..at] {
        match b {
            b'"' => in_quotes = !in_quotes,
            b',' if !in_quotes => field += 1,
            _ => {}
        }
    }
    Some(field)
}
