//! Recovery from peers: reading back from each bank the transfers between
//! it and us, each with the payee bank's signed decision, and putting back
//! what our journal lacks (after a restore from an older backup, or any
//! copy put back in place of the journal and state).
//!
//! ```text
//!  head_check: a peer holds a head of ours past our journal's end
//!     └─► halt (refuse new work) ─► Recover { peers_saw } (numbered past every head they hold)
//!  every connected peer, on connect and while recovering:
//!     Recall { from_seq } pages ─► Command::Recall per pair ─► TransferRecalled / TransferSettled / nothing
//!  on tick: recovering, and every connected peer read to its end ─► resume (take new work)
//! ```
//!
//! Outside a recovery the same reading runs on each connection from a
//! cursor (`vr:` in the federation view), so a peer away during a recovery
//! is read when it comes back; then every pair is already known and
//! nothing is written.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use amser_protocol::federation::{PeerRequest, PeerResponse, MAX_RECALL_BATCH};
use amser_protocol::route::RoutedTransfer;
use amser_protocol::signing::{FederationId, MessageKind, SignedMessage};
use amser_protocol::BankId;

use super::driver::Driver;
use super::swarm::{peer_of, NetworkHandle};
use crate::ledger::{Command, LedgerError, LedgerRead};
use crate::storage::writer::LedgerHandle;

/// Most pages of one bank's recall read in one go (then again on the next tick).
pub const MAX_RECALL_PAGES: usize = 1_024;

/// Where a recovery stands.
#[derive(Default)]
pub(super) struct Recovery {
    /// A `Recovered` entry was written in this run and the ledger waits for
    /// every connected peer to be read back.
    pub(super) active: bool,
    /// Banks read to their end since the recovery began.
    pub(super) recalled: HashSet<BankId>,
    /// Banks being read now.
    pub(super) running: HashSet<BankId>,
    /// Banks not yet read to their end since the last recovery (kept as
    /// `vq:` in the federation view, so across restarts).
    pub(super) unread: HashSet<BankId>,
}

pub(super) type Shared = Arc<Mutex<Recovery>>;

/// What became of a request to start a recovery.
pub(super) enum Began {
    /// A `Recovered` entry was written: the ledger numbers on past the head.
    Started,
    /// Our journal already reaches past that head (another peer's answer
    /// started a recovery a moment ago, or an entry landed meanwhile): judge again.
    AlreadyPast,
    /// The ledger could not write it (logged).
    Failed,
}

/// Starts a recovery: our journal ends below `peers_saw`, a head of ours a peer holds.
pub(super) async fn begin(ledger: &LedgerHandle, recovery: &Shared, peers_saw: u64) -> Began {
    match ledger.submit(Command::Recover { peers_saw }).await {
        Ok(_) => {
            tracing::warn!(peers_saw, "the journal was behind what peers hold: numbering on past it and reading back from every peer");
            let marked = ledger
                .with_store(|s| s.peers().and_then(|lines| s.begin_reading_back(&lines.iter().map(|l| l.bank).collect::<Vec<_>>())))
                .await;
            if !matches!(marked, Ok(Ok(()))) {
                tracing::error!("could not note which peers are to be read back; deciding routed transfers may repeat a lost decision");
            }
            if let Ok(mut r) = recovery.lock() {
                r.active = true;
                r.recalled.clear();
                r.unread = ledger.store().unread_banks().unwrap_or_default().into_iter().collect();
            }
            Began::Started
        }
        Err(LedgerError::BadMessage(why)) => {
            tracing::debug!(%why, "no recovery needed for this head");
            Began::AlreadyPast
        }
        Err(e) => {
            tracing::error!(error = %e, "could not start recovering from peers");
            Began::Failed
        }
    }
}

impl Driver {
    /// Reads back from `bank`, in a task, what it holds of transfers between us.
    pub(super) fn recall_from(&mut self, bank: BankId) {
        let (net, ledger, recovery) = (self.net.clone(), self.ledger.clone(), self.recovery.clone());
        self.tasks.spawn(async move { read_back_from(&net, &ledger, &recovery, bank).await });
    }

    /// While recovering: reads back from every connected peer not yet read,
    /// and once all are, lets the ledger take new work again.
    pub(super) fn recover_due(&mut self) {
        let connected: Vec<BankId> = self.connected_peers().collect();
        let (active, left): (bool, Vec<BankId>) = match self.recovery.lock() {
            Ok(r) => (r.active, connected.iter().copied().filter(|b| !r.recalled.contains(b)).collect()),
            Err(_) => return,
        };
        if !active {
            return;
        }
        if left.is_empty() {
            if let Ok(mut r) = self.recovery.lock() {
                r.active = false;
            }
            self.ledger.resume();
            tracing::info!("recovered from peers: taking new work again");
            return;
        }
        for bank in left {
            self.recall_from(bank);
        }
    }
}

/// Reads back from `bank` (unless already under way) and notes it read when done.
pub(super) async fn read_back_from(net: &NetworkHandle, ledger: &LedgerHandle, recovery: &Shared, bank: BankId) {
    if !recovery.lock().is_ok_and(|mut r| r.running.insert(bank)) {
        return;
    }
    let outcome = read_back(net, ledger, bank).await;
    if let Ok((_, true)) = outcome {
        if !matches!(ledger.with_store(move |s| s.read_back(&bank)).await, Ok(Ok(()))) {
            tracing::warn!(%bank, "could not note a peer read back; will read it again");
        }
    }
    if let Ok(mut r) = recovery.lock() {
        r.running.remove(&bank);
        if let Ok((_, true)) = outcome {
            r.unread.remove(&bank);
        }
        match outcome {
            Ok((n, _)) => {
                if n > 0 {
                    tracing::info!(%bank, transfers = n, "read back the transfers between us from a peer");
                }
                r.recalled.insert(bank);
            }
            Err(e) => tracing::info!(%bank, error = %e, "could not read back from a peer; will try again"),
        }
    }
}

/// Pages through `bank`'s recall from our cursor to its end, putting back
/// each pair (the ledger writes only what it lacks). Returns how many pairs
/// were read, and whether the read reached the end of its journal.
async fn read_back(net: &NetworkHandle, ledger: &LedgerHandle, bank: BankId) -> Result<(usize, bool), String> {
    let text = |e: LedgerError| e.to_string();
    let mut put_back = 0;
    for _ in 0..MAX_RECALL_PAGES {
        let from_seq = ledger.with_store(move |s| s.recall_cursor(&bank)).await.map_err(text)?.map_err(|e| e.to_string())?;
        let answer =
            net.request(peer_of(&bank), PeerRequest::Recall { from_seq, max: MAX_RECALL_BATCH }).await.map_err(|e| e.to_string())?;
        let (pairs, next_seq, head_seq) = match answer {
            PeerResponse::Recalled { pairs, next_seq, head_seq } => (pairs, next_seq, head_seq),
            PeerResponse::Refused { reason } => return Err(format!("the bank refused: {reason}")),
            _ => return Err("an answer that is not a recall".into()),
        };
        if pairs.len() > MAX_RECALL_BATCH as usize || next_seq <= from_seq {
            return Err(format!("a recall page that does not move on (from {from_seq} to {next_seq}, {} pairs)", pairs.len()));
        }
        for pair in pairs {
            // Each pair is checked by the ledger: signed by its two banks, one of them us.
            match ledger.submit(Command::Recall { transfer: pair.transfer, decision: pair.decision, from: bank }).await {
                Ok(_) => put_back += 1,
                Err(e) if e.is_callers() => tracing::warn!(%bank, error = %e, "a recalled transfer was refused"),
                Err(e) => return Err(e.to_string()),
            }
        }
        ledger.with_store(move |s| s.set_recall_cursor(&bank, next_seq)).await.map_err(text)?.map_err(|e| e.to_string())?;
        if next_seq > head_seq {
            return Ok((put_back, true));
        }
    }
    Ok((put_back, false))
}

/// Before deciding again (DESIGN.md §2c, "A hop that lost its disk"): the
/// banks on a routed transfer's way before us, other than `delivered_by`,
/// not read back since our last recovery, when we hold no record of it. A
/// decision we signed before the disk was lost reached only those banks
/// (the answer back along the path, the gossip to the banks before it), and
/// `delivered_by`, delivering it again, holds none; deciding before reading
/// the others back could sign a second decision, perhaps a different one.
pub(super) async fn unread_before(
    recovery: &Shared,
    ledger: &LedgerHandle,
    federation: FederationId,
    (us, delivered_by): (BankId, BankId),
    signed: &SignedMessage,
) -> Vec<BankId> {
    let unread = match recovery.lock() {
        Ok(r) if !r.unread.is_empty() => r.unread.clone(),
        _ => return Vec::new(),
    };
    // One that does not verify is refused by the ledger.
    let Ok(verified) = signed.verify(federation) else { return Vec::new() };
    let Some(routed) = (verified.kind == MessageKind::RoutedTransfer).then(|| RoutedTransfer::decode(&verified.body).ok()).flatten() else {
        return Vec::new();
    };
    let Ok(id) = routed.id() else { return Vec::new() };
    if matches!(ledger.read(move |s| s.transfer(&id)).await, Ok(Ok(Some(_)))) {
        return Vec::new();
    }
    routed.path.iter().take_while(|b| **b != us).filter(|b| **b != delivered_by && unread.contains(b)).copied().collect()
}
