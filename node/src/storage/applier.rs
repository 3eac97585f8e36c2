//! The store applier: writes acknowledged batches to sled, off the
//! acknowledgement path.
//!
//! ```text
//!  syncer: journal synced ─► enqueue the batches' deltas ─► acknowledged seq ─► replies
//!                                   │ Arc<Delta>, in journal order (the writer's cache shares them)
//!                                   ▼
//!  applier thread: wait until a reader needs sled (hurry), COALESCE_ENTRIES
//!                  are waiting, or the oldest waited APPLY_DELAY; take them
//!                  (at most MAX_APPLY_ENTRIES; the rest next round, at once)
//!                  ─► one atomic sled batch (with the last head and where it
//!                  lies in the journal) ─► applied seq
//! ```
//!
//! Why linger: sled 0.34's `apply_batch` makes its io threads write their
//! buffers out around every batch, which costs far more than the keys
//! themselves and slows the journal's fdatasync; one sled batch for many
//! group commits costs that once. A reader that needs sled up to date does
//! not wait for the linger: it hurries the applier.
//!
//! sled is derived state and may lag the journal: a crash at any point loses
//! at most some unapplied deltas, and the next start replays the journal past
//! sled's head. Readers that must see what was acknowledged (the API, the
//! federation driver) first wait, at most [`MAX_READ_WAIT`], until the
//! applied seq reaches the acknowledged seq of the moment they start.
//! We never call sled's `flush_async` (it deadlocks under load).

use std::collections::VecDeque;
use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::ledger::Delta;
use crate::storage::journal::EntryAt;
use crate::storage::store::Store;

/// Longest a read waits for sled to catch up with what was acknowledged
/// before it answers with what sled has (only if sled is stuck or failed).
pub const MAX_READ_WAIT: Duration = Duration::from_secs(1);
/// Longest an acknowledged batch waits before the applier writes it to
/// sled when no reader needs it sooner.
pub const APPLY_DELAY: Duration = Duration::from_millis(20);
/// Entries waiting that make the applier write at once.
pub const COALESCE_ENTRIES: u64 = 4096;

/// Most journal entries written to sled in one atomic batch: what is
/// waiting beyond it goes in the next round. sled 0.34 keeps every page
/// version a batch replaces until the batch ends, so an unbounded round
/// (everything that piled up while sled was slow) grew a node writing a
/// million entries to gigabytes.
pub const MAX_APPLY_ENTRIES: u64 = COALESCE_ENTRIES;

/// Deltas waiting for the applier, each with its entry count and where its
/// last entry lies in the journal (sled records it with its head).
#[derive(Default)]
struct Queue {
    deltas: VecDeque<(Arc<Delta>, u64, EntryAt)>,
    /// Journal entries in `deltas`.
    entries: u64,
    /// When the oldest delta waiting arrived.
    since: Option<Instant>,
    /// A reader (or the writer) needs sled up to date now.
    hurry: bool,
    /// The writer has stopped: write everything and end.
    closed: bool,
}

/// How far the journal (acknowledged) and sled (applied) have got; shared by
/// the writer, the applier and every reader.
pub struct Progress {
    acknowledged: AtomicU64,
    applied: AtomicU64,
    failed: AtomicBool,
    failure: Mutex<Option<String>>,
    /// The applied seq, for async waiters.
    watch: watch::Sender<u64>,
    /// For blocking waiters (how many there are, so that nobody else pays for waking them).
    blocked: AtomicU64,
    lock: Mutex<()>,
    moved: Condvar,
    queue: Mutex<Queue>,
    /// The applier waits on this for deltas, a hurry or the end.
    queued: Condvar,
}

impl Progress {
    /// Both at `head`: the journal's head, which sled has.
    pub fn new(head: u64) -> Progress {
        Progress {
            acknowledged: AtomicU64::new(head),
            applied: AtomicU64::new(head),
            failed: AtomicBool::new(false),
            failure: Mutex::new(None),
            watch: watch::Sender::new(head),
            blocked: AtomicU64::new(0),
            lock: Mutex::new(()),
            moved: Condvar::new(),
            queue: Mutex::new(Queue::default()),
            queued: Condvar::new(),
        }
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hands a synced batch of `entries` journal entries to the applier.
    /// Called before the batch's seq is published as acknowledged, so a
    /// reader that sees that seq finds the batch queued (or applied).
    /// `at` is where the batch's last entry lies in the journal.
    pub(crate) fn enqueue(&self, delta: Arc<Delta>, entries: u64, at: EntryAt) {
        let mut q = self.queue();
        let first = q.deltas.is_empty();
        q.deltas.push_back((delta, entries, at));
        q.entries += entries;
        if first {
            q.since = Some(Instant::now());
        }
        if first || q.entries >= COALESCE_ENTRIES {
            self.queued.notify_one();
        }
    }

    /// Asks the applier to write what is waiting now.
    pub fn hurry(&self) {
        let mut q = self.queue();
        if !q.hurry {
            q.hurry = true;
            self.queued.notify_one();
        }
    }

    /// The writer has stopped: the applier writes what is left and ends.
    pub(crate) fn close(&self) {
        self.queue().closed = true;
        self.queued.notify_one();
    }

    /// The applier's next deltas to write, oldest first, and where the last
    /// ends in the journal; None once closed and empty.
    fn next_deltas(&self) -> Option<(Vec<Arc<Delta>>, Option<EntryAt>)> {
        let mut q = self.queue();
        while q.deltas.is_empty() {
            if q.closed {
                return None;
            }
            q.hurry = false;
            q = self.queued.wait(q).unwrap_or_else(|p| p.into_inner());
        }
        let deadline = q.since.unwrap_or_else(Instant::now) + APPLY_DELAY;
        while !q.hurry && !q.closed && q.entries < COALESCE_ENTRIES {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            q = self.queued.wait_timeout(q, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
        }
        q.hurry = false;
        let (mut taken, mut entries, mut at) = (Vec::new(), 0u64, None);
        while let Some((_, n, _)) = q.deltas.front() {
            if !taken.is_empty() && entries + n > MAX_APPLY_ENTRIES {
                break;
            }
            let (delta, n, last) = q.deltas.pop_front().expect("a front");
            taken.push(delta);
            entries += n;
            at = Some(last);
        }
        q.entries -= entries;
        // What is left is written next round, at once.
        q.since = if q.deltas.is_empty() { None } else { Instant::now().checked_sub(APPLY_DELAY).or(Some(Instant::now())) };
        Some((taken, at))
    }

    /// The last journal seq synced and acknowledged (or about to be).
    pub fn acknowledged(&self) -> u64 {
        self.acknowledged.load(Ordering::Acquire)
    }

    /// The last journal seq sled holds.
    pub fn applied(&self) -> u64 {
        self.applied.load(Ordering::Acquire)
    }

    /// Why sled could not be written, once that has happened.
    pub fn failure(&self) -> Option<String> {
        if !self.failed.load(Ordering::Acquire) {
            return None;
        }
        self.failure.lock().map(|f| f.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    pub(crate) fn set_acknowledged(&self, seq: u64) {
        self.acknowledged.store(seq, Ordering::Release);
        // Pairs with the fence in wait_blocking: either the waiter sees the new seq or we see the waiter.
        fence(Ordering::SeqCst);
        if self.blocked.load(Ordering::Relaxed) > 0 {
            drop(self.lock.lock());
            self.moved.notify_all();
        }
    }

    fn set_applied(&self, seq: u64) {
        self.applied.store(seq, Ordering::Release);
        self.wake(seq);
    }

    fn fail(&self, why: String) {
        *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(why);
        self.failed.store(true, Ordering::Release);
        self.wake(self.applied());
    }

    fn wake(&self, seq: u64) {
        self.watch.send_replace(seq);
        fence(Ordering::SeqCst);
        if self.blocked.load(Ordering::Relaxed) > 0 {
            // Taken so that a blocking waiter between its check and its wait cannot miss this.
            drop(self.lock.lock());
            self.moved.notify_all();
        }
    }

    fn done(&self, target: u64) -> bool {
        self.applied() >= target || self.failed.load(Ordering::Acquire)
    }

    /// Waits until sled holds `target` (or failed), at most `max`, hurrying
    /// the applier. Whether it does.
    pub async fn wait_applied(&self, target: u64, max: Duration) -> bool {
        if !self.done(target) {
            self.hurry();
            let mut rx = self.watch.subscribe();
            let _ = tokio::time::timeout(max, rx.wait_for(|_| self.done(target))).await;
        }
        self.applied() >= target
    }

    /// The same, blocking the calling thread.
    pub fn wait_applied_blocking(&self, target: u64, max: Duration) -> bool {
        if self.done(target) {
            return true;
        }
        self.hurry();
        self.wait_blocking(|| self.done(target), max);
        self.applied() >= target
    }

    /// Blocks until the journal is synced up to `target` (or failed), at most `max`.
    pub fn wait_acknowledged_blocking(&self, target: u64, max: Duration) -> bool {
        self.wait_blocking(|| self.acknowledged() >= target, max);
        self.acknowledged() >= target
    }

    fn wait_blocking(&self, done: impl Fn() -> bool, max: Duration) {
        let deadline = Instant::now() + max;
        self.blocked.fetch_add(1, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        let mut guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        while !done() {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            guard = match self.moved.wait_timeout(guard, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
        drop(guard);
        self.blocked.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Starts the applier thread. It writes every delta enqueued on `progress`,
/// in order, and ends once `progress` is closed and everything is written.
pub fn spawn(store: Store, progress: Arc<Progress>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name("ledger-applier".into()).spawn(move || {
        let guard = FailOnPanic(progress.clone());
        run(store, progress);
        drop(guard);
    })
}

/// Marks the applier failed if its thread panics (in sled, say), so that the
/// writer and readers waiting for it are told instead of waiting forever.
struct FailOnPanic(Arc<Progress>);

impl Drop for FailOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.fail(
                "the state database writer stopped unexpectedly; restart the node (the journal has every acknowledged change)".into(),
            );
        }
    }
}

fn run(store: Store, progress: Arc<Progress>) {
    let (mut busy, mut batches, mut deltas_written) = (Duration::ZERO, 0u64, 0u64);
    while let Some((deltas, at)) = progress.next_deltas() {
        let started = Instant::now();
        batches += 1;
        deltas_written += deltas.len() as u64;
        // After a failure nothing more is written (sled must not skip a
        // batch and record a later head); the journal has it all.
        if progress.failure().is_some() {
            continue;
        }
        let head = deltas.iter().rev().find_map(|d| d.head);
        match store.apply_deltas_at(deltas.iter().map(|d| &**d), at) {
            Ok(()) => {
                if let Some((seq, _)) = head {
                    progress.set_applied(seq);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "state database write failed; the journal has every acknowledged change and a restart will replay it");
                progress.fail(e.to_string());
            }
        }
        drop(deltas);
        busy += started.elapsed();
    }
    tracing::debug!(batches, group_commits = deltas_written, busy_ms = busy.as_millis() as u64, "ledger applier: sled batches written");
    tracing::debug!("ledger applier stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(seq: u64) -> Arc<Delta> {
        Arc::new(Delta { head: Some((seq, amser_protocol::EntryHash::default())), ..Delta::default() })
    }

    #[test]
    fn a_round_writes_at_most_max_apply_entries_and_the_rest_follows_at_once() {
        let progress = Progress::new(0);
        let half = MAX_APPLY_ENTRIES / 2 + 1;
        for (i, n) in [half, half, 10].into_iter().enumerate() {
            progress.enqueue(delta(i as u64 + 1), n, EntryAt { seq: i as u64 + 1, start: i as u64 * 10, end: i as u64 * 10 + 9 });
        }
        let (first, at) = progress.next_deltas().expect("deltas");
        assert_eq!(first.len(), 1, "two halves and more would pass the bound");
        assert_eq!(at, Some(EntryAt { seq: 1, start: 0, end: 9 }));
        let (rest, at) = progress.next_deltas().expect("deltas");
        assert_eq!(rest.len(), 2);
        assert_eq!(at, Some(EntryAt { seq: 3, start: 20, end: 29 }), "where the round's last entry lies");
        progress.close();
        assert!(progress.next_deltas().is_none());
    }
}
