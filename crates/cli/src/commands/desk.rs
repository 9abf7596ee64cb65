//! The desk commands: init, load, status, person, audit, key, backup.

use super::InputArgs;
use super::desk_args::{DeskArgs, block_on};
use super::render;
use anyhow::bail;
use breachdesk_desk::{audit_verify, init_desk, rotate_key};
use breachdesk_outreach::{FontChoice, Outreach};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// Folder for the new desk (created if missing).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

pub fn init(args: InitArgs) -> anyhow::Result<()> {
    let external = std::env::var_os("BREACHDESK_KEY_FILE").map(PathBuf::from);
    let report = init_desk(&args.dir, external.as_deref())?;
    println!("Desk created in {}", report.dir.display());
    println!("  config:   {}", report.config.display());
    println!("  incident: {} (fill it in)", report.incident.display());
    match report.key_file {
        Some(key) => println!(
            "  data key: {} (owner-only; keep a copy in a safe place)",
            key.display()
        ),
        None => println!("  data key: from BREACHDESK_KEY_FILE"),
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct LoadArgs {
    #[command(flatten)]
    pub desk: DeskArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn load(args: LoadArgs) -> anyhow::Result<()> {
    block_on(async {
        let desk = args.desk.open().await?;
        let report = desk.load(&args.input.inputs()).await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            let c = &report.changes;
            println!(
                "generation {}: {} persons, {} distinct cards ({} added, {} removed, {} changed since the previous load)",
                report.generation, report.persons, report.cards, c.added, c.removed, c.changed
            );
            let r = &report.revision;
            if r.withdrawn + r.requeued + r.updated > 0 {
                println!(
                    "notices not sent yet: {} withdrawn, {} queued again, {} now from this generation",
                    r.withdrawn, r.requeued, r.updated
                );
            }
            if report.corrections_due > 0 {
                println!(
                    "{} persons were told something this generation no longer says: `notify send --corrections` tells them",
                    report.corrections_due
                );
            }
        }
        desk.close().await;
        Ok(())
    })
}

#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    pub desk: DeskArgs,
    /// Print every figure as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn status(args: StatusArgs) -> anyhow::Result<()> {
    block_on(async {
        let desk = args.desk.open().await?;
        let status = desk.status().await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&status)?);
        } else {
            print!("{}", render::status(&status, render::use_color()));
        }
        desk.close().await;
        Ok(())
    })
}

#[derive(clap::Args, Debug)]
pub struct PersonArgs {
    #[command(flatten)]
    pub desk: DeskArgs,
    /// A person key (customer id, guest:EMAIL, checkout:ID) or an email.
    #[arg(value_name = "EMAIL_OR_KEY")]
    pub person: String,
    #[arg(long)]
    pub json: bool,
}

pub fn person(args: PersonArgs) -> anyhow::Result<()> {
    block_on(async {
        let desk = args.desk.open().await?;
        let found = desk.person(&args.person).await?;
        desk.close().await;
        if found.is_empty() {
            bail!("no stored person matches that key or email");
        }
        if args.json {
            println!("{}", serde_json::to_string_pretty(&found)?);
        } else {
            print!("{}", render::persons(&found));
        }
        Ok(())
    })
}

#[derive(clap::Subcommand, Debug)]
pub enum AuditCommand {
    /// Print the audit log.
    List {
        #[command(flatten)]
        desk: DeskArgs,
        #[arg(long)]
        json: bool,
    },
    /// Check the hash chain; report the first edited, removed or reordered row.
    Verify {
        #[command(flatten)]
        desk: DeskArgs,
    },
}

pub fn audit(command: AuditCommand) -> anyhow::Result<()> {
    block_on(async {
        match command {
            AuditCommand::List { desk, json } => {
                let desk = desk.open().await?;
                let entries = desk.audit_entries().await?;
                desk.close().await;
                if json {
                    println!("{}", serde_json::to_string_pretty(&entries)?);
                } else {
                    for e in &entries {
                        let person = e
                            .person_id
                            .map(|p| format!(" person #{p}"))
                            .unwrap_or_default();
                        println!(
                            "{:>6}  {}  {:<12} {:<14}{person}  {}",
                            e.seq, e.at, e.operator, e.action, e.detail
                        );
                    }
                }
            }
            AuditCommand::Verify { desk } => {
                let desk = desk.open().await?;
                let entries = desk.audit_entries().await?;
                desk.close().await;
                match audit_verify(&entries) {
                    Ok(n) => println!("audit log intact: {n} rows, chain verified"),
                    Err(b) => bail!("audit log broken at row {}: {}", b.seq, b.reason),
                }
            }
        }
        Ok(())
    })
}

#[derive(clap::Subcommand, Debug)]
pub enum KeyCommand {
    /// Re-seal everything under a new data key (resumable if interrupted).
    Rotate {
        #[command(flatten)]
        desk: DeskArgs,
    },
}

pub fn key(command: KeyCommand) -> anyhow::Result<()> {
    let KeyCommand::Rotate { desk } = command;
    block_on(async {
        let config = desk.config()?;
        let clock = super::desk_args::clock()?;
        let report = rotate_key(&config, clock.as_ref(), None).await?;
        println!(
            "key rotated: {} -> {} ({} persons and {} rows re-sealed, {} already done)",
            report.old_key_id,
            report.new_key_id,
            report.persons_resealed,
            report.rows_resealed,
            report.rows_skipped
        );
        println!(
            "the old key is kept in {} for older backups; delete it when those are gone",
            report.old_key_file.display()
        );
        Ok(())
    })
}

#[derive(clap::Args, Debug)]
pub struct LettersArgs {
    #[command(flatten)]
    pub desk: DeskArgs,
    /// Folder for the letters (default: `letters/` in the desk).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// A font file with Japanese (default: [letters] font, else the best Japanese font installed).
    #[arg(long, value_name = "FILE")]
    pub font: Option<PathBuf>,
    /// The face to use in a font collection (.ttc).
    #[arg(long, value_name = "N")]
    pub font_index: Option<u32>,
    /// Only `letters.csv`, for a vendor who prints from its own layout (no font needed).
    #[arg(long, conflicts_with_all = ["font", "font_index"])]
    pub csv_only: bool,
}

/// Prints a letter for every person email could not reach: one A4 PDF
/// each, one combined PDF for the print run, and `letters.csv` for a mail
/// vendor; then records the hand-over.
pub fn letters(args: LettersArgs) -> anyhow::Result<()> {
    block_on(async {
        let outreach = Outreach::new(std::sync::Arc::new(args.desk.open().await?));
        let font = match (&args.font, args.font_index, args.csv_only) {
            (_, _, true) => FontChoice::CsvOnly,
            (Some(path), index, false) => FontChoice::File {
                path: path.clone(),
                index: index.unwrap_or(0),
            },
            (None, Some(index), false) => FontChoice::ConfiguredFace(index),
            (None, None, false) => FontChoice::Configured,
        };
        let report = outreach.print_letters(args.out.as_deref(), &font).await?;
        outreach.desk().close().await;
        println!(
            "{} letters listed in {}",
            report.letters,
            report.csv.display()
        );
        if let Some(font) = &report.font {
            println!(
                "  print run: {} ({} pages, set in {})",
                report.combined.display(),
                report.pages,
                font.display()
            );
            println!("  one PDF per person: {}", report.persons_dir.display());
        }
        if report.missing_address > 0 {
            println!(
                "{} of them have no postal address on file: find one before printing",
                report.missing_address
            );
        }
        Ok(())
    })
}

#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    #[command(flatten)]
    pub desk: DeskArgs,
    /// Where to write the copy (must not exist). It stays sealed.
    #[arg(value_name = "FILE")]
    pub out: PathBuf,
}

pub fn backup(args: BackupArgs) -> anyhow::Result<()> {
    block_on(async {
        let desk = args.desk.open().await?;
        desk.backup(&args.out).await?;
        desk.close().await;
        println!(
            "backup written to {} (sealed: it needs the data key to be read)",
            args.out.display()
        );
        Ok(())
    })
}
