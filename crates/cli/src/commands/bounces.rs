//! `breachdesk bounces parse`: read real bounce messages.

use anyhow::bail;
use breachdesk_bounce::{parse_message, read_sources};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum BouncesCommand {
    /// Print one line per failed or delayed recipient found in bounce messages.
    Parse(ParseArgs),
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
    let BouncesCommand::Parse(args) = command;
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
