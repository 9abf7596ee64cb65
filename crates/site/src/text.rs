//! Answers as the shop writes them (text: blank lines between paragraphs,
//! "- " for list items, the desk's figures in `{{ }}`) turned into HTML.
//! The whole rendered text is escaped: an answer can never carry markup
//! or a script, whoever wrote it.

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Paragraphs and lists of plain text as HTML.
pub(crate) fn paragraphs(text: &str) -> String {
    let mut html = String::new();
    for block in text.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
        let lines: Vec<&str> = block
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if lines.iter().all(|l| l.starts_with("- ")) {
            html.push_str("<ul>");
            for line in lines {
                html.push_str("<li>");
                html.push_str(&escape(line.trim_start_matches("- ")));
                html.push_str("</li>");
            }
            html.push_str("</ul>");
        } else {
            html.push_str("<p>");
            html.push_str(
                &lines
                    .iter()
                    .map(|l| escape(l))
                    .collect::<Vec<_>>()
                    .join("<br>"),
            );
            html.push_str("</p>");
        }
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_an_answer_is_text() {
        let html = paragraphs("<script>alert(1)</script>\n\n- a & b\n- \"c\"");
        assert_eq!(
            html,
            "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><ul><li>a &amp; b</li><li>&quot;c&quot;</li></ul>"
        );
    }

    #[test]
    fn lines_of_a_paragraph_are_kept() {
        assert_eq!(
            paragraphs("one\ntwo\n\n\nthree"),
            "<p>one<br>two</p><p>three</p>"
        );
    }
}
