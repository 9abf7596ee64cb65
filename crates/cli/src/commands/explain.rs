//! `breachdesk explain`: why one person is, or is not, affected — from the
//! files given, or from a desk (its incident and the files of its last load).

use super::desk_args::{DeskArgs, block_on};
use super::read_incident;
use anyhow::{Context, bail};
use breachdesk_desk::InputChoice;
use breachdesk_ingest::{Encoding, Input, default_threads};
use breachdesk_scope::{Explanation, ScopeInputs, explain, render_explanation};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// `INCIDENT.toml PERSON_OR_EMAIL` to explain from files, or just
    /// `PERSON_OR_EMAIL` inside a desk. A person is a key (customer id,
    /// guest:EMAIL, checkout:ID) or any email address the person used.
    #[arg(num_args = 1..=2, required = true, value_name = "[INCIDENT.toml] PERSON_OR_EMAIL")]
    pub args: Vec<String>,
    /// Customer records (default inside a desk: those of the last load).
    #[arg(long, value_name = "FILE")]
    pub customers: Option<PathBuf>,
    /// Checkout records (default inside a desk: those of the last load).
    #[arg(long, value_name = "FILE")]
    pub checkouts: Option<PathBuf>,
    /// Character encoding of CSV inputs: auto, utf-8, cp932.
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<Encoding>,
    /// Worker threads (default: every core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub desk: DeskArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

fn inputs(
    customers: Option<PathBuf>,
    checkouts: PathBuf,
    encoding: Encoding,
    threads: Option<usize>,
) -> ScopeInputs {
    let input = |path: PathBuf| Input { path, encoding };
    ScopeInputs {
        customers: customers.map(input),
        checkouts: input(checkouts),
        threads: threads.unwrap_or_else(default_threads).max(1),
        collect_checkouts: false,
    }
}

fn print(explanation: &Explanation, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(explanation)?);
    } else {
        print!("{}", render_explanation(explanation));
    }
    Ok(())
}

pub fn run(args: ExplainArgs) -> anyhow::Result<()> {
    if let [incident, person] = args.args.as_slice() {
        let Some(checkouts) = args.checkouts.clone() else {
            bail!("--checkouts is required when explaining from files")
        };
        let incident = read_incident(std::path::Path::new(incident))?;
        let scope = inputs(
            args.customers.clone(),
            checkouts,
            args.encoding.unwrap_or_default(),
            args.threads,
        );
        return print(&explain(&incident, &scope, person)?, args.json);
    }
    let person = args.args.first().cloned().unwrap_or_default();
    block_on(async {
        let desk = args.desk.open().await?;
        let choice = InputChoice {
            customers: args.customers.clone(),
            checkouts: args.checkouts.clone(),
            encoding: args.encoding,
            threads: args.threads,
        };
        let explanation = desk
            .explain(&person, &choice)
            .await
            .context("explaining from the desk's last load")?;
        desk.close().await;
        print(&explanation, args.json)
    })
}
