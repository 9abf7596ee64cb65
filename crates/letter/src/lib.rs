//! Printed letters for the persons email could not reach: an A4 page in
//! Japanese, the address block placed so it shows through the window of a
//! 長形3号 envelope when the sheet is folded in three.

#![forbid(unsafe_code)]

mod discover;
mod font;
mod layout;
mod pdf;
#[cfg(test)]
mod testing;
mod wrap;

pub use discover::JAPANESE_FAMILIES;
pub use font::LetterFont;
pub use layout::{ADDRESS_BOX_MM, FOLDS_MM, Letter, PAGE_HEIGHT_MM, PAGE_WIDTH_MM};
pub use pdf::{LaidOut, Pdf, lay_out, render_laid_out, render_pdf};
pub use wrap::wrap_lines;

#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error("cannot read the font {path}: {message}")]
    Font { path: String, message: String },
    #[error(
        "no Japanese font found (any of {families} would do, or another with kana and kanji); install one (Debian, Ubuntu: apt-get install fonts-noto-cjk; Fedora: dnf install google-noto-sans-cjk-fonts) or set `font` under [letters] in breachdesk.toml (or BREACHDESK_LETTERS_FONT)"
    )]
    NoFont { families: String },
    #[error(
        "{letter}: the font {font} has no glyph for {ch:?} (U+{code:04X}); set a font that has it under [letters] (Noto Sans CJK covers the most)"
    )]
    MissingGlyph {
        letter: String,
        font: String,
        ch: char,
        code: u32,
    },
    #[error("{letter}: the address does not fit the envelope window even in small type")]
    AddressTooLong { letter: String },
    #[error("cannot write the PDF: {0}")]
    Pdf(String),
}
