//! The send loop. Several notices are in flight at once (one per SMTP
//! connection), and a domain that must be paced (a mobile carrier's) never
//! holds up the others: a notice whose domain is not ready yet is set
//! aside until it is, and the next one goes meanwhile.
//!
//! Each row is claimed (`sending`, committed) only once its message is
//! built and signed, right before it is handed to the server, and its
//! outcome is committed as soon as the server answers. So the rows a crash
//! can leave in doubt are exactly those on the wire at that moment.

use crate::DeskError;
use crate::desk::Desk;
use crate::send::{SendOptions, SendReport};
use breachdesk_notify::{Delivery, DomainLimits, Outgoing, Prepared, Signer, Templates, Transport};
use breachdesk_store::NoticeRow;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::time::Instant;

/// What one run shares between the notices in flight. Each notice is its
/// own task, so the work of several (opening the sealed person, rendering,
/// the RSA signature) runs on all cores.
pub(crate) struct SendContext {
    pub templates: Templates,
    pub signer: Option<Signer>,
    pub transport: Arc<Transport>,
    pub options: SendOptions,
    /// The newest generation (the persons the run queued).
    pub latest_generation: i64,
    pub pace: Mutex<DomainLimits>,
    pub started: Instant,
}

enum Outcome {
    Sent,
    Deferred,
    Bounced,
    Failed,
    Letter,
    /// Another sender took it, or the person has nothing to be told.
    Skipped,
    /// The domain is paced: try this row again after the wait (its slot
    /// is reserved).
    Later(NoticeRow, std::time::Duration),
}

impl Desk {
    /// Sends `rows`, at most `options.connections` at a time.
    pub(crate) async fn deliver_rows(
        self: &Arc<Self>,
        rows: Vec<NoticeRow>,
        context: &Arc<SendContext>,
        report: &mut SendReport,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<(), DeskError> {
        let total = rows.len();
        let width = context.options.connections.max(1);
        let mut queue: VecDeque<NoticeRow> = rows.into();
        let mut waiting: BinaryHeap<Reverse<(Instant, i64)>> = BinaryHeap::new();
        let mut set_aside: HashMap<i64, NoticeRow> = HashMap::new();
        let mut in_flight = FuturesUnordered::new();
        let mut done = 0;
        let mut first_error: Option<DeskError> = None;
        loop {
            while first_error.is_none() && in_flight.len() < width {
                let due = waiting
                    .peek()
                    .is_some_and(|Reverse((at, _))| *at <= Instant::now());
                let next = if due {
                    waiting
                        .pop()
                        .and_then(|Reverse((_, id))| set_aside.remove(&id))
                        .map(|row| (row, true))
                } else {
                    queue.pop_front().map(|row| (row, false))
                };
                let Some((row, slot_reserved)) = next else {
                    break;
                };
                in_flight.push(tokio::spawn(Arc::clone(self).deliver_row(
                    row,
                    slot_reserved,
                    Arc::clone(context),
                )));
            }
            let next_due = waiting.peek().map(|Reverse((at, _))| *at);
            let outcome = match (in_flight.is_empty(), next_due) {
                (true, _) if first_error.is_some() => break,
                (true, None) => break,
                (true, Some(at)) => {
                    tokio::time::sleep_until(at).await;
                    continue;
                }
                // Wake for whichever comes first: an answer, or a set-aside
                // row coming due while a connection is free.
                (false, Some(at)) if first_error.is_none() && in_flight.len() < width => {
                    tokio::select! {
                        outcome = in_flight.next() => outcome,
                        () = tokio::time::sleep_until(at) => continue,
                    }
                }
                (false, _) => in_flight.next().await,
            };
            let outcome = outcome.map(|joined| {
                joined
                    .unwrap_or_else(|e| Err(DeskError::Config(format!("a send task stopped: {e}"))))
            });
            let counter = match outcome {
                None => continue,
                Some(Err(e)) => {
                    // Stop starting new sends; let those in flight finish and
                    // record their outcome, then report the error.
                    first_error.get_or_insert(e);
                    continue;
                }
                Some(Ok(Outcome::Later(row, wait))) => {
                    waiting.push(Reverse((Instant::now() + wait, row.notice_id)));
                    set_aside.insert(row.notice_id, row);
                    continue;
                }
                Some(Ok(Outcome::Sent)) => Some(&mut report.sent),
                Some(Ok(Outcome::Deferred)) => Some(&mut report.deferred),
                Some(Ok(Outcome::Bounced)) => Some(&mut report.bounced),
                Some(Ok(Outcome::Failed)) => Some(&mut report.failed),
                Some(Ok(Outcome::Letter)) => Some(&mut report.letter),
                Some(Ok(Outcome::Skipped)) => None,
            };
            if let Some(counter) = counter {
                *counter += 1;
            }
            done += 1;
            progress(done, total);
        }
        first_error.map_or(Ok(()), Err)
    }

    async fn deliver_row(
        self: Arc<Self>,
        row: NoticeRow,
        slot_reserved: bool,
        context: Arc<SendContext>,
    ) -> Result<Outcome, DeskError> {
        let options = &context.options;
        let person = self
            .stored_version(row.person_id, row.generation, context.latest_generation)
            .await?;
        let email = person.versions[0].data.email.clone();
        if email.trim().is_empty() {
            self.store
                .set_notice_state(
                    row.notice_id,
                    "letter",
                    "no email address",
                    &self.now_text(),
                )
                .await?;
            return Ok(Outcome::Letter);
        }
        // Only real mail servers are paced; a maildir is local.
        if !slot_reserved && context.transport.is_network() {
            let elapsed = u64::try_from(context.started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let wait = match context.pace.lock() {
                Ok(mut pace) => pace.wait_before(&email, elapsed),
                Err(_) => return Err(DeskError::Config("the pacing state was lost".into())),
            };
            if !wait.is_zero() {
                return Ok(Outcome::Later(row, wait));
            }
        }
        let Some(notice) = self.render_notice(&context.templates, &person, options.language)?
        else {
            return Ok(Outcome::Skipped);
        };
        let outgoing = Outgoing {
            from: options.from.clone(),
            to: email,
            message_id: row.message_id.clone(),
            subject: notice.subject,
            text: notice.text,
            html: notice.html,
        };
        let prepared = match Prepared::new(&outgoing, context.signer.as_ref()) {
            Ok(p) => p,
            Err(e) => {
                // A message that cannot be built (a malformed address) will
                // never go: recorded as failed, never claimed.
                self.store
                    .set_notice_state(row.notice_id, "failed", &e.to_string(), &self.now_text())
                    .await?;
                return Ok(Outcome::Failed);
            }
        };
        if !self
            .store
            .claim_notice(row.notice_id, &self.now_text())
            .await?
        {
            return Ok(Outcome::Skipped);
        }
        let mut result = context.transport.deliver(&prepared).await;
        for attempt in 0..options.retries {
            if !matches!(result, Ok(Delivery::Deferred(_))) {
                break;
            }
            tokio::time::sleep(options.retry_delay * 2u32.saturating_pow(attempt)).await;
            result = context.transport.deliver(&prepared).await;
        }
        if let Err(breachdesk_notify::TransportError::Session(message)) = &result {
            // Nothing was offered to the server: the row may go again once
            // the settings are fixed, and the run stops here.
            self.store
                .set_notice_state(row.notice_id, "deferred", message, &self.now_text())
                .await?;
            return Err(DeskError::Config(format!(
                "{message}; nothing was sent to this person, fix the [smtp] settings and run again"
            )));
        }
        let (state, detail, outcome) = match result {
            Ok(Delivery::Sent(d)) => ("sent", d, Outcome::Sent),
            Ok(Delivery::Deferred(d)) => ("deferred", d, Outcome::Deferred),
            Ok(Delivery::Bounced(d)) => ("bounced", d, Outcome::Bounced),
            Err(e) => ("failed", e.to_string(), Outcome::Failed),
        };
        self.store
            .set_notice_state(row.notice_id, state, &detail, &self.now_text())
            .await?;
        Ok(outcome)
    }
}
