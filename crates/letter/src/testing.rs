//! What the unit tests need from outside the repository, in one place.

use crate::LetterFont;

/// The system's Japanese font for a test that draws with one. A fresh
/// checkout must pass with nothing but a toolchain, so without a font the
/// test says in one line that it skipped and why; in CI (`CI=true`) a skip
/// would hide a broken font search, so it fails instead.
pub(crate) fn system_font(test: &str) -> Option<LetterFont> {
    match LetterFont::find(None, 0) {
        Ok(font) => Some(font),
        Err(e) => {
            // CI gets the whole error: it says which font families would do.
            let why = if breachdesk_testkit::in_ci() {
                e.to_string()
            } else {
                short(&e)
            };
            breachdesk_testkit::needs(test, Some(why));
            None
        }
    }
}

/// Why a font is missing, short enough for a skip line.
pub(crate) fn short(e: &crate::LetterError) -> String {
    match e {
        crate::LetterError::NoFont { .. } => {
            "no Japanese font installed: apt-get install fonts-noto-cjk".to_owned()
        }
        other => other.to_string(),
    }
}
