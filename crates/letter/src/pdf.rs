//! Letters drawn into PDFs. A letter is checked against the font and laid
//! out once; the same layout then goes into the person's own file and into
//! the print run.

use crate::layout::{FOLDS_MM, Letter, MM, PAGE_HEIGHT_MM, PAGE_WIDTH_MM, PageLayout, layout};
use crate::{LetterError, LetterFont};
use krilla::Document;
use krilla::geom::{PathBuilder, Point};
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::text::TextDirection;

/// A finished PDF.
pub struct Pdf {
    pub bytes: Vec<u8>,
    pub pages: usize,
}

/// A letter whose every character is in the font, laid out in pages.
pub struct LaidOut {
    pages: Vec<PageLayout>,
}

impl LaidOut {
    pub fn pages(&self) -> usize {
        self.pages.len()
    }
}

/// Checks `letter` against the font (a character it lacks is an error
/// naming the letter) and lays it out.
pub fn lay_out(font: &LetterFont, letter: &Letter) -> Result<LaidOut, LetterError> {
    font.check(&letter.label, &letter.all_text())?;
    Ok(LaidOut {
        pages: layout(letter, &font.measurer()?)?,
    })
}

/// One PDF holding `letters` in order, each starting on a new page.
/// Nothing is drawn unless every character of every letter is in the font.
pub fn render_pdf(font: &LetterFont, letters: &[Letter]) -> Result<Pdf, LetterError> {
    let laid_out = letters
        .iter()
        .map(|letter| lay_out(font, letter))
        .collect::<Result<Vec<_>, _>>()?;
    render_laid_out(font, laid_out.iter())
}

/// One PDF of letters already laid out, in order.
pub fn render_laid_out<'a>(
    font: &LetterFont,
    letters: impl Iterator<Item = &'a LaidOut>,
) -> Result<Pdf, LetterError> {
    let pages: Vec<&PageLayout> = letters.flat_map(|letter| &letter.pages).collect();
    let pdf_font = font.pdf_font();
    let settings = PageSettings::from_wh(PAGE_WIDTH_MM * MM, PAGE_HEIGHT_MM * MM)
        .ok_or_else(|| LetterError::Pdf("bad page size".to_owned()))?;
    let mut document = Document::new();
    for page_layout in pages.iter().copied() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        if page_layout.fold_marks {
            // Short ticks in the margin show where to fold.
            let mut marks = PathBuilder::new();
            for fold in FOLDS_MM {
                marks.move_to(3.0 * MM, fold * MM);
                marks.line_to(8.0 * MM, fold * MM);
            }
            if let Some(path) = marks.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    width: 0.4,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
                surface.set_fill(Some(krilla::paint::Fill::default()));
            }
        }
        for run in &page_layout.runs {
            surface.draw_text(
                Point::from_xy(run.x, run.baseline),
                pdf_font.clone(),
                run.size,
                &run.text,
                false,
                TextDirection::LeftToRight,
            );
        }
        surface.finish();
        page.finish();
    }
    let bytes = document
        .finish()
        .map_err(|e| LetterError::Pdf(format!("{e:?}")))?;
    Ok(Pdf {
        bytes,
        pages: pages.len(),
    })
}
