#![forbid(unsafe_code)]
//! Scoping: who is affected by an incident and which of their items, read
//! straight from the shop's exports; and `explain`, the why for one person.

mod affected;
mod aggregate;
mod detail;
mod directory;
mod engine;
mod explain;
mod explain_text;
mod output;
mod owner;
mod person;

pub use affected::AffectedSet;
pub use aggregate::CheckoutDetail;
pub use directory::{CustomerDirectory, CustomerInfo};
pub use engine::{ScopeInputs, ScopeResult, run_scope};
pub use explain::{
    Explanation, ExposureVerdict, ExposureWindow, PersonExplanation, RecordExplanation, Verdict,
    explain,
};
pub use explain_text::render_explanation;
pub use output::{
    AFFECTED_HEADER, AffectedPerson, Summary, WriteContent, affected_csv, summary_json,
    write_affected_csv, write_atomically,
};

use breachdesk_ingest::IngestError;

#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(
        "{file}:{line}: column `customer_id`: {id:?} appears again (first at line {first_line})"
    )]
    DuplicateCustomer {
        file: String,
        id: String,
        line: u64,
        first_line: u64,
    },
    #[error(
        "the incident reads customer records (an exposure of customers, or password_hash): pass --customers"
    )]
    CustomersRequired,
    #[error("{file}: more than {} customer records", u32::MAX)]
    TooManyCustomers { file: String },
    #[error("cannot start the worker threads")]
    Threads(#[source] rayon::ThreadPoolBuildError),
    #[error("cannot write {path}: {source}")]
    Output {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write affected.csv")]
    Csv(#[from] csv::Error),
}
