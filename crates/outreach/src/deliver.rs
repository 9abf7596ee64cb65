//! The send loop. Several notices are in flight at once (one per SMTP
//! connection), and a domain that must be paced (a mobile carrier's) never
//! holds up the others: a notice whose domain is not ready yet is set
//! aside until it is, and the next one goes meanwhile.
//!
//! Each row is claimed (`sending`, committed) only once its message is
//! built and signed, right before it is handed to the server, and its
//! outcome is committed as soon as the server answers. So the rows a crash
//! can leave in doubt are exactly those on the wire at that moment.

use crate::ledger::Ledger;
use crate::send::{SendOptions, SendReport};
use crate::{Outreach, OutreachError};
use breachdesk_domain::{NoticeKind, NoticeState};
use breachdesk_notify::{Delivery, DomainLimits, Outgoing, Prepared, Signer, Templates, Transport};
use breachdesk_store::{NoticeRow, PersonGenerationRow, PersonRow, Store};
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
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
    pub ledger: Ledger,
}

/// Rows whose persons are read in one query, ahead of the sends.
const READ_AHEAD: usize = 128;

/// A ledger row with its person's sealed rows, as read ahead.
pub(crate) struct ReadyRow {
    row: NoticeRow,
    person: Option<(PersonRow, PersonGenerationRow)>,
}

/// Reads the persons of `rows` in batches, in order, at most two batches
/// ahead of the sends. Stops when the receiver is dropped.
fn read_ahead(
    store: Store,
    rows: Vec<NoticeRow>,
) -> mpsc::Receiver<Result<ReadyRow, OutreachError>> {
    let (sender, receiver) = mpsc::channel(2 * READ_AHEAD);
    tokio::spawn(async move {
        let mut rows = rows.into_iter();
        loop {
            let batch: Vec<NoticeRow> = rows.by_ref().take(READ_AHEAD).collect();
            if batch.is_empty() {
                return;
            }
            let ids: Vec<i64> = batch.iter().map(|r| r.notice_id).collect();
            // By (person, generation): one campaign has one row per person.
            let mut found: HashMap<(i64, i64), (PersonRow, PersonGenerationRow)> =
                match store.persons_of_notices(&ids).await {
                    Ok(found) => found
                        .into_iter()
                        .map(|(p, g)| ((p.person_id, g.generation), (p, g)))
                        .collect(),
                    Err(e) => {
                        let _ = sender.send(Err(e.into())).await;
                        return;
                    }
                };
            for row in batch {
                let person = found.remove(&(row.person_id, row.generation));
                if sender.send(Ok(ReadyRow { row, person })).await.is_err() {
                    return;
                }
            }
        }
    });
    receiver
}

/// The receiving end of the read-ahead, counting what it handed over.
struct ReadAhead {
    channel: mpsc::Receiver<Result<ReadyRow, OutreachError>>,
    expected: usize,
    received: usize,
    /// The channel closed: nothing more will come.
    finished: bool,
}

impl ReadAhead {
    /// One item from the channel (`None`: it closed): the row to start,
    /// if any. An error goes to `first_error`, and so does a channel that
    /// closed before every row came (the read-ahead stopped, and cannot
    /// say why), which is not the end of the rows.
    fn take(
        &mut self,
        next: Option<Result<ReadyRow, OutreachError>>,
        first_error: &mut Option<OutreachError>,
    ) -> Option<ReadyRow> {
        match next {
            Some(Ok(row)) => {
                self.received += 1;
                Some(row)
            }
            Some(Err(e)) => {
                first_error.get_or_insert(e);
                None
            }
            None => {
                self.finished = true;
                if self.received < self.expected {
                    first_error.get_or_insert(OutreachError::ReadAheadStopped {
                        received: self.received,
                        expected: self.expected,
                    });
                }
                None
            }
        }
    }
}

enum Outcome {
    Sent,
    Deferred,
    Bounced,
    Failed,
    Letter,
    /// Lost while handed over: it may have arrived.
    InDoubt,
    /// Another sender took it, or the person has nothing to be told.
    Skipped,
    /// The domain is paced: try this row again after the wait (its slot
    /// is reserved).
    Later(Box<ReadyRow>, std::time::Duration),
}

impl Outreach {
    /// Sends `rows`, at most `options.connections` at a time.
    pub(crate) async fn deliver_rows(
        &self,
        rows: Vec<NoticeRow>,
        context: &Arc<SendContext>,
        report: &mut SendReport,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<(), OutreachError> {
        let total = rows.len();
        let width = context.options.connections.max(1);
        let mut ready = ReadAhead {
            channel: read_ahead(self.desk.store().clone(), rows),
            expected: total,
            received: 0,
            finished: false,
        };
        let mut waiting: BinaryHeap<Reverse<(Instant, i64)>> = BinaryHeap::new();
        let mut set_aside: HashMap<i64, ReadyRow> = HashMap::new();
        let mut in_flight = FuturesUnordered::new();
        let mut done = 0;
        let mut first_error: Option<OutreachError> = None;
        let start = |row: ReadyRow, slot_reserved: bool| {
            tokio::spawn(
                self.clone()
                    .deliver_row(row, slot_reserved, Arc::clone(context)),
            )
        };
        loop {
            // Start whatever can start without waiting: set-aside rows that
            // came due first, then rows already read.
            while first_error.is_none() && in_flight.len() < width {
                let due = waiting
                    .peek()
                    .is_some_and(|Reverse((at, _))| *at <= Instant::now());
                if due {
                    if let Some(row) = waiting
                        .pop()
                        .and_then(|Reverse((_, id))| set_aside.remove(&id))
                    {
                        in_flight.push(start(row, true));
                    }
                    continue;
                }
                if ready.finished {
                    break;
                }
                let next = match ready.channel.try_recv() {
                    Ok(next) => Some(next),
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => None,
                };
                if let Some(row) = ready.take(next, &mut first_error) {
                    in_flight.push(start(row, false));
                }
            }
            let finished = first_error.is_some() || (ready.finished && waiting.is_empty());
            if in_flight.is_empty() && finished {
                break;
            }
            let can_start = first_error.is_none() && in_flight.len() < width;
            let next_due = waiting.peek().map(|Reverse((at, _))| *at);
            // Wake for whichever comes first: an answer, a row read, or a
            // set-aside row coming due while a connection is free.
            let outcome = tokio::select! {
                Some(joined) = in_flight.next(), if !in_flight.is_empty() => joined
                    .unwrap_or_else(|e| Err(OutreachError::Task(e))),
                next = ready.channel.recv(), if can_start && !ready.finished => {
                    if let Some(row) = ready.take(next, &mut first_error) {
                        in_flight.push(start(row, false));
                    }
                    continue;
                }
                () = tokio::time::sleep_until(next_due.unwrap_or_else(Instant::now)),
                    if can_start && next_due.is_some() => continue,
                else => break,
            };
            let counter = match outcome {
                Err(e) => {
                    // Stop starting new sends; let those in flight finish and
                    // record their outcome, then report the error.
                    first_error.get_or_insert(e);
                    continue;
                }
                Ok(Outcome::Later(row, wait)) => {
                    waiting.push(Reverse((Instant::now() + wait, row.row.notice_id)));
                    set_aside.insert(row.row.notice_id, *row);
                    continue;
                }
                Ok(Outcome::Sent) => Some(&mut report.sent),
                Ok(Outcome::Deferred) => Some(&mut report.deferred),
                Ok(Outcome::Bounced) => Some(&mut report.bounced),
                Ok(Outcome::Failed) => Some(&mut report.failed),
                Ok(Outcome::Letter) => Some(&mut report.letter),
                Ok(Outcome::InDoubt) => Some(&mut report.lost),
                Ok(Outcome::Skipped) => None,
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
        self,
        ready: ReadyRow,
        slot_reserved: bool,
        context: Arc<SendContext>,
    ) -> Result<Outcome, OutreachError> {
        let options = &context.options;
        let ledger = &context.ledger;
        let row = &ready.row;
        let (person, rendered) = match row.kind {
            // Few, and their person may be absent from the row's generation:
            // read on their own, not ahead.
            NoticeKind::Correction => {
                let told = self
                    .render_row(
                        &context.templates,
                        row,
                        context.latest_generation,
                        options.language,
                    )
                    .await?;
                if told.notice.is_none() {
                    // A later revision says again what they were told.
                    ledger
                        .record(
                            row.notice_id,
                            NoticeState::Withdrawn,
                            "nothing to correct any more".into(),
                        )
                        .await?;
                    return Ok(Outcome::Skipped);
                }
                (told.person, told.notice)
            }
            NoticeKind::Notice => {
                let Some((person_row, generation_row)) = &ready.person else {
                    return Err(breachdesk_desk::DeskError::PersonMissing {
                        person_id: row.person_id,
                        generation: row.generation,
                    }
                    .into());
                };
                let person = self
                    .desk
                    .person_view(person_row, generation_row, context.latest_generation)
                    .await?;
                (person, None)
            }
        };
        let email = person.versions[0].data.email.clone();
        if email.trim().is_empty() {
            let recorded = ledger
                .record(
                    row.notice_id,
                    NoticeState::Letter,
                    "no email address".into(),
                )
                .await?;
            return Ok(if recorded {
                Outcome::Letter
            } else {
                Outcome::Skipped
            });
        }
        // Only real mail servers are paced; a maildir is local.
        if !slot_reserved && context.transport.is_network() {
            let elapsed = u64::try_from(context.started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let wait = match context.pace.lock() {
                Ok(mut pace) => pace.wait_before(&email, elapsed),
                Err(_) => return Err(OutreachError::PacingLost),
            };
            if !wait.is_zero() {
                return Ok(Outcome::Later(Box::new(ready), wait));
            }
        }
        let notice = match rendered {
            Some(notice) => notice,
            None => match self.render_notice(&context.templates, &person, options.language)? {
                Some(notice) => notice,
                None => return Ok(Outcome::Skipped),
            },
        };
        let outgoing = Outgoing {
            from: options.from.clone(),
            to: email,
            message_id: row.message_id.clone(),
            subject: notice.subject,
            text: notice.text,
            html: notice.html,
        };
        // Building the MIME message and its RSA signature is CPU work (most of
        // a send's): on the blocking pool, so the runtime's threads keep
        // serving the connections.
        let signing = Arc::clone(&context);
        let built =
            tokio::task::spawn_blocking(move || Prepared::new(&outgoing, signing.signer.as_ref()))
                .await?;
        let prepared = match built {
            Ok(p) => p,
            Err(e) => {
                // A message that cannot be built (a malformed address) will
                // never go: recorded as failed, never claimed.
                let recorded = ledger
                    .record(row.notice_id, NoticeState::Failed, e.to_string())
                    .await?;
                return Ok(if recorded {
                    Outcome::Failed
                } else {
                    Outcome::Skipped
                });
            }
        };
        if !ledger.claim(row.notice_id).await? {
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
            ledger
                .record_claimed(row.notice_id, NoticeState::Deferred, message.clone())
                .await?;
            return Err(OutreachError::SmtpSession {
                message: message.clone(),
            });
        }
        let (state, detail, outcome) = match result {
            Ok(Delivery::Sent(d)) => (NoticeState::Sent, d, Outcome::Sent),
            Ok(Delivery::Deferred(d)) => (NoticeState::Deferred, d, Outcome::Deferred),
            Ok(Delivery::Bounced(d)) => (NoticeState::Bounced, d, Outcome::Bounced),
            Ok(Delivery::InDoubt(d)) => (NoticeState::InDoubt, d, Outcome::InDoubt),
            Err(e) => (NoticeState::Failed, e.to_string(), Outcome::Failed),
        };
        ledger.record_claimed(row.notice_id, state, detail).await?;
        Ok(outcome)
    }
}
