//! Character encodings: UTF-8, or CP932 (Shift_JIS as Japanese shop software
//! and Excel write it), chosen or detected from the start of the file.

use crate::error::RowError;
use encoding_rs::{DecoderResult, SHIFT_JIS};
use std::borrow::Cow;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    /// Detect: UTF-8 unless the start of the file is not UTF-8 but is valid CP932.
    #[default]
    Auto,
    Utf8,
    Cp932,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Auto => "auto",
            Encoding::Utf8 => "utf-8",
            Encoding::Cp932 => "cp932",
        }
    }
}

impl std::str::FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "auto" => Ok(Encoding::Auto),
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "cp932" | "shift-jis" | "sjis" | "windows-31j" | "ms932" => Ok(Encoding::Cp932),
            other => Err(format!("unknown encoding {other:?} (use utf-8 or cp932)")),
        }
    }
}

/// Decides the encoding from the first block. Unless the block is the
/// whole file (`complete`), only bytes up to the last newline are judged,
/// so a character cut at the block end cannot mislead. Detection picks
/// CP932 only when the sample is not UTF-8 and decodes as CP932 without a
/// single error: then UTF-8 was impossible anyway.
pub(crate) fn detect(sample: &[u8], complete: bool) -> Encoding {
    let judged = match memchr::memrchr(b'\n', sample) {
        Some(n) if !complete => &sample[..n],
        _ => sample,
    };
    if std::str::from_utf8(judged).is_ok() {
        return Encoding::Utf8;
    }
    let (_, had_errors) = SHIFT_JIS.decode_without_bom_handling(judged);
    if had_errors {
        Encoding::Utf8
    } else {
        Encoding::Cp932
    }
}

/// Decodes one chunk. On a bad byte, the error names the line (relative to
/// the chunk) and the byte offset within the chunk, for the caller to turn
/// into a column.
pub(crate) fn decode(bytes: &[u8], encoding: Encoding) -> Result<Cow<'_, str>, (RowError, usize)> {
    match encoding {
        Encoding::Cp932 => {
            let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
            let capacity = decoder
                .max_utf8_buffer_length_without_replacement(bytes.len())
                .unwrap_or(bytes.len() * 3);
            let mut out = String::with_capacity(capacity);
            let (result, read) =
                decoder.decode_to_string_without_replacement(bytes, &mut out, true);
            match result {
                DecoderResult::InputEmpty => Ok(Cow::Owned(out)),
                DecoderResult::Malformed(bad, _) => {
                    let at = read.saturating_sub(usize::from(bad));
                    Err((
                        RowError::new(
                            crate::source::count_lines(&bytes[..at]),
                            "byte sequence that is not CP932",
                        ),
                        at,
                    ))
                }
                DecoderResult::OutputFull => Err((RowError::new(0, "decoder ran out of room"), 0)),
            }
        }
        // simdutf8 validates Japanese text several times faster than std;
        // std runs only on failure, to find the bad byte.
        Encoding::Utf8 | Encoding::Auto => {
            match simdutf8::basic::from_utf8(bytes).or_else(|_| std::str::from_utf8(bytes)) {
                Ok(text) => Ok(Cow::Borrowed(text)),
                Err(e) => {
                    let at = e.valid_up_to();
                    let message = "invalid UTF-8 (if the file is Shift_JIS, pass --encoding cp932)";
                    Err((
                        RowError::new(crate::source::count_lines(&bytes[..at]), message),
                        at,
                    ))
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
    fn detects_cp932_only_when_utf8_is_impossible() {
        let (sjis, _, _) = SHIFT_JIS.encode("name,email\n山田 太郎,taro@example.jp\n");
        assert_eq!(detect(&sjis, true), Encoding::Cp932);
        assert_eq!(detect("name\n山田\n".as_bytes(), true), Encoding::Utf8);
        assert_eq!(detect(b"name\nplain ascii\n", true), Encoding::Utf8);
        // Neither: stays UTF-8 so that decoding reports the bad byte.
        assert_eq!(detect(b"a\n\xff\xff\xff\n", true), Encoding::Utf8);
        // Japanese only on a last line without a newline: judged when the
        // sample is the whole file, not when more may follow.
        let (last_line, _, _) = SHIFT_JIS.encode("customer_id,name\r\nC1,山田 太郎");
        assert_eq!(detect(&last_line, true), Encoding::Cp932);
        assert_eq!(detect(&last_line, false), Encoding::Utf8);
    }

    #[test]
    fn decode_reports_the_line() {
        let (text, _, _) = SHIFT_JIS.encode("a\nｶﾀｶﾅ髙橋\n");
        assert_eq!(decode(&text, Encoding::Cp932).unwrap(), "a\nｶﾀｶﾅ髙橋\n");
        let (err, at) = decode(b"a\nb\nc\xffd\n", Encoding::Utf8).unwrap_err();
        assert_eq!(err.line_offset, 2);
        assert_eq!(at, 5);
        let (err, _) = decode(b"a\n\x81\x20\n", Encoding::Cp932).unwrap_err();
        assert_eq!(err.line_offset, 1);
    }
}
