//! The letters as files for the print run: one PDF per person, one PDF
//! with all of them in order, and a CSV for the mail vendor. Everything is
//! written into a staging folder first and moved into place only when all
//! of it rendered, so a failed run leaves the previous output whole.

use crate::letters::LetterRow;
use crate::{Outreach, OutreachError};
use breachdesk_letter::{LaidOut, Letter, LetterFont, lay_out, render_laid_out};
use breachdesk_vault::write_owner_only;
use std::path::{Path, PathBuf};

pub const LETTERS_CSV: &str = "letters.csv";
pub const LETTERS_PDF: &str = "letters.pdf";
pub const PERSONS_DIR: &str = "persons";

#[derive(Debug)]
pub struct LettersReport {
    pub letters: usize,
    pub pages: usize,
    pub csv: PathBuf,
    pub combined: PathBuf,
    pub persons_dir: PathBuf,
    pub missing_address: usize,
    /// The font the PDFs were set in; none when only the CSV was asked for.
    pub font: Option<PathBuf>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> OutreachError + '_ {
    move |source| OutreachError::Io {
        action: "write",
        path: path.to_owned(),
        source,
    }
}

impl Outreach {
    /// Today's date as a letter is dated: in the incident's zone.
    pub fn letter_date(&self) -> String {
        let today = self.desk.incident().zone.format(self.desk.now());
        breachdesk_notify::date_text(&today, breachdesk_notify::Language::Ja)
    }

    /// The printable letter for one row.
    pub fn letter_of(&self, row: &LetterRow, date: &str) -> Letter {
        let shop = &self.desk.config().shop;
        let sender = [
            shop.name.clone(),
            shop.address.clone(),
            labelled("メール：", &shop.email),
            labelled("電話：", &shop.phone),
            shop.url.clone(),
        ]
        .into_iter()
        .filter(|line| !line.trim().is_empty())
        .collect();
        Letter {
            label: format!("No. {}", row.person_id),
            postal_code: row.postal_code.clone(),
            address: row.address.clone(),
            name: row.name.clone(),
            sender,
            date: date.to_owned(),
            title: row.subject.clone(),
            body: row.body.clone(),
        }
    }

    /// Renders and writes every letter in `rows` under `out`, then records
    /// the hand-over (ledger rows to `letter`, one audit entry). Without a
    /// font only the vendor's CSV is written (for vendors who print from
    /// their own layout).
    pub async fn write_letters(
        &self,
        rows: &[LetterRow],
        out: &Path,
        font: Option<&LetterFont>,
    ) -> Result<LettersReport, OutreachError> {
        std::fs::create_dir_all(out).map_err(io(out))?;
        let staging = out.join(format!(".partial-{}", std::process::id()));
        // A staging folder of this process id can only be a leftover.
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
        }
        // Laying out and rendering PDFs is CPU work on every core: off the
        // async threads.
        let result = {
            let (outreach, rows, staging, font) =
                (self.clone(), rows.to_vec(), staging.clone(), font.cloned());
            tokio::task::spawn_blocking(move || {
                outreach.stage_letters(&rows, &staging, font.as_ref())
            })
            .await?
        };
        let pages = match result {
            Ok(pages) => pages,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(e);
            }
        };
        let persons_dir = out.join(PERSONS_DIR);
        if font.is_some() {
            std::fs::create_dir_all(&persons_dir).map_err(io(&persons_dir))?;
            for row in rows {
                let name = person_file(row.person_id);
                let from = staging.join(PERSONS_DIR).join(&name);
                std::fs::rename(&from, persons_dir.join(&name)).map_err(io(&from))?;
            }
        }
        let files: &[&str] = if font.is_some() {
            &[LETTERS_PDF, LETTERS_CSV]
        } else {
            &[LETTERS_CSV]
        };
        for name in files {
            let from = staging.join(name);
            std::fs::rename(&from, out.join(name)).map_err(io(&from))?;
        }
        std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
        let csv = out.join(LETTERS_CSV);
        self.mark_letters(rows, &csv.display().to_string()).await?;
        Ok(LettersReport {
            letters: rows.len(),
            pages,
            combined: out.join(LETTERS_PDF),
            csv,
            persons_dir,
            missing_address: rows.iter().filter(|r| r.address.trim().is_empty()).count(),
            font: font.map(|f| f.path().to_path_buf()),
        })
    }

    /// Writes everything into `staging`; returns the combined page count.
    fn stage_letters(
        &self,
        rows: &[LetterRow],
        staging: &Path,
        font: Option<&LetterFont>,
    ) -> Result<usize, OutreachError> {
        std::fs::create_dir_all(staging).map_err(io(staging))?;
        let path = staging.join(LETTERS_CSV);
        write_owner_only(&path, &vendor_csv(rows, font.is_some())?).map_err(io(&path))?;
        let Some(font) = font else { return Ok(0) };
        let persons = staging.join(PERSONS_DIR);
        std::fs::create_dir_all(&persons).map_err(io(&persons))?;
        let date = self.letter_date();
        // Each person's letter laid out once and drawn into its own file,
        // the work split across the cores; the print run reuses the layouts.
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let chunk = rows.len().div_ceil(threads).max(1);
        let laid_out: Vec<LaidOut> = std::thread::scope(|scope| {
            let handles: Vec<_> = rows
                .chunks(chunk)
                .map(|rows| {
                    let (persons, date) = (&persons, &date);
                    scope.spawn(move || -> Result<Vec<LaidOut>, OutreachError> {
                        let mut done = Vec::with_capacity(rows.len());
                        for row in rows {
                            let letter = lay_out(font, &self.letter_of(row, date))?;
                            let pdf = render_laid_out(font, std::iter::once(&letter))?.bytes;
                            let path = persons.join(person_file(row.person_id));
                            write_owner_only(&path, &pdf).map_err(io(&path))?;
                            done.push(letter);
                        }
                        Ok(done)
                    })
                })
                .collect();
            handles.into_iter().try_fold(Vec::new(), |mut all, h| {
                let part = h
                    .join()
                    .unwrap_or(Err(OutreachError::WorkerPanicked("a letter")))?;
                all.extend(part);
                Ok::<_, OutreachError>(all)
            })
        })?;
        let combined = render_laid_out(font, laid_out.iter())?;
        let path = staging.join(LETTERS_PDF);
        write_owner_only(&path, &combined.bytes).map_err(io(&path))?;
        Ok(combined.pages)
    }
}

fn labelled(label: &str, value: &str) -> String {
    if value.trim().is_empty() {
        String::new()
    } else {
        format!("{label}{value}")
    }
}

pub fn person_file(person_id: i64) -> String {
    format!("letter-{person_id}.pdf")
}

/// The mail vendor's list: who, where, and which file to print.
fn vendor_csv(rows: &[LetterRow], with_files: bool) -> Result<Vec<u8>, OutreachError> {
    /// The cell as a spreadsheet will show it as text. Names and addresses
    /// come from the shop's customers (and reasons from bounces), and the
    /// vendor opens this file in Excel or LibreOffice, which read a cell
    /// starting with `=`, `+`, `-`, `@`, a tab or a carriage return as a
    /// formula (one that can fetch a URL or run a command). As OWASP's
    /// advice on CSV injection says, such a cell gets a single quote in
    /// front, which spreadsheets take as "text" and do not show; a plain
    /// reader of the file sees the quote. Leading spaces are looked past,
    /// for the importers that trim them. Nothing else changes: full-width
    /// signs (＝, －) are text to a spreadsheet, and Japanese stays as is.
    fn text_cell(value: &str) -> std::borrow::Cow<'_, str> {
        let formula = value.starts_with(['\t', '\r'])
            || value
                .trim_start_matches(' ')
                .starts_with(['=', '+', '-', '@', '\t', '\r']);
        if formula {
            format!("'{value}").into()
        } else {
            value.into()
        }
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let fail = |source: csv::Error| OutreachError::Csv {
        path: PathBuf::from(LETTERS_CSV),
        source,
    };
    writer
        .write_record([
            "person_id",
            "name",
            "postal_code",
            "address",
            "reason",
            "campaign",
            "file",
        ])
        .map_err(fail)?;
    for r in rows {
        writer
            .write_record([
                r.person_id.to_string().as_str(),
                &text_cell(&r.name),
                &text_cell(&r.postal_code),
                &text_cell(&r.address),
                &text_cell(&r.reason),
                &text_cell(&r.campaign),
                &if with_files {
                    format!("{PERSONS_DIR}/{}", person_file(r.person_id))
                } else {
                    String::new()
                },
            ])
            .map_err(fail)?;
    }
    writer
        .into_inner()
        .map_err(|e| fail(csv::Error::from(e.into_error())))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn row(name: &str, postal_code: &str, address: &str) -> LetterRow {
        LetterRow {
            person_id: 7,
            name: name.to_owned(),
            postal_code: postal_code.to_owned(),
            address: address.to_owned(),
            reason: "no email address".to_owned(),
            campaign: "notice".to_owned(),
            notice_id: 1,
            superseded: Vec::new(),
            subject: String::new(),
            body: String::new(),
        }
    }

    /// The cells of the CSV's data rows, as a spreadsheet would split them.
    fn cells(rows: &[LetterRow]) -> Vec<Vec<String>> {
        let bytes = vendor_csv(rows, true).unwrap();
        csv::Reader::from_reader(bytes.as_slice())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn a_cell_a_spreadsheet_would_read_as_a_formula_is_made_text() {
        let rows = [
            row(
                "=HYPERLINK(\"http://evil.example\",\"x\")",
                "100-0001",
                "+1+2",
            ),
            row("-2+3", "@SUM(A1:A9)", "\tcmd"),
            row("\r=1+1", "160-0022", "  =1+1"),
        ];
        let got = cells(&rows);
        assert_eq!(
            got[0][1..4],
            [
                "'=HYPERLINK(\"http://evil.example\",\"x\")",
                "100-0001",
                "'+1+2"
            ]
        );
        assert_eq!(got[1][1..4], ["'-2+3", "'@SUM(A1:A9)", "'\tcmd"]);
        assert_eq!(got[2][1..4], ["'\r=1+1", "160-0022", "'  =1+1"]);
        for row in &got {
            for cell in row {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{cell:?} would be a formula"
                );
            }
        }
    }

    #[test]
    fn ordinary_and_japanese_text_is_written_as_it_is() {
        let rows = [
            row(
                "山田 太郎",
                "〒150-0001",
                "東京都渋谷区神宮前1-2-3 ＝ハイツ101",
            ),
            row("＝全角", "150-0001", "－１番地"),
            row("Smith, John", "", "'quoted already"),
        ];
        let got = cells(&rows);
        assert_eq!(
            got[0][1..4],
            [
                "山田 太郎",
                "〒150-0001",
                "東京都渋谷区神宮前1-2-3 ＝ハイツ101"
            ]
        );
        // Full-width signs are text to a spreadsheet: untouched.
        assert_eq!(got[1][1..4], ["＝全角", "150-0001", "－１番地"]);
        assert_eq!(got[2][1..4], ["Smith, John", "", "'quoted already"]);
        assert_eq!(got[0][0], "7");
        assert_eq!(got[0][6], "persons/letter-7.pdf");
    }
}
