//! Our journal against what our peers hold of it: a bank whose journal was
//! put back from an older copy (or whose disk lost its end) must not go on
//! from there, or it would number new entries with seqs its peers have
//! already seen signed heads for (two histories: evidence, a frozen line
//! with every peer).
//!
//! ```text
//!   peer connects ──► ask NewestHead ──► its newest head of ours, signed by us?
//!     past our journal's head ──► Behind: halt (journal_behind_peers) and recover (recall.rs):
//!                                 number past it, read back from peers
//!     at a seq our journal has, with another hash (a head we signed lately,
//!     kept as `oh:`, or else the journal's entry) ──► Forked: halt for good (journal_forked);
//!                                 a person puts the right journal back
//!     otherwise ──► InStep
//!   then: that peer is checked, and read back from (recall.rs)
//!   publish_head ──► only when every connected peer is checked, and not halted
//!   a peer's head heard in gossip ──► kept if newest (`vh:`), to answer its NewestHead
//! ```
//!
//! The check happens before this bank signs any head a peer could compare:
//! a head is gossiped only once every connected peer has answered; and
//! after a start nothing new is recorded until every admitted peer has
//! answered or cannot be reached (opening.rs).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use amser_protocol::encoding::decode;
use amser_protocol::federation::{PeerRequest, PeerResponse};
use amser_protocol::journal::JournalHead;
use amser_protocol::limits::MAX_JOURNAL_HEAD_BYTES;
use amser_protocol::signing::{FederationId, MessageKind, SignedMessage};
use amser_protocol::{BankId, EntryHash};

use super::driver::Driver;
use super::recall::{self, Began};
use super::swarm::{peer_of, NetworkHandle};
use crate::ledger::{LedgerError, LedgerRead};
use crate::storage::journal::hash_at;
use crate::storage::writer::LedgerHandle;

/// The peers that have told us their newest head of ours since they connected.
pub(super) type Checked = Arc<Mutex<HashSet<BankId>>>;

/// What a peer's answer says about our journal.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// It holds nothing newer than our journal's head, and nothing else at a seq we have.
    InStep,
    /// It holds a head we signed at this seq, past our journal's end.
    Behind { peer_seq: u64 },
    /// It holds a head we signed at a seq our journal has, with another
    /// hash: our journal went on from another copy under numbers it had seen.
    Forked { seq: u64 },
    /// The answer is not a head of ours (ignored: a peer cannot halt us with a forgery).
    NotOurs,
}

/// The head of ours in a peer's answer: `Ok(None)` when it holds none,
/// `Err(())` when what it sent is not a head we signed for this federation.
pub(super) fn our_head_in(answer: Option<&SignedMessage>, ours: BankId, federation: FederationId) -> Result<Option<JournalHead>, ()> {
    let Some(signed) = answer else { return Ok(None) };
    let verified = signed.verify(federation).map_err(|_| ())?;
    if verified.signer != ours || verified.kind != MessageKind::JournalHead {
        return Err(());
    }
    match decode::<JournalHead>("journal head", &verified.body, MAX_JOURNAL_HEAD_BYTES) {
        Ok(head) if head.bank == ours => Ok(Some(head)),
        _ => Err(()),
    }
}

/// Judges the head of ours a peer holds against our journal: its head, and
/// the hash of our entry at a seq (`None` where no entry has that number,
/// jumped over by a recovery).
pub(super) fn judge(held: &JournalHead, our_head: (u64, EntryHash), our_hash_at: impl FnOnce(u64) -> Option<EntryHash>) -> Verdict {
    let ours = if held.seq > our_head.0 {
        return Verdict::Behind { peer_seq: held.seq };
    } else if held.seq == our_head.0 {
        Some(our_head.1)
    } else {
        our_hash_at(held.seq)
    };
    match ours {
        Some(hash) if hash != held.hash => Verdict::Forked { seq: held.seq },
        _ => Verdict::InStep,
    }
}

impl Driver {
    /// Asks `bank` (just connected) for the newest head of ours it holds.
    pub(super) fn check_our_head_with(&mut self, bank: BankId) {
        let (net, ledger, checked, recovery) = (self.net.clone(), self.ledger.clone(), self.head_checked.clone(), self.recovery.clone());
        let (ours, federation, name) = (self.profile.bank, self.federation, self.peer_name(&bank));
        self.tasks.spawn(async move {
            // Twice at most: a recovery another peer began can take our journal past this head meanwhile.
            for _ in 0..2 {
                match ask(&net, &ledger, bank, ours, federation).await {
                    Ok((Verdict::Behind { peer_seq }, journal_seq)) => {
                        // Nothing new until what we had signed is back, numbered past what peers saw.
                        ledger.halt(LedgerError::BehindPeers { journal_seq, peer: name.clone(), peer_seq });
                        match recall::begin(&ledger, &recovery, peer_seq).await {
                            Began::AlreadyPast => {
                                // Judge again against the journal as it is now.
                                if !recovery.lock().is_ok_and(|r| r.active) {
                                    ledger.lift(|why| matches!(why, LedgerError::BehindPeers { .. }));
                                }
                                continue;
                            }
                            Began::Started | Began::Failed => {}
                        }
                    }
                    Ok((Verdict::Forked { seq }, _)) => {
                        tracing::error!(%bank, seq, "a peer holds a head this bank signed that its journal does not have: the journal went on from another copy");
                        ledger.halt(LedgerError::ForkedFromPeers { seq, peer: name.clone() });
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::info!(%bank, error = %e, "could not ask a peer for our newest head; will ask when it connects again");
                        return;
                    }
                }
                break;
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
            if let Err(e) =
                ledger.with_store(move |s| s.keep_newest_head(&bank, seq, &signed)).await.and_then(|r| r.map_err(LedgerError::from))
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
    let our_head = ledger.read(|s| s.head()).await.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
    let held = match our_head_in(head.as_ref(), ours, federation) {
        Ok(Some(held)) => held,
        Ok(None) => return Ok((Verdict::InStep, our_head.0)),
        Err(()) => return Ok((Verdict::NotOurs, our_head.0)),
    };
    let hash_below_head = if held.seq < our_head.0 {
        // A head we signed lately is kept in the state; an older one is read from the journal.
        let seq = held.seq;
        match ledger.read(move |s| s.our_head_at(seq)).await.map_err(|e| e.to_string())?.map_err(|e| e.to_string())? {
            Some(hash) => Some(hash),
            None => {
                let (path, limit) = (ledger.journal_path().to_path_buf(), ledger.synced_len());
                let found = tokio::task::spawn_blocking(move || hash_at(&path, limit, seq)).await.map_err(|e| e.to_string())?;
                found.map_err(|e| e.to_string())?
            }
        }
    } else {
        None
    };
    Ok((judge(&held, our_head, |_| hash_below_head), our_head.0))
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
    fn a_peer_holding_a_newer_head_of_ours_means_our_journal_is_behind_and_another_one_at_our_seq_means_it_forked() {
        let federation = FederationId::from_name("amser");
        let rhymney = SigningKey::from_bytes(&[1; 32]);
        let ours = bank_id(&rhymney);
        assert_eq!(our_head_in(None, ours, federation), Ok(None), "a peer that holds nothing");
        let held = |seq: u64| our_head_in(Some(&head(&rhymney, ours, seq, federation)), ours, federation).unwrap().unwrap();
        let (same, other) = (EntryHash([7; 32]), EntryHash([8; 32]));
        let never = |_| -> Option<EntryHash> { panic!("no need to read the journal") };
        assert_eq!(judge(&held(10), (10, same), never), Verdict::InStep);
        assert_eq!(judge(&held(42), (10, same), never), Verdict::Behind { peer_seq: 42 });
        assert_eq!(judge(&held(10), (10, other), never), Verdict::Forked { seq: 10 }, "our head, another entry");
        assert_eq!(judge(&held(8), (10, other), |seq| (seq == 8).then_some(same)), Verdict::InStep);
        assert_eq!(judge(&held(8), (10, same), |seq| (seq == 8).then_some(other)), Verdict::Forked { seq: 8 });
        assert_eq!(judge(&held(8), (10, same), |_| None), Verdict::InStep, "a seq a recovery jumped over");
        // A peer cannot stop us with a head it made up, or one of another federation.
        let mallory = SigningKey::from_bytes(&[66; 32]);
        assert_eq!(our_head_in(Some(&head(&mallory, ours, 42, federation)), ours, federation), Err(()));
        assert_eq!(our_head_in(Some(&head(&rhymney, ours, 42, FederationId::from_name("other"))), ours, federation), Err(()));
        let gwynedd = bank_id(&SigningKey::from_bytes(&[2; 32]));
        assert_eq!(our_head_in(Some(&head(&rhymney, gwynedd, 42, federation)), ours, federation), Err(()));
    }
}
