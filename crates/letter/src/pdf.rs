//! Letters drawn into one PDF: one letter per call for the person's own
//! file, all of them in one call for the print run.

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

/// One PDF holding `letters` in order, each starting on a new page.
/// Nothing is drawn unless every character of every letter is in the font.
pub fn render_pdf(font: &LetterFont, letters: &[Letter]) -> Result<Pdf, LetterError> {
    let measurer = font.measurer()?;
    let mut pages: Vec<PageLayout> = Vec::new();
    for letter in letters {
        font.check(&letter.label, &letter.all_text())?;
        pages.extend(layout(letter, &measurer)?);
    }
    let pdf_font = font.pdf_font();
    let settings = PageSettings::from_wh(PAGE_WIDTH_MM * MM, PAGE_HEIGHT_MM * MM)
        .ok_or_else(|| LetterError::Pdf("bad page size".to_owned()))?;
    let mut document = Document::new();
    for page_layout in &pages {
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
