//! Generating blocks of rows on all cores and writing them in order.
//!
//! Each block goes through `plan` (parallel), a caller-supplied in-order
//! step, and `render` (parallel), then its text is handed to the sink in
//! block order. Only a bounded window of blocks is in flight, so memory stays
//! small whatever the number of rows, and the bytes do not depend on the
//! number of threads because every block is computed from its index alone
//! plus the in-order step.

use std::collections::BTreeMap;

use crossbeam_channel::unbounded;

use crate::DemoError;

pub(crate) trait Job: Sync {
    type Plan: Send;
    fn blocks(&self) -> u64;
    fn plan(&self, block: u64) -> Self::Plan;
    fn render(&self, block: u64, plan: &Self::Plan, out: &mut Vec<u8>);
}

enum Task<P> {
    Plan(u64),
    Render(u64, P, Vec<u8>),
}

enum Done<P> {
    Planned(u64, P),
    Rendered(u64, Vec<u8>),
}

/// Worker threads to use: all cores, but past a few the single writer is the
/// bottleneck and more threads only hold more blocks in memory.
pub(crate) fn worker_count() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
}

/// Runs `job` on `threads` workers; `sequence` sees every plan in block
/// order before it is rendered, `sink` every rendered block in order.
pub(crate) fn run<J: Job>(
    job: &J,
    threads: usize,
    mut sequence: impl FnMut(&mut J::Plan),
    mut sink: impl FnMut(&[u8]) -> Result<(), DemoError>,
) -> Result<(), DemoError> {
    let blocks = job.blocks();
    if blocks == 0 {
        return Ok(());
    }
    let threads = threads.clamp(1, usize::try_from(blocks).unwrap_or(usize::MAX));
    let window = 2 * threads as u64 + 2;
    std::thread::scope(|scope| {
        let (task_tx, task_rx) = unbounded::<Task<J::Plan>>();
        let (done_tx, done_rx) = unbounded::<Done<J::Plan>>();
        for _ in 0..threads {
            let (task_rx, done_tx) = (task_rx.clone(), done_tx.clone());
            scope.spawn(move || {
                for task in task_rx {
                    let done = match task {
                        Task::Plan(b) => Done::Planned(b, job.plan(b)),
                        Task::Render(b, plan, mut buf) => {
                            buf.clear();
                            job.render(b, &plan, &mut buf);
                            Done::Rendered(b, buf)
                        }
                    };
                    if done_tx.send(done).is_err() {
                        break;
                    }
                }
            });
        }
        drop((task_rx, done_tx));

        let mut drive = || -> Result<(), DemoError> {
            let (mut issued, mut sequenced, mut written) = (0u64, 0u64, 0u64);
            let mut planned = BTreeMap::new();
            let mut rendered = BTreeMap::new();
            let mut spare: Vec<Vec<u8>> = Vec::new();
            while written < blocks {
                while issued < blocks && issued < written + window {
                    task_tx
                        .send(Task::Plan(issued))
                        .map_err(|_| DemoError::WorkerFailed)?;
                    issued += 1;
                }
                match done_rx.recv().map_err(|_| DemoError::WorkerFailed)? {
                    Done::Planned(b, plan) => {
                        planned.insert(b, plan);
                        while let Some(mut plan) = planned.remove(&sequenced) {
                            sequence(&mut plan);
                            let buf = spare.pop().unwrap_or_default();
                            task_tx
                                .send(Task::Render(sequenced, plan, buf))
                                .map_err(|_| DemoError::WorkerFailed)?;
                            sequenced += 1;
                        }
                    }
                    Done::Rendered(b, buf) => {
                        rendered.insert(b, buf);
                        while let Some(buf) = rendered.remove(&written) {
                            sink(&buf)?;
                            spare.push(buf);
                            written += 1;
                        }
                    }
                }
            }
            Ok(())
        };
        let result = drive();
        // Closing the task queue lets the workers finish, also after an error.
        drop(task_tx);
        result
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// Block b renders "b:s " where s is the running sum of the plans seen by
    /// the in-order step: any reordering would show.
    struct Sum(u64);

    impl Job for Sum {
        type Plan = (u64, u64);
        fn blocks(&self) -> u64 {
            self.0
        }
        fn plan(&self, block: u64) -> (u64, u64) {
            // Uneven work so that blocks finish out of order.
            let spin = (block * 7919) % 5_000;
            let mut x = block;
            for _ in 0..spin {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(1));
            }
            std::hint::black_box(x);
            (block, 0)
        }
        fn render(&self, block: u64, plan: &(u64, u64), out: &mut Vec<u8>) {
            out.extend_from_slice(format!("{block}:{} ", plan.1).as_bytes());
        }
    }

    fn output(blocks: u64, threads: usize) -> String {
        let mut total = 0;
        let mut text = Vec::new();
        run(
            &Sum(blocks),
            threads,
            |plan| {
                total += plan.0;
                plan.1 = total;
            },
            |buf| {
                text.extend_from_slice(buf);
                Ok(())
            },
        )
        .unwrap();
        String::from_utf8(text).unwrap()
    }

    #[test]
    fn order_is_kept_whatever_the_threads() {
        let expected: String = (0..300u64)
            .map(|b| format!("{b}:{} ", b * (b + 1) / 2))
            .collect();
        for threads in [1, 2, 3, 8] {
            assert_eq!(output(300, threads), expected, "{threads} threads");
        }
        assert_eq!(output(0, 4), "");
    }

    #[test]
    fn sink_errors_stop_the_run() {
        let mut calls = 0;
        let err = run(
            &Sum(100),
            3,
            |_| {},
            |_| {
                calls += 1;
                if calls == 5 {
                    Err(DemoError::WorkerFailed)
                } else {
                    Ok(())
                }
            },
        );
        assert!(matches!(err, Err(DemoError::WorkerFailed)));
        assert_eq!(calls, 5);
    }
}
