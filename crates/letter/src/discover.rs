//! Finding a Japanese font the way the operating system does: fontdb reads
//! the folders fontconfig lists on Linux (and the system font folders on
//! macOS and Windows), so a font installed by the package manager, in the
//! user's own font folder or under any distribution's layout is found
//! without a list of paths to keep up to date.

use crate::font::FontData;
use crate::{LetterError, LetterFont};
use fontdb::{Database, FaceInfo, Family, ID, Query, Source, Stretch, Style, Weight};
use skrifa::{FontRef, MetadataProvider};
use std::path::PathBuf;

/// Font families that cover Japanese, best first. Noto Sans CJK (and Source
/// Han Sans, the same design) come first: they have the rarer characters of
/// names (𠮷) that IPA and the older fonts lack. Then what each system ships:
/// IPA and VL/Takao on Linux, Hiragino on macOS, Yu Gothic, Meiryo and MS
/// Gothic on Windows.
pub const JAPANESE_FAMILIES: [&str; 15] = [
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Source Han Sans JP",
    "Source Han Sans",
    "IPAexGothic",
    "IPAGothic",
    "Hiragino Sans",
    "Hiragino Kaku Gothic ProN",
    "Yu Gothic",
    "Meiryo",
    "MS Gothic",
    "Noto Serif CJK JP",
    "IPAexMincho",
    "VL Gothic",
    "TakaoGothic",
];

/// Characters a face must have to be taken when its family is not one of
/// [`JAPANESE_FAMILIES`]: kana and kanji, so neither a Latin font nor a
/// kana-only one passes.
const JAPANESE_PROBE: &str = "あア漢字〒様";

impl LetterFont {
    /// The configured font if there is one (`index` picks its face in a
    /// collection); else the best Japanese font installed on the system.
    pub fn find(
        configured: Option<&std::path::Path>,
        index: u32,
    ) -> Result<LetterFont, LetterError> {
        if let Some(path) = configured {
            // The shop chose it: a font that fails is an error, not a
            // reason to print with another one.
            return LetterFont::open(path, index);
        }
        let mut db = Database::new();
        db.load_system_fonts();
        LetterFont::find_in(&db)
    }

    /// The best Japanese face of `db`: the first of [`JAPANESE_FAMILIES`]
    /// that opens, else any face with kana and kanji.
    pub(crate) fn find_in(db: &Database) -> Result<LetterFont, LetterError> {
        let mut first_error = None;
        // Reading every font's character map is slow where many fonts are
        // installed, so the fallback is only looked for when no family is.
        let fallback = std::iter::once_with(|| covering_faces(db)).flatten();
        let faces = preferred_faces(db).into_iter().chain(fallback);
        for face in faces.filter_map(|id| db.face(id)) {
            match open_face(face) {
                Ok(font) => return Ok(font),
                // A broken file under a good name should not hide a working
                // font further down; if none works, its error says most.
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.unwrap_or_else(|| LetterError::NoFont {
            families: JAPANESE_FAMILIES.join(", "),
        }))
    }
}

/// A regular upright face of each of [`JAPANESE_FAMILIES`] present in `db`,
/// in that order (fontdb's CSS matching picks the face within a family).
pub(crate) fn preferred_faces(db: &Database) -> Vec<ID> {
    let mut faces: Vec<ID> = Vec::new();
    for name in JAPANESE_FAMILIES {
        let query = Query {
            families: &[Family::Name(name)],
            weight: Weight::NORMAL,
            stretch: Stretch::Normal,
            style: Style::Normal,
        };
        if let Some(id) = db.query(&query)
            && !faces.contains(&id)
        {
            faces.push(id);
        }
    }
    faces
}

/// Faces of other families that have kana and kanji, regular upright
/// proportional ones first, then by file, so the choice does not depend on
/// the order the folders were read in.
fn covering_faces(db: &Database) -> Vec<ID> {
    let preferred = preferred_faces(db);
    let mut faces: Vec<_> = db
        .faces()
        .filter(|face| !preferred.contains(&face.id))
        .filter(|face| db.with_face_data(face.id, covers_japanese).unwrap_or(false))
        .map(|face| {
            let key = (
                face.weight.0.abs_diff(Weight::NORMAL.0),
                face.style != Style::Normal,
                face.monospaced,
                source_name(&face.source, &face.post_script_name),
                face.index,
            );
            (key, face.id)
        })
        .collect();
    faces.sort();
    faces.into_iter().map(|(_, id)| id).collect()
}

fn covers_japanese(data: &[u8], index: u32) -> bool {
    FontRef::from_index(data, index).is_ok_and(|font| {
        let charmap = font.charmap();
        JAPANESE_PROBE.chars().all(|c| charmap.map(c).is_some())
    })
}

/// The file a face is in; a face loaded from memory has none, so its
/// PostScript name stands in for messages.
fn source_name(source: &Source, post_script_name: &str) -> PathBuf {
    match source {
        Source::File(path) | Source::SharedFile(path, _) => path.clone(),
        Source::Binary(_) => PathBuf::from(format!("{post_script_name} (in memory)")),
    }
}

/// Loads one face of `db`, passing its index within a collection on.
fn open_face(face: &FaceInfo) -> Result<LetterFont, LetterError> {
    let path = source_name(&face.source, &face.post_script_name);
    match &face.source {
        Source::File(file) => LetterFont::open(file, face.index),
        Source::SharedFile(_, data) | Source::Binary(data) => {
            let data: FontData = data.clone();
            LetterFont::from_data(data, face.index, path)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use fontdb::Language;
    use std::sync::Arc;

    /// A face that claims `family` without any font behind it: enough for
    /// the choice, which reads names only.
    fn fake(db: &mut Database, family: &str, weight: u16) -> ID {
        db.push_face_info(FaceInfo {
            id: ID::dummy(),
            source: Source::Binary(Arc::new(Vec::<u8>::new())),
            index: 0,
            families: vec![(family.to_owned(), Language::English_UnitedStates)],
            post_script_name: format!("{family}-{weight}").replace(' ', ""),
            style: Style::Normal,
            weight: Weight(weight),
            stretch: Stretch::Normal,
            monospaced: false,
        })
    }

    #[test]
    fn no_fonts_at_all_is_a_clear_error() {
        let err = LetterFont::find_in(&Database::new()).unwrap_err();
        assert!(matches!(err, LetterError::NoFont { .. }), "{err:?}");
        let message = err.to_string();
        for part in [
            "no Japanese font",
            "Noto Sans CJK JP",
            "IPAexGothic",
            "Hiragino Sans",
            "Yu Gothic",
            "fonts-noto-cjk",
            "[letters]",
            "BREACHDESK_LETTERS_FONT",
        ] {
            assert!(message.contains(part), "{part} not in: {message}");
        }
        assert!(!message.contains('\n'), "one line: {message}");
    }

    #[test]
    fn families_are_taken_in_order_of_preference() {
        let mut db = Database::new();
        let dejavu = fake(&mut db, "DejaVu Sans", 400);
        let takao = fake(&mut db, "TakaoGothic", 400);
        let ipa = fake(&mut db, "IPAGothic", 400);
        let noto_bold = fake(&mut db, "Noto Sans CJK JP", 700);
        let noto = fake(&mut db, "Noto Sans CJK JP", 400);
        let yu = fake(&mut db, "Yu Gothic", 400);
        // Regular Noto before its bold face (which is not listed again),
        // then IPA, Yu Gothic and Takao as JAPANESE_FAMILIES orders them;
        // a family not listed is not taken by name.
        assert_eq!(preferred_faces(&db), vec![noto, ipa, yu, takao]);
        assert!(!preferred_faces(&db).contains(&noto_bold));
        assert!(!preferred_faces(&db).contains(&dejavu));
    }

    #[test]
    fn only_a_bold_face_is_still_taken() {
        let mut db = Database::new();
        let bold = fake(&mut db, "Hiragino Sans", 700);
        assert_eq!(preferred_faces(&db), vec![bold]);
    }

    #[test]
    fn a_face_that_is_no_font_is_reported_not_hidden() {
        // The best family is there but its file is not a font (and nothing
        // else is): the error names that face rather than saying "none".
        let mut db = Database::new();
        fake(&mut db, "Noto Sans CJK JP", 400);
        match LetterFont::find_in(&db) {
            Err(LetterError::Font { path, message }) => {
                assert!(path.contains("NotoSansCJKJP"), "{path}");
                assert!(message.contains("not a font"), "{message}");
            }
            other => panic!("expected a font error, got {other:?}"),
        }
    }

    #[test]
    fn faces_without_japanese_are_not_fallbacks() {
        let mut db = Database::new();
        fake(&mut db, "DejaVu Sans", 400);
        assert!(covering_faces(&db).is_empty());
        assert!(matches!(
            LetterFont::find_in(&db),
            Err(LetterError::NoFont { .. })
        ));
    }

    #[test]
    fn a_configured_font_is_used_and_never_replaced() {
        // A configured file that is missing is an error naming it, even
        // where a system font would have done.
        let missing = std::path::Path::new("/nonexistent/breachdesk/font.ttc");
        match LetterFont::find(Some(missing), 2) {
            Err(LetterError::Font { path, .. }) => assert!(path.contains("font.ttc")),
            other => panic!("expected the configured font's error, got {other:?}"),
        }
    }

    #[test]
    fn the_system_font_is_the_face_fontdb_chose() {
        let Some(font) = crate::testing::system_font("system font choice") else {
            return;
        };
        let mut db = Database::new();
        db.load_system_fonts();
        let face = preferred_faces(&db)
            .into_iter()
            .chain(covering_faces(&db))
            .find_map(|id| db.face(id))
            .unwrap();
        assert_eq!(
            font.path(),
            source_name(&face.source, &face.post_script_name)
        );
        assert_eq!(font.index(), face.index);
        // The face opened is the one fontdb described, not another face of
        // the same collection (Noto Sans CJK's KR or SC forms).
        let family = font.family().unwrap();
        assert!(
            face.families.iter().any(|(name, _)| *name == family),
            "{family} vs {:?}",
            face.families
        );
        // Another face of the same collection, where there is one, opens as
        // itself: the index reaches the font parser and the PDF writer.
        let sibling = db.faces().find(|other| {
            other.index != face.index && source_name(&other.source, "") == font.path()
        });
        if let Some(other) = sibling {
            let opened = open_face(other).unwrap();
            assert_eq!(opened.index(), other.index);
            let name = opened.family().unwrap();
            assert!(other.families.iter().any(|(n, _)| *n == name), "{name}");
            assert_ne!(name, family);
        }
        println!(
            "system font choice: {family} ({}, face {})",
            font.path().display(),
            font.index()
        );
    }
}
