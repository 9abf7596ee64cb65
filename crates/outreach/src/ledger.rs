//! The ledger writer of a send run. Every claim and every outcome of the
//! notices in flight goes through one task, which commits whatever has
//! gathered since its last commit in one transaction (a group commit).
//!
//! One transaction per claim and per outcome had the notices in flight
//! queueing for SQLite's write lock (sleeping in its busy handler) and
//! re-reading pages another connection had just changed. Nothing is
//! weakened: a claim is answered only once committed, so a row is still
//! `sending` on disk before its message leaves, and an outcome is
//! answered only once it is on disk too.

use crate::{Outreach, OutreachError};
use breachdesk_domain::NoticeState;
use breachdesk_store::LedgerOutcome;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The most entries one commit takes: the notices in flight are far fewer,
/// so in practice a commit takes everything waiting.
const MOST_PER_COMMIT: usize = 512;

/// The database's error, shared by every entry of the commit it failed.
type Shared = Arc<breachdesk_store::StoreError>;

enum Entry {
    Claim(i64, oneshot::Sender<Result<bool, Shared>>),
    Outcome(LedgerOutcome, oneshot::Sender<Result<bool, Shared>>),
}

/// A handle on the writer; it stops once every handle is dropped.
#[derive(Clone)]
pub(crate) struct Ledger {
    entries: mpsc::UnboundedSender<Entry>,
}

/// The run whose claims the writer records.
#[derive(Clone, Copy)]
pub(crate) struct RunId(pub i64);

fn stopped() -> OutreachError {
    OutreachError::LedgerStopped
}

impl Ledger {
    pub(crate) fn start(desk: Outreach, run: RunId) -> (Ledger, tokio::task::JoinHandle<()>) {
        let (sender, mut receiver) = mpsc::unbounded_channel();
        let writer = tokio::spawn(async move {
            let mut batch = Vec::with_capacity(MOST_PER_COMMIT);
            while receiver.recv_many(&mut batch, MOST_PER_COMMIT).await > 0 {
                commit(&desk, run, &mut batch).await;
            }
        });
        (Ledger { entries: sender }, writer)
    }

    /// Claims a row for sending; false when another sender has it.
    pub(crate) async fn claim(&self, notice_id: i64) -> Result<bool, OutreachError> {
        self.ask(|reply| Entry::Claim(notice_id, reply)).await
    }

    /// Records a row's new state; false when its state did not allow it
    /// (another run moved the row first), and then nothing was written.
    pub(crate) async fn record(
        &self,
        notice_id: i64,
        state: NoticeState,
        detail: String,
    ) -> Result<bool, OutreachError> {
        let outcome = LedgerOutcome {
            notice_id,
            state,
            detail,
        };
        self.ask(|reply| Entry::Outcome(outcome, reply)).await
    }

    /// Records the outcome of a row this run claimed: only this run can
    /// have moved it since, so a refusal means the ledger was changed by
    /// hand, and the run stops rather than guess.
    pub(crate) async fn record_claimed(
        &self,
        notice_id: i64,
        state: NoticeState,
        detail: String,
    ) -> Result<(), OutreachError> {
        if self.record(notice_id, state, detail).await? {
            Ok(())
        } else {
            Err(OutreachError::LedgerRefused { notice_id, state })
        }
    }

    /// Hands an entry to the writer and waits until it is committed.
    async fn ask<T>(
        &self,
        entry: impl FnOnce(oneshot::Sender<Result<T, Shared>>) -> Entry,
    ) -> Result<T, OutreachError> {
        let (reply, answer) = oneshot::channel();
        self.entries.send(entry(reply)).map_err(|_| stopped())?;
        answer
            .await
            .map_err(|_| stopped())?
            .map_err(OutreachError::Ledger)
    }
}

/// Commits one batch and answers each entry: all of them succeed or all
/// of them see the error.
async fn commit(desk: &Outreach, run: RunId, batch: &mut Vec<Entry>) {
    let mut claims = Vec::new();
    let mut claim_replies = Vec::new();
    let mut outcomes = Vec::new();
    let mut outcome_replies: Vec<(i64, oneshot::Sender<Result<bool, Shared>>)> = Vec::new();
    for entry in batch.drain(..) {
        match entry {
            Entry::Claim(id, reply) => {
                claims.push(id);
                claim_replies.push((id, reply));
            }
            Entry::Outcome(outcome, reply) => {
                outcome_replies.push((outcome.notice_id, reply));
                outcomes.push(outcome);
            }
        }
    }
    let result = desk
        .desk()
        .store()
        .commit_ledger(run.0, &claims, &outcomes, &desk.desk().now_text())
        .await
        .map(|done| {
            (
                done.claimed.into_iter().collect::<HashSet<i64>>(),
                done.refused.into_iter().collect::<HashSet<i64>>(),
            )
        })
        .map_err(Arc::new);
    // A sender that stopped waiting (its run is ending) needs no answer.
    for (id, reply) in claim_replies {
        let _ = reply.send(
            result
                .as_ref()
                .map(|(claimed, _)| claimed.contains(&id))
                .map_err(Clone::clone),
        );
    }
    for (id, reply) in outcome_replies {
        let _ = reply.send(
            result
                .as_ref()
                .map(|(_, refused)| !refused.contains(&id))
                .map_err(Clone::clone),
        );
    }
}
