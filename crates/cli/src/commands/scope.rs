//! `breachdesk scope`: the affected set, written whole or not at all.

use super::{InputArgs, read_incident};
use breachdesk_scope::{affected_csv, run_scope, summary_json, write_atomically};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct ScopeArgs {
    /// The incident file (TOML).
    #[arg(value_name = "INCIDENT.toml")]
    pub incident: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    /// Where to write the affected persons (CSV).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Where to write the summary figures (JSON).
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
}

pub fn run(args: ScopeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let incident = read_incident(&args.incident)?;
    let result = run_scope(&incident, &args.input.inputs())?;
    let csv = affected_csv(&result.persons)?;
    let json = summary_json(&result.summary);
    let mut files = vec![(args.out.as_path(), csv.as_slice())];
    if let Some(summary) = &args.summary {
        files.push((summary.as_path(), json.as_slice()));
    }
    write_atomically(&files)?;
    let rows = result.checkouts_report.rows + result.customers_report.map_or(0, |r| r.rows);
    eprintln!(
        "{}: {} persons, {} cards, from {} rows in {:.1}s -> {}",
        incident.id,
        result.summary.persons,
        result.summary.cards,
        rows,
        started.elapsed().as_secs_f64(),
        args.out.display()
    );
    Ok(())
}
