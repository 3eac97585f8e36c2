//! Other banks' public statements as they reach us (gossip, catch-up pages,
//! answers to our deliveries): a decision on one of our own transfers
//! settles it; every decision is compared with the one we already hold for
//! that transfer (two verdicts from one bank are evidence: kept, the line
//! frozen, gossiped); and decided pairs are kept only as `vouching` allows.
//!
//! ```text
//!  decision ──► compare with ledger record / kept pair / waiting half ──► evidence? tell
//!      │──► our pending transfer? ApplyDecision
//!      └──► pairing ──► pair ──► vouching.offer ──► remember_pair (or not kept)
//! ```

use std::sync::{Arc, Mutex, RwLock};

use amser_protocol::encoding::encode;
use amser_protocol::federation::{Decision, Equivocation, Evidence, PublicMessage};
use amser_protocol::signing::{sign, FederationId, MessageKind, SignedMessage};
use amser_protocol::BankId;
use ed25519_dalek::SigningKey;

use super::driver::Driver;
use super::pairing::Pairing;
use super::swarm::NetworkHandle;
use super::vouching::{Keep, PairSummary, Vouching};
use crate::ledger::{Command, LedgerError, LedgerRead, TransferRole};
use crate::storage::store::{DecidedPair, Store};
use crate::storage::writer::LedgerHandle;

/// What a task needs to take in other banks' statements; cheap to clone.
#[derive(Clone)]
pub(super) struct Statements {
    pub(super) ledger: LedgerHandle,
    pub(super) net: NetworkHandle,
    /// Our key: evidence we tell on is signed by us.
    pub(super) key: SigningKey,
    pub(super) federation: FederationId,
    pub(super) pairing: Arc<Mutex<Pairing>>,
    pub(super) vouching: Arc<RwLock<Vouching>>,
}

impl Driver {
    pub(super) fn statements(&self) -> Statements {
        Statements {
            ledger: self.ledger.clone(),
            net: self.net.clone(),
            key: self.key.clone(),
            federation: self.federation,
            pairing: self.pairing.clone(),
            vouching: self.vouching.clone(),
        }
    }

    /// After the admitted banks change (and at start): rebuilds who the
    /// federation is from the pairs kept, forgets the pairs that now fall
    /// outside the rules, and drops what is kept per bank for banks no
    /// longer known.
    pub(super) async fn refresh_vouching(&mut self) {
        let admitted: Vec<BankId> = self.peers.values().filter(|l| !l.removed).map(|l| l.bank).collect();
        let (vouching, federation) = (self.vouching.clone(), self.federation);
        let forgotten = on_store(&self.ledger, move |s| {
            let kept = s.kept_pairs()?;
            let (pairs, summaries): (Vec<&DecidedPair>, Vec<PairSummary>) =
                kept.iter().filter_map(|p| summary(p, federation).map(|s| (p, s))).unzip();
            let forget = vouching.write().map(|mut v| v.rebuild(admitted, &summaries)).unwrap_or_default();
            for i in &forget {
                s.forget_pair(&pairs[*i].id)?;
            }
            Ok::<_, LedgerError>(forget.len())
        })
        .await;
        match forgotten {
            Ok(0) => {}
            Ok(n) => tracing::info!(pairs = n, "forgot other banks' statements no admitted bank vouches for now"),
            Err(e) => tracing::warn!(error = %e, "could not check the statements kept against the admitted banks"),
        }
        if let (Ok(mut book), Ok(mut vouching)) = (self.rooms.write(), self.vouching.write()) {
            super::advertising::settle(&mut book, &mut vouching);
        }
        let known = self.vouching.read().map(|v| v.known()).unwrap_or_default();
        self.heads.retain(|bank, _| known.contains(bank));
    }
}

/// The banks and verdict of a kept pair, read without verifying again.
fn summary(pair: &DecidedPair, federation: FederationId) -> Option<PairSummary> {
    let Ok(PublicMessage::Transfer { transfer, .. }) = PublicMessage::read_kept(&pair.transfer, federation) else { return None };
    let Ok(PublicMessage::Decision(d)) = PublicMessage::read_kept(&pair.decision, federation) else { return None };
    Some(PairSummary::new(transfer.from, d.by, &d.verdict))
}

impl Statements {
    /// Takes a checked public statement: a decision is compared with what we
    /// hold, and settles our own pending transfer; a transfer and its
    /// decision, once both are here, are kept if vouched for. Returns
    /// whether that kept something new.
    pub(super) async fn learn(&self, said: PublicMessage, signed: SignedMessage) -> Result<bool, String> {
        if let PublicMessage::Decision(decision) = &said {
            let id = decision.transfer;
            let (ours, ring) = on_store(&self.ledger, move |s| Ok::<_, LedgerError>((s.transfer(&id)?, s.ring(&id)?))).await?;
            // A clearing we proposed or promised, decided (the ledger checks by whom).
            if ring.is_some_and(|r| r.is_pending() && r.clearing.ring.contains(&decision.by)) {
                match self.ledger.submit(Command::ApplyDecision { signed: signed.clone() }).await {
                    Ok(_) => tracing::debug!(clearing = %id, "settled from a bank's public statement"),
                    Err(e) => tracing::warn!(clearing = %id, error = %e, "a decision on a clearing was refused"),
                }
            }
            // Ours to settle: one we sent or hold as a hop, decided by a bank on its
            // way (the ledger checks that this bank may decide it here).
            let settles = |r: &crate::ledger::TransferRecord| {
                r.role != TransferRole::Incoming && r.is_pending() && r.banks().contains(&decision.by) && decision.by != r.transfer.from
            };
            if ours.is_some_and(|r| settles(&r)) {
                match self.ledger.submit(Command::ApplyDecision { signed: signed.clone() }).await {
                    Ok(_) => tracing::debug!(transfer = %id, "settled (or already settled) from the other bank's public statement"),
                    Err(e) => tracing::warn!(transfer = %id, error = %e, "the other bank's decision was refused"),
                }
            }
            // After settling: of two decisions racing in by two paths, the later
            // to settle finds the other in our record.
            self.compare_decision(decision, &signed).await?;
        }
        // A half waits on its signer's word if we know the signer, else on the
        // word of the bank that must decide it (whose log brought it).
        let signer = said.signer();
        let charged = match &said {
            PublicMessage::Transfer { transfer, .. } if !self.vouching.read().is_ok_and(|v| v.knows(&signer)) => transfer.to,
            _ => signer,
        };
        let pair = self.pairing.lock().map_err(|_| "the pairing lock is poisoned".to_string())?.offer(&said, signed, charged);
        match pair {
            Some(pair) => self.keep(pair).await,
            None => Ok(false),
        }
    }

    /// Keeps a decided pair if the rules allow it and it is new.
    async fn keep(&self, pair: DecidedPair) -> Result<bool, String> {
        let Some(summary) = summary(&pair, self.federation) else { return Ok(false) };
        let id = pair.id;
        if on_store(&self.ledger, move |s| s.kept_pair(&id)).await?.is_some() {
            return Ok(false);
        }
        let keep = self.vouching.write().map(|mut v| v.offer(&summary)).unwrap_or(Keep::No);
        if keep == Keep::No {
            tracing::debug!(transfer = %pair.id, "not kept: no admitted bank vouches for its banks (or its bound is reached)");
            return Ok(false);
        }
        on_store(&self.ledger, move |s| s.remember_pair(&pair)).await
    }

    /// Compares a decision that arrived with every other decision we hold on
    /// the same transfer (our ledger's record of it, the pair kept, a half
    /// waiting to be paired): if one bank signed two verdicts, that is
    /// evidence, and it is told.
    pub(super) async fn compare_decision(&self, decision: &Decision, signed: &SignedMessage) -> Result<(), String> {
        let id = decision.transfer;
        let (record, kept) = on_store(&self.ledger, move |s| Ok::<_, LedgerError>((s.transfer(&id)?, s.kept_pair(&id)?))).await?;
        let waiting = self.pairing.lock().ok().and_then(|p| p.waiting_decision(&id));
        let held = record.and_then(|r| r.signed_decision).into_iter().chain(kept.map(|(_, d)| d)).chain(waiting);
        for first in held.filter(|d| d != signed) {
            let evidence = Evidence { first, second: signed.clone() };
            if let Ok((against, Equivocation::Decisions { transfer })) = evidence.check(self.federation) {
                tracing::error!(bank = %against, %transfer, "a bank signed two different decisions on one transfer: keeping the evidence and freezing its trust line");
                self.tell(against, evidence).await;
                break;
            }
        }
        Ok(())
    }

    /// Keeps evidence against a bank we admitted (our ledger checks it and
    /// freezes the line), then gossips it signed by us. Evidence against a
    /// bank we did not admit is checked here and only passed on. We never
    /// tell what is not evidence, nor tell twice.
    pub(super) async fn tell(&self, against: BankId, evidence: Evidence) {
        if !evidence.check(self.federation).is_ok_and(|(bank, _)| bank == against) {
            return;
        }
        let admitted = self.vouching.read().map(|v| v.admitted(&against)).unwrap_or(false);
        if admitted {
            match self.ledger.submit(Command::RecordEvidence { against, evidence: evidence.clone() }).await {
                Ok(_) => {}
                Err(LedgerError::PeerFrozen(_) | LedgerError::EvidenceHandled(_)) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "refused evidence against a peer bank");
                    return;
                }
            }
        }
        let signed = encode("evidence", &evidence).ok().and_then(|body| sign(&self.key, MessageKind::Evidence, self.federation, body).ok());
        match signed.map(|m| m.to_bytes()) {
            Some(Ok(bytes)) => {
                if let Err(e) = self.net.publish(bytes).await {
                    tracing::debug!(error = %e, "could not gossip the evidence");
                }
            }
            _ => tracing::warn!("could not sign the evidence for gossip"),
        }
    }
}

/// Runs `f` on the state database (see [`LedgerHandle::with_store`]): reads,
/// and the federation view's own writes (log cursors, kept pairs), with any
/// error as text for the log line.
pub(super) async fn on_store<T: Send + 'static, E: Into<LedgerError>>(
    ledger: &LedgerHandle,
    f: impl FnOnce(&Store) -> Result<T, E> + Send + 'static,
) -> Result<T, String> {
    ledger.with_store(move |s| f(s).map_err(Into::into)).await.and_then(|r| r).map_err(|e| e.to_string())
}
