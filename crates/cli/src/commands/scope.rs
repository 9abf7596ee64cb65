//! `breachdesk scope`: the affected set, written whole or not at all.

use super::{InputArgs, read_incident};
use breachdesk_scope::{
    ScopeError, WriteContent, run_scope, summary_json, write_affected_csv, write_atomically,
};
use std::io::Write;
use std::path::{Path, PathBuf};
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
    let json = summary_json(&result.summary);
    let persons = &result.persons;
    let mut files: Vec<(&Path, WriteContent<'_>)> = vec![(
        args.out.as_path(),
        Box::new(move |w: &mut dyn Write| {
            write_affected_csv(w, persons)?;
            Ok(())
        }),
    )];
    if let Some(summary) = &args.summary {
        let json = json.as_slice();
        files.push((
            summary.as_path(),
            Box::new(move |w: &mut dyn Write| {
                w.write_all(json).map_err(|source| ScopeError::Output {
                    path: summary.display().to_string(),
                    source,
                })
            }),
        ));
    }
    write_atomically(files)?;
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
