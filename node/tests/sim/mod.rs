//! The simulator's world: banks ([`bank`]), their disks ([`disk`]), the
//! network between them ([`net`]), a clock, and the faults, all drawn from
//! one seed; [`check`] holds the invariants.
//!
//! - [`history`]: what each bank's journal says in order (decisions applied
//!   per transfer, evidence recorded, lines frozen by it);
//! - [`gossip`]: journal heads gossiped and heard (the newest kept per bank);
//! - [`statements`]: decisions compared, evidence recorded and gossiped on;
//! - [`hostile`]: the hostile admitted bank some scenarios have, and its tricks;
//! - [`recovery`]: a lost disk, and the recovery from peers (heads, recall);
//! - [`route`]: payments along a path of trust lines, hop by hop.
//!
//! A scenario: set up 2 to 6 banks with members and trust lines between some
//! pairs (a bank pays one it has no line with along a path), one of them perhaps hostile; then `STEPS` steps of random activity
//! under faults, checking every invariant after each; then heal (no more
//! faults) and step until every transfer has ended and every bank that lost
//! its disk has read back what its peers hold; then check the quiescent
//! invariants and audit every bank's journal.

pub mod bank;
pub mod check;
pub mod disk;
pub mod gossip;
pub mod history;
pub mod hostile;
pub mod net;
pub mod recovery;
pub mod route;
pub mod statements;

use std::collections::HashMap;
use std::path::Path;

use amser_node::ledger::MemberChanges;
use amser_node::ledger::{Command, LedgerError, PeerChanges, TransferRole};
use amser_protocol::federation::Verdict;
use amser_protocol::journal::EntryBody;
use amser_protocol::member::MemberProfile;
use amser_protocol::policy::Limits;
use amser_protocol::signing::{FederationId, SignedMessage};
use amser_protocol::{EntryHash, MemberCode, MemberKind, MemberStatus, Minutes, Policy, ServiceDate};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

pub use bank::Mutation;
use bank::{Awaiting, Held, Recorded, SimBank, Submitted};
use disk::Tear;
use hostile::{Hostile, Lie};
use net::{Message, NetFaults, NetStats, Network, Wire};

/// Steps of random activity per scenario, before the network heals.
const STEPS: usize = 200;
/// The share of scenarios with no faults.
const CALM_SCENARIOS: f64 = 0.05;
/// Steps allowed after healing for every transfer to end.
const SETTLE_STEPS: usize = 2_000;
/// After healing, each bank's driver re-sends its pending transfers every this many steps.
const SETTLE_RETRY_EVERY: usize = 3;
/// The true time when every scenario starts (2026-11-26, noon UTC).
const START_MS: u64 = 1_795_694_400_000;
/// The banks a scenario may have, in order.
const HANDLES: [&str; 6] = ["rhymney", "gwynedd", "cardiff", "swansea", "powys", "conwy"];
const MIN_BANKS: usize = 2;
const MIN_MEMBERS: usize = 2;
const MAX_MEMBERS: usize = 5;
/// Most hours a bank lets a peer's members owe it.
const MAX_TRUST_HOURS: i64 = 24;
/// How many of its last events a replayed failing seed prints.
const TRACE_LINES: usize = 60;
/// The highest chance, per bank and step, that a scenario's disks are lost.
const MAX_LOST_DISK: f64 = 0.001;

/// How hostile the world is in one scenario; every chance is per step (per bank where it says so).
#[derive(Clone, Copy, Debug)]
pub struct Faults {
    net: NetFaults,
    /// A link between two banks is cut for a while.
    partition: f64,
    /// A recent message is replayed.
    replay: f64,
    /// A bank with unsynced entries syncs them (lower: bigger group commits).
    sync: f64,
    /// Per sync: the bank crashes before the sync, losing every unsynced entry.
    crash_before_sync: f64,
    /// Per sync: the bank crashes during the write, leaving part of it (a torn write).
    torn_write: f64,
    /// Per sync: the bank crashes just after the sync, before any reply or message goes out.
    crash_after_sync: f64,
    /// Per bank: kill -9 at an arbitrary moment.
    kill: f64,
    /// Most steps a crashed bank stays down.
    max_down_steps: usize,
    /// Per bank: its clock is stepped (maybe backwards) by up to an hour.
    clock_jump: f64,
    /// Per bank: its disk is lost and yesterday's copy of its journal put back.
    lost_disk: f64,
}

impl Faults {
    fn calm() -> Faults {
        Faults {
            net: NetFaults { loss: 0.0, duplicate: 0.0, tamper: 0.0, max_delay: 1 },
            partition: 0.0,
            replay: 0.0,
            sync: 1.0,
            crash_before_sync: 0.0,
            torn_write: 0.0,
            crash_after_sync: 0.0,
            kill: 0.0,
            max_down_steps: 0,
            clock_jump: 0.0,
            lost_disk: 0.0,
        }
    }

    fn random(rng: &mut StdRng) -> Faults {
        Faults {
            net: NetFaults {
                loss: rng.random_range(0.0..0.3),
                duplicate: rng.random_range(0.0..0.3),
                tamper: rng.random_range(0.0..0.02),
                max_delay: rng.random_range(1..20),
            },
            partition: rng.random_range(0.0..0.05),
            replay: rng.random_range(0.0..0.1),
            sync: rng.random_range(0.2..1.0),
            crash_before_sync: rng.random_range(0.0..0.06),
            torn_write: rng.random_range(0.0..0.06),
            crash_after_sync: rng.random_range(0.0..0.06),
            kill: rng.random_range(0.0..0.01),
            max_down_steps: rng.random_range(0..30),
            clock_jump: rng.random_range(0.0..0.01),
            lost_disk: rng.random_range(0.0..MAX_LOST_DISK),
        }
    }
}

/// What the scenarios did, to show the faults really were exercised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub scenarios: u64,
    pub banks: u64,
    pub steps: u64,
    pub exchanges: u64,
    pub transfers_accepted: u64,
    pub transfers_rejected: u64,
    /// Users' and peers' requests the rules refused.
    pub refused: u64,
    pub syncs: u64,
    /// Most entries made durable by one sync.
    pub largest_group: u64,
    pub crashes_before_sync: u64,
    pub torn_writes: u64,
    pub crashes_after_sync: u64,
    pub kills: u64,
    /// Unsynced entries a crash lost, and whole ones a torn write happened to keep.
    pub unsynced_lost: u64,
    pub unsynced_kept: u64,
    /// Partial frames recovery cut off the end of a journal.
    pub partial_frames_cut: u64,
    pub partitions: u64,
    pub clock_jumps: u64,
    /// What the simulated network did to the messages.
    pub net: NetStats,
    pub hostile_scenarios: u64,
    /// Transfers a hostile bank answered with two verdicts.
    pub decisions_contradicted: u64,
    /// Heads a hostile bank signed a second time with another hash.
    pub heads_contradicted: u64,
    /// Statements signed by keys nobody admitted that a hostile bank relayed.
    pub stranger_statements: u64,
    /// Times a hostile bank sent its two verdicts again.
    pub replays: u64,
    /// Rejections a hostile hop signed of routed transfers it had passed on.
    pub false_rejections: u64,
    pub evidence_recorded: u64,
    /// Evidence refused because it was recorded before (the coordinator has seen it).
    pub evidence_handled: u64,
    pub heads_gossiped: u64,
    pub lost_disks: u64,
    /// `Recovered` entries: a journal put back behind the heads its peers held.
    pub recoveries: u64,
    /// Entries that put back a transfer read back from a peer.
    pub transfers_recalled: u64,
    /// Transfers along a path, as their payers' banks ended them.
    pub routed_accepted: u64,
    pub routed_rejected: u64,
    /// Routed transfers a hop held and passed on, and those a hop refused to carry.
    pub hops_carried: u64,
    pub hops_refused: u64,
    /// Routed transfers a bank that lost its disk read back (put back, or settled).
    pub routed_recalled: u64,
    /// Routed transfers a bank that lost its disk would not take yet: a bank before it
    /// on the way was still to be read back (`recovery.rs`, before deciding again).
    pub waits_for_read_back: u64,
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        self.scenarios += o.scenarios;
        self.banks += o.banks;
        self.steps += o.steps;
        self.exchanges += o.exchanges;
        self.transfers_accepted += o.transfers_accepted;
        self.transfers_rejected += o.transfers_rejected;
        self.refused += o.refused;
        self.syncs += o.syncs;
        self.largest_group = self.largest_group.max(o.largest_group);
        self.crashes_before_sync += o.crashes_before_sync;
        self.torn_writes += o.torn_writes;
        self.crashes_after_sync += o.crashes_after_sync;
        self.kills += o.kills;
        self.unsynced_lost += o.unsynced_lost;
        self.unsynced_kept += o.unsynced_kept;
        self.partial_frames_cut += o.partial_frames_cut;
        self.partitions += o.partitions;
        self.clock_jumps += o.clock_jumps;
        self.net.add(&o.net);
        self.hostile_scenarios += o.hostile_scenarios;
        self.decisions_contradicted += o.decisions_contradicted;
        self.heads_contradicted += o.heads_contradicted;
        self.stranger_statements += o.stranger_statements;
        self.replays += o.replays;
        self.false_rejections += o.false_rejections;
        self.evidence_recorded += o.evidence_recorded;
        self.evidence_handled += o.evidence_handled;
        self.heads_gossiped += o.heads_gossiped;
        self.lost_disks += o.lost_disks;
        self.recoveries += o.recoveries;
        self.transfers_recalled += o.transfers_recalled;
        self.routed_accepted += o.routed_accepted;
        self.routed_rejected += o.routed_rejected;
        self.hops_carried += o.hops_carried;
        self.hops_refused += o.hops_refused;
        self.routed_recalled += o.routed_recalled;
        self.waits_for_read_back += o.waits_for_read_back;
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} scenarios ({} banks), {} steps: {} transfers accepted, {} rejected, {} local exchanges, {} requests refused; \
             {} syncs (up to {} entries each); {} crashes before a sync, {} torn writes, {} crashes after a sync, {} kills \
             ({} unsynced entries lost, {} kept whole, {} partial frames cut); {} partitions, {} clock jumps; \
             {} messages: {} lost, {} duplicated, {} reordered, {} replayed, {} tampered with, {} cut off; \
             {} heads gossiped; {} scenarios with a hostile bank ({} transfers answered with two verdicts, {} second heads, \
             {} strangers' statements, {} replays, {} false rejections); {} evidence recorded, {} refused as handled; \
             {} lost disks ({} recoveries past the peers' heads, {} transfers read back); \
             {} routed transfers accepted, {} rejected ({} carried by a hop, {} refused by one, {} read back, {} waiting for a read-back)",
            self.scenarios,
            self.banks,
            self.steps,
            self.transfers_accepted,
            self.transfers_rejected,
            self.exchanges,
            self.refused,
            self.syncs,
            self.largest_group,
            self.crashes_before_sync,
            self.torn_writes,
            self.crashes_after_sync,
            self.kills,
            self.unsynced_lost,
            self.unsynced_kept,
            self.partial_frames_cut,
            self.partitions,
            self.clock_jumps,
            self.net.sent,
            self.net.lost,
            self.net.duplicated,
            self.net.reordered,
            self.net.replayed,
            self.net.tampered,
            self.net.undeliverable,
            self.heads_gossiped,
            self.hostile_scenarios,
            self.decisions_contradicted,
            self.heads_contradicted,
            self.stranger_statements,
            self.replays,
            self.false_rejections,
            self.evidence_recorded,
            self.evidence_handled,
            self.lost_disks,
            self.recoveries,
            self.transfers_recalled,
            self.routed_accepted,
            self.routed_rejected,
            self.hops_carried,
            self.hops_refused,
            self.routed_recalled,
            self.waits_for_read_back,
        )
    }
}

/// A broken invariant: where, and the events that led there when traced.
#[derive(Debug)]
pub struct Failure {
    pub step: usize,
    pub why: String,
    pub trace: Vec<String>,
}

/// How a scenario ended.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub tally: Tally,
    /// Every bank's journal head at the end: two runs of one seed must agree on them.
    pub heads: Vec<(u64, EntryHash)>,
}

pub struct World {
    rng: StdRng,
    federation: FederationId,
    pub banks: Vec<SimBank>,
    /// The scenario's hostile bank, if it has one.
    pub hostile: Option<Hostile>,
    /// What the hostile bank said two ways.
    lies: Vec<Lie>,
    net: Network,
    faults: Faults,
    pub step: usize,
    /// The true time; each bank's clock is this plus its skew.
    now_ms: u64,
    step_ms: u64,
    mutation: Mutation,
    /// Requests with a client reference that a crash left unanswered; their users retry them.
    retries: Vec<(usize, Command)>,
    /// Every exchange and transfer acknowledged to a user, per bank: no crash may lose one.
    pub acknowledged: Vec<Vec<Recorded>>,
    /// The distinct exchanges or transfers each (bank, client reference) wrote: at most one may be kept.
    pub by_client_ref: HashMap<(usize, String), Vec<Recorded>>,
    tally: Tally,
    trace: Option<Vec<String>>,
}

/// Runs one scenario. `trace` keeps a log of events to print if it fails.
pub fn scenario(seed: u64, mutation: Mutation, scratch: &Path, trace: bool) -> Result<Outcome, Failure> {
    let mut world = World::new(seed, mutation, trace);
    match world.run(scratch) {
        Ok(()) => Ok(Outcome { tally: world.tally, heads: world.banks.iter().map(|b| b.state.head).collect() }),
        Err(why) => {
            let mut trace = world.trace.take().unwrap_or_default();
            let last = trace.split_off(trace.len().saturating_sub(TRACE_LINES));
            Err(Failure { step: world.step, why, trace: last })
        }
    }
}

impl World {
    fn new(seed: u64, mutation: Mutation, trace: bool) -> World {
        let mut rng = StdRng::seed_from_u64(seed);
        // Some scenarios have no faults at all: the ordinary day must work too.
        let faults = if rng.random_bool(CALM_SCENARIOS) { Faults::calm() } else { Faults::random(&mut rng) };
        let federation = FederationId::from_name("sim");
        let count = rng.random_range(MIN_BANKS..=HANDLES.len());
        let banks = HANDLES[..count].iter().enumerate().map(|(i, h)| SimBank::new(h, i as u8 + 1, federation)).collect();
        let hostile = Hostile::draw(&mut rng, count);
        let mut world = World {
            step_ms: rng.random_range(1_000..900_000),
            rng,
            federation,
            banks,
            hostile,
            lies: Vec::new(),
            net: Network::default(),
            faults,
            step: 0,
            now_ms: START_MS,
            mutation,
            retries: Vec::new(),
            acknowledged: vec![Vec::new(); count],
            by_client_ref: HashMap::new(),
            tally: Tally { scenarios: 1, banks: count as u64, hostile_scenarios: u64::from(hostile.is_some()), ..Tally::default() },
            trace: trace.then(Vec::new),
        };
        world.set_up();
        world
    }

    fn note(&mut self, event: impl FnOnce() -> String) {
        if let Some(trace) = &mut self.trace {
            trace.push(format!("step {}: {}", self.step, event()));
        }
    }

    /// Opens the banks, adds their members, admits peers with trust lines; all synced.
    fn set_up(&mut self) {
        let max_skew_ms: i64 = [0, 300_000, 3 * 3_600_000, 36 * 3_600_000][self.rng.random_range(0..4)];
        let density = self.rng.random_range(0.4..=1.0);
        for b in 0..self.banks.len() {
            self.banks[b].skew_ms = if max_skew_ms == 0 { 0 } else { self.rng.random_range(-max_skew_ms..=max_skew_ms) };
            let mut policy = Policy::default();
            if self.rng.random_bool(0.5) {
                let floor = Minutes::from_hours(-self.rng.random_range(1..=10));
                policy.person = Limits { floor, ceiling: Minutes::from_hours(self.rng.random_range(2..=20)) };
            }
            let profile = self.banks[b].profile();
            self.setup_command(b, Command::OpenBank { profile, policy });
            for m in 0..self.rng.random_range(MIN_MEMBERS..=MAX_MEMBERS) {
                let kind = if m == 0 { MemberKind::Agency } else { MemberKind::Person };
                let profile = MemberProfile::new(format!("member {m}"), kind);
                match self.setup_command(b, Command::AddMember { profile, joined: None }) {
                    EntryBody::MemberJoined { member, .. } => self.banks[b].members.push(member.code),
                    other => panic!("a member joins with a MemberJoined entry, not {other:?}"),
                }
            }
        }
        for a in 0..self.banks.len() {
            for b in a + 1..self.banks.len() {
                if self.rng.random_bool(density) {
                    self.admit(a, b);
                    self.admit(b, a);
                }
            }
        }
        for bank in &mut self.banks {
            bank.sync();
            bank.setup_entries = bank.disk.durable_entries();
        }
    }

    fn admit(&mut self, at: usize, peer: usize) {
        let trust = Minutes::from_hours(if self.rng.random_bool(0.1) { 0 } else { self.rng.random_range(1..=MAX_TRUST_HOURS) });
        let max_transfer = self.rng.random_bool(0.2).then(|| Minutes(self.rng.random_range(30..=240)));
        let command = Command::AdmitPeer {
            bank: self.banks[peer].id,
            handle: Some(self.banks[peer].handle.parse().expect("a handle")),
            addrs: vec![],
            trust,
            max_transfer,
        };
        self.setup_command(at, command);
    }

    fn setup_command(&mut self, b: usize, command: Command) -> EntryBody {
        let now = self.bank_now(b);
        match self.banks[b].submit(command, now, self.mutation) {
            Ok(Submitted::Wrote(entry)) => entry.body,
            Ok(Submitted::Known { .. }) => panic!("setting up wrote nothing"),
            Err(e) => panic!("setting up bank {b} failed: {e}"),
        }
    }

    /// Bank `b`'s clock.
    fn bank_now(&self, b: usize) -> u64 {
        (self.now_ms as i64 + self.banks[b].skew_ms).max(0) as u64
    }

    pub(super) fn index_of(&self, bank: &amser_protocol::BankId) -> usize {
        self.banks.iter().position(|b| &b.id == bank).expect("a bank of the federation")
    }

    fn up(&self, b: usize) -> bool {
        self.banks[b].is_up(self.step)
    }

    /// Up and taking new work (not recovering from a lost disk).
    fn working(&self, b: usize) -> bool {
        self.up(b) && !self.banks[b].recovering
    }

    fn run(&mut self, scratch: &Path) -> Result<(), String> {
        for _ in 0..STEPS {
            self.tick();
            self.random_activity()?;
            self.hostile_tricks();
            self.syncs_and_crashes(scratch)?;
            self.recover()?;
            self.recall_again(false)?;
            self.deliver()?;
            check::step(self)?;
        }
        self.settle(scratch)?;
        check::end(self, scratch)?;
        self.count_outcomes();
        Ok(())
    }

    fn tick(&mut self) {
        self.step += 1;
        self.tally.steps += 1;
        self.now_ms += self.step_ms;
        for b in 0..self.banks.len() {
            if self.rng.random_bool(self.faults.clock_jump) {
                let jump = self.rng.random_range(-3_600_000..=3_600_000);
                self.banks[b].skew_ms += jump;
                self.tally.clock_jumps += 1;
                self.note(|| format!("bank {b}'s clock jumps {jump} ms"));
            }
        }
    }

    fn random_activity(&mut self) -> Result<(), String> {
        let b = self.rng.random_range(0..self.banks.len());
        let action = self.rng.random_range(0..20);
        if !self.working(b) {
            return Ok(());
        }
        match action {
            0..=5 => self.local_exchange(b),
            6..=11 => self.payment(b),
            12 => {
                if self.rng.random_bool((self.faults.partition * 20.0).min(1.0)) {
                    self.partition(b);
                }
                Ok(())
            }
            13 => {
                if self.rng.random_bool((self.faults.replay * 20.0).min(1.0)) {
                    self.net.replay_one(&mut self.rng, self.step);
                }
                Ok(())
            }
            14 => self.change_peer_line(b),
            15 => self.change_member(b),
            16 => self.reverse_exchange(b),
            17 => self.user_retries(Some(b)),
            _ => {
                self.driver_retry(b);
                Ok(())
            }
        }
    }

    fn client_ref(&mut self, chance: f64, b: usize) -> Option<String> {
        self.rng.random_bool(chance).then(|| format!("s{}b{b}", self.step))
    }

    fn minutes(&mut self) -> Minutes {
        // Mostly ordinary amounts; sometimes more than a day, which the policy refuses.
        Minutes(if self.rng.random_bool(0.02) { self.rng.random_range(1..3_000) } else { self.rng.random_range(1..240) })
    }

    fn local_exchange(&mut self, b: usize) -> Result<(), String> {
        let n = self.banks[b].members.len();
        let p = self.rng.random_range(0..n);
        // Now and then the same member on both sides, which the rules refuse.
        let r = if self.rng.random_bool(0.02) { p } else { (p + self.rng.random_range(1..n)) % n };
        let (provider, receiver) = (self.banks[b].members[p].clone(), self.banks[b].members[r].clone());
        let minutes_each = self.minutes();
        let client_ref = self.client_ref(0.3, b);
        // A coordinator sometimes gives the date by their own calendar (a skewed bank clock may call it the
        // future); one who will retry always does, as DESIGN.md asks (the date is part of the exchange).
        let date = if client_ref.is_some() || self.rng.random_bool(0.1) {
            Some(ServiceDate(ServiceDate::today(self.now_ms).0 + self.rng.random_range(-1..=0)))
        } else {
            None
        };
        let command = Command::RecordExchange {
            providers: vec![provider],
            receivers: vec![receiver],
            minutes_each,
            category: String::new(),
            note: String::new(),
            date,
            recorded_by: "coordinator".into(),
            client_ref,
        };
        self.request(b, command)
    }

    /// A member of bank `b` received help from a member of another bank.
    fn payment(&mut self, b: usize) -> Result<(), String> {
        if self.routed_payment(b)? {
            return Ok(());
        }
        // Mostly with a member of an admitted bank; sometimes of one this bank never admitted.
        let admitted: Vec<usize> = self.banks[b].state.peers.keys().map(|id| self.index_of(id)).collect();
        let other = if !admitted.is_empty() && self.rng.random_bool(0.9) {
            admitted[self.rng.random_range(0..admitted.len())]
        } else {
            (b + self.rng.random_range(1..self.banks.len())) % self.banks.len()
        };
        let payer = self.banks[b].members[self.rng.random_range(0..self.banks[b].members.len())].clone();
        let payee = if self.rng.random_bool(0.05) {
            format!("{}:ZZZZ-ZZ", self.banks[other].handle).parse().expect("a member code")
        } else {
            self.banks[other].members[self.rng.random_range(0..self.banks[other].members.len())].clone()
        };
        let minutes = self.minutes();
        let client_ref = self.client_ref(0.5, b);
        let date = client_ref.as_ref().map(|_| ServiceDate::today(self.now_ms));
        let command = Command::RecordExchange {
            providers: vec![payee],
            receivers: vec![payer],
            minutes_each: minutes,
            category: String::new(),
            note: "thanks for the lift".into(),
            date,
            recorded_by: "coordinator".into(),
            client_ref,
        };
        self.request(b, command)
    }

    fn partition(&mut self, b: usize) {
        let until = self.step + self.rng.random_range(5..60);
        if self.rng.random_bool(0.2) {
            // The bank is offline for everyone (its link is down).
            for other in (0..self.banks.len()).filter(|o| *o != b) {
                self.net.partition(b, other, until);
            }
            self.note(|| format!("bank {b} is cut off from every bank until step {until}"));
        } else {
            let other = (b + self.rng.random_range(1..self.banks.len())) % self.banks.len();
            self.net.partition(b, other, until);
            self.note(|| format!("banks {b} and {other} cannot talk until step {until}"));
        }
        self.tally.partitions += 1;
    }

    /// The coordinator unfreezes a frozen trust line, freezes one, or changes one's trust.
    fn change_peer_line(&mut self, b: usize) -> Result<(), String> {
        let peers: Vec<_> = self.banks[b].state.peers.values().map(|p| (p.bank, p.frozen)).collect();
        let frozen: Vec<_> = peers.iter().filter(|(_, f)| *f).map(|(p, _)| *p).collect();
        if peers.is_empty() {
            return Ok(());
        }
        let (peer, changes) = if !frozen.is_empty() && self.rng.random_bool(0.5) {
            (frozen[self.rng.random_range(0..frozen.len())], PeerChanges { frozen: Some(false), ..PeerChanges::default() })
        } else {
            let peer = peers[self.rng.random_range(0..peers.len())].0;
            if self.rng.random_bool(0.2) {
                (peer, PeerChanges { frozen: Some(true), ..PeerChanges::default() })
            } else {
                let trust = Minutes::from_hours(self.rng.random_range(0..=MAX_TRUST_HOURS));
                (peer, PeerChanges { trust: Some(trust), ..PeerChanges::default() })
            }
        };
        self.request(b, Command::UpdatePeer { bank: peer, changes })
    }

    /// A member goes away for a while, or (more often, when one is away) comes back.
    fn change_member(&mut self, b: usize) -> Result<(), String> {
        let state = &self.banks[b].state;
        let paused: Vec<MemberCode> = state.members.values().filter(|m| m.status == MemberStatus::Paused).map(|m| m.code.clone()).collect();
        let (code, status) = if !paused.is_empty() && self.rng.random_bool(0.7) {
            (paused[self.rng.random_range(0..paused.len())].clone(), MemberStatus::Active)
        } else {
            (self.banks[b].members[self.rng.random_range(0..self.banks[b].members.len())].clone(), MemberStatus::Paused)
        };
        self.request(b, Command::UpdateMember { code, changes: MemberChanges { status: Some(status), ..MemberChanges::default() } })
    }

    fn reverse_exchange(&mut self, b: usize) -> Result<(), String> {
        let mut recorded: Vec<_> =
            self.banks[b].state.exchanges.values().filter(|x| x.reversed.is_none()).map(|x| (x.seq, x.exchange.id)).collect();
        if recorded.is_empty() {
            return Ok(());
        }
        recorded.sort_unstable_by_key(|(seq, _)| *seq);
        let id = recorded[self.rng.random_range(0..recorded.len())].1;
        self.request(b, Command::ReverseExchange { id, reason: "recorded by mistake".into() })
    }

    /// Users whose requests a crash left unanswered send them again (at bank `only`, or everywhere).
    fn user_retries(&mut self, only: Option<usize>) -> Result<(), String> {
        let (mine, others): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.retries).into_iter().partition(|(b, _)| only.is_none_or(|o| o == *b) && self.working(*b));
        self.retries = others;
        for (b, command) in mine {
            self.request(b, command)?;
        }
        Ok(())
    }

    /// A user's (coordinator's) request at bank `b`: answered once its entry is synced.
    fn request(&mut self, b: usize, command: Command) -> Result<(), String> {
        let client_ref = match &command {
            Command::RecordExchange { client_ref: Some(r), .. } | Command::SendRouted { client_ref: Some(r), .. } => Some(r.clone()),
            _ => None,
        };
        let retry = client_ref.as_ref().map(|_| command.clone());
        self.note(|| format!("bank {b} is asked: {command:?}"));
        let now = self.bank_now(b);
        let submitted = match self.banks[b].submit(command, now, self.mutation) {
            Ok(s) => s,
            Err(e) => {
                if let Some(r) = client_ref {
                    check::refusal_recorded_nothing(self, b, &r, &e)?;
                }
                return self.refused(b, e);
            }
        };
        self.note(|| match &submitted {
            Submitted::Wrote(entry) => format!("bank {b} wrote entry {} ({}): {:?}", entry.seq, entry.body.kind(), submitted.recorded()),
            Submitted::Known { seq, recorded } => format!("bank {b} found {recorded:?} recorded by entry {seq}"),
        });
        if let (Some(r), Submitted::Wrote(_), Some(recorded)) = (client_ref, &submitted, submitted.recorded()) {
            let attempts = self.by_client_ref.entry((b, r)).or_default();
            if !attempts.contains(&recorded) {
                attempts.push(recorded);
            }
        }
        if let Submitted::Wrote(entry) = &submitted {
            match &entry.body {
                EntryBody::TransferSent { transfer, signed, .. } => {
                    let to = self.index_of(&transfer.to);
                    self.hold(b, entry.seq, to, Wire::Transfer(signed.clone()));
                }
                EntryBody::RoutedSent { routed, signed, .. } => {
                    let to = self.index_of(&routed.path[1]);
                    self.hold(b, entry.seq, to, Wire::Transfer(signed.clone()));
                }
                _ => {}
            }
        }
        if submitted.seq() <= self.banks[b].disk.durable_seq() {
            // Found already recorded and synced: answered at once.
            self.acknowledged[b].extend(submitted.recorded());
        } else {
            self.banks[b].awaiting.push(Awaiting { after_seq: submitted.seq(), recorded: submitted.recorded(), retry });
        }
        Ok(())
    }

    fn refused(&mut self, b: usize, e: LedgerError) -> Result<(), String> {
        if !e.is_callers() {
            return Err(format!("bank {b} failed with a node error, not a refusal: {e}"));
        }
        self.tally.refused += 1;
        self.note(|| format!("bank {b} refused: {e}"));
        Ok(())
    }

    /// Sends `wire` once the journal of bank `b` is synced through `after_seq`.
    fn hold(&mut self, b: usize, after_seq: u64, to: usize, wire: Wire) {
        if after_seq <= self.banks[b].disk.durable_seq() || self.mutation == Mutation::SendBeforeSync {
            self.net.send(&mut self.rng, self.faults.net, self.step, b, to, wire);
        } else {
            self.banks[b].outbox.push(Held { after_seq, to, wire });
        }
    }

    /// The driver re-sends every transfer still pending that it sent as the
    /// payer's bank, or holds as a hop, to the bank after it, oldest first.
    fn driver_retry(&mut self, b: usize) {
        if !self.working(b) {
            return;
        }
        let us = self.banks[b].id;
        let mut pending: Vec<(u64, amser_protocol::BankId, SignedMessage)> = self.banks[b]
            .state
            .transfers
            .values()
            .filter(|t| t.role != TransferRole::Incoming && t.is_pending())
            .filter_map(|t| Some((t.seq, t.after(&us)?, t.signed.clone())))
            .collect();
        pending.sort_unstable_by_key(|(seq, _, _)| *seq);
        for (seq, to, signed) in pending {
            let to = self.index_of(&to);
            self.hold(b, seq, to, Wire::Transfer(signed));
        }
    }

    /// Each bank may sync its unsynced entries (or crash around the sync), or be killed.
    fn syncs_and_crashes(&mut self, scratch: &Path) -> Result<(), String> {
        for b in 0..self.banks.len() {
            if !self.up(b) {
                continue;
            }
            if self.rng.random_bool(self.faults.lost_disk) {
                self.lose_disk(b, scratch)?;
                continue;
            }
            if self.rng.random_bool(self.faults.kill) {
                // Killed before the write, or while the disk was taking it.
                let tear = if self.rng.random_bool(0.5) { Tear::Lost } else { self.torn(b) };
                self.tally.kills += 1;
                self.crash(b, tear, Vec::new(), scratch)?;
                continue;
            }
            if self.banks[b].disk.unsynced_entries() == 0 || !self.rng.random_bool(self.faults.sync) {
                continue;
            }
            if self.rng.random_bool(self.faults.crash_before_sync) {
                self.tally.crashes_before_sync += 1;
                self.crash(b, Tear::Lost, Vec::new(), scratch)?;
                continue;
            }
            if self.rng.random_bool(self.faults.torn_write) {
                let tear = self.torn(b);
                self.tally.torn_writes += 1;
                self.crash(b, tear, Vec::new(), scratch)?;
                continue;
            }
            let (entries, ready, acked) = self.banks[b].sync();
            self.tally.syncs += 1;
            self.tally.largest_group = self.tally.largest_group.max(entries as u64);
            if self.rng.random_bool(self.faults.crash_after_sync) {
                self.tally.crashes_after_sync += 1;
                self.crash(b, Tear::Lost, acked, scratch)?;
                continue;
            }
            for held in ready {
                self.net.send(&mut self.rng, self.faults.net, self.step, b, held.to, held.wire);
            }
            for a in acked {
                self.acknowledged[b].extend(a.recorded);
            }
            self.gossip_head(b);
        }
        Ok(())
    }

    /// What of its unsynced write a disk keeps when a crash tears it: part of it, maybe padded with zeros.
    fn torn(&mut self, b: usize) -> Tear {
        let len = self.banks[b].disk.unsynced_bytes();
        if len < 2 {
            return Tear::Lost;
        }
        let landed = self.rng.random_range(1..len);
        // A cut, or zeros after what landed: to the end of the frame it cut into
        // (even inside the frame's length), or to the end of the whole write.
        match self.rng.random_range(0..3) {
            0 => Tear::Cut(landed),
            1 => Tear::ZeroFilled(landed),
            _ => Tear::ZeroFilledWrite(landed),
        }
    }

    /// Bank `b` crashes and restarts (after some steps down); `unanswered`
    /// are requests synced but not yet answered when it died.
    fn crash(&mut self, b: usize, tear: Tear, unanswered: Vec<Awaiting>, scratch: &Path) -> Result<(), String> {
        let (recovery, mut lost) = self.banks[b].crash(tear, scratch, self.mutation).map_err(|e| format!("bank {b}: {e}"))?;
        lost.extend(unanswered);
        self.retries.extend(lost.into_iter().filter_map(|a| a.retry.map(|c| (b, c))));
        self.tally.unsynced_lost += recovery.lost_unsynced as u64;
        self.tally.unsynced_kept += recovery.kept_unsynced as u64;
        self.tally.partial_frames_cut += u64::from(recovery.cut_bytes > 0);
        let down = self.rng.random_range(0..=self.faults.max_down_steps);
        self.banks[b].down_until = self.step + down;
        self.note(|| format!("bank {b} crashed ({tear:?}: {recovery:?}), down for {down} steps"));
        check::acknowledged_kept(self, b)
    }

    fn deliver(&mut self) -> Result<(), String> {
        let (banks, step) = (&self.banks, self.step);
        let due = self.net.due(&mut self.rng, step, |b| banks[b].is_up(step));
        for m in due {
            if self.banks[m.to].recovering {
                // A recovering node refuses every command but its recovery's; the sender tries again.
                continue;
            }
            if m.tampered {
                self.tampered_is_refused(m)?;
                continue;
            }
            match m.wire {
                Wire::Transfer(signed) => self.receive_transfer(m.from, m.to, signed)?,
                Wire::Decision(signed) => self.hear_decision(m.to, signed)?,
                Wire::Head(signed) => self.hear_head(m.to, signed)?,
                Wire::Evidence(evidence) => self.hear_evidence(m.to, *evidence)?,
            }
        }
        Ok(())
    }

    /// (6) A message with a flipped bit is refused, so it changes nothing.
    fn tampered_is_refused(&mut self, m: Message) -> Result<(), String> {
        let command = match m.wire {
            Wire::Transfer(signed) => Command::ReceiveTransfer { signed, note: String::new(), delivered_by: self.banks[m.from].id },
            Wire::Decision(signed) => Command::ApplyDecision { signed },
            Wire::Evidence(evidence) => {
                let against = evidence.first.verify(self.federation).map_or(self.banks[m.from].id, |v| v.signer);
                Command::RecordEvidence { against, evidence: *evidence }
            }
            // A head is not a command: one that does not verify is not heard (`hear_head`).
            Wire::Head(signed) => return self.hear_head(m.to, signed),
        };
        let now = self.bank_now(m.to);
        match self.banks[m.to].submit(command, now, self.mutation) {
            Ok(_) => Err(format!("6. bank {} took a tampered message from bank {}", m.to, m.from)),
            Err(e) => self.refused(m.to, e),
        }
    }

    /// The payee's bank decides a delivered transfer (or finds it decided)
    /// and answers once that is durable; a hop holds a routed one and passes
    /// it on (or refuses it, signed). The first decision on a routed transfer
    /// is gossiped too, to the banks on its way before the one that decided.
    fn receive_transfer(&mut self, from: usize, to: usize, signed: SignedMessage) -> Result<(), String> {
        if !self.read_back_before(from, to, &signed)? {
            return Ok(());
        }
        let now = self.bank_now(to);
        let command = Command::ReceiveTransfer { signed, note: String::new(), delivered_by: self.banks[from].id };
        let us = self.banks[to].id;
        let answer = match self.banks[to].submit(command, now, self.mutation) {
            Ok(Submitted::Wrote(entry)) => match entry.body {
                EntryBody::TransferReceived { decision, signed_decision, .. } => Some((entry.seq, decision, signed_decision)),
                EntryBody::RoutedDecided { routed, decision, signed_decision, .. } => {
                    self.tally.hops_refused += u64::from(routed.transfer.to != us);
                    self.note(|| format!("bank {to} decided routed transfer {:?}: {:?}", decision.transfer, decision.verdict));
                    // Gossip reaches every bank; only those on its way before us take it.
                    let before: Vec<usize> = routed.path.iter().map(|id| self.index_of(id)).take_while(|o| *o != to).collect();
                    for o in before.into_iter().filter(|o| *o != from) {
                        self.hold(to, entry.seq, o, Wire::Decision(signed_decision.clone()));
                    }
                    Some((entry.seq, decision, signed_decision))
                }
                EntryBody::TransferForwarded { routed, signed } => {
                    self.tally.hops_carried += 1;
                    self.pass_on(to, entry.seq, &routed.path, signed);
                    self.false_rejection(to, &routed);
                    None
                }
                _ => None,
            },
            Ok(Submitted::Known { recorded: Recorded::Transfer(id), .. }) => match self.banks[to].state.transfers.get(&id) {
                Some(t) if t.is_pending() && t.role == TransferRole::Forwarded => {
                    let (seq, path, signed) = (t.seq, t.path.clone(), t.signed.clone());
                    self.pass_on(to, seq, &path, signed);
                    None
                }
                // Answered once the entry that decided it here is durable.
                Some(t) => Some((t.settled_seq.unwrap_or(t.seq), t.decision.clone(), t.signed_decision.clone()))
                    .and_then(|(seq, d, s)| Some((seq, d?, s?))),
                None => None,
            },
            Ok(Submitted::Known { .. }) => None,
            Err(e) => return self.refused(to, e),
        };
        if let Some((seq, decision, signed)) = answer {
            self.answer(to, from, seq, decision, signed);
        }
        Ok(())
    }

    /// Hop `b` passes a routed transfer it holds (entry `seq`) to the bank after it, once that entry is durable.
    fn pass_on(&mut self, b: usize, seq: u64, path: &[amser_protocol::BankId], signed: SignedMessage) {
        let at = path.iter().position(|id| *id == self.banks[b].id);
        if let Some(next) = at.and_then(|i| path.get(i + 1)) {
            let to = self.index_of(next);
            self.hold(b, seq, to, Wire::Transfer(signed));
        }
    }

    /// No more faults: every bank comes back, links heal, users and drivers
    /// retry until every transfer has ended and nothing is left to send.
    fn settle(&mut self, scratch: &Path) -> Result<(), String> {
        self.faults = Faults::calm();
        self.net.heal();
        for bank in &mut self.banks {
            bank.down_until = bank.down_until.min(self.step);
        }
        for round in 0..SETTLE_STEPS {
            if self.quiescent() {
                return Ok(());
            }
            self.tick();
            self.user_retries(None)?;
            if round % SETTLE_RETRY_EVERY == 0 {
                for b in 0..self.banks.len() {
                    self.driver_retry(b);
                }
                self.recall_again(true)?;
            }
            self.syncs_and_crashes(scratch)?;
            self.recover()?;
            self.deliver()?;
            check::step(self)?;
        }
        Err(format!("the federation did not settle within {SETTLE_STEPS} steps after healing"))
    }

    fn quiescent(&self) -> bool {
        self.net.is_empty()
            && self.retries.is_empty()
            && !self.recall_due()
            && self
                .banks
                .iter()
                .all(|b| b.disk.unsynced_entries() == 0 && b.outbox.is_empty() && b.state.transfers.values().all(|t| !t.is_pending()))
    }

    fn count_outcomes(&mut self) {
        for bank in &self.banks {
            self.tally.exchanges += bank.state.exchanges.len() as u64;
            for t in bank.state.transfers.values().filter(|t| t.role == TransferRole::Outgoing) {
                let accepted = t.decision.as_ref().is_some_and(|d| d.verdict == Verdict::Accept);
                match (accepted, t.path.is_empty()) {
                    (true, true) => self.tally.transfers_accepted += 1,
                    (false, true) => self.tally.transfers_rejected += 1,
                    (true, false) => self.tally.routed_accepted += 1,
                    (false, false) => self.tally.routed_rejected += 1,
                }
            }
        }
        self.tally.net.add(&self.net.stats);
    }
}
