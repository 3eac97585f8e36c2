//! Gossip: what this bank publishes on the federation's topic (its signed
//! journal head, its transfers and decisions, evidence) and what it does
//! with what others publish (equivocation, evidence, statements to pair).
//! Only banks the federation knows through admitted links (`vouching`) are
//! heard: a message from any other signer is ignored, so never forwarded.
//! Transfers and decisions heard are taken in (`statements`) in tasks of
//! their own, at most `MAX_LEARNING` at once.

use std::sync::{Arc, RwLock};

use amser_protocol::encoding::{decode, encode};
use amser_protocol::federation::{Evidence, PublicMessage};
use amser_protocol::journal::JournalHead;
use amser_protocol::limits::{MAX_JOURNAL_HEAD_BYTES, MAX_SIGNED_MESSAGE_BYTES};
use amser_protocol::signing::{FederationId, MessageKind, SignedMessage};
use libp2p::gossipsub::MessageAcceptance;
use libp2p::PeerId;

use super::driver::Driver;
use super::swarm::{peer_of, GossipValidator};
use super::vouching::Vouching;
use crate::ledger::{LedgerError, LedgerRead};

/// Signed heads remembered per bank, for spotting equivocation.
pub const HEADS_KEPT: usize = 256;

/// Accepts gossip only when it is signed for this federation by the bank
/// that published it, and that bank is known to the federation through
/// admitted links. Bad bytes and bad signatures are rejected (they count
/// against the peer that sent them); a good message from a bank we do not
/// know is ignored (not forwarded, but no fault of the peer that relayed it:
/// that bank may be one the relay admitted).
pub struct Validator {
    pub federation: FederationId,
    pub vouching: Arc<RwLock<Vouching>>,
}

impl GossipValidator for Validator {
    fn validate(&self, source: Option<&PeerId>, data: &[u8]) -> MessageAcceptance {
        let Ok(message) = SignedMessage::from_bytes(data) else { return MessageAcceptance::Reject };
        match message.verify(self.federation) {
            Ok(v) if source == Some(&peer_of(&v.signer)) => {
                if self.vouching.read().is_ok_and(|k| k.knows(&v.signer)) {
                    MessageAcceptance::Accept
                } else {
                    MessageAcceptance::Ignore
                }
            }
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
        // Kept before it is signed: the head check looks up what a peer holds of ours here.
        if let Err(e) = self.ledger.with_store(move |s| s.keep_our_head(seq, &hash)).await.and_then(|r| r.map_err(LedgerError::from)) {
            tracing::warn!(error = %e, "could not keep our head; not gossiping it");
            return;
        }
        let head = JournalHead { bank: self.profile.bank, seq, hash, time_ms: self.clock.now_ms() };
        if let Ok(body) = encode("journal head", &head) {
            self.publish(MessageKind::JournalHead, body);
        }
    }

    pub(super) async fn on_gossip(&mut self, data: Vec<u8>) {
        let Ok(message) = SignedMessage::from_bytes(&data) else { return };
        let Ok(verified) = message.verify(self.federation) else { return };
        // The validator heard only known banks; a bank can stop being known between the two.
        if !self.vouching.read().is_ok_and(|v| v.knows(&verified.signer)) {
            return;
        }
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
                        self.statements().tell(head.bank, evidence).await;
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
                let Ok(evidence) = decode::<Evidence>("evidence", &verified.body, MAX_SIGNED_MESSAGE_BYTES) else { return };
                let Ok((against, _)) = evidence.check(self.federation) else { return };
                let admitted = self.vouching.read().is_ok_and(|v| v.admitted(&against));
                if admitted && !self.peers.get(&against).is_some_and(|p| p.frozen) {
                    self.statements().tell(against, evidence).await;
                }
            }
            // Log heads travel with log pages (catch_up.rs), clearings from bank to bank round their ring.
            // Letters of introduction go from bank to member to bank, never as gossip.
            MessageKind::LogHead | MessageKind::Clearing | MessageKind::Introduction => {}
            MessageKind::LineRoom => self.on_advert(message, &verified),
            MessageKind::MonthlyTotals => {
                if let Err(e) = self.handle.figures.take(message) {
                    tracing::debug!(signer = %verified.signer, error = %e, "ignored a bank's figures");
                }
            }
            MessageKind::Transfer | MessageKind::RoutedTransfer | MessageKind::Decision => {
                match PublicMessage::check(&message, self.federation) {
                    Ok(said) => {
                        // Settling one of ours waits on a journal sync: in a task of its own,
                        // so the loop goes on delivering meanwhile (bounded: past it, here).
                        let statements = self.statements();
                        let learn = async move {
                            if let Err(e) = statements.learn(said, message).await {
                                tracing::warn!(error = %e, "could not keep a peer's public statement");
                            }
                        };
                        match self.learning.clone().try_acquire_owned() {
                            Ok(place) => {
                                self.tasks.spawn(async move {
                                    learn.await;
                                    drop(place);
                                });
                            }
                            Err(_) => learn.await,
                        }
                    }
                    Err(e) => tracing::debug!(signer = %verified.signer, error = %e, "ignored an inter-bank message"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::federation::vouching::{Bounds, PairSummary};
    use amser_protocol::signing::{bank_id, sign};
    use amser_protocol::{BankId, EntryHash};
    use ed25519_dalek::SigningKey;

    fn head(key: &SigningKey, fed: FederationId) -> Vec<u8> {
        let head = JournalHead { bank: bank_id(key), seq: 1, hash: EntryHash([1; 32]), time_ms: 1 };
        sign(key, MessageKind::JournalHead, fed, encode("head", &head).unwrap()).unwrap().to_bytes().unwrap()
    }

    #[test]
    fn gossip_is_heard_only_from_banks_known_through_admitted_links() {
        let fed = FederationId::from_name("wales");
        let (gwynedd, cardiff, stranger) =
            (SigningKey::from_bytes(&[2; 32]), SigningKey::from_bytes(&[3; 32]), SigningKey::from_bytes(&[99; 32]));
        let mut vouching = Vouching::new(BankId([1; 32]), Bounds::default());
        vouching.rebuild([bank_id(&gwynedd)], []);
        // Gwynedd accepted a transfer from Cardiff: Cardiff is vouched for.
        vouching.offer(&PairSummary { from: bank_id(&cardiff), by: bank_id(&gwynedd), accepted: true });
        let validator = Validator { federation: fed, vouching: Arc::new(RwLock::new(vouching)) };
        let judge = |key: &SigningKey, data: &[u8]| validator.validate(Some(&peer_of(&bank_id(key))), data);
        assert!(matches!(judge(&gwynedd, &head(&gwynedd, fed)), MessageAcceptance::Accept));
        assert!(matches!(judge(&cardiff, &head(&cardiff, fed)), MessageAcceptance::Accept));
        assert!(matches!(judge(&stranger, &head(&stranger, fed)), MessageAcceptance::Ignore), "a stranger is not forwarded");
        let mut forged = head(&gwynedd, fed);
        let last = forged.len() - 1;
        forged[last] ^= 1;
        assert!(matches!(judge(&gwynedd, &forged), MessageAcceptance::Reject), "a bad signature counts against the sender");
        assert!(matches!(judge(&gwynedd, &[0xFF; 40]), MessageAcceptance::Reject));
        assert!(matches!(judge(&stranger, &head(&gwynedd, fed)), MessageAcceptance::Reject), "published by another than its signer");
    }
}
