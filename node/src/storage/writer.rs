//! The ledger writer: one thread that decides every change, in order, and
//! the only writer of the journal and the state. Commands go through a
//! three-stage pipeline (group commit):
//!
//! ```text
//!  API tasks ──submit──► [bounded queue] ──► writer thread
//!                                             │ take everything waiting (≤ MAX_BATCH_ENTRIES)
//!                                             │ one ledger step each against an Overlay(cache + batches in flight)
//!                                             ▼ hand the batch over, go on with the next
//!                                            syncer thread (syncer.rs)
//!                                             │ journal: one write + one fdatasync for every batch waiting
//!                                             │ applier queue; acknowledged seq
//!  API tasks ◄──────────── replies ───────────┤ (only now: nothing is acknowledged before the sync)
//!                                             ▼
//!                                            applier thread (applier.rs): sled, one atomic batch
//! ```
//!
//! Requests that arrive while a sync is in flight are decided at once and
//! share the next sync. Refusals are answered at once (they write nothing)
//! when they were decided against synced state only; otherwise after the sync
//! of the entries they saw.
//! The writer reads only its in-memory cache ([`crate::storage::cache`]) and the batches
//! in flight, so sled is off the acknowledgement path. After a failed sync or
//! state write the writer refuses everything until restart: the journal
//! stays the truth and a restart replays it.

use std::collections::VecDeque;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use amser_protocol::journal::{EntryBody, JournalEntry};
use amser_protocol::{EntryHash, Member};
use tokio::sync::{mpsc, oneshot};

use super::start_gate::StartGate;
use crate::clock::Clock;
use crate::ledger::{step, Command, Context, Delta, ExchangeRecord, LedgerError, LedgerRead, ListingRecord, Overlay, StateWrite, Step};
use crate::metrics::counters::{LedgerCounters, Tally};
use crate::storage::applier::{self, Progress, MAX_READ_WAIT};
use crate::storage::cache::Hot;
use crate::storage::journal::{frame, Journal};
use crate::storage::keys::KeyRing;
use crate::storage::store::Store;
use crate::storage::syncer::{self, Job, SyncState, Waiting};
use amser_protocol::signing::FederationId;
use ed25519_dalek::SigningKey;

/// Most entries written in one group commit.
pub use amser_wire::journal::MAX_BATCH_ENTRIES;
/// Most commands waiting for the writer; further submitters wait for room.
pub const QUEUE_DEPTH: usize = 4096;
/// Most acknowledged entries sled may lag behind by; past this the writer
/// waits for the applier (bounds the cache's unapplied batches).
pub const MAX_UNAPPLIED_ENTRIES: u64 = 16 * 1024;
/// How long the writer waits for the applier at a time when sled lags too far.
const APPLIER_WAIT: Duration = Duration::from_millis(100);
/// Most batches decided and not yet synced; past this the writer waits for the syncer.
pub const MAX_IN_FLIGHT_BATCHES: usize = 32;
/// How long the writer waits for the syncer at a time when too many batches are in flight.
const SYNCER_WAIT: Duration = Duration::from_millis(100);

/// What an accepted command produced.
#[derive(Debug, Clone, PartialEq, Eq)]
// Made once per request and moved, never stored in bulk: boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
pub enum Reply {
    Opened,
    PolicySet,
    Member(Member),
    Exchange(ExchangeRecord),
    Listing(ListingRecord),
    Peer(amser_protocol::federation::PeerLine),
    Transfer(crate::ledger::TransferRecord),
    /// A clearing of a ring of debts, as this bank now holds it.
    Ring(crate::ledger::RingRecord),
    /// A letter of introduction this bank signed.
    Letter(amser_protocol::signing::SignedMessage),
    EvidenceKept,
    /// Recorded as this journal entry, with no record to show (never expected:
    /// every entry with a record writes it).
    Recorded {
        seq: u64,
    },
}

struct Request {
    command: Command,
    reply: oneshot::Sender<Result<Reply, LedgerError>>,
}

/// What the writer's queue carries.
// Made once per request and moved, never stored in bulk: boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
enum Message {
    Command(Request),
    /// Take nothing more: finish what is queued, then stop (even while
    /// other handles are still alive).
    Close,
}

/// A cheap handle to the ledger: submit commands, read committed state.
#[derive(Clone)]
pub struct LedgerHandle {
    tx: mpsc::Sender<Message>,
    store: Store,
    journal_path: Arc<std::path::Path>,
    synced_len: Arc<AtomicU64>,
    progress: Arc<Progress>,
    /// Set when nothing more may be recorded until a person has looked
    /// (the journal is behind what the bank's peers hold): why.
    halted: Arc<std::sync::RwLock<Option<LedgerError>>>,
    /// After a start, new work waits for the peers' answers (start_gate.rs).
    gate: StartGate,
    /// Whether this handle's commands pass a gate whose peers have answered
    /// (the start-up's own writes: [`LedgerHandle::passing_gate`]).
    passes_gate: bool,
    /// The members' keys: to seal what commands bring in and open it for readers.
    keys: Arc<KeyRing>,
    /// What the pipeline counts for `/metrics` (the syncer adds to them).
    counters: Arc<LedgerCounters>,
}

impl LedgerHandle {
    /// Submits a command and waits until it is durably recorded (or refused).
    pub async fn submit(&self, command: Command) -> Result<Reply, LedgerError> {
        self.refuse_if_halted(&command)?;
        let (reply, rx) = oneshot::channel();
        self.tx.send(Message::Command(Request { command, reply })).await.map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }

    /// From now on every command is refused with `why` (recovery's own
    /// excepted), until it is lifted or the node restarted: the federation's
    /// head check, when a peer holds a newer head of ours than our journal
    /// has, or a different one. A fork is never replaced by a lesser reason.
    pub fn halt(&self, why: LedgerError) {
        if let Ok(mut h) = self.halted.write() {
            if matches!(*h, Some(LedgerError::ForkedFromPeers { .. })) {
                return;
            }
            tracing::error!(error = %why, "the ledger takes no more changes");
            *h = Some(why);
        }
    }

    /// Why the ledger takes no more changes, if it does not.
    pub fn halted(&self) -> Option<LedgerError> {
        self.halted.read().ok().and_then(|h| h.clone())
    }

    /// Lets the ledger take changes again (recovery from peers is done),
    /// unless its journal went on from another copy under numbers peers had
    /// seen (`ForkedFromPeers`): that needs a person, and a restart.
    pub fn resume(&self) {
        self.lift(|why| !matches!(why, LedgerError::ForkedFromPeers { .. }));
    }

    /// Lets the ledger take changes again if it is halted for a reason
    /// `this` matches (and only then): a head check lifts its own halt, not
    /// one another check set meanwhile.
    pub fn lift(&self, this: impl Fn(&LedgerError) -> bool) {
        if let Ok(mut h) = self.halted.write() {
            if h.as_ref().is_some_and(this) {
                *h = None;
                tracing::info!("the ledger takes changes again");
            }
        }
    }

    /// Refuses `command` while halted, unless it puts back what the bank had said.
    fn refuse_if_halted(&self, command: &Command) -> Result<(), LedgerError> {
        match self.halted() {
            Some(why @ LedgerError::ForkedFromPeers { .. }) => Err(why),
            Some(why) if !command.is_recovery() => Err(why),
            _ if command.is_recovery() => Ok(()),
            _ => self.gate.refusal(self.passes_gate).map_or(Ok(()), Err),
        }
    }

    /// The start gate this handle's commands wait at after a start.
    pub fn gate(&self) -> &StartGate {
        &self.gate
    }

    /// A handle whose commands pass the gate once peers have answered: for
    /// the start-up's own writes, which come before anyone else's.
    pub fn passing_gate(&self) -> LedgerHandle {
        LedgerHandle { passes_gate: true, ..self.clone() }
    }

    /// Asks the writer to finish what is queued and stop, even while other
    /// handles live (they then get "stopped"). Used by the node's shutdown.
    pub async fn close(&self) {
        let _ = self.tx.send(Message::Close).await;
    }

    /// The same, from a thread that is not async (init, tools).
    pub fn submit_blocking(&self, command: Command) -> Result<Reply, LedgerError> {
        self.refuse_if_halted(&command)?;
        let (reply, rx) = oneshot::channel();
        self.tx.blocking_send(Message::Command(Request { command, reply })).map_err(|_| stopped())?;
        rx.blocking_recv().map_err(|_| stopped())?
    }

    /// Committed state, with every change acknowledged before this call
    /// (read-your-writes): waits, blocking, until sled has them (at most
    /// [`MAX_READ_WAIT`]). Only what has been synced is ever visible here.
    /// Async code should `caught_up().await` and use [`LedgerHandle::store_as_is`].
    pub fn store(&self) -> &Store {
        self.caught_up_blocking();
        &self.store
    }

    /// The state database as it is now: it may lag the acknowledged changes
    /// by a few batches.
    pub fn store_as_is(&self) -> &Store {
        &self.store
    }

    /// The members' keys, to open their sealed personal data.
    pub fn keys(&self) -> &Arc<KeyRing> {
        &self.keys
    }

    /// Waits until sled holds every change acknowledged before this call (at
    /// most [`MAX_READ_WAIT`]; then reads see what sled has). Whether it does.
    pub async fn caught_up(&self) -> bool {
        let target = self.progress.acknowledged();
        self.progress.wait_applied(target, MAX_READ_WAIT).await
    }

    /// Runs a read of the state database off the async threads, once it holds
    /// every change acknowledged before the call (read-your-writes).
    pub async fn read<T: Send + 'static>(&self, f: impl FnOnce(&Store) -> T + Send + 'static) -> Result<T, LedgerError> {
        self.with_store(f).await
    }

    /// Runs `f` on the state database off the async threads, as [`LedgerHandle::read`]
    /// does: for reads, and for the writes of the store's federation view
    /// (what other banks said: kept pairs and log cursors), which are not
    /// derived from the journal and so are not the writer's to make.
    /// If sled has not caught up within [`MAX_READ_WAIT`] (stuck or failed),
    /// this is an error, never an answer that silently lacks acknowledged changes.
    pub async fn with_store<T: Send + 'static>(&self, f: impl FnOnce(&Store) -> T + Send + 'static) -> Result<T, LedgerError> {
        if !self.caught_up().await {
            return Err(self.behind());
        }
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store)).await.map_err(|e| LedgerError::Storage(e.to_string()))
    }

    /// Why a read could not be answered: sled is behind what was acknowledged.
    fn behind(&self) -> LedgerError {
        let (acknowledged, applied) = (self.progress.acknowledged(), self.progress.applied());
        match self.progress.failure() {
            Some(why) => state_write_failed(&why),
            None => LedgerError::Storage(format!(
                "the state database is behind the journal (entry {applied} of {acknowledged}) for longer than {} s; try again, and restart the node if this goes on",
                MAX_READ_WAIT.as_secs()
            )),
        }
    }

    /// The same, blocking the calling thread.
    pub fn caught_up_blocking(&self) -> bool {
        let target = self.progress.acknowledged();
        self.progress.wait_applied_blocking(target, MAX_READ_WAIT)
    }

    /// The last journal seq acknowledged.
    pub fn acknowledged_seq(&self) -> u64 {
        self.progress.acknowledged()
    }

    /// The last journal seq the state database holds.
    pub fn applied_seq(&self) -> u64 {
        self.progress.applied()
    }

    pub fn journal_path(&self) -> &std::path::Path {
        &self.journal_path
    }

    /// Bytes of the journal known to be synced; readers stop there.
    pub fn synced_len(&self) -> u64 {
        self.synced_len.load(std::sync::atomic::Ordering::Acquire)
    }

    /// What the pipeline has counted since the node started (`/metrics`).
    pub fn counters(&self) -> &LedgerCounters {
        &self.counters
    }
}

/// The applier could not write sled: said the same to readers and to writers.
fn state_write_failed(why: &str) -> LedgerError {
    LedgerError::Storage(format!(
        "the state database could not be written ({why}); the journal has every acknowledged change and a restart will replay it"
    ))
}

fn stopped() -> LedgerError {
    LedgerError::Storage("the ledger writer has stopped (the node is shutting down or failed); restart the node".into())
}

/// Starts the writer thread, its journal syncer and its store applier.
/// `store` must be up to date with `journal` (the caller replays first).
/// The writer ends when every [`LedgerHandle`] is dropped, after the syncer
/// has synced and answered everything and the applier has written it to sled.
pub fn spawn(
    journal: Journal,
    store: Store,
    clock: Arc<dyn Clock>,
    key: SigningKey,
    federation: FederationId,
    keys: Arc<KeyRing>,
) -> Result<(LedgerHandle, JoinHandle<()>), LedgerError> {
    let hot = Hot::load(&store)?;
    let head = hot.head()?;
    if head != journal.head() {
        return Err(LedgerError::Storage(format!(
            "the state database is at entry {} but the journal ends at entry {}; restart the node to replay the journal",
            head.0,
            journal.head().0
        )));
    }
    let progress = Arc::new(Progress::new(head.0));
    let io = |e: std::io::Error| LedgerError::Storage(format!("could not start the ledger writer: {e}"));
    let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
    let counters = Arc::new(LedgerCounters::default());
    let ledger = LedgerHandle {
        tx,
        store: store.clone(),
        journal_path: Arc::from(journal.path()),
        synced_len: journal.synced_len(),
        progress: progress.clone(),
        halted: Arc::default(),
        gate: StartGate::default(),
        passes_gate: false,
        keys: keys.clone(),
        counters: counters.clone(),
    };
    let applier = applier::spawn(store.clone(), progress.clone()).map_err(io)?;
    let sync_state = Arc::new(SyncState::default());
    let (jobs, syncer) = match syncer::spawn(journal, progress.clone(), sync_state.clone(), counters) {
        Ok(s) => s,
        Err(e) => {
            progress.close();
            let _ = applier.join();
            return Err(io(e));
        }
    };
    let writer = Writer {
        hot,
        head,
        in_flight: VecDeque::new(),
        generation: 0,
        clock,
        key,
        federation,
        keys,
        progress,
        sync_state,
        jobs: Some(jobs),
        syncer: Some(syncer),
        applier: Some(applier),
    };
    let thread = std::thread::Builder::new().name("ledger-writer".into()).spawn(move || writer.run(rx)).map_err(io)?;
    Ok((ledger, thread))
}

/// The answer to a command whose entry was just framed, made from the entry
/// and the writes it makes, with no read that could fail: a change that will
/// be synced is never answered with an error (a caller told "failed" would
/// record it again, or give up on a change that stands).
fn reply_for(entry: &JournalEntry, writes: &[StateWrite]) -> Reply {
    let written = |pick: fn(&StateWrite) -> Option<Reply>| writes.iter().find_map(pick);
    let record = match &entry.body {
        EntryBody::BankOpened { .. } => Some(Reply::Opened),
        EntryBody::PolicyChanged { .. } => Some(Reply::PolicySet),
        EntryBody::MemberJoined { member, .. } | EntryBody::MemberUpdated { member } | EntryBody::VisitorJoined { member, .. } => {
            Some(Reply::Member(member.clone()))
        }
        EntryBody::MemberIntroduced { letter, .. } => Some(Reply::Letter(letter.clone())),
        EntryBody::MemberErased { .. } => written(|w| match w {
            StateWrite::Member(m) => Some(Reply::Member(m.clone())),
            _ => None,
        }),
        EntryBody::ExchangeRecorded { .. } | EntryBody::ExchangeReversed { .. } => written(|w| match w {
            StateWrite::Exchange(x) => Some(Reply::Exchange(x.clone())),
            _ => None,
        }),
        EntryBody::ListingPosted { .. } | EntryBody::ListingClosed { .. } | EntryBody::ListingShared { .. } => written(|w| match w {
            StateWrite::Listing(l) => Some(Reply::Listing(l.clone())),
            _ => None,
        }),
        EntryBody::PeerLineSet { peer } => Some(Reply::Peer(peer.clone())),
        EntryBody::TransferSent { .. }
        | EntryBody::TransferReceived { .. }
        | EntryBody::TransferSettled { .. }
        | EntryBody::RoutedSent { .. }
        | EntryBody::TransferForwarded { .. }
        | EntryBody::RoutedDecided { .. } => written(|w| match w {
            StateWrite::Transfer(t) => Some(Reply::Transfer(t.clone())),
            _ => None,
        }),
        // A move with a balance answers the transfer that takes it along; without, the member.
        EntryBody::MemberMoved { .. } => written(|w| match w {
            StateWrite::Transfer(t) => Some(Reply::Transfer(t.clone())),
            _ => None,
        })
        .or_else(|| {
            written(|w| match w {
                StateWrite::Member(m) => Some(Reply::Member(m.clone())),
                _ => None,
            })
        }),
        EntryBody::ClearingPromised { .. } | EntryBody::ClearingSettled { .. } => written(|w| match w {
            StateWrite::Ring(r) => Some(Reply::Ring(r.clone())),
            _ => None,
        }),
        EntryBody::EvidenceRecorded { .. } => Some(Reply::EvidenceKept),
        EntryBody::Recovered { .. } => None,
        EntryBody::TransferRecalled { .. } | EntryBody::RoutedRecalled { .. } => written(|w| match w {
            StateWrite::Transfer(t) => Some(Reply::Transfer(t.clone())),
            _ => None,
        }),
    };
    // `apply` writes the record of every entry that has one; if it ever did
    // not, the caller still learns that the change was recorded, and where.
    record.unwrap_or(Reply::Recorded { seq: entry.seq })
}

/// A known transfer's record, or a known clearing's (their ids never meet).
fn transfer_reply(view: &impl LedgerRead, id: &amser_protocol::federation::TransferId) -> Result<Reply, LedgerError> {
    if let Some(t) = view.transfer(id)? {
        return Ok(Reply::Transfer(t));
    }
    Ok(Reply::Ring(view.ring(id)?.ok_or_else(|| LedgerError::Storage("transfer vanished".into()))?))
}

struct Writer {
    /// Synced state (the cache over sled).
    hot: Hot,
    /// The last entry decided (synced or in flight).
    head: (u64, EntryHash),
    /// Batches decided and handed to the syncer, not yet absorbed into
    /// `hot`, oldest first.
    in_flight: VecDeque<Arc<Delta>>,
    /// The syncer's generation these batches were decided in.
    generation: u64,
    clock: Arc<dyn Clock>,
    key: SigningKey,
    federation: FederationId,
    keys: Arc<KeyRing>,
    /// Shared with the syncer, the applier and readers.
    progress: Arc<Progress>,
    sync_state: Arc<SyncState>,
    jobs: Option<std::sync::mpsc::Sender<Job>>,
    syncer: Option<JoinHandle<()>>,
    applier: Option<JoinHandle<()>>,
}

impl Writer {
    fn run(mut self, mut rx: mpsc::Receiver<Message>) {
        let mut failure: Option<LedgerError> = None;
        let mut batch = Vec::with_capacity(MAX_BATCH_ENTRIES);
        while let Some(message) = rx.blocking_recv() {
            match message {
                Message::Command(first) => batch.push(first),
                // Closed: what is already queued is still taken below, then recv ends.
                Message::Close => rx.close(),
            }
            while batch.len() < MAX_BATCH_ENTRIES {
                match rx.try_recv() {
                    Ok(Message::Command(r)) => batch.push(r),
                    Ok(Message::Close) => rx.close(),
                    Err(_) => break,
                }
            }
            if batch.is_empty() {
                continue;
            }
            if failure.is_none() {
                failure = self.failure();
            }
            if let Some(err) = &failure {
                for req in batch.drain(..) {
                    let _ = req.reply.send(Err(err.clone()));
                }
                continue;
            }
            self.catch_up();
            let job = self.decide_batch(&mut batch);
            if let Some(delta) = &job.delta {
                self.in_flight.push_back(delta.clone());
            }
            let sent = self.jobs.as_ref().is_some_and(|jobs| jobs.send(job).is_ok());
            if !sent {
                // The syncer is gone (it panicked): its replies were dropped, so callers see the writer stopped.
                let err = LedgerError::Storage("the journal syncer stopped; restart the node".into());
                tracing::error!(error = %err, "refusing further changes until restart");
                failure = Some(err);
            }
        }
    }

    /// Decides a batch against the cache and the batches in flight; answers
    /// refusals at once, and returns the rest as a job for the syncer.
    fn decide_batch(&mut self, batch: &mut Vec<Request>) -> Job {
        let now = self.clock.now_ms();
        // Whether the cache holds only what is synced (nothing decided is still in flight).
        let only_synced = self.in_flight.is_empty();
        let mut staged = Overlay::over_sealed(&self.hot, &self.in_flight);
        let mut frames = Vec::new();
        let mut last_frame = 0;
        let mut waiting: Waiting = Vec::with_capacity(batch.len());
        let first_seq = self.head.0 + 1;
        let mut head = self.head;
        let mut tally = Tally::default();
        for req in batch.drain(..) {
            let ctx = Context { now_ms: now, key: &self.key, federation: self.federation, keys: &*self.keys };
            let outcome = step(&staged, req.command, &ctx).and_then(|step| match step {
                Step::AlreadyRecorded(id) => {
                    Ok(Reply::Exchange(staged.exchange(&id)?.ok_or_else(|| LedgerError::Storage("exchange vanished".into()))?))
                }
                Step::KnownTransfer(id) => transfer_reply(&staged, &id),
                Step::Append(appended) => {
                    head = appended.head();
                    let reply = reply_for(&appended.entry, &appended.writes);
                    tally.count(&appended.entry.body, &appended.writes);
                    staged.push(appended.writes);
                    last_frame = frames.len();
                    frame(&appended.bytes, &mut frames);
                    Ok(reply)
                }
            });
            match outcome {
                // A refusal decided against synced state only is answered now. One
                // that saw an entry not yet synced (in flight, or earlier in this
                // batch: "already reversed", "below floor") waits for that sync,
                // and is refused with it if the write fails: else a caller is told
                // of a change that a crash or a full disk may still undo.
                Err(e) if e.is_callers() && only_synced && staged.delta.is_empty() => {
                    let _ = req.reply.send(Err(e));
                }
                other => waiting.push((req.reply, other)),
            }
        }
        let delta = staged.into_delta();
        let wrote = head.0 >= first_seq;
        self.head = head;
        Job {
            generation: self.generation,
            frames,
            last_frame,
            entries: wrote.then_some((first_seq, head)),
            delta: wrote.then(|| Arc::new(delta)),
            waiting,
            tally,
        }
    }

    /// Why nothing more may be written, if so.
    fn failure(&self) -> Option<LedgerError> {
        if let Some(err) = self.sync_state.fatal() {
            return Some(err);
        }
        self.progress.failure().map(|why| state_write_failed(&why))
    }

    /// Before deciding a batch: moves synced batches into the cache; after a
    /// failed write, drops the batches decided on top of it; keeps the number
    /// in flight and sled's lag bounded.
    fn catch_up(&mut self) {
        loop {
            let generation = self.sync_state.generation();
            self.absorb_synced();
            if generation != self.generation {
                // Everything still in flight was decided on top of the write that failed, and was refused.
                self.in_flight.clear();
                self.head = self.hot.head().unwrap_or(self.head);
                self.generation = generation;
            }
            // A failed write (even a non-fatal one: a full disk) refuses the
            // batches in flight, which then never become acknowledged: the
            // generation is checked again on every round, or this would wait forever.
            if self.in_flight.len() < MAX_IN_FLIGHT_BATCHES || self.sync_state.fatal().is_some() {
                break;
            }
            let target = self.in_flight.front().and_then(|d| d.head).map_or(0, |h| h.0);
            self.progress.wait_acknowledged_blocking(target, SYNCER_WAIT);
        }
        self.hot.prune(self.progress.applied());
        let acknowledged = self.progress.acknowledged();
        while acknowledged.saturating_sub(self.progress.applied()) > MAX_UNAPPLIED_ENTRIES && self.progress.failure().is_none() {
            // (waiting hurries the applier)
            self.progress.wait_applied_blocking(acknowledged - MAX_UNAPPLIED_ENTRIES / 2, APPLIER_WAIT);
            self.hot.prune(self.progress.applied());
        }
    }

    fn absorb_synced(&mut self) {
        let synced = self.progress.acknowledged();
        while self.in_flight.front().is_some_and(|d| d.head.is_some_and(|h| h.0 <= synced)) {
            if let Some(d) = self.in_flight.pop_front() {
                self.hot.absorb(d);
            }
        }
    }
}

impl Drop for Writer {
    /// After the last batch (or a panic): lets the syncer sync and answer
    /// everything, then the applier write it to sled, then ends.
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(syncer) = self.syncer.take() {
            if syncer.join().is_err() {
                tracing::error!("the journal syncer panicked; a restart replays the journal");
            }
        }
        self.progress.close();
        if let Some(applier) = self.applier.take() {
            if applier.join().is_err() {
                tracing::error!("the state database writer panicked; a restart replays the journal");
            }
        }
        tracing::debug!("ledger writer stopped");
    }
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
