//! A deterministic simulator of a federation (DESIGN.md §2b): three banks'
//! real ledger and transfer rules in one process, a simulated network that
//! loses, duplicates, delays, reorders and partitions messages, banks that
//! crash before or after a sync, replayed old messages, and a simulated
//! clock, all driven by one seed. Every invariant of DESIGN.md §4 is checked
//! after every step; at the end the network heals and every transfer must
//! have ended exactly once.
//!
//! ```text
//! cargo test -p amser-node --test simulation                       # AMSER_SIM_SEEDS seeds (default 300)
//! AMSER_SIM_SEEDS=100000 cargo test --release -p amser-node --test simulation
//! AMSER_SIM_SEED=1234 cargo test -p amser-node --test simulation   # replay one seed
//! ```

use std::collections::{BTreeMap, HashMap};

use amser_node::ledger::memory::MemBank;
use amser_node::ledger::{apply, Command, Decision, LedgerRead, MemState, TransferRole};
use amser_protocol::federation::{TransferId, Verdict};
use amser_protocol::journal::{EntryBody, JournalEntry};
use amser_protocol::member::MemberProfile;
use amser_protocol::signing::{FederationId, SignedMessage};
use amser_protocol::{BankId, MemberCode, MemberKind, Minutes};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Steps of random activity per scenario, before the network heals.
const STEPS: usize = 300;
/// Steps allowed after healing for every transfer to settle.
const SETTLE_STEPS: usize = 2_000;
const START_MS: u64 = 1_795_694_400_000;
const BANKS: [(&str, u8); 3] = [("rhymney", 1), ("gwynedd", 2), ("cardiff", 3)];
const MEMBERS_PER_BANK: usize = 3;
const TRUST_HOURS: i64 = 6;

/// A message between two banks, in flight.
#[derive(Clone, Debug)]
enum Wire {
    Deliver { transfer: SignedMessage },
    Decision { decision: SignedMessage },
}

#[derive(Clone, Debug)]
struct InFlight {
    arrives: usize,
    from: usize,
    to: usize,
    wire: Wire,
}

/// How hostile the world is in one scenario.
struct Faults {
    loss: f64,
    duplicate: f64,
    max_delay: usize,
    crash_before_sync: f64,
    crash_after_sync: f64,
    partition: f64,
    replay: f64,
}

struct World {
    rng: StdRng,
    banks: Vec<MemBank>,
    members: Vec<Vec<MemberCode>>,
    net: Vec<InFlight>,
    /// Every message ever sent, for replays.
    history: Vec<InFlight>,
    /// Pairs that cannot talk, until the given step.
    cut: HashMap<(usize, usize), usize>,
    step: usize,
    faults: Faults,
    log: Vec<String>,
}

impl World {
    fn new(seed: u64) -> World {
        let mut rng = StdRng::seed_from_u64(seed);
        let faults = Faults {
            loss: rng.random_range(0.0..0.3),
            duplicate: rng.random_range(0.0..0.3),
            max_delay: rng.random_range(1..20),
            crash_before_sync: rng.random_range(0.0..0.05),
            crash_after_sync: rng.random_range(0.0..0.05),
            partition: rng.random_range(0.0..0.03),
            replay: rng.random_range(0.0..0.05),
        };
        let fed = FederationId::from_name("sim");
        let mut banks: Vec<MemBank> = BANKS.iter().map(|(h, s)| MemBank::open(h, h, [*s; 32], fed, START_MS).expect("open")).collect();
        let ids: Vec<BankId> = banks.iter().map(|b| b.id()).collect();
        let mut members = Vec::new();
        for (i, bank) in banks.iter_mut().enumerate() {
            for (j, (handle, _)) in BANKS.iter().enumerate() {
                if i != j {
                    let command = Command::AdmitPeer {
                        bank: ids[j],
                        handle: Some(handle.parse().expect("handle")),
                        addrs: vec![],
                        trust: Minutes::from_hours(TRUST_HOURS),
                        max_transfer: None,
                    };
                    bank.run(command).expect("admit");
                }
            }
            let mut codes = Vec::new();
            for m in 0..MEMBERS_PER_BANK {
                let kind = if m == 0 { MemberKind::Agency } else { MemberKind::Person };
                match bank
                    .run(Command::AddMember { profile: MemberProfile::new(format!("member {m}"), kind), joined: None })
                    .expect("join")
                    .1
                    .map(|e| e.body)
                {
                    Some(EntryBody::MemberJoined { member, .. }) => codes.push(member.code),
                    other => panic!("{other:?}"),
                }
            }
            members.push(codes);
        }
        World { rng, banks, members, net: Vec::new(), history: Vec::new(), cut: HashMap::new(), step: 0, faults, log: Vec::new() }
    }

    fn index_of(&self, bank: &BankId) -> usize {
        self.banks.iter().position(|b| &b.id() == bank).expect("a bank of the federation")
    }

    fn send(&mut self, from: usize, to: usize, wire: Wire) {
        let message = InFlight { arrives: self.step + 1 + self.rng.random_range(0..self.faults.max_delay), from, to, wire };
        self.history.push(message.clone());
        if self.rng.random_bool(self.faults.loss) {
            return;
        }
        if self.rng.random_bool(self.faults.duplicate) {
            let mut copy = message.clone();
            copy.arrives += self.rng.random_range(0..self.faults.max_delay);
            self.net.push(copy);
        }
        self.net.push(message);
    }

    /// Rebuilds a bank from its journal, as a restart does; the journal may lose its last entry
    /// (a write that was never synced, so never acknowledged).
    fn crash(&mut self, b: usize, lose_last: bool) {
        let bank = &mut self.banks[b];
        if lose_last {
            bank.journal.pop();
        }
        let mut state = MemState::default();
        let mut previous = None;
        for entry in &bank.journal {
            entry.check_follows(previous).expect("the journal chain holds after a crash");
            let hash = entry.hash().expect("hash");
            for w in apply(&state, entry, hash).expect("replay applies") {
                state.write(w);
            }
            previous = Some((entry.seq, hash));
        }
        if !lose_last {
            assert_eq!(state.balances, bank.state.balances, "replay gives the same balances");
            assert_eq!(state.clearing, bank.state.clearing, "replay gives the same clearing accounts");
            assert_eq!(state.holds, bank.state.holds, "replay gives the same holds");
        }
        bank.state = state;
        self.log.push(format!("step {}: bank {b} crashed{}", self.step, if lose_last { " before a sync" } else { "" }));
    }

    /// Runs a command at bank `b`, maybe crashing around its sync; returns the entry if it was kept.
    fn run(&mut self, b: usize, command: Command) -> Option<(Decision, Option<JournalEntry>)> {
        let outcome = self.banks[b].run(command).ok()?;
        if outcome.1.is_some() && self.rng.random_bool(self.faults.crash_before_sync) {
            self.crash(b, true);
            return None;
        }
        if self.rng.random_bool(self.faults.crash_after_sync) {
            self.crash(b, false);
            return None; // the reply is lost with the process
        }
        Some(outcome)
    }

    fn random_activity(&mut self) {
        let b = self.rng.random_range(0..self.banks.len());
        match self.rng.random_range(0..10) {
            0..=2 => {
                let (p, r) = (self.rng.random_range(0..MEMBERS_PER_BANK), self.rng.random_range(0..MEMBERS_PER_BANK));
                let minutes = Minutes(self.rng.random_range(1..240));
                let (provider, receiver) = (self.members[b][p].clone(), self.members[b][r].clone());
                self.run(b, Command::exchange(&[&provider], &[&receiver], minutes));
            }
            3..=6 => {
                let other = (b + self.rng.random_range(1..self.banks.len())) % self.banks.len();
                let payer = self.members[b][self.rng.random_range(0..MEMBERS_PER_BANK)].clone();
                let payee = if self.rng.random_bool(0.05) {
                    format!("{}:ZZZZ-ZZ", BANKS[other].0).parse().expect("code")
                } else {
                    self.members[other][self.rng.random_range(0..MEMBERS_PER_BANK)].clone()
                };
                let minutes = Minutes(self.rng.random_range(1..180));
                self.run(b, Command::exchange(&[&payee], &[&payer], minutes));
            }
            7 => {
                let other = (b + self.rng.random_range(1..self.banks.len())) % self.banks.len();
                if self.rng.random_bool(self.faults.partition * 10.0) {
                    let until = self.step + self.rng.random_range(5..60);
                    self.cut.insert((b.min(other), b.max(other)), until);
                    self.log.push(format!("step {}: partition {b}-{other} until {until}", self.step));
                }
            }
            8 => {
                if !self.history.is_empty() && self.rng.random_bool(self.faults.replay * 10.0) {
                    let mut old = self.history[self.rng.random_range(0..self.history.len())].clone();
                    old.arrives = self.step + 1;
                    self.net.push(old);
                }
            }
            _ => self.retry(b),
        }
    }

    /// The payer's bank re-sends every transfer still pending (its driver's tick).
    fn retry(&mut self, b: usize) {
        let pending: Vec<_> =
            self.banks[b].state.transfers.values().filter(|t| t.role == TransferRole::Outgoing && t.is_pending()).cloned().collect();
        for t in pending {
            let to = self.index_of(&t.transfer.to);
            self.send(b, to, Wire::Deliver { transfer: t.signed.clone() });
        }
    }

    fn partitioned(&self, a: usize, b: usize) -> bool {
        self.cut.get(&(a.min(b), a.max(b))).is_some_and(|until| *until > self.step)
    }

    /// Delivers the messages whose time has come, in a shuffled order.
    fn deliver(&mut self) {
        let (due, later): (Vec<_>, Vec<_>) = self.net.drain(..).partition(|m| m.arrives <= self.step);
        self.net = later;
        let mut due = due;
        for i in (1..due.len()).rev() {
            let j = self.rng.random_range(0..=i);
            due.swap(i, j);
        }
        for m in due {
            if self.partitioned(m.from, m.to) {
                continue;
            }
            let from_id = self.banks[m.from].id();
            match m.wire {
                Wire::Deliver { transfer } => {
                    if let Some((decision, _)) =
                        self.run(m.to, Command::ReceiveTransfer { signed: transfer, note: String::new(), delivered_by: from_id })
                    {
                        let id = match decision {
                            Decision::Append(EntryBody::TransferReceived { decision, .. }) => decision.transfer,
                            Decision::KnownTransfer(id) => id,
                            _ => continue,
                        };
                        let record = self.banks[m.to].state.transfer(&id).expect("read").expect("decided");
                        if let Some(signed) = record.signed_decision {
                            self.send(m.to, m.from, Wire::Decision { decision: signed });
                        }
                    }
                }
                Wire::Decision { decision } => {
                    self.run(m.to, Command::ApplyDecision { signed: decision });
                }
            }
        }
    }

    fn tick(&mut self) {
        self.step += 1;
        for bank in &mut self.banks {
            bank.now_ms += 1_000;
        }
    }

    fn check_step_invariants(&self) {
        for (i, bank) in self.banks.iter().enumerate() {
            assert_eq!(bank.state.sum(), 0, "bank {i}'s accounts sum to zero");
            for (code, hold) in &bank.state.holds {
                assert!(hold.0 >= 0, "bank {i}: a negative hold on {code}");
            }
        }
    }

    /// The end state: every transfer decided the same on both sides, once;
    /// clearing accounts opposite and equal to the accepted transfers.
    fn check_final_invariants(&self) {
        let mut decided: HashMap<TransferId, (usize, usize, bool, i64)> = HashMap::new();
        for (i, bank) in self.banks.iter().enumerate() {
            for t in bank.state.transfers.values() {
                let accepted = match t.decision.as_ref().map(|d| &d.verdict) {
                    None => panic!("transfer {:?} at bank {i} never ended", t.id),
                    Some(Verdict::Accept) => true,
                    Some(Verdict::Reject(_)) => false,
                };
                let from = self.index_of(&t.transfer.from);
                let to = self.index_of(&t.transfer.to);
                let seen = (from, to, accepted, t.transfer.minutes.0);
                if let Some(other) = decided.insert(t.id, seen) {
                    assert_eq!(other, seen, "both banks agree on transfer {:?}", t.id);
                }
            }
        }
        let mut owed: BTreeMap<(usize, usize), i64> = BTreeMap::new();
        for (from, to, accepted, minutes) in decided.values() {
            if *accepted {
                *owed.entry((*from, *to)).or_default() += minutes;
            }
        }
        for a in 0..self.banks.len() {
            for b in 0..self.banks.len() {
                if a == b {
                    continue;
                }
                let at_a = self.banks[a].state.clearing(&self.banks[b].id()).expect("read").0;
                let at_b = self.banks[b].state.clearing(&self.banks[a].id()).expect("read").0;
                assert_eq!(at_a, -at_b, "clearing accounts of banks {a} and {b} are opposite");
                let expected = owed.get(&(a, b)).copied().unwrap_or(0) - owed.get(&(b, a)).copied().unwrap_or(0);
                assert_eq!(at_a, expected, "bank {a}'s clearing for {b} equals the transfers accepted between them");
            }
            assert!(self.banks[a].state.holds.values().all(|h| h.0 == 0), "no hold outlives its transfer at bank {a}");
        }
    }
}

/// What happened in a scenario, to show the faults really were exercised.
#[derive(Default, Debug)]
struct Tally {
    accepted: usize,
    rejected: usize,
    crashes: usize,
    messages: usize,
}

/// Runs one scenario; panics (with the seed in the message) if an invariant breaks.
fn scenario(seed: u64) -> Tally {
    let mut world = World::new(seed);
    for _ in 0..STEPS {
        world.tick();
        world.random_activity();
        world.deliver();
        world.check_step_invariants();
    }
    // Heal: no more faults; every bank retries until nothing is pending.
    world.faults =
        Faults { loss: 0.0, duplicate: 0.0, max_delay: 1, crash_before_sync: 0.0, crash_after_sync: 0.0, partition: 0.0, replay: 0.0 };
    world.cut.clear();
    for _ in 0..SETTLE_STEPS {
        let pending = world.banks.iter().any(|b| b.state.transfers.values().any(|t| t.is_pending()));
        if !pending && world.net.is_empty() {
            break;
        }
        world.tick();
        for b in 0..world.banks.len() {
            world.retry(b);
        }
        world.deliver();
        world.check_step_invariants();
    }
    world.check_final_invariants();
    let mut tally =
        Tally { crashes: world.log.iter().filter(|l| l.contains("crashed")).count(), messages: world.history.len(), ..Tally::default() };
    for t in world.banks.iter().flat_map(|b| b.state.transfers.values()).filter(|t| t.role == TransferRole::Outgoing) {
        match t.decision.as_ref().map(|d| &d.verdict) {
            Some(Verdict::Accept) => tally.accepted += 1,
            _ => tally.rejected += 1,
        }
    }
    tally
}

#[test]
fn seeded_federations_under_faults_keep_every_invariant() {
    let seeds: Vec<u64> = match std::env::var("AMSER_SIM_SEED") {
        Ok(one) => vec![one.parse().expect("AMSER_SIM_SEED is a number")],
        Err(_) => {
            let n: u64 = std::env::var("AMSER_SIM_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
            let first: u64 = std::env::var("AMSER_SIM_FIRST_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
            (first..first + n).collect()
        }
    };
    let count = seeds.len();
    let mut total = Tally::default();
    for seed in seeds {
        match std::panic::catch_unwind(|| scenario(seed)) {
            Ok(t) => {
                total.accepted += t.accepted;
                total.rejected += t.rejected;
                total.crashes += t.crashes;
                total.messages += t.messages;
            }
            Err(panic) => {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panic!("seed {seed} broke an invariant: {why}\nreplay it with: AMSER_SIM_SEED={seed} cargo test -p amser-node --test simulation");
            }
        }
    }
    println!("{count} seeded scenarios kept every invariant: {total:?}");
    assert!(
        total.accepted > 0 && total.rejected > 0 && total.crashes > 0,
        "the scenarios exercised transfers both ways and crashes: {total:?}"
    );
}
