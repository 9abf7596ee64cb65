//! Opening an input (plain or gzip) and cutting it into chunks that end on
//! record boundaries, so that workers can parse chunks independently.

use crate::error::IngestError;
use flate2::read::MultiGzDecoder;
use memchr::memchr_iter;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// How records are laid out in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

impl Format {
    /// `.jsonl` / `.ndjson` (optionally `.gz`) are JSON Lines; anything else is CSV.
    pub fn from_path(path: &Path) -> Format {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
            Format::JsonLines
        } else {
            Format::Csv
        }
    }
}

/// Bytes read per call; chunks are about this size.
pub(crate) const BLOCK: usize = 4 << 20;

/// Opens a file, transparently un-gzipping it when it starts with the gzip magic.
pub(crate) fn open(path: &Path, display: &str) -> Result<Box<dyn Read + Send>, IngestError> {
    let io_err = |e: std::io::Error| IngestError::new(display, format!("cannot read: {e}"));
    let mut file = File::open(path).map_err(io_err)?;
    let mut magic = [0u8; 2];
    let n = read_full(&mut file, &mut magic).map_err(io_err)?;
    let file = File::open(path).map_err(io_err)?;
    if n == 2 && magic == [0x1f, 0x8b] {
        Ok(Box::new(MultiGzDecoder::new(BufReader::with_capacity(
            1 << 20,
            file,
        ))))
    } else {
        Ok(Box::new(file))
    }
}

/// Reads until `buf` is full or the input ends.
pub(crate) fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

pub(crate) fn count_lines(buf: &[u8]) -> u64 {
    memchr_iter(b'\n', buf).count() as u64
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn format_from_name() {
        assert_eq!(
            Format::from_path(Path::new("x/checkouts.jsonl.gz")),
            Format::JsonLines
        );
        assert_eq!(
            Format::from_path(Path::new("checkouts.csv.gz")),
            Format::Csv
        );
        assert_eq!(
            Format::from_path(Path::new("checkouts.NDJSON")),
            Format::JsonLines
        );
    }
}
