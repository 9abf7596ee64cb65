//! The one font a letter is set in. krilla does no font fallback, so a
//! character the font lacks would print as an empty box: every character is
//! checked against the font's own character map before anything is drawn.

use crate::LetterError;
use skrifa::instance::{LocationRef, Size};
use skrifa::raw::TableProvider;
use skrifa::{FontRef, MetadataProvider, string::StringId};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The bytes of a font file, as krilla takes them.
pub(crate) type FontData = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// A loaded font: the bytes, shared by every letter and thread.
#[derive(Clone)]
pub struct LetterFont {
    data: FontData,
    index: u32,
    path: PathBuf,
    pdf_font: krilla::text::Font,
}

impl std::fmt::Debug for LetterFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LetterFont")
            .field("path", &self.path)
            .field("index", &self.index)
            .finish()
    }
}

impl LetterFont {
    /// The font at `path` (`index` picks a face of a collection).
    pub fn open(path: &Path, index: u32) -> Result<LetterFont, LetterError> {
        let data = std::fs::read(path).map_err(|e| LetterError::Font {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        LetterFont::from_data(Arc::new(data), index, path.to_path_buf())
    }

    /// The face `index` of font bytes already in memory; `path` names them
    /// in messages.
    pub(crate) fn from_data(
        data: FontData,
        index: u32,
        path: PathBuf,
    ) -> Result<LetterFont, LetterError> {
        let fail = |message: String| LetterError::Font {
            path: path.display().to_string(),
            message,
        };
        FontRef::from_index((*data).as_ref(), index)
            .map_err(|e| fail(format!("not a font ({e})")))?;
        // krilla is given the same face index: in a .ttc collection the
        // faces differ (Noto Sans CJK holds JP, KR, SC, TC and HK forms).
        let pdf_font = krilla::text::Font::new(data.clone().into(), index)
            .ok_or_else(|| fail("the PDF writer cannot use this font".to_owned()))?;
        let font = LetterFont {
            data,
            index,
            path: path.clone(),
            pdf_font,
        };
        // A Latin-only font would pass the parse but fail every letter.
        font.check("the font check", "〒郵便番号様")
            .map_err(|_| fail("it has no Japanese characters".to_owned()))?;
        Ok(font)
    }

    /// The font file (for a font found on the system, the file fontdb
    /// found it in).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The face within the font file (a collection holds several).
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The family name the font gives itself, for messages and tests.
    pub fn family(&self) -> Option<String> {
        let font = FontRef::from_index((*self.data).as_ref(), self.index).ok()?;
        [StringId::TYPOGRAPHIC_FAMILY_NAME, StringId::FAMILY_NAME]
            .into_iter()
            .find_map(|id| font.localized_strings(id).english_or_first())
            .map(|name| name.to_string())
    }

    pub(crate) fn pdf_font(&self) -> krilla::text::Font {
        self.pdf_font.clone()
    }

    /// Widths of characters at a size, for line breaking.
    pub fn measurer(&self) -> Result<Measurer<'_>, LetterError> {
        let font = FontRef::from_index((*self.data).as_ref(), self.index).map_err(|e| {
            LetterError::Font {
                path: self.path.display().to_string(),
                message: e.to_string(),
            }
        })?;
        Ok(Measurer {
            charmap: font.charmap(),
            // Unscaled: advances come in font units, scaled per call.
            metrics: font.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em: f32::from(font.head().map(|h| h.units_per_em()).unwrap_or(1000)),
        })
    }

    /// Refuses text with a character the font cannot draw. `letter` names
    /// the letter in the error.
    pub fn check(&self, letter: &str, text: &str) -> Result<(), LetterError> {
        let measurer = self.measurer()?;
        match text.chars().find(|&c| drawn(c) && !measurer.has(c)) {
            Some(ch) => Err(LetterError::MissingGlyph {
                letter: letter.to_owned(),
                font: self.path.display().to_string(),
                ch,
                code: u32::from(ch),
            }),
            None => Ok(()),
        }
    }
}

/// Characters that need a glyph of their own: not spaces, controls, or
/// variation selectors (those pick a form of the character before them).
fn drawn(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || ('\u{FE00}'..='\u{FE0F}').contains(&c)
        || ('\u{E0100}'..='\u{E01EF}').contains(&c)
        || c == '\u{200B}'
        || c == '\u{200D}')
}

pub struct Measurer<'a> {
    charmap: skrifa::charmap::Charmap<'a>,
    metrics: skrifa::metrics::GlyphMetrics<'a>,
    units_per_em: f32,
}

impl Measurer<'_> {
    pub fn has(&self, c: char) -> bool {
        self.charmap.map(c).is_some()
    }

    /// The advance of `c` at `size` points (0 for characters not drawn).
    pub fn width(&self, c: char, size: f32) -> f32 {
        if !drawn(c) && c != ' ' && c != '\u{3000}' {
            return 0.0;
        }
        let glyph = self.charmap.map(c).unwrap_or_default();
        self.metrics
            .advance_width(glyph)
            .unwrap_or(self.units_per_em)
            / self.units_per_em
            * size
    }

    pub fn text_width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.width(c, size)).sum()
    }
}
