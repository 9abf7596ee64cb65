//! A strict RFC 4180 record splitter over decoded text.
//!
//! Hand-written rather than the csv crate because scoping splits chunks of one
//! file on several threads: the chunker finds record boundaries by quote
//! parity, which is only sound when quotes appear exactly where RFC 4180 puts
//! them. This splitter enforces that (a stray quote is an error, not a
//! literal), reports lines for multi-line fields, and borrows unquoted fields
//! without copying, with a memchr fast path for the common quote-free line.

use crate::error::RowError;
use memchr::{memchr, memchr_iter, memchr2};

/// A field's text: a slice of the input, or of the scratch buffer when
/// doubled quotes had to be collapsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Input(usize, usize),
    Scratch(usize, usize),
}

impl Field {
    pub fn text<'a>(self, input: &'a str, scratch: &'a str) -> &'a str {
        match self {
            Field::Input(s, e) => input.get(s..e).unwrap_or(""),
            Field::Scratch(s, e) => scratch.get(s..e).unwrap_or(""),
        }
    }
}

pub(crate) struct CsvCursor<'a> {
    text: &'a str,
    pos: usize,
    /// Lines consumed so far, relative to the start of `text`.
    line: u64,
}

impl<'a> CsvCursor<'a> {
    pub fn new(text: &'a str) -> Self {
        CsvCursor {
            text,
            pos: 0,
            line: 0,
        }
    }

    /// Splits the next record into `fields`, returning the (relative) line it
    /// starts on; `None` at the end. Blank lines are skipped.
    pub fn next_record(
        &mut self,
        fields: &mut Vec<Field>,
        scratch: &mut String,
    ) -> Option<Result<u64, RowError>> {
        fields.clear();
        scratch.clear();
        let bytes = self.text.as_bytes();
        loop {
            if self.pos >= bytes.len() {
                return None;
            }
            let rest = &bytes[self.pos..];
            // One scan finds the line's end, or tells that it has a quote.
            let stop = memchr2(b'\n', b'"', rest).unwrap_or(rest.len());
            let has_quote = rest.get(stop) == Some(&b'"');
            let start_line = self.line;
            if !has_quote {
                let line_len = stop;
                let mut line = &rest[..line_len];
                if line.last() == Some(&b'\r') {
                    line = &line[..line.len() - 1];
                }
                if line.is_empty() {
                    self.pos += (line_len + 1).min(rest.len());
                    self.line += 1;
                    continue;
                }
                let mut field_start = self.pos;
                for comma in memchr_iter(b',', line) {
                    fields.push(Field::Input(field_start, self.pos + comma));
                    field_start = self.pos + comma + 1;
                }
                fields.push(Field::Input(field_start, self.pos + line.len()));
                self.pos += (line_len + 1).min(rest.len());
                self.line += 1;
                return Some(Ok(start_line));
            }
            return Some(self.quoted_record(fields, scratch).map(|()| start_line));
        }
    }

    /// The slow path: a record with at least one quote, possibly spanning lines.
    fn quoted_record(
        &mut self,
        fields: &mut Vec<Field>,
        scratch: &mut String,
    ) -> Result<(), RowError> {
        let bytes = self.text.as_bytes();
        let record_line = self.line;
        loop {
            // At the start of a field.
            if bytes.get(self.pos) == Some(&b'"') {
                let mut seg = self.pos + 1;
                let mut escaped: Option<usize> = None;
                loop {
                    let Some(q) = memchr(b'"', &bytes[seg..]).map(|q| seg + q) else {
                        return Err(RowError::new(
                            record_line,
                            "unterminated quoted field (a `\"` opened here is never closed)",
                        )
                        .in_field(fields.len()));
                    };
                    self.line += memchr_iter(b'\n', &bytes[seg..q]).count() as u64;
                    if bytes.get(q + 1) == Some(&b'"') {
                        escaped.get_or_insert(scratch.len());
                        scratch.push_str(self.text.get(seg..=q).unwrap_or(""));
                        seg = q + 2;
                        continue;
                    }
                    let field = match escaped {
                        Some(start) => {
                            scratch.push_str(self.text.get(seg..q).unwrap_or(""));
                            Field::Scratch(start, scratch.len())
                        }
                        None => Field::Input(seg, q),
                    };
                    fields.push(field);
                    self.pos = q + 1;
                    break;
                }
                match bytes.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b'\n') => return self.end_line(),
                    Some(b'\r') if bytes.get(self.pos + 1) == Some(&b'\n') => {
                        self.pos += 1;
                        return self.end_line();
                    }
                    None => return Ok(()),
                    Some(_) => {
                        return Err(RowError::new(self.line, "text after the closing quote")
                            .in_field(fields.len().saturating_sub(1)));
                    }
                }
            } else {
                let rest = &bytes[self.pos..];
                let end = memchr::memchr3(b',', b'\n', b'"', rest).unwrap_or(rest.len());
                match rest.get(end) {
                    Some(b'"') => {
                        return Err(RowError::new(
                            self.line,
                            "a quote inside an unquoted value (quote the whole field and double the quote)",
                        )
                        .in_field(fields.len()));
                    }
                    Some(b',') => {
                        fields.push(Field::Input(self.pos, self.pos + end));
                        self.pos += end + 1;
                    }
                    other => {
                        let mut field_end = self.pos + end;
                        if field_end > self.pos && bytes[field_end - 1] == b'\r' {
                            field_end -= 1;
                        }
                        fields.push(Field::Input(self.pos, field_end));
                        self.pos += end;
                        if other.is_some() {
                            return self.end_line();
                        }
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Consumes the newline ending the record.
    fn end_line(&mut self) -> Result<(), RowError> {
        self.pos += 1;
        self.line += 1;
        Ok(())
    }
}

/// Splits one header line (already decoded) into names.
pub(crate) fn split_header(line: &str) -> Result<Vec<String>, RowError> {
    let mut cursor = CsvCursor::new(line);
    let mut fields = Vec::new();
    let mut scratch = String::new();
    match cursor.next_record(&mut fields, &mut scratch) {
        None => Ok(Vec::new()),
        Some(Err(e)) => Err(e),
        Some(Ok(_)) => Ok(fields
            .iter()
            .map(|f| f.text(line, &scratch).trim().to_owned())
            .collect()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn records(text: &str) -> Result<Vec<(u64, Vec<String>)>, RowError> {
        let mut cursor = CsvCursor::new(text);
        let mut fields = Vec::new();
        let mut scratch = String::new();
        let mut out = Vec::new();
        while let Some(r) = cursor.next_record(&mut fields, &mut scratch) {
            let line = r?;
            out.push((
                line,
                fields
                    .iter()
                    .map(|f| f.text(text, &scratch).to_owned())
                    .collect(),
            ));
        }
        Ok(out)
    }

    #[test]
    fn plain_quoted_escaped_and_multiline() {
        let text = "a,b,c\r\n\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\nlast,,\n";
        let r = records(text).unwrap();
        assert_eq!(r[0], (0, vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!(
            r[1],
            (
                2,
                vec!["x, y".into(), "say \"hi\"".into(), "two\nlines".into()]
            )
        );
        assert_eq!(r[2], (4, vec!["last".into(), "".into(), "".into()]));
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn no_final_newline_and_crlf_after_quote() {
        let r = records("\"a\",b\r\nc,\"d\"").unwrap();
        assert_eq!(r[0].1, vec!["a", "b"]);
        assert_eq!(r[1].1, vec!["c", "d"]);
        let r = records("\"\",\"\"\"\"\n").unwrap();
        assert_eq!(r[0].1, vec!["", "\""]);
    }

    #[test]
    fn strict_errors_with_lines() {
        let e = records("ok,1\nbad,\"never closed\nmore\n").unwrap_err();
        assert_eq!(e.line_offset, 1);
        assert!(e.message.contains("unterminated"));
        assert_eq!(e.field, Some(1));
        let e = records("ok,1\nx,ab\"c\n").unwrap_err();
        assert_eq!(e.line_offset, 1);
        assert_eq!(e.field, Some(1));
        assert!(
            e.message.contains("quote inside an unquoted value"),
            "{}",
            e.message
        );
        let e = records("\"a\"b,c\n").unwrap_err();
        assert_eq!(e.field, Some(0));
        assert!(e.message.contains("after the closing quote"));
    }

    #[test]
    fn header() {
        assert_eq!(
            split_header("a, b ,\"c\"\r\n").unwrap(),
            vec!["a", "b", "c"]
        );
    }
}
