//! Writing CSV cells straight into a row buffer.
//!
//! Hand-written instead of a CSV library because the generator writes
//! billions of cells: RFC 4180 quoting is only needed for the rare free-text
//! cell containing `,` `"` or a line break, and numbers are formatted without
//! going through `fmt`.

/// Appends `field`, quoted only if it has to be (RFC 4180): a field
/// containing `,`, `"`, CR or LF is wrapped in quotes with `"` doubled.
pub(crate) fn push_field(out: &mut Vec<u8>, field: &[u8]) {
    if field
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.reserve(field.len() + 2);
        out.push(b'"');
        for &b in field {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field);
    }
}

/// Appends `n` in decimal.
#[inline]
pub(crate) fn push_u64(out: &mut Vec<u8>, n: u64) {
    push_padded(out, n, 1);
}

/// Appends `n` in decimal, left-padded with zeros to at least `width` digits.
#[inline]
pub(crate) fn push_padded(out: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    while n > 0 {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let digits = buf.len() - i;
    let start = buf.len() - digits.max(width).min(buf.len());
    out.extend_from_slice(&buf[start..]);
}

/// Appends a boolean as `true`/`false`, or as `1`/`0` when `numeric`.
#[inline]
pub(crate) fn push_bool(out: &mut Vec<u8>, value: bool, numeric: bool) {
    out.extend_from_slice(match (value, numeric) {
        (true, false) => b"true",
        (false, false) => b"false",
        (true, true) => b"1",
        (false, true) => b"0",
    });
}

/// Appends an id such as `C0000001`: a letter and a zero-padded number.
#[inline]
pub(crate) fn push_id(out: &mut Vec<u8>, prefix: u8, n: u64, width: usize) {
    out.push(prefix);
    push_padded(out, n, width);
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn field(s: &str) -> String {
        let mut out = Vec::new();
        push_field(&mut out, s.as_bytes());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn quotes_only_where_needed() {
        assert_eq!(field("東京都港区芝浦1-2-3"), "東京都港区芝浦1-2-3");
        assert_eq!(field(" spaced "), " spaced ");
        assert_eq!(field(""), "");
        assert_eq!(field("1-2-3, Sakura Heights"), "\"1-2-3, Sakura Heights\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("\""), "\"\"\"\"");
        assert_eq!(field("a\nb"), "\"a\nb\"");
        assert_eq!(field("a\rb"), "\"a\rb\"");
    }

    #[test]
    fn quoted_fields_read_back_with_a_csv_reader() {
        let cells = ["plain", "a,b", "q\"uote", "line\nbreak", "", "全角，カンマ"];
        let mut line = Vec::new();
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                line.push(b',');
            }
            push_field(&mut line, c.as_bytes());
        }
        line.push(b'\n');
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_slice());
        let record = reader.records().next().unwrap().unwrap();
        let read: Vec<&str> = record.iter().collect();
        assert_eq!(read, cells);
    }

    #[test]
    fn numbers() {
        let mut out = Vec::new();
        push_u64(&mut out, 0);
        out.push(b' ');
        push_u64(&mut out, 18_446_744_073_709_551_615);
        out.push(b' ');
        push_padded(&mut out, 42, 4);
        out.push(b' ');
        push_padded(&mut out, 123_456, 4);
        out.push(b' ');
        push_id(&mut out, b'C', 1, 7);
        out.push(b' ');
        push_bool(&mut out, true, false);
        push_bool(&mut out, false, true);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "0 18446744073709551615 0042 123456 C0000001 true0"
        );
    }
}
