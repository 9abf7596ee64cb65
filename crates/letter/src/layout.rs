//! Where everything goes on the page, in points from the top-left corner.
//!
//! A4 (210 × 297 mm) folded in three (99 mm panels) fits a 長形3号 envelope
//! (120 × 235 mm). Its window sits about 23 mm from the left and 13 mm from
//! the top, 90 × 45 mm; the sheet can shift a few millimetres inside, so the
//! address is kept to a smaller box within it: 22–107 mm across, 16–56 mm
//! down. Nothing else is printed in that box, and the letter itself starts
//! below the first fold.

use crate::LetterError;
use crate::font::Measurer;
use crate::wrap::wrap_lines;

pub(crate) const MM: f32 = 72.0 / 25.4;
pub const PAGE_WIDTH_MM: f32 = 210.0;
pub const PAGE_HEIGHT_MM: f32 = 297.0;

/// The address box (x, y, width, height in mm): inside the envelope window.
pub const ADDRESS_BOX_MM: (f32, f32, f32, f32) = (22.0, 16.0, 85.0, 40.0);
/// Where the two folds fall, in mm from the top.
pub const FOLDS_MM: [f32; 2] = [99.0, 198.0];

const SENDER_X_MM: f32 = 125.0;
const SENDER_WIDTH_MM: f32 = 70.0;
const MARGIN_MM: f32 = 20.0;
const BODY_WIDTH_MM: f32 = PAGE_WIDTH_MM - 2.0 * MARGIN_MM;
const BODY_SIZE: f32 = 10.0;
const BODY_STEP_MM: f32 = 6.0;
const BODY_BOTTOM_MM: f32 = 278.0;
const NEXT_PAGE_TOP_MM: f32 = 22.0;

/// One letter, as it will be printed. Its `Debug` shows only the label:
/// the rest is personal data.
#[derive(Clone, Default)]
pub struct Letter {
    /// Names the letter in errors and in the page footer (no personal data).
    pub label: String,
    pub postal_code: String,
    pub address: String,
    pub name: String,
    /// The shop's name, address and contacts, one per line.
    pub sender: Vec<String>,
    pub date: String,
    pub title: String,
    pub body: String,
}

impl std::fmt::Debug for Letter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Letter")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl Letter {
    /// Every character that will be drawn, for the glyph check.
    pub(crate) fn all_text(&self) -> String {
        let mut all = [
            &self.label,
            &self.postal_code,
            &self.address,
            &self.name,
            &self.date,
            &self.title,
            &self.body,
        ]
        .map(|s| s.as_str())
        .join("\n");
        for line in &self.sender {
            all.push('\n');
            all.push_str(line);
        }
        all.push_str("〒様/0123456789");
        all
    }
}

/// A line of text: its left end on the baseline, in points.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRun {
    pub x: f32,
    pub baseline: f32,
    pub size: f32,
    pub text: String,
}

#[derive(Debug, Default)]
pub struct PageLayout {
    pub runs: Vec<TextRun>,
    /// Fold marks are printed on the first page only.
    pub fold_marks: bool,
}

fn run(x_mm: f32, baseline_mm: f32, size: f32, text: impl Into<String>) -> TextRun {
    TextRun {
        x: x_mm * MM,
        baseline: baseline_mm * MM,
        size,
        text: text.into(),
    }
}

/// The pages of one letter.
pub fn layout(letter: &Letter, m: &Measurer<'_>) -> Result<Vec<PageLayout>, LetterError> {
    let mut first = PageLayout {
        runs: address_block(letter, m)?,
        fold_marks: true,
    };
    let mut y = 21.0;
    for line in letter
        .sender
        .iter()
        .flat_map(|s| wrap_lines(s, SENDER_WIDTH_MM * MM, 9.0, m))
    {
        first.runs.push(run(SENDER_X_MM, y, 9.0, line));
        y += 4.5;
    }
    // Below the first fold: date, title, then the body.
    let right = PAGE_WIDTH_MM - MARGIN_MM;
    let date_x = right - m.text_width(&letter.date, 10.0) / MM;
    first
        .runs
        .push(run(date_x, 110.0, 10.0, letter.date.clone()));
    let mut y = 121.0;
    for line in wrap_lines(&letter.title, BODY_WIDTH_MM * MM, 13.0, m) {
        first.runs.push(run(MARGIN_MM, y, 13.0, line));
        y += 7.0;
    }
    y += 4.0;
    let mut pages = vec![first];
    let body = wrap_lines(letter.body.trim_end(), BODY_WIDTH_MM * MM, BODY_SIZE, m);
    for line in body {
        if y > BODY_BOTTOM_MM {
            pages.push(PageLayout::default());
            y = NEXT_PAGE_TOP_MM;
        }
        // A blank line at the top of a page would only waste a line.
        if line.is_empty() && y == NEXT_PAGE_TOP_MM {
            continue;
        }
        if let Some(page) = pages.last_mut()
            && !line.is_empty()
        {
            page.runs.push(run(MARGIN_MM, y, BODY_SIZE, line));
        }
        y += BODY_STEP_MM;
    }
    // Footer: which letter and which page, so a printer keeps them together.
    let total = pages.len();
    for (n, page) in pages.iter_mut().enumerate() {
        let text = format!("{}  {}/{}", letter.label, n + 1, total);
        let x = right - m.text_width(&text, 7.0) / MM;
        page.runs.push(run(x, 290.0, 7.0, text));
    }
    Ok(pages)
}

/// Postal code, address and name, inside the window box. A long address
/// is set smaller; one that still does not fit is refused, since a cut
/// address would send the letter astray.
fn address_block(letter: &Letter, m: &Measurer<'_>) -> Result<Vec<TextRun>, LetterError> {
    let (x, top, width, height) = ADDRESS_BOX_MM;
    let bottom = top + height;
    for (size, step, name_size) in [(10.5, 5.0, 14.0), (9.0, 4.2, 12.0), (8.0, 3.6, 11.0)] {
        let mut runs = Vec::new();
        let mut y = top + 5.0;
        let postal = letter.postal_code.trim();
        if !postal.is_empty() {
            runs.push(run(x, y, 11.0, format!("〒{postal}")));
            y += 6.0;
        }
        for line in wrap_lines(
            &address_lines(&letter.address, width * MM, size, m),
            width * MM,
            size,
            m,
        ) {
            runs.push(run(x, y, size, line));
            y += step;
        }
        let name = format!("{}　様", letter.name.trim());
        // A long name is set smaller until it fits the box's width.
        let mut name_size: f32 = name_size;
        while name_size > 8.0 && m.text_width(&name, name_size) > width * MM {
            name_size -= 0.5;
        }
        // A little air between the address and the name.
        y += 3.0;
        let fits = y + 1.0 <= bottom && m.text_width(&name, name_size) <= width * MM;
        runs.push(run(x, y, name_size, name));
        if fits {
            return Ok(runs);
        }
    }
    Err(LetterError::AddressTooLong {
        letter: letter.label.clone(),
    })
}

/// An address too long for one line breaks first where its writer put a
/// space (before the building name, as Japanese addresses are written),
/// and only then wherever the line is full.
fn address_lines(address: &str, width: f32, size: f32, m: &Measurer<'_>) -> String {
    let address = address.trim();
    if m.text_width(address, size) <= width {
        return address.to_owned();
    }
    address.split_whitespace().collect::<Vec<_>>().join("\n")
}
