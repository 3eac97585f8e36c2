//! Delivering this bank's pending transfers to the payee banks: direct
//! requests, retried with backoff until a signed decision comes back. The
//! payer's bank never decides alone that a transfer failed. Each answer is
//! compared with any other decision we hold on the transfer (`statements`).
//! A transfer just recorded here is sent as it was acknowledged (`fresh`);
//! the tick reads every pending one from the state database, for retries.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use amser_protocol::federation::{PeerRequest, PeerResponse, PublicMessage, TransferId};
use amser_protocol::BankId;

use super::driver::Driver;
use super::swarm::peer_of;
use amser_protocol::sealed::Purpose;

use crate::ledger::privacy;
use crate::ledger::{Command, LedgerError, RingRecord, TransferRecord, TransferRole};

/// First wait before re-sending an undecided transfer; doubles each time.
pub const FIRST_RETRY: Duration = Duration::from_millis(500);
/// Longest wait between two attempts to deliver one transfer.
pub const MAX_RETRY: Duration = Duration::from_secs(30);

pub(super) struct Retry {
    pub(super) next: Instant,
    pub(super) delay: Duration,
    /// The payee's bank: its reconnection resets the wait.
    pub(super) to: BankId,
}

impl Driver {
    /// Sends each pending outgoing or forwarded transfer whose next bank is connected and whose wait is over.
    pub(super) async fn deliver_pending(&mut self) -> Result<(), LedgerError> {
        let (pending, rings) = self.read(|s| Ok((s.pending_transfers()?, s.pending_rings()?))).await?;
        let now = Instant::now();
        let live: HashSet<TransferId> = pending.iter().map(|t| t.id).chain(rings.iter().map(|r| r.id)).collect();
        self.retries.retain(|id, _| live.contains(id));
        for record in pending {
            self.deliver(record, now);
        }
        for ring in rings {
            self.deliver_ring(ring, now);
        }
        Ok(())
    }

    /// Sends the transfers just recorded here (`fresh`), as they were
    /// acknowledged: nothing is read from the state database.
    pub(super) fn deliver_fresh(&mut self) {
        let now = Instant::now();
        for record in self.handle.fresh.take() {
            self.deliver(record, now);
        }
    }

    /// Whether `id` may be sent to `to` now: that bank is connected, its wait
    /// is over and it is not being sent already. If so, marks it in flight,
    /// doubles its next wait (up to [`MAX_RETRY`]) and says whether this is
    /// its first attempt.
    fn take_turn(&mut self, id: TransferId, to: BankId, now: Instant) -> Option<bool> {
        if !self.handle.presence(&to).connected {
            return None;
        }
        let retry = self.retries.entry(id).or_insert(Retry { next: now, delay: FIRST_RETRY, to });
        if retry.next > now || !self.in_flight.lock().map(|mut f| f.insert(id)).unwrap_or(false) {
            return None;
        }
        let first_attempt = retry.delay == FIRST_RETRY;
        retry.next = now + retry.delay;
        retry.delay = (retry.delay * 2).min(MAX_RETRY);
        Some(first_attempt)
    }

    /// Sends one pending outgoing transfer (or, as a hop, one we hold) to
    /// the next bank on its way if that bank is connected, the wait is over
    /// and it is not being delivered already.
    fn deliver(&mut self, record: TransferRecord, now: Instant) {
        if record.role == TransferRole::Incoming || !record.is_pending() {
            return;
        }
        let Some(to) = record.after(&self.profile.bank) else { return };
        let Some(first_attempt) = self.take_turn(record.id, to, now) else { return };
        // Gossiped once by its signer, after the next bank has it: the direct request
        // goes first, so neither bank's swarm or driver takes the gossip before it.
        let ours = record.role == TransferRole::Outgoing;
        let gossip = if first_attempt && ours { record.signed.to_bytes().ok() } else { None };
        let (net, statements, in_flight) = (self.net.clone(), self.statements(), self.in_flight.clone());
        // The note goes to the payee's bank only, opened here (empty if the payer was
        // erased since); a routed transfer's note stays here (hops would read it).
        let direct = record.path.is_empty();
        let note =
            if direct { privacy::open_text(&**self.ledger.keys(), Purpose::Note, record.note.as_ref()).ok().flatten() } else { None };
        let note = note.unwrap_or_default();
        self.tasks.spawn(async move {
            let id = record.id;
            let request = PeerRequest::Deliver { transfer: record.signed, note };
            let answer = net.request(peer_of(&to), request).await;
            if let Some(bytes) = gossip {
                let _ = net.publish(bytes).await;
            }
            match answer {
                Ok(PeerResponse::Decided { decision }) => {
                    match statements.ledger.submit(Command::ApplyDecision { signed: decision.clone() }).await {
                        Ok(_) => tracing::info!(transfer = %id, "transfer settled"),
                        Err(e) => tracing::warn!(transfer = %id, error = %e, "the other bank's decision was refused"),
                    }
                    // What it answers us must be what it said to everyone else
                    // (compared after settling, so a decision that raced in by gossip is in our record).
                    if let Ok(PublicMessage::Decision(d)) = PublicMessage::check(&decision, statements.federation) {
                        if let Err(e) = statements.compare_decision(&d, &decision).await {
                            tracing::warn!(transfer = %id, error = %e, "could not compare the other bank's decision with what we hold");
                        }
                    }
                }
                Ok(PeerResponse::Forwarded) => {
                    tracing::debug!(transfer = %id, "held by the next bank and passed on; will ask again for the decision")
                }
                Ok(PeerResponse::Refused { reason }) => {
                    tracing::warn!(transfer = %id, %reason, "the other bank refused the transfer for now; will retry")
                }
                Ok(_) => tracing::warn!(transfer = %id, "unexpected answer to a transfer; will retry"),
                Err(e) => tracing::debug!(transfer = %id, error = %e, "delivery failed; will retry"),
            }
            in_flight.lock().map(|mut f| f.remove(&id)).ok();
        });
    }

    /// Passes a clearing we proposed or promised on to the next bank on its
    /// way round the ring, as for a transfer: when connected, after its wait,
    /// not twice at once; its answer (the proposer's decision, or a
    /// rejection) settles it here.
    fn deliver_ring(&mut self, ring: RingRecord, now: Instant) {
        let way = ring.clearing.way();
        let Some(at) = way[..way.len() - 1].iter().position(|b| *b == self.profile.bank) else { return };
        let to = way[at + 1];
        if self.take_turn(ring.id, to, now).is_none() {
            return;
        }
        let (net, statements, in_flight) = (self.net.clone(), self.statements(), self.in_flight.clone());
        self.tasks.spawn(async move {
            let id = ring.id;
            let answer = net.request(peer_of(&to), PeerRequest::Deliver { transfer: ring.signed, note: String::new() }).await;
            match answer {
                Ok(PeerResponse::Decided { decision }) => match statements.ledger.submit(Command::ApplyDecision { signed: decision }).await
                {
                    Ok(_) => tracing::info!(clearing = %id, "clearing settled"),
                    Err(e) => tracing::warn!(clearing = %id, error = %e, "the decision on a clearing was refused"),
                },
                Ok(PeerResponse::Forwarded) => tracing::debug!(clearing = %id, "promised by the next bank and passed on"),
                Ok(PeerResponse::Refused { reason }) => {
                    tracing::warn!(clearing = %id, %reason, "the next bank refused the clearing for now; will retry")
                }
                Ok(_) => tracing::warn!(clearing = %id, "unexpected answer to a clearing; will retry"),
                Err(e) => tracing::debug!(clearing = %id, error = %e, "passing the clearing on failed; will retry"),
            }
            in_flight.lock().map(|mut f| f.remove(&id)).ok();
        });
    }
}
