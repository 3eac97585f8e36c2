//! Journal heads as the node gossips them (`federation/gossip.rs`) and
//! keeps them (`head_check.rs`): after a sync, now and then, a bank signs
//! its durable head and sends it to every other bank; each bank hears heads
//! only from banks it admitted, keeps the newest of each (the node's `vh:`
//! in sled: it survives a crash, not a lost disk) to answer a recovering
//! bank's question, and the last [`HEADS_KEPT`] by seq (the driver's
//! memory: a crash forgets them) to spot two heads with one seq.

use std::collections::{BTreeMap, HashMap};

use amser_protocol::encoding::{decode, encode};
use amser_protocol::federation::Evidence;
use amser_protocol::journal::JournalHead;
use amser_protocol::limits::MAX_JOURNAL_HEAD_BYTES;
use amser_protocol::signing::{MessageKind, SignedMessage};
use amser_protocol::{BankId, EntryHash};
use rand::RngExt;

use super::net::Wire;
use super::World;

/// Heads remembered per bank for spotting equivocation (the node's `gossip::HEADS_KEPT`).
pub const HEADS_KEPT: usize = 256;
/// The chance that a sync is followed by gossiping the bank's head.
pub const HEAD_GOSSIP_CHANCE: f64 = 0.1;

#[derive(Default)]
pub struct HeadsHeard {
    /// The newest head heard from each bank.
    newest: HashMap<BankId, (u64, SignedMessage)>,
    /// The last heads heard from each bank, by seq.
    recent: HashMap<BankId, BTreeMap<u64, (EntryHash, SignedMessage)>>,
}

impl HeadsHeard {
    /// Keeps a head (already verified as signed by its bank); returns the
    /// head heard before with the same seq and another hash, if any: evidence.
    pub fn hear(&mut self, head: &JournalHead, signed: SignedMessage) -> Option<SignedMessage> {
        if self.newest.get(&head.bank).is_none_or(|(seq, _)| *seq < head.seq) {
            self.newest.insert(head.bank, (head.seq, signed.clone()));
        }
        let seen = self.recent.entry(head.bank).or_default();
        match seen.get(&head.seq) {
            Some((hash, first)) if *hash != head.hash => Some(first.clone()),
            Some(_) => None,
            None => {
                seen.insert(head.seq, (head.hash, signed));
                while seen.len() > HEADS_KEPT {
                    seen.pop_first();
                }
                None
            }
        }
    }

    /// The newest head of `bank` heard here (what `PeerRequest::NewestHead` answers).
    pub fn newest(&self, bank: &BankId) -> Option<&SignedMessage> {
        self.newest.get(bank).map(|(_, signed)| signed)
    }

    /// A crash: the driver's memory goes, sled's newest heads stay.
    pub fn forget_recent(&mut self) {
        self.recent.clear();
    }

    /// A lost disk: sled went too.
    pub fn forget_all(&mut self) {
        self.recent.clear();
        self.newest.clear();
    }
}

impl World {
    /// After a sync, now and then, bank `b` gossips its durable head (a
    /// recovering bank does not: the node gossips none while halted). A
    /// hostile bank may show some banks a second head with the same seq.
    pub(super) fn gossip_head(&mut self, b: usize) {
        if self.banks[b].recovering || !self.rng.random_bool(HEAD_GOSSIP_CHANCE) {
            return;
        }
        let (seq, hash) = self.banks[b].disk.durable_head();
        let head = JournalHead { bank: self.banks[b].id, seq, hash, time_ms: self.bank_now(b) };
        let signed = self.banks[b].sign(MessageKind::JournalHead, encode("journal head", &head).expect("a head encodes"));
        let second = self.second_head(b, &head);
        self.tally.heads_gossiped += 1;
        for to in (0..self.banks.len()).filter(|o| *o != b) {
            let heads = match &second {
                Some(other) => self.shown(signed.clone(), other.clone()),
                None => vec![signed.clone()],
            };
            for h in heads {
                self.net.send(&mut self.rng, self.faults.net, self.step, b, to, Wire::Head(h));
            }
        }
    }

    /// Bank `to` hears a head: kept if from a bank it admitted; one that
    /// contradicts a head heard before is evidence (the node's `on_gossip`).
    pub(super) fn hear_head(&mut self, to: usize, signed: SignedMessage) -> Result<(), String> {
        let Ok(verified) = signed.verify(self.federation) else { return Ok(()) };
        let Ok(head) = decode::<JournalHead>("journal head", &verified.body, MAX_JOURNAL_HEAD_BYTES) else { return Ok(()) };
        let admitted = self.banks[to].state.peers.get(&head.bank).is_some_and(|p| !p.removed);
        if verified.kind != MessageKind::JournalHead || head.bank != verified.signer || !admitted {
            return Ok(());
        }
        if let Some(first) = self.banks[to].heads.hear(&head, signed.clone()) {
            self.note(|| format!("bank {to} heard two heads with seq {} from {}", head.seq, head.bank));
            self.tell(to, head.bank, Evidence { first, second: signed })?;
        }
        Ok(())
    }
}
