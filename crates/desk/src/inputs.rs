//! The files of the last load, remembered so that `explain` inside a desk
//! reads the same ones (paths only: nothing personal), and explaining one
//! person from them, audited.

use crate::DeskError;
use crate::desk::Desk;
use breachdesk_ingest::{Encoding, Input, default_threads};
use breachdesk_scope::{Explanation, ScopeInputs, explain};
use std::path::PathBuf;

const META_LAST_INPUTS: &str = "last_inputs";

/// What `load` read, as the desk remembers it.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct RememberedInputs {
    pub customers: Option<PathBuf>,
    pub checkouts: PathBuf,
    pub encoding: String,
}

impl RememberedInputs {
    /// Absolute paths, so the desk can be used from another folder later.
    pub fn of(inputs: &ScopeInputs) -> RememberedInputs {
        let absolute =
            |i: &Input| std::fs::canonicalize(&i.path).unwrap_or_else(|_| i.path.clone());
        RememberedInputs {
            customers: inputs.customers.as_ref().map(absolute),
            checkouts: absolute(&inputs.checkouts),
            encoding: inputs.checkouts.encoding.name().to_owned(),
        }
    }
}

/// Files given for one `explain`, each taking the place of the remembered one.
#[derive(Debug, Clone, Default)]
pub struct InputChoice {
    pub customers: Option<PathBuf>,
    pub checkouts: Option<PathBuf>,
    pub encoding: Option<Encoding>,
    pub threads: Option<usize>,
}

impl Desk {
    /// The files of the last load; a stored value that cannot be read is
    /// an error, not "nothing loaded".
    pub async fn last_inputs(&self) -> Result<Option<RememberedInputs>, DeskError> {
        let Some(text) = self.store().meta(META_LAST_INPUTS).await? else {
            return Ok(None);
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| DeskError::Corrupt {
                what: "the remembered inputs of the last load",
                message: e.to_string(),
            })
    }

    pub(crate) async fn remember_inputs(&self, inputs: &ScopeInputs) -> Result<(), DeskError> {
        let text = serde_json::to_string(&RememberedInputs::of(inputs)).map_err(|e| {
            DeskError::Corrupt {
                what: "the inputs of this load",
                message: e.to_string(),
            }
        })?;
        Ok(self.store().set_meta(META_LAST_INPUTS, &text).await?)
    }

    /// The inputs of an `explain`: those given, else those of the last load.
    pub async fn explain_inputs(&self, choice: &InputChoice) -> Result<ScopeInputs, DeskError> {
        let remembered = self.last_inputs().await?;
        let checkouts = match (&choice.checkouts, &remembered) {
            (Some(c), _) => c.clone(),
            (None, Some(r)) => r.checkouts.clone(),
            (None, None) => return Err(DeskError::NothingLoaded),
        };
        let customers = choice
            .customers
            .clone()
            .or_else(|| remembered.as_ref().and_then(|r| r.customers.clone()));
        let encoding = match (choice.encoding, &remembered) {
            (Some(e), _) => e,
            (None, Some(r)) => r.encoding.parse().map_err(|message| DeskError::Corrupt {
                what: "the remembered encoding of the last load",
                message,
            })?,
            (None, None) => Encoding::Auto,
        };
        let input = |path: PathBuf| Input { path, encoding };
        Ok(ScopeInputs {
            customers: customers.map(input),
            checkouts: input(checkouts),
            threads: choice.threads.unwrap_or_else(default_threads).max(1),
            collect_checkouts: false,
        })
    }

    /// Why `query` is or is not affected, from the desk's incident and the
    /// chosen files; every person explained is an audited read.
    pub async fn explain(
        &self,
        query: &str,
        choice: &InputChoice,
    ) -> Result<Explanation, DeskError> {
        let inputs = self.explain_inputs(choice).await?;
        let incident = self.incident().clone();
        let query_owned = query.to_owned();
        // Reading the files is CPU-bound: off the async threads.
        let explanation =
            tokio::task::spawn_blocking(move || explain(&incident, &inputs, &query_owned))
                .await??;
        for p in &explanation.persons {
            let id = self.person_id(&p.person).await?;
            self.audit(
                "explain",
                id,
                serde_json::json!({ "records": p.records.len() }),
            )
            .await?;
        }
        Ok(explanation)
    }
}
