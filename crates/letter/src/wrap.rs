//! Line breaking for Japanese and mixed text. Break opportunities come from
//! the Unicode line breaking algorithm (UAX #14), which keeps the Japanese
//! rules (kinsoku): no line starts with 。、」) or a small kana mark it
//! forbids, no line ends with 「(, and Latin words and numbers stay whole.
//! Lines are then filled greedily to the width.

use crate::font::Measurer;
use unicode_linebreak::{BreakOpportunity, linebreaks};

/// `text` broken into lines no wider than `max_width` points at `size`.
/// Each `\n` ends a line; an empty input line stays an empty line.
pub fn wrap_lines(text: &str, max_width: f32, size: f32, measurer: &Measurer<'_>) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        wrap_paragraph(
            paragraph.trim_end_matches('\r'),
            max_width,
            size,
            measurer,
            &mut lines,
        );
    }
    lines
}

fn wrap_paragraph(
    paragraph: &str,
    max_width: f32,
    size: f32,
    measurer: &Measurer<'_>,
    lines: &mut Vec<String>,
) {
    if paragraph.is_empty() {
        lines.push(String::new());
        return;
    }
    // Byte offsets where a line may end (the break comes before that byte).
    let breaks: Vec<usize> = linebreaks(paragraph)
        .filter(|(_, kind)| matches!(kind, BreakOpportunity::Allowed))
        .map(|(at, _)| at)
        .collect();
    let mut start = 0;
    let mut width = 0.0;
    let mut last_break: Option<usize> = None;
    let mut next_break = 0;
    for (at, c) in paragraph.char_indices() {
        while next_break < breaks.len() && breaks[next_break] <= at {
            if breaks[next_break] > start {
                last_break = Some(breaks[next_break]);
            }
            next_break += 1;
        }
        let advance = measurer.width(c, size);
        // Spaces may run past the margin: they are trimmed at the line end.
        if width + advance > max_width && at > start && !c.is_whitespace() {
            // No allowed break since the line began: the word is wider than
            // the line, so it is cut where it overflows.
            let end = last_break.filter(|&b| b > start).unwrap_or(at);
            lines.push(paragraph[start..end].trim_end().to_owned());
            start = end;
            last_break = None;
            width = measurer.text_width(&paragraph[start..at], size);
        }
        width += advance;
    }
    lines.push(paragraph[start..].trim_end().to_owned());
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::testing::system_font;

    #[test]
    fn japanese_lines_keep_kinsoku_and_fit() {
        let Some(font) = system_font("kinsoku line breaking") else {
            return;
        };
        let m = font.measurer().unwrap();
        let text = "当店のウェブサイトが第三者による不正アクセスを受け、お客様の情報が外部に流出した可能性があることがわかりました。「ご注文番号」をお確かめください。";
        // Eleven full-width characters per line: both 、 and 。 fall where a
        // naive cut would start a line with them.
        for per_line in [9.0, 10.0, 11.0, 12.0, 13.0] {
            let lines = wrap_lines(text, per_line * 10.0, 10.0, &m);
            assert_eq!(lines.concat(), text, "no character lost or added");
            for line in &lines {
                assert!(m.text_width(line, 10.0) <= per_line * 10.0 + 0.01, "{line}");
                let first = line.chars().next().unwrap();
                assert!(
                    !"、。」）".contains(first),
                    "line starts with {first}: {lines:?}"
                );
                let last = line.chars().last().unwrap();
                assert!(!"「（".contains(last), "line ends with {last}: {lines:?}");
            }
        }
    }

    #[test]
    fn latin_words_stay_whole_and_blank_lines_stay() {
        let Some(font) = system_font("Latin word wrapping") else {
            return;
        };
        let m = font.measurer().unwrap();
        let lines = wrap_lines(
            "メール：care@kumosoft.example までお願いします\n\n次の段落",
            150.0,
            10.0,
            &m,
        );
        assert!(
            lines.iter().any(|l| l.contains("care@kumosoft.example")),
            "{lines:?}"
        );
        assert!(lines.contains(&String::new()), "{lines:?}");
        assert_eq!(lines.last().unwrap(), "次の段落");
        // A word wider than the line is cut rather than overflowing.
        let long = "x".repeat(200);
        for line in wrap_lines(&long, 50.0, 10.0, &m) {
            assert!(m.text_width(&line, 10.0) <= 50.01);
        }
    }
}
