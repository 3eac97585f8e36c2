//! The journal syncer: the second stage of the writer's pipeline. It owns
//! the journal; the writer thread decides group commits and hands them over
//! here, and goes on deciding the next ones while this thread syncs.
//!
//! ```text
//!  writer thread: decide batch k+1 (against cache + batches in flight) ──► jobs
//!  syncer thread: take every job waiting ─► one write + one fdatasync
//!                 ─► applier queue ─► acknowledged seq ─► replies
//! ```
//!
//! Nothing is acknowledged before the fdatasync of the journal bytes it
//! depends on: replies go out only here, after the sync of their job and of
//! every job before it (jobs are synced in order). When a write fails, every
//! job decided on top of the failed one is refused too: the syncer starts a
//! new *generation*, refuses jobs of the old one, and the writer, seeing the
//! generation change, drops what it had in flight and decides again from
//! the journal's head.
//!
//! It also times each fdatasync and adds each synced job's [`Tally`] to the
//! ledger's counters (`/metrics`), before the replies go out: a client that
//! was answered finds its change counted.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;

use amser_protocol::EntryHash;
use tokio::sync::oneshot;

use crate::ledger::{Delta, LedgerError};
use crate::metrics::counters::{LedgerCounters, Tally};
use crate::storage::applier::Progress;
use crate::storage::journal::{EntryAt, Journal, JournalError};
use crate::storage::writer::{Reply, MAX_BATCH_ENTRIES};

/// Replies to send once a job is synced, each with its outcome.
pub(crate) type Waiting = Vec<(oneshot::Sender<Result<Reply, LedgerError>>, Result<Reply, LedgerError>)>;

/// One group commit, decided.
pub(crate) struct Job {
    /// The generation it was decided in.
    pub generation: u64,
    /// Framed entries (empty when the batch wrote nothing).
    pub frames: Vec<u8>,
    /// Where in `frames` the last entry's frame begins.
    pub last_frame: usize,
    /// The entries framed: (first seq, last entry's (seq, hash)).
    pub entries: Option<(u64, (u64, EntryHash))>,
    /// What those entries change, for the cache (already laid over by the
    /// writer) and the applier.
    pub delta: Option<Arc<Delta>>,
    pub waiting: Waiting,
    /// What its entries recorded, counted for `/metrics` once they are synced.
    pub tally: Tally,
}

/// What the writer reads of the syncer's state.
#[derive(Default)]
pub(crate) struct SyncState {
    generation: AtomicU64,
    /// A failure after which nothing more may be written (until restart).
    fatal: Mutex<Option<LedgerError>>,
}

impl SyncState {
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn fatal(&self) -> Option<LedgerError> {
        self.fatal.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// What a failed, non-fatal write (a full disk) does to the generation.
    #[cfg(test)]
    pub fn write_failed_for_test(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

fn journal_to_ledger(e: JournalError) -> LedgerError {
    match e {
        JournalError::DiskFull { .. } => LedgerError::DiskFull(e.to_string()),
        JournalError::ReadOnly { .. } => LedgerError::ReadOnly(e.to_string()),
        other => LedgerError::Storage(other.to_string()),
    }
}

/// Starts the syncer thread; it ends when the job sender is dropped, after
/// syncing and answering every job sent.
pub(crate) fn spawn(
    journal: Journal,
    progress: Arc<Progress>,
    state: Arc<SyncState>,
    counters: Arc<LedgerCounters>,
) -> std::io::Result<(mpsc::Sender<Job>, JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::Builder::new().name("ledger-syncer".into()).spawn(move || {
        let guard = FatalOnPanic(state.clone());
        run(journal, rx, progress, state, &counters);
        drop(guard);
    })?;
    Ok((tx, thread))
}

/// Makes a panic of the syncer thread fatal, so the writer (which re-checks
/// on every round of waiting) stops waiting for syncs that will never come.
struct FatalOnPanic(Arc<SyncState>);

impl Drop for FatalOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let err = LedgerError::Storage("the journal writer stopped unexpectedly; restart the node".into());
            *self.0.fatal.lock().unwrap_or_else(|p| p.into_inner()) = Some(err);
        }
    }
}

fn refuse(job: Job, err: &LedgerError) {
    for (reply, _) in job.waiting {
        let _ = reply.send(Err(err.clone()));
    }
}

fn run(mut journal: Journal, rx: mpsc::Receiver<Job>, progress: Arc<Progress>, state: Arc<SyncState>, counters: &LedgerCounters) {
    let mut generation = 0u64;
    // The error given to jobs decided on top of a write that failed.
    let mut refusal = LedgerError::Storage("an earlier journal write failed".into());
    let mut jobs: VecDeque<Job> = VecDeque::new();
    let mut accepted: Vec<Job> = Vec::new();
    let mut frames: Vec<u8> = Vec::with_capacity(64 * 1024);
    loop {
        if jobs.is_empty() {
            match rx.recv() {
                Ok(job) => jobs.push_back(job),
                Err(_) => break,
            }
        }
        while let Ok(job) = rx.try_recv() {
            jobs.push_back(job);
        }
        let mut fatal = state.fatal();
        frames.clear();
        let mut head = journal.head();
        let mut count = 0usize;
        // One write holds at most MAX_BATCH_ENTRIES entries: the journal's
        // recovery cuts a torn write only up to that size.
        while let Some(job) = jobs.pop_front() {
            if let Some(err) = &fatal {
                refuse(job, err);
                continue;
            }
            if job.generation != generation {
                refuse(job, &refusal);
                continue;
            }
            if let Some((first_seq, last)) = job.entries {
                let n = (last.0 + 1 - first_seq) as usize;
                if count > 0 && count + n > MAX_BATCH_ENTRIES {
                    jobs.push_front(job);
                    break;
                }
                if first_seq != head.0 + 1 {
                    // Cannot happen: the writer decides in order within a generation.
                    let err = LedgerError::Storage(format!("internal error: entry {first_seq} does not follow entry {}", head.0));
                    tracing::error!(error = %err, "refusing further changes until restart");
                    *state.fatal.lock().unwrap_or_else(|p| p.into_inner()) = Some(err.clone());
                    refuse(job, &err);
                    fatal = Some(err);
                    continue;
                }
                count += n;
                frames.extend_from_slice(&job.frames);
                head = last;
            }
            accepted.push(job);
        }
        if !frames.is_empty() {
            match journal.append(&frames, head) {
                Ok(took) => counters.synced(took),
                Err(e) => {
                    let err = journal_to_ledger(e);
                    // A full disk may get space back; anything else needs a person and a restart.
                    if !matches!(err, LedgerError::DiskFull(_)) {
                        tracing::error!(error = %err, "journal write failed; refusing further changes until restart");
                        *state.fatal.lock().unwrap_or_else(|p| p.into_inner()) = Some(err.clone());
                    } else {
                        tracing::warn!(error = %err, "journal write refused");
                    }
                    generation += 1;
                    state.generation.store(generation, Ordering::Release);
                    refusal = err.clone();
                    for job in accepted.drain(..) {
                        refuse(job, &err);
                    }
                    continue;
                }
            }
            // Synced: the applier's queue and then the acknowledged seq move
            // before any reply goes out (a reader that sees the seq finds the
            // batch queued for sled).
            // Where each job's last entry landed, for sled's `meta:at`.
            let mut job_start = journal.bytes() - frames.len() as u64;
            for job in &mut accepted {
                if let (Some(delta), Some((first_seq, last))) = (job.delta.take(), job.entries) {
                    let at = EntryAt { seq: last.0, start: job_start + job.last_frame as u64, end: job_start + job.frames.len() as u64 };
                    progress.enqueue(delta, last.0 - first_seq + 1, at);
                }
                counters.add(&job.tally);
                job_start += job.frames.len() as u64;
            }
            progress.set_acknowledged(head.0);
        }
        for job in accepted.drain(..) {
            for (reply, outcome) in job.waiting {
                let _ = reply.send(outcome);
            }
        }
    }
    tracing::debug!("ledger syncer stopped");
}
