//! Our journal against what our peers hold of it: a bank whose journal was
//! put back from an older copy must not go on from there, or it would number
//! new entries with seqs its peers have already seen signed heads for (two
//! histories: evidence, a frozen line with every peer).
//!
//! ```text
//!   peer connects ──► ask NewestHead ──► its newest head of ours, signed by us?
//!                                          above our journal's head: halt the ledger (journal_behind_peers)
//!                                            and recover (recall.rs): number past it, read back from peers
//!                                          then: that peer is checked, and read back from (recall.rs)
//!   publish_head ──► only when every connected peer is checked, and not halted
//!   a peer's head heard in gossip ──► kept if newest (`vh:`), to answer its NewestHead
//! ```
//!
//! The check happens before this bank signs any head a peer could compare:
//! a head is gossiped only once every connected peer has answered.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use amser_protocol::encoding::decode;
use amser_protocol::federation::{PeerRequest, PeerResponse};
use amser_protocol::journal::JournalHead;
use amser_protocol::limits::MAX_JOURNAL_HEAD_BYTES;
use amser_protocol::signing::{FederationId, MessageKind, SignedMessage};
use amser_protocol::BankId;

use super::driver::Driver;
use super::recall;
use super::swarm::{peer_of, NetworkHandle};
use crate::ledger::{LedgerError, LedgerRead};
use crate::storage::writer::LedgerHandle;

/// The peers that have told us their newest head of ours since they connected.
pub(super) type Checked = Arc<Mutex<HashSet<BankId>>>;

/// What a peer's answer says about our journal.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// It holds nothing newer than our journal's head.
    InStep,
    /// It holds a head we signed at this seq, past our journal's end.
    Behind { peer_seq: u64 },
    /// The answer is not a head of ours (ignored: a peer cannot halt us with a forgery).
    NotOurs,
}

/// Judges `answer` (a peer's newest head of ours) against our head seq.
pub(super) fn judge(answer: Option<&SignedMessage>, ours: BankId, federation: FederationId, our_seq: u64) -> Verdict {
    let Some(signed) = answer else { return Verdict::InStep };
    let Ok(verified) = signed.verify(federation) else { return Verdict::NotOurs };
    if verified.signer != ours || verified.kind != MessageKind::JournalHead {
        return Verdict::NotOurs;
    }
    match decode::<JournalHead>("journal head", &verified.body, MAX_JOURNAL_HEAD_BYTES) {
        Ok(head) if head.bank == ours && head.seq > our_seq => Verdict::Behind { peer_seq: head.seq },
        Ok(head) if head.bank == ours => Verdict::InStep,
        _ => Verdict::NotOurs,
    }
}

impl Driver {
    /// Asks `bank` (just connected) for the newest head of ours it holds.
    pub(super) fn check_our_head_with(&mut self, bank: BankId) {
        let (net, ledger, checked, recovery) = (self.net.clone(), self.ledger.clone(), self.head_checked.clone(), self.recovery.clone());
        let (ours, federation, name) = (self.profile.bank, self.federation, self.peer_name(&bank));
        self.tasks.spawn(async move {
            match ask(&net, &ledger, bank, ours, federation).await {
                Ok((Verdict::Behind { peer_seq }, journal_seq)) => {
                    // Nothing new until what we had signed is back, numbered past what peers saw.
                    ledger.halt(LedgerError::BehindPeers { journal_seq, peer: name, peer_seq });
                    recall::begin(&ledger, &recovery, peer_seq).await;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::info!(%bank, error = %e, "could not ask a peer for our newest head; will ask when it connects again");
                    return;
                }
            }
            checked.lock().map(|mut c| c.insert(bank)).ok();
            recall::read_back_from(&net, &ledger, &recovery, bank).await;
        });
    }

    /// Whether our head may be gossiped: every connected admitted peer has
    /// told us its newest head of ours, and the ledger is not halted.
    pub(super) fn may_publish_head(&self) -> bool {
        if self.ledger.halted().is_some() {
            return false;
        }
        let Ok(checked) = self.head_checked.lock() else { return false };
        self.connected_peers().all(|bank| checked.contains(&bank))
    }

    /// Keeps a peer's head heard in gossip (already verified as signed by
    /// that bank) when it is the newest we hold, to answer its NewestHead.
    pub(super) fn keep_newest_head(&mut self, bank: BankId, seq: u64, signed: SignedMessage) {
        let ledger = self.ledger.clone();
        self.tasks.spawn(async move {
            if let Err(e) = ledger
                .with_store(move |s| s.keep_newest_head(&bank, seq, &signed))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| e.to_string()))
            {
                tracing::warn!(%bank, error = %e, "could not keep a peer's newest head");
            }
        });
    }

    fn peer_name(&self, bank: &BankId) -> String {
        match self.peers.get(bank).and_then(|l| l.handle.as_ref()) {
            Some(h) => format!("the bank '{h}'"),
            None => format!("bank {bank}"),
        }
    }
}

/// Asks `bank` for its newest head of ours: the verdict, and our journal's head seq it was judged against.
async fn ask(
    net: &NetworkHandle,
    ledger: &LedgerHandle,
    bank: BankId,
    ours: BankId,
    federation: FederationId,
) -> Result<(Verdict, u64), String> {
    let answer = net.request(peer_of(&bank), PeerRequest::NewestHead).await.map_err(|e| e.to_string())?;
    let head = match answer {
        PeerResponse::NewestHead { head } => head,
        PeerResponse::Refused { reason } => return Err(format!("refused: {reason}")),
        _ => return Err("an answer that is not a head".into()),
    };
    let our_seq = ledger.read(|s| s.head().map(|h| h.0)).await.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
    Ok((judge(head.as_ref(), ours, federation, our_seq), our_seq))
}

#[cfg(test)]
mod tests {
    use super::*;
    use amser_protocol::encoding::encode;
    use amser_protocol::signing::{bank_id, sign};
    use amser_protocol::EntryHash;
    use ed25519_dalek::SigningKey;

    fn head(key: &SigningKey, bank: BankId, seq: u64, federation: FederationId) -> SignedMessage {
        let h = JournalHead { bank, seq, hash: EntryHash([7; 32]), time_ms: 1 };
        sign(key, MessageKind::JournalHead, federation, encode("head", &h).unwrap()).unwrap()
    }

    #[test]
    fn a_peer_holding_a_newer_head_of_ours_means_our_journal_is_behind() {
        let federation = FederationId::from_name("amser");
        let rhymney = SigningKey::from_bytes(&[1; 32]);
        let ours = bank_id(&rhymney);
        assert_eq!(judge(None, ours, federation, 10), Verdict::InStep, "a peer that holds nothing");
        assert_eq!(judge(Some(&head(&rhymney, ours, 10, federation)), ours, federation, 10), Verdict::InStep);
        assert_eq!(judge(Some(&head(&rhymney, ours, 42, federation)), ours, federation, 10), Verdict::Behind { peer_seq: 42 });
        // A peer cannot stop us with a head it made up, or one of another federation.
        let mallory = SigningKey::from_bytes(&[66; 32]);
        assert_eq!(judge(Some(&head(&mallory, ours, 42, federation)), ours, federation, 10), Verdict::NotOurs);
        assert_eq!(judge(Some(&head(&rhymney, ours, 42, FederationId::from_name("other"))), ours, federation, 10), Verdict::NotOurs);
        let gwynedd = bank_id(&SigningKey::from_bytes(&[2; 32]));
        assert_eq!(judge(Some(&head(&rhymney, gwynedd, 42, federation)), ours, federation, 10), Verdict::NotOurs);
    }
}
