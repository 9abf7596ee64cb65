//! The reader thread: reads (and un-gzips) the input and cuts it into
//! chunks that end on record boundaries, so that workers can parse chunks
//! independently. Chunk buffers come back from the workers to be filled
//! again instead of being freed: a fresh 4 MiB buffer each time was memory
//! the kernel zeroed page by page (a tenth of all CPU on wide rows), and
//! kept more of them alive at once.

use crate::error::IngestError;
use crate::source::{BLOCK, Format, count_lines};
use crossbeam_channel::{Receiver, Sender};
use memchr::{memchr_iter, memrchr};
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

/// The longest record read: a quote that is never closed would otherwise
/// make the rest of the file one record, held in memory and rescanned.
pub(crate) const MAX_RECORD: usize = 32 << 20;

pub(crate) const NO_ERROR: u64 = u64::MAX;

pub(crate) struct Chunk {
    pub first_line: u64,
    pub bytes: Vec<u8>,
}

/// The longest prefix of `buf` that ends just after a newline outside any
/// quoted field (given that `buf` starts at a record boundary), with the
/// number of newlines in it. `None` when there is no such newline yet.
/// Whole-buffer SIMD counts rather than one pass over every quote and
/// newline: wide rows quote most fields, and stopping at each quote was
/// slower (measured) than counting them all twice.
pub(crate) fn cut_point(buf: &[u8], format: Format) -> Option<(usize, u64)> {
    let last_newline = memrchr(b'\n', buf)?;
    let end = if format == Format::JsonLines {
        last_newline + 1
    } else {
        // RFC 4180 quotes come in pairs except around a field that is still
        // open, so a newline with an even number of quotes before it ends a
        // record.
        let mut quotes_before = memchr_iter(b'"', &buf[..last_newline]).count();
        let mut newline = last_newline;
        loop {
            if quotes_before.is_multiple_of(2) {
                break newline + 1;
            }
            let previous = memrchr(b'\n', &buf[..newline])?;
            quotes_before -= memchr_iter(b'"', &buf[previous..newline]).count();
            newline = previous;
        }
    };
    Some((end, count_lines(&buf[..end])))
}

/// What the reader thread works with.
pub(crate) struct Cutter<'a> {
    pub reader: Box<dyn Read + Send>,
    pub format: Format,
    pub file: &'a str,
    pub chunks: Sender<Chunk>,
    /// Buffers the workers are done with.
    pub recycled: Receiver<Vec<u8>>,
    pub error_line: &'a AtomicU64,
}

impl Cutter<'_> {
    /// Reads everything after `buf` (the start of the body, at line `line`)
    /// and sends it as chunks, in order.
    pub(crate) fn run(mut self, mut buf: Vec<u8>, mut line: u64) -> Result<(), IngestError> {
        let mut eof = false;
        loop {
            if self.error_line.load(Ordering::Relaxed) != NO_ERROR {
                return Ok(());
            }
            let cut = if eof {
                Some((buf.len(), count_lines(&buf)))
            } else {
                cut_point(&buf, self.format)
            };
            match cut {
                Some((0, _)) if eof => return Ok(()),
                Some((at, lines)) if eof || buf.len() >= BLOCK / 2 => {
                    let mut next = self
                        .recycled
                        .try_recv()
                        .unwrap_or_else(|_| Vec::with_capacity(BLOCK + BLOCK / 2));
                    next.clear();
                    next.extend_from_slice(&buf[at..]);
                    buf.truncate(at);
                    let chunk = Chunk {
                        first_line: line,
                        bytes: std::mem::replace(&mut buf, next),
                    };
                    line += lines;
                    if self.chunks.send(chunk).is_err() {
                        return Ok(());
                    }
                    if eof && buf.is_empty() {
                        return Ok(());
                    }
                }
                found => {
                    if found.is_none() && buf.len() >= MAX_RECORD {
                        return Err(IngestError::new(
                            self.file,
                            format!(
                                "the record starting here runs past {} MiB without ending (a quote that is never closed?)",
                                MAX_RECORD >> 20
                            ),
                        )
                        .at_line(line));
                    }
                    // Appended without zeroing the buffer first.
                    let n = self
                        .reader
                        .by_ref()
                        .take(BLOCK as u64)
                        .read_to_end(&mut buf)
                        .map_err(|e| {
                            IngestError::new(
                                self.file,
                                format!("cannot read after line {line}: {e}"),
                            )
                        })?;
                    eof = n < BLOCK;
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cut_skips_newlines_inside_quotes_and_counts_every_line() {
        let buf = b"a,b\nc,\"multi\nline\"\nd,\"open\nstill";
        assert_eq!(cut_point(buf, Format::Csv), Some((19, 3)));
        assert_eq!(&buf[..19], b"a,b\nc,\"multi\nline\"\n");
        assert_eq!(cut_point(b"\"open\nstill", Format::Csv), None);
        // Doubled quotes inside a field keep the parity.
        assert_eq!(
            cut_point(b"\"say \"\"hi\"\"\"\nx", Format::Csv),
            Some((13, 1))
        );
        assert_eq!(
            cut_point(b"{\"a\":\"x\"}\n{\"a\"", Format::JsonLines),
            Some((10, 1))
        );
    }
}
