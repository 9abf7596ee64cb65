//! `breachdesk bounces parse`: read real bounce messages.

use anyhow::bail;
use breachdesk_bounce::{parse_message, read_sources};
use breachdesk_outreach::Outreach;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum BouncesCommand {
    /// Print one line per failed or delayed recipient found in bounce messages.
    Parse(ParseArgs),
    /// Match bounces to the desk's notices: hard ones go to a letter, soft ones are retried.
    Ingest(IngestArgs),
}

#[derive(clap::Args, Debug)]
pub struct IngestArgs {
    #[command(flatten)]
    pub desk: super::desk_args::DeskArgs,
    /// `.eml` files, maildirs, mbox files, or folders of `.eml` files.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Sends to try before a soft bounce sends the person to a letter.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub max_attempts: i64,
    #[arg(long)]
    pub json: bool,
}

fn ingest(args: IngestArgs) -> anyhow::Result<()> {
    let mut bounces = Vec::new();
    let mut readable = 0;
    for path in &args.paths {
        match read_sources(path) {
            Ok(sources) => {
                readable += 1;
                for source in sources {
                    match parse_message(&source.name, &source.bytes) {
                        Ok(found) => bounces.extend(found),
                        Err(e) => eprintln!("{}: skipped: {e}", source.name),
                    }
                }
            }
            Err(e) => eprintln!("{}: cannot read: {e}", path.display()),
        }
    }
    if readable == 0 {
        bail!("no PATH could be read");
    }
    super::desk_args::block_on(async {
        let outreach = Outreach::new(std::sync::Arc::new(args.desk.open().await?));
        let report = outreach.ingest_bounces(&bounces, args.max_attempts).await?;
        outreach.desk().close().await;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            println!(
                "{} bounces: {} matched by Message-ID, {} by recipient, {} unmatched; {} to letter, {} to retry, {} already settled",
                report.bounces,
                report.by_message_id,
                report.by_recipient,
                report.unmatched,
                report.to_letter,
                report.to_retry,
                report.already_settled
            );
        }
        Ok(())
    })
}

#[derive(clap::Args, Debug)]
pub struct ParseArgs {
    /// `.eml` files, maildirs, mbox files, or folders of `.eml` files.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(command: BouncesCommand) -> anyhow::Result<()> {
    match command {
        BouncesCommand::Parse(args) => parse(args),
        BouncesCommand::Ingest(args) => ingest(args),
    }
}

fn parse(args: ParseArgs) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut readable = 0;
    for path in &args.paths {
        let sources = match read_sources(path) {
            Ok(sources) => sources,
            Err(e) => {
                eprintln!("{}: cannot read: {e}", path.display());
                continue;
            }
        };
        readable += 1;
        for source in sources {
            match parse_message(&source.name, &source.bytes) {
                Ok(bounces) => {
                    for b in bounces {
                        if args.json {
                            writeln!(out, "{}", serde_json::to_string(&b)?)?;
                        } else {
                            writeln!(
                                out,
                                "{}\t{}\t{}\t{}\t{}\t{}",
                                b.file,
                                b.recipient,
                                if b.status.is_empty() { "-" } else { &b.status },
                                if b.hard { "hard" } else { "soft" },
                                b.reason,
                                b.message_id.as_deref().unwrap_or("-")
                            )?;
                        }
                    }
                }
                Err(e) => eprintln!("{}: skipped: {e}", source.name),
            }
        }
    }
    out.flush()?;
    if readable == 0 {
        bail!("no PATH could be read");
    }
    Ok(())
}
