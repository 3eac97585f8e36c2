//! The hostile admitted bank a scenario may have: it runs the same rules as
//! every bank (its own ledger stays in order), but what it sends is changed
//! by the [`Hostile`] behaviours drawn from the seed:
//!
//! ```text
//!  two_decisions: answers a transfer with the opposite verdict to the payer's bank,
//!                 and with its journal's own as gossip ─► the payer holds both: evidence, line frozen
//!  strangers:     relays statements signed by keys nobody admitted: a transfer from one,
//!                 a decision by one, evidence against one ─► refused by the ledger, nothing stored
//!  two_heads:     gossips a second head with its head's seq ─► a bank that hears both: evidence
//!  replays:       sends its two verdicts again later ─► the same evidence never freezes twice
//!  false_rejects: a hop that passed a routed transfer on also signs a rejection of it and sends
//!                 it to the banks after it ─► refused: only a bank after us may reject (`route::settles`)
//! ```
//!
//! What only the network layer can do and the simulator does not: a hostile
//! bank's flood (the per-bank bounds of `inbound.rs`), its gossip score
//! (`scoring.rs`), its share of other banks' kept pairs (`pairing.rs`,
//! `vouching.rs`), its public log (`log_chain.rs`), and lies in its answers
//! to a recovering bank (its newest head of that bank, its recall pages).

use amser_protocol::federation::{Decision, Evidence, RejectReason, Transfer, TransferId, Verdict};
use amser_protocol::journal::JournalHead;
use amser_protocol::signing::{sign, MessageKind, SignedMessage};
use amser_protocol::{EntryHash, Minutes, ServiceDate};
use ed25519_dalek::SigningKey;
use rand::rngs::StdRng;
use rand::RngExt;

use super::net::Wire;
use super::World;

/// The share of scenarios with a hostile bank.
const HOSTILE_SCENARIOS: f64 = 0.25;
/// Keys nobody admitted that a hostile bank signs with (seeds from [`FIRST_STRANGER_SEED`]).
const STRANGERS: u8 = 3;
const FIRST_STRANGER_SEED: u8 = 200;
/// Per step: the chance the hostile bank relays a stranger's statement or replays old verdicts.
const TRICK_CHANCE: f64 = 0.15;
/// Of the transfers it decides, the share it answers with two verdicts.
const LIE_CHANCE: f64 = 0.5;

/// Which bank is hostile, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hostile {
    pub bank: usize,
    pub two_decisions: bool,
    pub strangers: bool,
    pub two_heads: bool,
    pub replays: bool,
    pub false_rejects: bool,
}

impl Hostile {
    /// One scenario in four has a hostile bank, with at least one behaviour.
    pub fn draw(rng: &mut StdRng, banks: usize) -> Option<Hostile> {
        if !rng.random_bool(HOSTILE_SCENARIOS) {
            return None;
        }
        let mut hostile = Hostile {
            bank: rng.random_range(0..banks),
            two_decisions: rng.random_bool(0.5),
            strangers: rng.random_bool(0.5),
            two_heads: rng.random_bool(0.5),
            replays: rng.random_bool(0.5),
            false_rejects: rng.random_bool(0.5),
        };
        if !(hostile.two_decisions || hostile.strangers || hostile.two_heads) {
            hostile.two_decisions = true;
        }
        Some(hostile)
    }
}

/// Two verdicts the hostile bank signed on one transfer, and the payer's bank it told.
pub struct Lie {
    transfer: TransferId,
    payer_bank: usize,
    truth: SignedMessage,
    lie: SignedMessage,
}

impl World {
    /// Whether the hostile bank signed two verdicts on transfer `id` (honest banks may then settle it two ways).
    pub fn lied_on(&self, id: &TransferId) -> bool {
        self.lies.iter().any(|l| l.transfer == *id)
    }

    /// Whether the hostile bank never signed two verdicts on one transfer.
    pub fn no_lies(&self) -> bool {
        self.lies.is_empty()
    }

    /// Whether bank `b` is honest (every bank but the hostile one).
    pub fn honest(&self, b: usize) -> bool {
        self.hostile.is_none_or(|h| h.bank != b)
    }

    fn hostile_doing(&self, b: usize, behaviour: impl Fn(&Hostile) -> bool) -> bool {
        self.hostile.as_ref().is_some_and(|h| h.bank == b && behaviour(h))
    }

    /// The payee's bank (or a hop) answers the bank that delivered with a
    /// decision (entry `seq`); a hostile one may answer with the opposite verdict to its own as well.
    pub(super) fn answer(&mut self, payee: usize, payer: usize, seq: u64, decision: Decision, signed: SignedMessage) {
        // It lies only in its own name: a decision it passes back is another bank's.
        if self.hostile_doing(payee, |h| h.two_decisions) && decision.by == self.banks[payee].id {
            if let Some(lie) = self.lie_about(payee, payer, decision, &signed) {
                self.hold(payee, seq, payer, Wire::Decision(lie));
            }
        }
        self.hold(payee, seq, payer, Wire::Decision(signed));
    }

    /// The other verdict on `truth`'s transfer, signed by bank `h`: the same one each time it is asked.
    fn lie_about(&mut self, h: usize, payer_bank: usize, truth: Decision, signed: &SignedMessage) -> Option<SignedMessage> {
        if let Some(told) = self.lies.iter().find(|l| l.transfer == truth.transfer) {
            return Some(told.lie.clone());
        }
        if !self.rng.random_bool(LIE_CHANCE) {
            return None;
        }
        let verdict = match truth.verdict {
            Verdict::Accept => Verdict::Reject(RejectReason::Frozen),
            Verdict::Reject(_) => Verdict::Accept,
        };
        let lie = self.banks[h].sign(MessageKind::Decision, Decision { verdict, ..truth.clone() }.encode().expect("a decision encodes"));
        self.lies.push(Lie { transfer: truth.transfer, payer_bank, truth: signed.clone(), lie: lie.clone() });
        self.tally.decisions_contradicted += 1;
        self.note(|| format!("bank {h} answers bank {payer_bank} with two verdicts on transfer {:?}", truth.transfer));
        Some(lie)
    }

    /// Hop `h`, if hostile that way, signs a rejection of a routed transfer it
    /// just passed on and sends it to the banks after it on the path, which
    /// must not take it: it comes from a bank before them.
    pub(super) fn false_rejection(&mut self, h: usize, routed: &amser_protocol::route::RoutedTransfer) {
        if !self.hostile_doing(h, |b| b.false_rejects) || !self.rng.random_bool(LIE_CHANCE) {
            return;
        }
        let Ok(id) = routed.id() else { return };
        let decision =
            Decision { transfer: id, by: self.banks[h].id, verdict: Verdict::Reject(RejectReason::Frozen), decided_ms: self.bank_now(h) };
        let signed = self.banks[h].sign(MessageKind::Decision, decision.encode().expect("a decision encodes"));
        let after: Vec<usize> = routed.path.iter().map(|b| self.index_of(b)).skip_while(|b| *b != h).skip(1).collect();
        self.tally.false_rejections += 1;
        self.note(|| format!("bank {h} passed routed transfer {id:?} on and sends the banks after it a rejection of it"));
        for to in after {
            self.net.send(&mut self.rng, self.faults.net, self.step, h, to, Wire::Decision(signed.clone()));
        }
    }

    /// A second head with `head`'s seq and another hash, when bank `b` gossips two.
    pub(super) fn second_head(&mut self, b: usize, head: &JournalHead) -> Option<SignedMessage> {
        if !self.hostile_doing(b, |h| h.two_heads) {
            return None;
        }
        let other = JournalHead { hash: EntryHash(self.rng.random()), ..head.clone() };
        self.tally.heads_contradicted += 1;
        Some(
            self.banks[b].sign(MessageKind::JournalHead, amser_protocol::encoding::encode("journal head", &other).expect("a head encodes")),
        )
    }

    /// What a hostile bank shows one bank of its two heads: one, the other, or both.
    pub(super) fn shown(&mut self, head: SignedMessage, second: SignedMessage) -> Vec<SignedMessage> {
        match self.rng.random_range(0..3) {
            0 => vec![head],
            1 => vec![second],
            _ => vec![second, head],
        }
    }

    /// Each step, the hostile bank (when up) may relay a stranger's statement or replay two verdicts.
    pub(super) fn hostile_tricks(&mut self) {
        let Some(hostile) = self.hostile else { return };
        let h = hostile.bank;
        if !self.up(h) || !self.rng.random_bool(TRICK_CHANCE) {
            return;
        }
        if hostile.replays && !self.lies.is_empty() && (!hostile.strangers || self.rng.random_bool(0.5)) {
            let told = &self.lies[self.rng.random_range(0..self.lies.len())];
            let (to, truth, lie) = (told.payer_bank, told.truth.clone(), told.lie.clone());
            self.tally.replays += 1;
            self.note(|| format!("bank {h} sends its two verdicts to bank {to} again"));
            for wire in [Wire::Decision(lie), Wire::Decision(truth)] {
                self.net.send(&mut self.rng, self.faults.net, self.step, h, to, wire);
            }
        } else if hostile.strangers {
            let to = (h + self.rng.random_range(1..self.banks.len())) % self.banks.len();
            let wire = self.strangers_statement(to);
            self.tally.stranger_statements += 1;
            self.note(|| format!("bank {h} relays to bank {to} a statement a stranger signed: {}", wire_kind(&wire)));
            self.net.send(&mut self.rng, self.faults.net, self.step, h, to, wire);
        }
    }

    /// A statement signed by a key nobody admitted, for bank `to`: a transfer
    /// from the stranger, its decision on one of `to`'s transfers, or evidence against it.
    fn strangers_statement(&mut self, to: usize) -> Wire {
        let key = SigningKey::from_bytes(&[FIRST_STRANGER_SEED + self.rng.random_range(0..STRANGERS); 32]);
        let stranger = amser_protocol::signing::bank_id(&key);
        let federation = self.federation;
        let signed = |kind, body: Vec<u8>| sign(&key, kind, federation, body).expect("a stranger signs");
        let now = self.bank_now(to);
        let decision =
            |transfer, verdict| Decision { transfer, by: stranger, verdict, decided_ms: now }.encode().expect("a decision encodes");
        match self.rng.random_range(0..3) {
            0 => {
                let payee = self.banks[to].members[self.rng.random_range(0..self.banks[to].members.len())].clone();
                let transfer = Transfer {
                    from: stranger,
                    to: self.banks[to].id,
                    payer: "nowhere:ABCD-EF".parse().expect("a member code"),
                    payee,
                    minutes: Minutes(self.rng.random_range(1..240)),
                    category: "general".into(),
                    date: ServiceDate::today(now),
                    nonce: self.rng.random(),
                };
                Wire::Transfer(signed(MessageKind::Transfer, transfer.encode().expect("a transfer encodes")))
            }
            1 => {
                let mut theirs: Vec<_> = self.banks[to].state.transfers.values().map(|t| (t.seq, t.id)).collect();
                theirs.sort_unstable();
                let on = theirs.get(self.rng.random_range(0..theirs.len().max(1))).map_or(TransferId(self.rng.random()), |(_, id)| *id);
                Wire::Decision(signed(MessageKind::Decision, decision(on, Verdict::Accept)))
            }
            _ => {
                let on = TransferId(self.rng.random());
                Wire::Evidence(Box::new(Evidence {
                    first: signed(MessageKind::Decision, decision(on, Verdict::Accept)),
                    second: signed(MessageKind::Decision, decision(on, Verdict::Reject(RejectReason::Frozen))),
                }))
            }
        }
    }
}

fn wire_kind(wire: &Wire) -> &'static str {
    match wire {
        Wire::Transfer(_) => "a transfer",
        Wire::Decision(_) => "a decision",
        Wire::Head(_) => "a head",
        Wire::Evidence(_) => "evidence",
    }
}
