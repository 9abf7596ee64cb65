#![forbid(unsafe_code)]
//! `breachdesk`: the breach-response desk for online shops.
//!
//! Exit codes: 0 success, 1 bad input or a failed run, 2 wrong usage.

mod commands;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "breachdesk",
    version,
    about = "Breach-response desk for online shops: scope who is affected, explain why."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Find every affected person and their exposed items; write affected.csv (and summary.json).
    Scope(commands::scope::ScopeArgs),
    /// Explain, record by record, why one person is or is not affected.
    Explain(commands::explain::ExplainArgs),
    /// Generate realistic, deterministic demo data for a fictional shop.
    DemoData(commands::demo::DemoDataArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scope(args) => commands::scope::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::DemoData(args) => commands::demo::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}
