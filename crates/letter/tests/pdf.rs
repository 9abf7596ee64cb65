//! Letters rendered with a real CJK font, read back with poppler's
//! pdftotext and rasterised with pdftoppm.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use breachdesk_letter::{
    ADDRESS_BOX_MM, Letter, LetterError, LetterFont, PAGE_HEIGHT_MM, PAGE_WIDTH_MM, render_pdf,
};
use std::path::Path;
use std::process::Command;

/// The system's Japanese font, and poppler when `poppler` is asked for.
/// These are not in the repository: a fresh checkout with nothing but a
/// toolchain must still pass, so without them `test` says in one line that
/// it skipped and why. In CI (`CI=true`, which installs both) a skip would
/// hide a broken font search or PDF, so it fails instead.
fn needs(test: &str, poppler: bool) -> Option<LetterFont> {
    let font = LetterFont::find(None, 0);
    let (mut missing, mut packages) = (Vec::new(), Vec::new());
    match &font {
        Err(LetterError::NoFont { .. }) => missing.push("no Japanese font installed".to_owned()),
        Err(e) => missing.push(e.to_string()),
        Ok(_) => {}
    }
    if font.is_err() {
        packages.push("fonts-noto-cjk");
    }
    let absent: Vec<&str> = ["pdftotext", "pdftoppm"]
        .into_iter()
        .filter(|tool| poppler && Command::new(tool).arg("-v").output().is_err())
        .collect();
    if !absent.is_empty() {
        missing.push(format!("no {}", absent.join(" or ")));
        packages.push("poppler-utils");
    }
    if missing.is_empty() {
        return font.ok();
    }
    let why = format!(
        "{}: apt-get install {}",
        missing.join(", "),
        packages.join(" ")
    );
    // CI gets the whole error: it says which font families would do.
    let why = match font.err() {
        Some(e) if breachdesk_testkit::in_ci() => format!("{e}; {why}"),
        _ => why,
    };
    breachdesk_testkit::needs(test, Some(why));
    None
}

fn letter(name: &str, body: &str) -> Letter {
    Letter {
        label: "No. 42".into(),
        postal_code: "150-0001".into(),
        address: "東京都渋谷区神宮前一丁目2番3号 クモハイツ405号室".into(),
        name: name.into(),
        sender: vec![
            "Kumo Soft Store お客様窓口".into(),
            "care@kumosoft.example".into(),
        ],
        date: "2026年11月26日".into(),
        title: "【Kumo Soft Store】お客様情報流出の可能性についてのお詫びとお知らせ".into(),
        body: body.into(),
    }
}

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// Page 1 as a greyscale raster at 50 dpi: (width, height, pixels).
fn raster(pdf: &Path, dir: &Path) -> (usize, usize, Vec<u8>) {
    let prefix = dir.join("page");
    let status = Command::new("pdftoppm")
        .args(["-r", "50", "-gray", "-f", "1", "-l", "1"])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success());
    let file = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pgm"))
        .unwrap();
    let bytes = std::fs::read(file).unwrap();
    // P5 header: magic, width, height, maxval, each followed by whitespace.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
    }
    let (w, h) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (w, h, bytes[at + 1..].to_vec())
}

/// Dark pixels in a rectangle given in mm.
fn ink(page: &(usize, usize, Vec<u8>), x: f32, y: f32, w: f32, h: f32) -> usize {
    let (pw, ph, px) = page;
    let sx = *pw as f32 / PAGE_WIDTH_MM;
    let sy = *ph as f32 / PAGE_HEIGHT_MM;
    let (x0, x1) = ((x * sx) as usize, (((x + w) * sx) as usize).min(*pw));
    let (y0, y1) = ((y * sy) as usize, (((y + h) * sy) as usize).min(*ph));
    (y0..y1)
        .flat_map(|row| (x0..x1).map(move |col| px[row * pw + col]))
        .filter(|&v| v < 128)
        .count()
}

#[test]
fn letter_text_reads_back_and_the_address_sits_in_the_window() {
    let Some(font) = needs("letter PDF read back", true) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // 𠮷 is outside the BMP and missing from some Japanese fonts.
    let name = "𠮷田 花子";
    let body = format!(
        "{name} 様\n\nこのたびはご迷惑をおかけしております。\n\n■ 対象のクレジットカード\n・VISA（末尾 4242）\n{}",
        "お手数ですが、カード裏面に記載のカード会社へご連絡ください。".repeat(40)
    );
    let pdf = render_pdf(&font, &[letter(name, &body)]).unwrap();
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, &pdf.bytes).unwrap();
    assert_eq!(pdf.pages, 2);
    let text = pdftotext(&path);
    let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for part in [
        "〒150-0001",
        "東京都渋谷区神宮前一丁目2番3号",
        "𠮷田花子様",
        "VISA（末尾4242）",
        "2026年11月26日",
        "No.42",
    ] {
        assert!(flat.contains(part), "{part} not in:\n{text}");
    }
    // The long body runs onto a second page, and nothing of it is lost.
    assert!(text.contains('\u{c}'), "one page only:\n{text}");
    let sentence = "お手数ですが、カード裏面に記載のカード会社へご連絡ください。";
    assert!(flat.contains("No.421/2") && flat.contains("No.422/2"));
    // A sentence may run across the page break, past the footer.
    let unfooted = flat.replace("No.421/2", "");
    assert_eq!(unfooted.matches(sentence).count(), 40, "{text}");

    let page = raster(&path, dir.path());
    let (x, y, w, h) = ADDRESS_BOX_MM;
    assert!(ink(&page, x, y, w, h) > 200, "the address box is empty");
    // Between the window and the first fold, and left of the sender block,
    // nothing is printed: it would show through or be folded over.
    assert_eq!(
        ink(&page, 10.0, y + h + 1.0, 110.0, 99.0 - (y + h) - 2.0),
        0
    );
    assert_eq!(ink(&page, 10.0, 2.0, x - 12.0, 95.0), 0);
    // The letter itself starts below the first fold.
    assert_eq!(ink(&page, 10.0, 96.0, 190.0, 8.0), 0);
    assert!(ink(&page, 20.0, 115.0, 170.0, 20.0) > 100, "no title");
}

#[test]
fn many_letters_share_one_file() {
    let Some(font) = needs("print run PDF read back", true) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let letters: Vec<Letter> = (0..5)
        .map(|i| {
            let mut l = letter(&format!("山田 {i}郎"), "本文");
            l.label = format!("No. {i}");
            l
        })
        .collect();
    let path = dir.path().join("all.pdf");
    std::fs::write(&path, render_pdf(&font, &letters).unwrap().bytes).unwrap();
    let text = pdftotext(&path);
    assert_eq!(text.matches('\u{c}').count(), 5, "one page per letter");
    for i in 0..5 {
        assert!(text.contains(&format!("No. {i}")), "{text}");
    }
}

#[test]
fn a_missing_glyph_is_refused_before_drawing() {
    let Some(font) = needs("missing glyph refusal", false) else {
        return;
    };
    // A character no font has: refused, naming the letter, before drawing.
    let mut bad = letter("\u{10FFFD}", "本文");
    bad.label = "person #7".into();
    match render_pdf(&font, &[letter("山田 太郎", "本文"), bad]) {
        Err(LetterError::MissingGlyph { letter, code, .. }) => {
            assert_eq!((letter.as_str(), code), ("person #7", 0x10FFFD));
        }
        other => panic!("expected a missing glyph, got {:?}", other.map(|p| p.pages)),
    }
}
