//! The simulated network between banks: each message may be lost,
//! duplicated, delayed (so overtaken by later ones), replayed long after, or
//! tampered with (one bit flipped); a pair of banks may be cut off from each
//! other for a while. Besides the direct messages of a transfer it carries
//! what the node gossips: journal heads and evidence.

use std::collections::{HashMap, VecDeque};

use amser_protocol::federation::Evidence;
use amser_protocol::signing::SignedMessage;
use rand::rngs::StdRng;
use rand::RngExt;

/// How many recent messages an attacker (or a confused peer) may replay.
const REPLAYABLE: usize = 256;

/// What one bank sends another.
#[derive(Clone, Debug)]
pub enum Wire {
    /// The payer's bank delivers a signed transfer (first send or a retry).
    Transfer(SignedMessage),
    /// The payee's bank answers with its signed decision (or gossips it).
    Decision(SignedMessage),
    /// A bank gossips its signed journal head.
    Head(SignedMessage),
    /// A bank gossips evidence it recorded (or a hostile bank relays a stranger's).
    Evidence(Box<Evidence>),
}

impl Wire {
    /// The signed bytes a flipped bit lands in.
    fn signed_mut(&mut self) -> &mut SignedMessage {
        match self {
            Wire::Transfer(signed) | Wire::Decision(signed) | Wire::Head(signed) => signed,
            Wire::Evidence(evidence) => &mut evidence.second,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Message {
    pub from: usize,
    pub to: usize,
    pub wire: Wire,
    /// The step it arrives at.
    arrives: usize,
    /// Its place among the messages sent on its link, to count reorderings.
    link_seq: u64,
    /// A bit of it was flipped on the way: the receiver must refuse it.
    pub tampered: bool,
}

/// How unreliable the network is in one scenario.
#[derive(Clone, Copy, Debug, Default)]
pub struct NetFaults {
    pub loss: f64,
    pub duplicate: f64,
    pub tamper: f64,
    /// Most steps a message spends in flight (at least 1).
    pub max_delay: usize,
}

/// What the network did, for the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
    pub sent: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub reordered: u64,
    pub replayed: u64,
    pub tampered: u64,
    /// Dropped because a partition stood between the banks, or the receiver was down.
    pub undeliverable: u64,
}

impl NetStats {
    pub fn add(&mut self, o: &NetStats) {
        self.sent += o.sent;
        self.lost += o.lost;
        self.duplicated += o.duplicated;
        self.reordered += o.reordered;
        self.replayed += o.replayed;
        self.tampered += o.tampered;
        self.undeliverable += o.undeliverable;
    }
}

#[derive(Default)]
pub struct Network {
    in_flight: Vec<Message>,
    recent: VecDeque<Message>,
    /// Pairs (low, high) that cannot talk, until the given step.
    cut: HashMap<(usize, usize), usize>,
    /// Messages sent, and the highest `link_seq` delivered, per directed link.
    link_sent: HashMap<(usize, usize), u64>,
    link_delivered: HashMap<(usize, usize), u64>,
    pub stats: NetStats,
}

impl Network {
    pub fn send(&mut self, rng: &mut StdRng, faults: NetFaults, step: usize, from: usize, to: usize, wire: Wire) {
        let link = self.link_sent.entry((from, to)).or_default();
        *link += 1;
        let arrives = step + rng.random_range(1..=faults.max_delay.max(1));
        let mut message = Message { from, to, wire, arrives, link_seq: *link, tampered: false };
        self.stats.sent += 1;
        if rng.random_bool(faults.tamper) {
            let signed = message.wire.signed_mut();
            let bytes = if rng.random_bool(0.5) { &mut signed.signature } else { &mut signed.envelope };
            if !bytes.is_empty() {
                let at = rng.random_range(0..bytes.len());
                bytes[at] ^= 1 << rng.random_range(0..8);
                message.tampered = true;
                self.stats.tampered += 1;
            }
        }
        if self.recent.len() == REPLAYABLE {
            self.recent.pop_front();
        }
        self.recent.push_back(message.clone());
        if rng.random_bool(faults.loss) {
            self.stats.lost += 1;
            return;
        }
        if rng.random_bool(faults.duplicate) {
            self.stats.duplicated += 1;
            let mut copy = message.clone();
            copy.arrives += rng.random_range(0..faults.max_delay.max(1));
            self.in_flight.push(copy);
        }
        self.in_flight.push(message);
    }

    /// Sends again, next step, one of the recent messages.
    pub fn replay_one(&mut self, rng: &mut StdRng, step: usize) {
        if self.recent.is_empty() {
            return;
        }
        let mut old = self.recent[rng.random_range(0..self.recent.len())].clone();
        old.arrives = step + 1;
        self.stats.replayed += 1;
        self.in_flight.push(old);
    }

    /// Cuts the link between `a` and `b` until `until`.
    pub fn partition(&mut self, a: usize, b: usize, until: usize) {
        self.cut.insert((a.min(b), a.max(b)), until);
    }

    /// Forgets every message bank `b` sent or was sent: it restarted on a
    /// lost disk, so its connections closed with whatever was on them both
    /// ways; it sends again only what its journal holds now, and its peers
    /// again only what they still have pending (no one else can deliver
    /// their transfers: the receiver takes a transfer only from its payer's bank).
    pub fn forget_links_of(&mut self, b: usize) {
        let before = self.in_flight.len();
        self.in_flight.retain(|m| m.from != b && m.to != b);
        self.stats.undeliverable += (before - self.in_flight.len()) as u64;
        self.recent.retain(|m| m.from != b && m.to != b);
    }

    pub fn heal(&mut self) {
        self.cut.clear();
    }

    pub fn partitioned(&self, a: usize, b: usize, step: usize) -> bool {
        self.cut.get(&(a.min(b), a.max(b))).is_some_and(|until| *until > step)
    }

    /// The messages due by `step` that can reach their bank, in a shuffled order.
    pub fn due(&mut self, rng: &mut StdRng, step: usize, up: impl Fn(usize) -> bool) -> Vec<Message> {
        let mut due = Vec::new();
        let mut i = 0;
        while i < self.in_flight.len() {
            if self.in_flight[i].arrives <= step {
                due.push(self.in_flight.swap_remove(i));
            } else {
                i += 1;
            }
        }
        for i in (1..due.len()).rev() {
            let j = rng.random_range(0..=i);
            due.swap(i, j);
        }
        due.retain(|m| {
            let deliverable = !self.partitioned(m.from, m.to, step) && up(m.to);
            if !deliverable {
                self.stats.undeliverable += 1;
            }
            deliverable
        });
        for m in &due {
            let highest = self.link_delivered.entry((m.from, m.to)).or_default();
            if m.link_seq < *highest {
                self.stats.reordered += 1;
            }
            *highest = (*highest).max(m.link_seq);
        }
        due
    }

    pub fn is_empty(&self) -> bool {
        self.in_flight.is_empty()
    }
}
