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
    about = "Breach-response desk for online shops: scope who is affected, explain why, keep the desk."
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
    /// Create a desk: config, an incident file to fill in, and a data key.
    Init(commands::desk::InitArgs),
    /// Scope the exports and store the result in the desk as a new generation.
    Load(commands::desk::LoadArgs),
    /// Figures of the current scope, the loads so far, and the regulator's deadlines.
    Status(commands::desk::StatusArgs),
    /// Show one stored person (decrypted; the read is audited).
    Person(commands::desk::PersonArgs),
    /// Read or verify the desk's audit log.
    #[command(subcommand)]
    Audit(commands::desk::AuditCommand),
    /// Manage the desk's data key.
    #[command(subcommand)]
    Key(commands::desk::KeyCommand),
    /// Write a consistent, still-sealed copy of a SQLite desk.
    Backup(commands::desk::BackupArgs),
    /// Notices to affected people.
    #[command(subcommand)]
    Notify(commands::notify::NotifyCommand),
    /// List the persons email could not reach, for letters (letters.csv for a mail vendor).
    Letters(commands::desk::LettersArgs),
    /// Read bounce messages (delivery failures).
    #[command(subcommand)]
    Bounces(commands::bounces::BouncesCommand),
    /// Run the public site (Q&A page, self-check, inquiry form) until stopped.
    Serve(commands::site::ServeArgs),
    /// The public site as static files.
    #[command(subcommand)]
    Site(commands::site::SiteCommand),
    /// Inquiries sent through the site's form.
    #[command(subcommand)]
    Inquiries(commands::site::InquiriesCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scope(args) => commands::scope::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::DemoData(args) => commands::demo::run(args),
        Command::Init(args) => commands::desk::init(args),
        Command::Load(args) => commands::desk::load(args),
        Command::Status(args) => commands::desk::status(args),
        Command::Person(args) => commands::desk::person(args),
        Command::Audit(command) => commands::desk::audit(command),
        Command::Key(command) => commands::desk::key(command),
        Command::Backup(args) => commands::desk::backup(args),
        Command::Bounces(command) => commands::bounces::run(command),
        Command::Notify(command) => commands::notify::run(command),
        Command::Letters(args) => commands::desk::letters(args),
        Command::Serve(args) => commands::site::serve(args),
        Command::Site(command) => commands::site::site(command),
        Command::Inquiries(command) => commands::site::inquiries(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}
