//! Gossip: what this bank publishes on the federation's topic (its signed
//! journal head, its transfers and decisions, evidence) and what it does
//! with what others publish (equivocation, evidence, statements to pair).

use amser_protocol::encoding::{decode, encode};
use amser_protocol::federation::{Evidence, PublicMessage};
use amser_protocol::journal::JournalHead;
use amser_protocol::limits::MAX_JOURNAL_HEAD_BYTES;
use amser_protocol::signing::{FederationId, MessageKind, SignedMessage};
use amser_protocol::BankId;
use libp2p::gossipsub::MessageAcceptance;
use libp2p::PeerId;

use super::catch_up::learn;
use super::driver::Driver;
use super::swarm::{peer_of, GossipValidator};
use crate::ledger::{Command, LedgerError, LedgerRead};

/// Signed heads remembered per bank, for spotting equivocation.
pub const HEADS_KEPT: usize = 256;

/// Accepts gossip only when it is signed for this federation by the bank
/// that published it.
pub(super) struct Validator {
    pub(super) federation: FederationId,
}

impl GossipValidator for Validator {
    fn validate(&self, source: Option<&PeerId>, data: &[u8]) -> MessageAcceptance {
        let Ok(message) = SignedMessage::from_bytes(data) else { return MessageAcceptance::Reject };
        match message.verify(self.federation) {
            Ok(v) if source == Some(&peer_of(&v.signer)) => MessageAcceptance::Accept,
            _ => MessageAcceptance::Reject,
        }
    }
}

impl Driver {
    /// Signs our journal head and publishes it when it has moved.
    pub(super) async fn publish_head(&mut self) {
        let Ok((seq, hash)) = self.read(|s| s.head()).await else { return };
        if seq == self.published_head {
            return;
        }
        self.published_head = seq;
        let head = JournalHead { bank: self.profile.bank, seq, hash, time_ms: self.clock.now_ms() };
        if let Ok(body) = encode("journal head", &head) {
            self.publish(MessageKind::JournalHead, body);
        }
    }

    pub(super) async fn on_gossip(&mut self, data: Vec<u8>) {
        let Ok(message) = SignedMessage::from_bytes(&data) else { return };
        let Ok(verified) = message.verify(self.federation) else { return };
        match verified.kind {
            MessageKind::JournalHead => {
                let Ok(head) = decode::<JournalHead>("journal head", &verified.body, MAX_JOURNAL_HEAD_BYTES) else { return };
                if head.bank != verified.signer || head.bank == self.profile.bank {
                    return;
                }
                self.keep_newest_head(head.bank, head.seq, message.clone());
                let seen = self.heads.entry(head.bank).or_default();
                match seen.get(&head.seq) {
                    Some((hash, first)) if *hash != head.hash => {
                        let evidence = Evidence { first: first.clone(), second: message.clone() };
                        tracing::error!(bank = %head.bank, seq = head.seq, "a bank signed two different journal heads with one number: keeping the evidence and freezing its trust line");
                        self.record_evidence(head.bank, evidence).await;
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(head.seq, (head.hash, message));
                        while seen.len() > HEADS_KEPT {
                            seen.pop_first();
                        }
                    }
                }
            }
            MessageKind::Evidence => {
                let Ok(evidence) = decode::<Evidence>("evidence", &verified.body, amser_protocol::limits::MAX_SIGNED_MESSAGE_BYTES) else {
                    return;
                };
                let Ok(first) = evidence.first.verify(self.federation) else { return };
                let against = first.signer;
                let admitted = self.admitted.read().map(|a| a.contains(&against)).unwrap_or(false);
                if admitted && !self.peers.get(&against).is_some_and(|p| p.frozen) {
                    self.record_evidence(against, evidence).await;
                }
            }
            MessageKind::Transfer | MessageKind::Decision => {
                let admitted = self.admitted.read().map(|a| a.contains(&verified.signer)).unwrap_or(false);
                if !admitted {
                    return;
                }
                match PublicMessage::check(&message, self.federation) {
                    Ok(said) => {
                        if let Err(e) = learn(&self.ledger, &self.pairing, said, message).await {
                            tracing::warn!(error = %e, "could not keep a peer's public statement");
                        }
                    }
                    Err(e) => tracing::debug!(signer = %verified.signer, error = %e, "ignored an inter-bank message"),
                }
            }
        }
    }

    async fn record_evidence(&mut self, against: BankId, evidence: Evidence) {
        let admitted = self.admitted.read().map(|a| a.contains(&against)).unwrap_or(false);
        // Evidence against a bank we admitted is told on only once our ledger
        // has checked and kept it: we sign what we gossip, so we never pass on
        // "evidence" that is not (a forged pair), nor tell twice.
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
        if let Ok(body) = encode("evidence", &evidence) {
            self.publish(MessageKind::Evidence, body);
        }
    }
}
