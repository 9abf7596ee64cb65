//! `breachdesk explain`: why one person is, or is not, affected.

use super::{InputArgs, read_incident};
use breachdesk_scope::{explain, render_explanation};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// The incident file (TOML).
    #[arg(value_name = "INCIDENT.toml")]
    pub incident: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    /// A person key (customer id, guest:EMAIL, checkout:ID) or any email the person used.
    #[arg(value_name = "PERSON_OR_EMAIL")]
    pub person: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ExplainArgs) -> anyhow::Result<()> {
    let incident = read_incident(&args.incident)?;
    let explanation = explain(&incident, &args.input.inputs(), &args.person)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&explanation)?);
    } else {
        print!("{}", render_explanation(&explanation));
    }
    Ok(())
}
