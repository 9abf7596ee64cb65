#![forbid(unsafe_code)]
//! Reading shop exports: CSV or JSON Lines, plain or gzip, UTF-8 or CP932,
//! streamed in chunks on all cores, every cell checked, every error placed.

mod chunker;
mod csv_record;
mod encoding;
mod error;
mod jsonl;
mod pipeline;
mod schema;
mod source;

pub use encoding::Encoding;
pub use error::IngestError;
pub use pipeline::{Input, ScanReport, scan};
pub use source::Format;

/// Worker threads to use: every core the process may run on.
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
