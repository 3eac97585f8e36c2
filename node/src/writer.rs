//! The ledger writer: one thread that owns the journal and is the only
//! writer of the store. It takes commands in batches (group commit):
//!
//! ```text
//!  API tasks ──submit──► [bounded queue] ──► writer thread
//!                                             │ take everything waiting (≤ MAX_BATCH_ENTRIES)
//!                                             │ decide + apply each against Staged(store)
//!                                             │ journal: one write + one fdatasync
//!                                             │ store: one atomic sled batch
//!  API tasks ◄──────────── replies ───────────┘ (only now: nothing is acknowledged before the sync)
//! ```
//!
//! Requests that arrive while a sync is in flight wait in the queue and share
//! the next one. Refusals are answered at once (they write nothing). After a
//! failed sync or store write the writer refuses everything until restart:
//! the journal stays the truth and a restart replays it.

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::thread::JoinHandle;

use amser_protocol::journal::{EntryBody, JournalEntry};
use amser_protocol::Member;
use tokio::sync::{mpsc, oneshot};

use crate::clock::Clock;
use crate::journal::{frame, Journal, JournalError};
use crate::ledger::{apply, decide, Command, Context, Decision, ExchangeRecord, LedgerError, LedgerRead, ListingRecord, Staged};
use crate::store::Store;
use amser_protocol::signing::FederationId;
use ed25519_dalek::SigningKey;

/// Most entries written in one group commit.
pub const MAX_BATCH_ENTRIES: usize = 256;
/// Most commands waiting for the writer; further submitters wait for room.
pub const QUEUE_DEPTH: usize = 4096;

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
    EvidenceKept,
}

struct Request {
    command: Command,
    reply: oneshot::Sender<Result<Reply, LedgerError>>,
}

/// A cheap handle to the ledger: submit commands, read committed state.
#[derive(Clone)]
pub struct Ledger {
    tx: mpsc::Sender<Request>,
    store: Store,
    journal_path: PathBuf,
    synced_len: Arc<AtomicU64>,
}

impl Ledger {
    /// Submits a command and waits until it is durably recorded (or refused).
    pub async fn submit(&self, command: Command) -> Result<Reply, LedgerError> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Request { command, reply }).await.map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }

    /// The same, from a thread that is not async (init, tools).
    pub fn submit_blocking(&self, command: Command) -> Result<Reply, LedgerError> {
        let (reply, rx) = oneshot::channel();
        self.tx.blocking_send(Request { command, reply }).map_err(|_| stopped())?;
        rx.blocking_recv().map_err(|_| stopped())?
    }

    /// Committed state (only what has been synced is ever visible here).
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn journal_path(&self) -> &std::path::Path {
        &self.journal_path
    }

    /// Bytes of the journal known to be synced; readers stop there.
    pub fn synced_len(&self) -> u64 {
        self.synced_len.load(std::sync::atomic::Ordering::Acquire)
    }
}

fn stopped() -> LedgerError {
    LedgerError::Storage("the ledger writer has stopped (the node is shutting down or failed); restart the node".into())
}

fn journal_to_ledger(e: JournalError) -> LedgerError {
    match e {
        JournalError::DiskFull { .. } => LedgerError::DiskFull(e.to_string()),
        other => LedgerError::Storage(other.to_string()),
    }
}

/// Starts the writer thread. It ends when every [`Ledger`] handle is dropped.
pub fn spawn(
    journal: Journal,
    store: Store,
    clock: Arc<dyn Clock>,
    key: SigningKey,
    federation: FederationId,
) -> std::io::Result<(Ledger, JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
    let ledger = Ledger { tx, store: store.clone(), journal_path: journal.path().to_path_buf(), synced_len: journal.synced_len() };
    let thread = std::thread::Builder::new().name("ledger-writer".into()).spawn(move || run(journal, store, clock, key, federation, rx))?;
    Ok((ledger, thread))
}

fn reply_for(view: &impl LedgerRead, body: &EntryBody) -> Result<Reply, LedgerError> {
    Ok(match body {
        EntryBody::BankOpened { .. } => Reply::Opened,
        EntryBody::PolicyChanged { .. } => Reply::PolicySet,
        EntryBody::MemberJoined { member, .. } | EntryBody::MemberUpdated { member } => Reply::Member(member.clone()),
        EntryBody::ExchangeRecorded { exchange } => {
            Reply::Exchange(view.exchange(&exchange.id)?.ok_or_else(|| LedgerError::Storage("exchange vanished".into()))?)
        }
        EntryBody::ExchangeReversed { reversal } => {
            Reply::Exchange(view.exchange(&reversal.exchange)?.ok_or_else(|| LedgerError::Storage("exchange vanished".into()))?)
        }
        EntryBody::ListingPosted { listing } => {
            Reply::Listing(view.listing(&listing.id)?.ok_or_else(|| LedgerError::Storage("listing vanished".into()))?)
        }
        EntryBody::ListingClosed { listing } => {
            Reply::Listing(view.listing(listing)?.ok_or_else(|| LedgerError::Storage("listing vanished".into()))?)
        }
        EntryBody::PeerLineSet { peer } => Reply::Peer(peer.clone()),
        EntryBody::TransferSent { transfer, .. } | EntryBody::TransferReceived { transfer, .. } => {
            let id = transfer.id().map_err(|e| LedgerError::Storage(e.to_string()))?;
            transfer_reply(view, &id)?
        }
        EntryBody::TransferSettled { transfer, .. } => transfer_reply(view, transfer)?,
        EntryBody::EvidenceRecorded { .. } => Reply::EvidenceKept,
    })
}

fn transfer_reply(view: &impl LedgerRead, id: &amser_protocol::federation::TransferId) -> Result<Reply, LedgerError> {
    Ok(Reply::Transfer(view.transfer(id)?.ok_or_else(|| LedgerError::Storage("transfer vanished".into()))?))
}

type Waiting = Vec<(oneshot::Sender<Result<Reply, LedgerError>>, Result<Reply, LedgerError>)>;

fn run(
    mut journal: Journal,
    store: Store,
    clock: Arc<dyn Clock>,
    key: SigningKey,
    federation: FederationId,
    mut rx: mpsc::Receiver<Request>,
) {
    let mut failure: Option<LedgerError> = None;
    let mut batch = Vec::with_capacity(MAX_BATCH_ENTRIES);
    let mut frames = Vec::with_capacity(64 * 1024);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH_ENTRIES {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        if let Some(err) = &failure {
            for req in batch.drain(..) {
                let _ = req.reply.send(Err(err.clone()));
            }
            continue;
        }
        let now = clock.now_ms();
        let mut staged = Staged::new(&store);
        let mut waiting: Waiting = Vec::with_capacity(batch.len());
        frames.clear();
        let mut head = journal.head();
        for req in batch.drain(..) {
            let ctx = Context { now_ms: now, key: &key, federation };
            let outcome = decide(&staged, req.command, &ctx).and_then(|decision| match decision {
                Decision::AlreadyRecorded(id) => {
                    Ok(Reply::Exchange(staged.exchange(&id)?.ok_or_else(|| LedgerError::Storage("exchange vanished".into()))?))
                }
                Decision::KnownTransfer(id) => transfer_reply(&staged, &id),
                Decision::Append(body) => {
                    let entry = JournalEntry { seq: head.0 + 1, prev_hash: head.1, time_ms: now, body };
                    let bytes = entry.encode().map_err(|e| LedgerError::Storage(e.to_string()))?;
                    if bytes.len() > amser_protocol::limits::MAX_ENTRY_BYTES {
                        return Err(LedgerError::Text(amser_protocol::text::TextError::TooLong {
                            field: "entry",
                            chars: bytes.len(),
                            max: amser_protocol::limits::MAX_ENTRY_BYTES,
                        }));
                    }
                    let hash = JournalEntry::hash_of_bytes(&bytes);
                    let writes = apply(&staged, &entry, hash)?;
                    staged.push(writes);
                    frame(&bytes, &mut frames);
                    head = (entry.seq, hash);
                    reply_for(&staged, &entry.body)
                }
            });
            match outcome {
                // Refusals wrote nothing and depend on nothing unsynced being kept: answer now.
                Err(e) if e.is_callers() => {
                    let _ = req.reply.send(Err(e));
                }
                other => waiting.push((req.reply, other)),
            }
        }
        if !frames.is_empty() {
            if let Err(e) = journal.append(&frames, head) {
                let err = journal_to_ledger(e);
                if matches!(err, LedgerError::Storage(_)) {
                    tracing::error!(error = %err, "journal write failed; refusing further changes until restart");
                    failure = Some(err.clone());
                } else {
                    tracing::warn!(error = %err, "journal write refused");
                }
                for (reply, _) in waiting.drain(..) {
                    let _ = reply.send(Err(err.clone()));
                }
                continue;
            }
            if let Err(e) = store.apply(&staged.writes) {
                let err = LedgerError::Storage(format!("{e}; the journal has the change and a restart will replay it"));
                tracing::error!(error = %err, "state write failed after the journal sync; refusing further changes until restart");
                failure = Some(err.clone());
                for (reply, _) in waiting.drain(..) {
                    let _ = reply.send(Err(err.clone()));
                }
                continue;
            }
        }
        for (reply, outcome) in waiting.drain(..) {
            let _ = reply.send(outcome);
        }
    }
    tracing::debug!("ledger writer stopped");
}
