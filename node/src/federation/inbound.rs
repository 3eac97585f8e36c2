//! Other banks' direct requests, answered concurrently and within bounds.
//!
//! ```text
//!   NetEvent::Request ──► driver ──► Slots::take(bank) ──► a task: answer() ──► NetworkHandle::respond ──► gossip a decision
//!                                        │ full: Refused { busy } at once (the asker retries later)
//! ```
//!
//! Each request is answered in its own task, so the driver's event loop
//! never waits on a journal sync. A bank has at most
//! [`MAX_INBOUND_PER_BANK`] requests being answered at once and all banks
//! together at most [`MAX_INBOUND`]; a request past either bound is refused
//! as `busy` without touching the ledger. So one bank that floods, or whose
//! requests are slow, holds at most its own slots: another bank's transfer
//! waits for no request of the flooder's beyond those
//! [`MAX_INBOUND_PER_BANK`] (the bound `tests/federation` measures), only
//! for the ledger's own group commit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use amser_protocol::federation::{refusal, PeerRequest, PeerResponse, MAX_LOG_BATCH, MAX_RECALL_BATCH};
use amser_protocol::journal::BankProfile;
use amser_protocol::BankId;

use super::swarm::NetworkHandle;
use crate::ledger::{Command, LedgerError, LedgerRead, TransferRole};
use crate::storage::writer::{LedgerHandle, Reply};
use libp2p::request_response::ResponseChannel;

/// Most requests of one bank being answered at once. A payer's bank that
/// comes back with many waiting transfers sends them all together; those
/// past this bound are refused as busy and retried after its backoff.
pub const MAX_INBOUND_PER_BANK: usize = 32;
/// Most requests of all banks being answered at once.
pub const MAX_INBOUND: usize = 256;

/// Requests being answered, per bank and in all.
#[derive(Clone, Default)]
pub(super) struct Slots {
    taken: Arc<Mutex<Taken>>,
}

#[derive(Default)]
struct Taken {
    per_bank: HashMap<BankId, usize>,
    total: usize,
}

/// One request's place; given back when dropped (answered, failed or aborted).
pub(super) struct Slot {
    bank: BankId,
    taken: Arc<Mutex<Taken>>,
}

impl Slots {
    /// A place for one more request of `bank`, or `None` when it or all banks are at their bound.
    pub(super) fn take(&self, bank: BankId) -> Option<Slot> {
        let mut taken = self.taken.lock().ok()?;
        let mine = taken.per_bank.get(&bank).copied().unwrap_or(0);
        if mine >= MAX_INBOUND_PER_BANK || taken.total >= MAX_INBOUND {
            return None;
        }
        taken.per_bank.insert(bank, mine + 1);
        taken.total += 1;
        Some(Slot { bank, taken: self.taken.clone() })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut taken) = self.taken.lock() {
            taken.total = taken.total.saturating_sub(1);
            if let Some(n) = taken.per_bank.get_mut(&self.bank) {
                *n -= 1;
                if *n == 0 {
                    taken.per_bank.remove(&self.bank);
                }
            }
        }
    }
}

/// Whether a delivered message says it is a clearing (the ledger verifies it).
fn is_clearing(signed: &amser_protocol::signing::SignedMessage, federation: amser_protocol::signing::FederationId) -> bool {
    signed.open_verified_before(federation).is_ok_and(|v| v.kind == amser_protocol::signing::MessageKind::Clearing)
}

/// What answering needs, cloned into each request's task.
#[derive(Clone)]
pub(super) struct Answerer {
    pub(super) ledger: LedgerHandle,
    pub(super) profile: BankProfile,
    pub(super) net: NetworkHandle,
    /// Our key and federation: our log's pages are signed at both ends (log_chain.rs).
    pub(super) key: ed25519_dalek::SigningKey,
    pub(super) federation: amser_protocol::signing::FederationId,
    /// The room adverts held, for a peer's `Rooms` request.
    pub(super) rooms: Arc<std::sync::RwLock<super::room_book::RoomBook>>,
    /// A routed transfer we hold as a hop goes to the driver at once, to pass on (`fresh`).
    pub(super) handle: super::driver::FederationHandle,
    /// Refuse every clearing (`[federation] clearing = "decline"`).
    pub(super) decline_clearing: bool,
    /// Answer other banks' directory searches (`[directory] share`).
    pub(super) share_directory: bool,
    /// Where a recovery from peers stands (recall.rs): a routed transfer
    /// waits until the banks before us on its way are read back.
    pub(super) recovery: super::recall::Shared,
}

impl Answerer {
    /// Answers `bank`'s request on `channel`. A decision answered is
    /// gossiped after the answer has gone (it was synced before either).
    pub(super) async fn answer_on(&self, bank: BankId, request: PeerRequest, channel: ResponseChannel<PeerResponse>) {
        let response = self.answer(bank, request).await;
        let gossip = match &response {
            PeerResponse::Decided { decision } => decision.to_bytes().ok(),
            _ => None,
        };
        if let Err(e) = self.net.respond(channel, response).await {
            tracing::debug!(error = %e, "could not answer a peer");
        }
        if let Some(bytes) = gossip {
            let _ = self.net.publish(bytes).await;
        }
    }

    /// The answer to `bank`'s request. A transfer it delivers is decided by
    /// the ledger (a known one gets its decision again, whatever the bank's
    /// standing now).
    pub(super) async fn answer(&self, bank: BankId, request: PeerRequest) -> PeerResponse {
        match request {
            PeerRequest::Hello => PeerResponse::Hello { handle: self.profile.handle.clone(), name: self.profile.name.clone() },
            PeerRequest::Deliver { transfer, note: _ } if is_clearing(&transfer, self.federation) => {
                let command = Command::ReceiveClearing { signed: transfer, delivered_by: bank, decline: self.decline_clearing };
                match self.ledger.submit(command).await {
                    Ok(Reply::Ring(record)) => match record.signed_decision {
                        Some(decision) => PeerResponse::Decided { decision },
                        // Promised here: passed on round the ring by the driver.
                        None => {
                            self.handle.poke();
                            PeerResponse::Forwarded
                        }
                    },
                    Ok(_) => PeerResponse::Refused { reason: refusal::UNEXPECTED.into() },
                    Err(e) => refused(&e),
                }
            }
            PeerRequest::Deliver { transfer, note } => {
                let us_and_them = (self.profile.bank, bank);
                let unread = super::recall::unread_before(&self.recovery, &self.ledger, self.federation, us_and_them, &transfer).await;
                if !unread.is_empty() {
                    for before in unread {
                        let (net, ledger, recovery) = (self.net.clone(), self.ledger.clone(), self.recovery.clone());
                        tokio::spawn(async move { super::recall::read_back_from(&net, &ledger, &recovery, before).await });
                    }
                    return PeerResponse::Refused { reason: refusal::READING_BACK.into() };
                }
                match self.ledger.submit(Command::ReceiveTransfer { signed: transfer, note, delivered_by: bank }).await {
                    Ok(Reply::Transfer(record)) => match record.signed_decision.clone() {
                        Some(decision) => PeerResponse::Decided { decision },
                        // Held here as a hop: passed on now (and on every tick until decided).
                        None if record.role == TransferRole::Forwarded => {
                            self.handle.deliver(record);
                            PeerResponse::Forwarded
                        }
                        None => PeerResponse::Refused { reason: refusal::NOT_FOR_US.into() },
                    },
                    Ok(_) => PeerResponse::Refused { reason: refusal::UNEXPECTED.into() },
                    Err(e) => refused(&e),
                }
            }
            PeerRequest::Status { transfer } => match self.ledger.read(move |s| s.transfer(&transfer)).await {
                Ok(Ok(Some(r))) if r.role == TransferRole::Incoming && r.transfer.from == bank => match r.signed_decision {
                    Some(decision) => PeerResponse::Decided { decision },
                    None => PeerResponse::Unknown,
                },
                _ => PeerResponse::Unknown,
            },
            PeerRequest::Figures { month, max } => {
                let max = max.clamp(1, amser_protocol::federation::MAX_FIGURES_BATCH) as usize;
                PeerResponse::Figures { totals: self.handle.figures.answer(&month, max).await }
            }
            PeerRequest::NewestHead => match self.ledger.read(move |s| s.newest_head(&bank)).await {
                Ok(Ok(held)) => PeerResponse::NewestHead { head: held.map(|(_, signed)| signed) },
                _ => PeerResponse::Refused { reason: LedgerError::Storage(String::new()).code().into() },
            },
            PeerRequest::Recall { from_seq, max } => {
                let max = max.clamp(1, MAX_RECALL_BATCH) as usize;
                let page = self.ledger.read(move |s| Ok::<_, LedgerError>((s.recall_page(&bank, from_seq, max)?, s.head()?.0))).await;
                match page.and_then(|p| p) {
                    Ok(((pairs, next_seq), head_seq)) => PeerResponse::Recalled { pairs, next_seq, head_seq },
                    Err(e) => refused(&e),
                }
            }
            PeerRequest::Log { from_seq, max } => {
                let max = max.clamp(1, MAX_LOG_BATCH) as usize;
                let page = self.ledger.read(move |s| Ok::<_, LedgerError>((s.public_log(from_seq, max)?, s.head()?.0))).await;
                match page.and_then(|p| p) {
                    Ok(((entries, next_seq), head_seq)) => PeerResponse::Log { entries, next_seq, head_seq },
                    Err(e) => refused(&e),
                }
            }
            PeerRequest::ChainedLog { after, max } => self.chained_log(after, max).await,
            PeerRequest::Rooms { max } => super::advertising::answer(&self.rooms, max),
            PeerRequest::DirectorySearch { words, region, max } => self.directory(words, region, max).await,
        }
    }
}

/// A refusal as another bank sees it: the error's stable code only. The
/// text, which may name local files, stays in this bank's log.
pub(super) fn refused(e: &LedgerError) -> PeerResponse {
    tracing::debug!(error = %e, code = e.code(), "refused a peer's request");
    PeerResponse::Refused { reason: e.code().to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank(n: u8) -> BankId {
        amser_protocol::signing::bank_id(&ed25519_dalek::SigningKey::from_bytes(&[n; 32]))
    }

    #[test]
    fn a_flooding_bank_fills_only_its_own_slots_and_gets_them_back_when_answered() {
        let slots = Slots::default();
        let (mallory, gwynedd) = (bank(66), bank(2));
        let held: Vec<Slot> = (0..MAX_INBOUND_PER_BANK).map(|_| slots.take(mallory).expect("a slot within the bound")).collect();
        assert!(slots.take(mallory).is_none(), "one past the bound is refused as busy");
        let gwynedds = slots.take(gwynedd).expect("another bank is not held up by the flooder");
        drop(gwynedds);
        drop(held);
        assert!(slots.take(mallory).is_some(), "answered requests give their slots back");
    }

    #[test]
    fn all_banks_together_stay_within_the_total() {
        let slots = Slots::default();
        let banks: Vec<BankId> = (0..=(MAX_INBOUND / MAX_INBOUND_PER_BANK) as u8).map(|n| bank(100 + n)).collect();
        let mut held = Vec::new();
        for b in &banks {
            while let Some(s) = slots.take(*b) {
                held.push(s);
            }
        }
        assert_eq!(held.len(), MAX_INBOUND);
        assert!(banks.iter().all(|b| slots.take(*b).is_none()));
    }

    #[test]
    fn a_refusal_tells_the_other_bank_a_code_and_keeps_the_local_text() {
        let local = LedgerError::Storage("could not write /home/ceri/rhymney/state/db: Input/output error".into());
        match refused(&local) {
            PeerResponse::Refused { reason } => {
                assert_eq!(reason, "storage_failed");
                assert!(!reason.contains('/') && !reason.contains("ceri"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let full = LedgerError::DiskFull("the disk holding /srv/amser/journal.amj is full".into());
        assert!(matches!(refused(&full), PeerResponse::Refused { reason } if reason == "disk_full"));
    }
}
