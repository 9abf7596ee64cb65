//! One module per subcommand; shared input options live here.

pub mod bounces;
pub mod demo;
pub mod desk;
pub mod desk_args;
pub mod explain;
pub mod notify;
pub mod render;
pub mod scope;
pub mod site;

use anyhow::Context;
use breachdesk_domain::{Incident, load_incident};
use breachdesk_ingest::{Encoding, Input, default_threads};
use breachdesk_scope::ScopeInputs;
use std::path::{Path, PathBuf};

/// The input files of scoping, shared by `scope` and `explain`.
#[derive(clap::Args, Debug)]
pub struct InputArgs {
    /// Customer records (CSV or JSON Lines, optionally .gz); may be left out
    /// when no exposure reads customers.
    #[arg(long, value_name = "FILE")]
    pub customers: Option<PathBuf>,
    /// Checkout records (CSV or JSON Lines, optionally .gz).
    #[arg(long, value_name = "FILE")]
    pub checkouts: PathBuf,
    /// Character encoding of CSV inputs: auto (UTF-8, or CP932 when detected), utf-8, cp932.
    #[arg(long, default_value = "auto", value_name = "ENCODING")]
    pub encoding: Encoding,
    /// Worker threads (default: every core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

impl InputArgs {
    pub fn inputs(&self) -> ScopeInputs {
        let input = |path: &PathBuf| Input {
            path: path.clone(),
            encoding: self.encoding,
        };
        ScopeInputs {
            customers: self.customers.as_ref().map(input),
            checkouts: input(&self.checkouts),
            threads: self.threads.unwrap_or_else(default_threads).max(1),
            collect_checkouts: false,
        }
    }
}

pub fn read_incident(path: &Path) -> anyhow::Result<Incident> {
    let source =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(load_incident(&path.display().to_string(), &source)?)
}
