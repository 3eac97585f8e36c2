//! A deterministic simulator of a federation (DESIGN.md §2b and §4): 2 to 6
//! banks' real ledger and transfer rules in one process, with
//! - a simulated network that loses, duplicates, delays, reorders, replays
//!   and tampers with messages, and cuts links or whole banks off for a while;
//! - a simulated disk per bank: a journal of synced entries plus a group
//!   commit's unsynced ones; crashes before a sync (the unsynced entries are
//!   lost), after a sync (nothing is lost, but no reply or message has gone
//!   out), during the write (a torn write: part of it lands, maybe padded
//!   with zeros), or at any moment (kill -9); recovery reads what is left
//!   with the node's own journal scan and rebuilds the bank from it alone;
//! - a simulated clock per bank, skewed and sometimes stepped backwards;
//! - coordinators who retry a request with a client reference until it is
//!   acknowledged, and change trust lines and members' standing;
//! - in one scenario in four, a hostile admitted bank that signs two
//!   verdicts on one transfer, relays strangers' statements, gossips two
//!   heads with one seq and replays its verdicts (`sim/hostile.rs`);
//! - lost disks: a journal put back from an older copy, and the bank's
//!   recovery from its peers (`sim/recovery.rs`);
//!
//! all drawn from one seed. Nothing leaves a bank (a reply, a transfer, a
//! decision) before the entry it reveals is synced, as in the node. Every
//! invariant is checked after every step; then the network heals and every
//! transfer must end exactly once, and every journal must verify and replay
//! to its bank's state. Some pairs of banks have no trust line: they pay
//! each other along a path of lines, hop by hop (`sim/route.rs`). The
//! checks are in `sim/check.rs`; eight deliberately broken rules below
//! prove they catch what they claim to.
//!
//! ```text
//! cargo test -p amser-node --test simulation                        # the CI run: AMSER_SIM_SEEDS seeds (default 2,000)
//! AMSER_SIM_SEEDS=100000 cargo test --release -p amser-node --test simulation -- --nocapture
//! AMSER_SIM_SEED=1234 cargo test -p amser-node --test simulation -- --nocapture   # replay one seed, with its trace
//! ```
//!
//! `AMSER_SIM_FIRST_SEED` moves the range of seeds; `AMSER_SIM_THREADS`
//! sets how many scenarios run at once (default: one per core). A failing
//! seed prints `AMSER_SIM_SEED=<n>`; its run does not depend on the threads.

mod sim;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use sim::bank::{SimBank, Submitted};
use sim::disk::Tear;
use sim::{scenario, Failure, Mutation, Tally};

use amser_node::ledger::Command;
use amser_protocol::member::MemberProfile;
use amser_protocol::signing::FederationId;
use amser_protocol::{MemberKind, Policy};

/// Seeds the CI run tries.
const DEFAULT_SEEDS: u64 = 2_000;
/// A long run reports its progress every this many scenarios.
const PROGRESS_EVERY: usize = 10_000;
/// A deliberately broken rule must be caught within this many seeds. The
/// slowest today is SkipRecovery (a lost disk, then a head gossiped under a
/// seq the bank reuses): seed 765; then TakeRejectFromAnyBankOnPath (a
/// hostile hop's rejection sent on): seed 253; the others by seed 17.
const SEEDS_TO_CATCH_A_BROKEN_RULE: u64 = 800;

/// Seeds tried, from 20385, for one that loses a disk.
const SEEDS_TO_FIND_A_LOST_DISK: u64 = 100;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| v.parse().unwrap_or_else(|_| panic!("{name} must be a number, not {v:?}")))
}

/// Runs every seed on `threads` threads; the tally, or the lowest failing seed found.
fn run_seeds(seeds: &[u64], threads: usize, trace: bool) -> Result<Tally, (u64, Failure)> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let total = Mutex::new(Tally::default());
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let dir = tempfile::tempdir().expect("a scratch directory");
                let scratch = dir.path().join("journal.amj");
                let mut tally = Tally::default();
                while !stop.load(Ordering::Relaxed) {
                    let Some(&seed) = seeds.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
                    let outcome = std::panic::catch_unwind(|| scenario(seed, Mutation::None, &scratch, trace));
                    let failure = match outcome {
                        Ok(Ok(o)) => {
                            tally.add(&o.tally);
                            let done = done.fetch_add(1, Ordering::Relaxed) + 1;
                            if done.is_multiple_of(PROGRESS_EVERY) {
                                eprintln!("simulation: {done} of {} scenarios after {:.0} s", seeds.len(), started.elapsed().as_secs_f64());
                            }
                            continue;
                        }
                        Ok(Err(failure)) => failure,
                        Err(panic) => {
                            let why = panic
                                .downcast_ref::<String>()
                                .cloned()
                                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                                .unwrap_or_default();
                            Failure { step: 0, why: format!("panicked: {why}"), trace: vec![] }
                        }
                    };
                    stop.store(true, Ordering::Relaxed);
                    failures.lock().unwrap().push((seed, failure));
                }
                total.lock().unwrap().add(&tally);
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort_by_key(|(seed, _)| *seed);
    match failures.into_iter().next() {
        Some(failure) => Err(failure),
        None => Ok(total.into_inner().unwrap()),
    }
}

#[test]
fn seeded_federations_under_faults_keep_every_invariant() {
    let (seeds, trace): (Vec<u64>, bool) = match env_u64("AMSER_SIM_SEED") {
        Some(one) => (vec![one], true),
        None => {
            let n = env_u64("AMSER_SIM_SEEDS").unwrap_or(DEFAULT_SEEDS);
            let first = env_u64("AMSER_SIM_FIRST_SEED").unwrap_or(1);
            ((first..first + n).collect(), false)
        }
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = env_u64("AMSER_SIM_THREADS").map_or(cores, |n| n.max(1) as usize).min(seeds.len());
    let started = Instant::now();
    match run_seeds(&seeds, threads, trace) {
        Ok(tally) => {
            let secs = started.elapsed().as_secs_f64();
            println!("simulation: {tally}; no invariant broken ({secs:.1} s, {threads} threads)");
            assert!(
                tally.transfers_accepted > 0 && tally.transfers_rejected > 0 && tally.crashes_before_sync > 0 || seeds.len() < 10,
                "the scenarios exercised transfers both ways and crashes: {tally}"
            );
        }
        Err((seed, Failure { step, why, trace })) => {
            let trace = if trace.is_empty() { String::new() } else { format!("\nlast events:\n  {}", trace.join("\n  ")) };
            panic!(
                "seed {seed} broke an invariant at step {step}: {why}{trace}\n\
                 replay it with: AMSER_SIM_SEED={seed} cargo test -p amser-node --test simulation -- --nocapture"
            );
        }
    }
}

#[test]
fn one_seed_replays_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().join("journal.amj");
    for seed in [7, 1234] {
        let first = scenario(seed, Mutation::None, &scratch, false).expect("the seed keeps every invariant");
        let again = scenario(seed, Mutation::None, &scratch, true).expect("the seed keeps every invariant");
        assert_eq!(first, again, "seed {seed} ran the same twice (traced or not)");
    }
}

/// Found by the long run (seed 20385): a bank's disk was lost after it had
/// accepted a transfer whose payer's bank then settled; a retry of that
/// transfer, still on the wire to it, reached the restored bank, which
/// decided it again (another time stamp). A lost disk closes the bank's
/// links both ways, so nothing sent to it before is delivered after.
/// Routed transfers changed what each seed draws, so the test now runs from
/// seed 20385 on to the first seed that loses a disk.
#[test]
fn a_lost_disk_closes_the_links_both_ways_so_a_settled_transfer_is_not_decided_again() {
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().join("journal.amj");
    let lost = (20_385..20_385 + SEEDS_TO_FIND_A_LOST_DISK).any(|seed| {
        let outcome = scenario(seed, Mutation::None, &scratch, false).expect("the seed keeps every invariant");
        outcome.tally.lost_disks > 0
    });
    assert!(lost, "a seed loses a disk");
}

/// Found by the simulator once it sent routed transfers (seed 25): a bank
/// that lost its disk could not read back a routed transfer from the banks
/// on its way (`Recall` took only direct transfers, and a bank's recall
/// page left out the transfers it had carried as a hop), so it never read
/// back what its peers held and the federation never settled.
#[test]
fn a_bank_that_lost_its_disk_reads_back_the_routed_transfers_it_was_on_the_way_of() {
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().join("journal.amj");
    let outcome = scenario(25, Mutation::None, &scratch, false).expect("the seed keeps every invariant");
    assert!(outcome.tally.lost_disks > 0 && outcome.tally.routed_recalled > 0, "the seed reads back a routed transfer: {}", outcome.tally);
}

/// Seed 927,684 of the long run: a hop lost its disk after it had passed a
/// routed transfer on; the payer's bank delivered it again, and the hop,
/// not knowing it, refused it (its line had filled since) while the bank
/// after it held it and the payee accepted. A recall page now also carries
/// the routed transfers the asker passed on that the answerer holds
/// undecided, and the hop holds them again before it takes new work.
#[test]
fn a_hop_that_lost_its_disk_holds_again_what_it_had_passed_on_instead_of_refusing_it() {
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().join("journal.amj");
    let outcome = scenario(927_684, Mutation::None, &scratch, false).expect("the seed keeps every invariant");
    assert!(outcome.tally.lost_disks > 0 && outcome.tally.routed_recalled > 0, "the seed reads back routed transfers: {}", outcome.tally);
}

/// Seed 961,044 of the long run: the payee's bank refused a routed
/// transfer, its answer was lost on the way to the hop before it, and the
/// payer's bank heard the refusal by gossip; then the payee's bank lost its
/// disk and read back while the payer's bank had not yet synced what it had
/// heard. The hop delivered the transfer again, and the payee's bank signed
/// a second refusal at another time: two decisions under one key. A bank
/// that lost its disk now reads back from the banks before it on the way
/// before it decides a routed transfer it holds no record of.
#[test]
fn a_payee_bank_that_lost_its_disk_reads_back_before_it_decides_a_routed_transfer_again() {
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().join("journal.amj");
    let outcome = scenario(961_044, Mutation::None, &scratch, false).expect("the seed keeps every invariant");
    assert!(outcome.tally.lost_disks > 0 && outcome.tally.routed_recalled > 0, "the seed reads back routed transfers: {}", outcome.tally);
}

/// Runs seeds with a broken rule until one fails; the seed and what it caught.
fn first_seed_to_catch(mutation: Mutation) -> (u64, String) {
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().join("journal.amj");
    for seed in 1..=SEEDS_TO_CATCH_A_BROKEN_RULE {
        if let Err(failure) = scenario(seed, mutation, &scratch, false) {
            println!("{mutation:?}: caught by seed {seed} at step {}: {}", failure.step, failure.why);
            return (seed, failure.why);
        }
    }
    panic!("no seed in {SEEDS_TO_CATCH_A_BROKEN_RULE} caught {mutation:?}: the simulator is blind to it");
}

#[test]
fn the_simulator_catches_a_payee_bank_that_decides_a_transfer_twice() {
    let (_, why) = first_seed_to_catch(Mutation::ForgetDecidedTransfers);
    assert!(
        why.contains("decisions to transfer") || why.contains("clearing account") || why.contains("disagree"),
        "a second decision shows as two decisions applied to one transfer, a second credit, or a decision the payer's bank never settled on: {why}"
    );
}

#[test]
fn the_simulator_catches_a_hold_that_is_never_released() {
    let (_, why) = first_seed_to_catch(Mutation::KeepHoldsOnSettle);
    assert!(why.contains("holds"), "the hold outlives its transfer: {why}");
}

#[test]
fn the_simulator_catches_a_bank_that_sends_before_its_sync() {
    let (_, why) = first_seed_to_catch(Mutation::SendBeforeSync);
    assert!(why.contains("sent before it was durable"), "a crash takes back what a peer was told: {why}");
}

#[test]
fn the_simulator_catches_a_payer_bank_that_takes_the_second_of_two_verdicts() {
    let (_, why) = first_seed_to_catch(Mutation::TakeSecondDecision);
    assert!(
        why.contains("decisions to transfer") || why.contains("holds"),
        "hours move twice for one transfer, or a hold is released twice: {why}"
    );
}

#[test]
fn the_simulator_catches_a_ledger_that_forgets_the_evidence_it_recorded() {
    let (_, why) = first_seed_to_catch(Mutation::ForgetHandledEvidence);
    assert!(why.contains("froze the line again"), "evidence sent again after the line was unfrozen freezes it again: {why}");
}

#[test]
fn the_simulator_catches_a_bank_that_goes_on_from_an_older_copy_of_its_journal() {
    let (_, why) = first_seed_to_catch(Mutation::SkipRecovery);
    assert!(why.contains("an honest bank"), "a second history under seqs its peers saw heads of is evidence against it: {why}");
}

#[test]
fn the_simulator_catches_a_hop_that_keeps_its_line_hold_once_settled() {
    let (_, why) = first_seed_to_catch(Mutation::KeepLineHoldsOnSettle);
    assert!(why.contains("on its line with"), "the hop keeps hours on its line after the transfer ended: {why}");
}

#[test]
fn the_simulator_catches_a_bank_that_takes_a_rejection_from_a_hop_before_it() {
    let (_, why) = first_seed_to_catch(Mutation::TakeRejectFromAnyBankOnPath);
    assert!(
        why.contains("before it on its way") || why.contains("clearing account") || why.contains("disagree"),
        "a hop released its hold on a rejection from the bank before it while the payee's bank accepted: {why}"
    );
}

#[test]
fn a_crash_keeps_synced_entries_and_cuts_a_torn_write_back_to_its_last_whole_entry() {
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().join("journal.amj");
    let mut bank = SimBank::new("rhymney", 1, FederationId::from_name("sim"));
    let open = Command::OpenBank { profile: bank.profile(), policy: Policy::default() };
    let join = |n: usize| Command::AddMember { profile: MemberProfile::new(format!("member {n}"), MemberKind::Person), joined: None };
    let now = 1_795_694_400_000;
    bank.submit(open, now, Mutation::None).unwrap();
    bank.submit(join(1), now, Mutation::None).unwrap();
    assert_eq!(bank.sync().0, 2, "one sync makes both entries durable");

    // A group commit of three entries, written, then torn in the middle of the third.
    for n in 2..=4 {
        assert!(matches!(bank.submit(join(n), now, Mutation::None).unwrap(), Submitted::Wrote(_)));
    }
    let written = bank.disk.unsynced_bytes();
    let (recovery, _) = bank.crash(Tear::Cut(written - 5), &scratch, Mutation::None).unwrap();
    assert_eq!((recovery.kept_unsynced, recovery.lost_unsynced), (2, 1), "the two whole entries that landed are kept");
    assert!(recovery.cut_bytes > 0, "the partial third entry is cut off");
    assert_eq!(bank.state.head.0, 4);
    assert_eq!(bank.state.members.len(), 3);

    // Another, lost whole by a crash before its sync.
    bank.submit(join(5), now, Mutation::None).unwrap();
    let (recovery, _) = bank.crash(Tear::Lost, &scratch, Mutation::None).unwrap();
    assert_eq!((recovery.kept_unsynced, recovery.lost_unsynced, recovery.cut_bytes), (0, 1, 0));
    assert_eq!(bank.state.head.0, 4, "the bank restarts from its synced journal alone");
    bank.audit(&scratch, Mutation::None).expect("the journal verifies and replays to the bank's state");
}

/// A bank with one synced entry and then `n` unsynced members whose entries are over 256 bytes
/// (so each frame's length needs two bytes).
fn bank_with_large_unsynced_entries(n: usize) -> SimBank {
    let now = 1_795_694_400_000;
    let mut bank = SimBank::new("rhymney", 1, FederationId::from_name("sim"));
    bank.submit(Command::OpenBank { profile: bank.profile(), policy: Policy::default() }, now, Mutation::None).unwrap();
    bank.sync();
    for m in 0..n {
        let mut profile = MemberProfile::new(format!("member {m}"), MemberKind::Person);
        profile.availability = "weekday mornings, ".repeat(10);
        bank.submit(Command::AddMember { profile, joined: None }, now, Mutation::None).unwrap();
    }
    bank
}

/// Found by the simulator (seed 561) before journal::scan learnt it: zeros
/// after a torn write that begin inside a frame's length, or run to the end
/// of a whole write, are a torn write, not damage.
#[test]
fn a_torn_write_padded_with_zeros_is_cut_and_not_reported_as_damage() {
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().join("journal.amj");
    // The block boundary falls after the first byte of a frame's length: the length read is wrong.
    let mut bank = bank_with_large_unsynced_entries(1);
    assert!(bank.disk.splits_a_length(1));
    let (recovery, _) = bank.crash(Tear::ZeroFilled(1), &scratch, Mutation::None).expect("a torn write is cut, not damage");
    assert_eq!(recovery.lost_unsynced, 1);
    // The file grew by the whole write, and only the start of its first frame landed.
    let mut bank = bank_with_large_unsynced_entries(2);
    let (recovery, _) = bank.crash(Tear::ZeroFilledWrite(100), &scratch, Mutation::None).expect("a torn write is cut, not damage");
    assert_eq!(recovery.lost_unsynced, 2);
}

#[test]
fn a_retried_transfer_is_found_even_when_its_own_hold_would_refuse_it() {
    let now = 1_795_694_400_000;
    let federation = FederationId::from_name("sim");
    let gwynedd = SimBank::new("gwynedd", 2, federation);
    let mut rhymney = SimBank::new("rhymney", 1, federation);
    rhymney.submit(Command::OpenBank { profile: rhymney.profile(), policy: Policy::default() }, now, Mutation::None).unwrap();
    let mair = match rhymney.submit(
        Command::AddMember { profile: MemberProfile::new("Mair", MemberKind::Person), joined: None },
        now,
        Mutation::None,
    ) {
        Ok(Submitted::Wrote(entry)) => match entry.body {
            amser_protocol::journal::EntryBody::MemberJoined { member, .. } => member.code,
            other => panic!("{other:?}"),
        },
        _ => panic!("Mair joins"),
    };
    let admit = Command::AdmitPeer {
        bank: gwynedd.id,
        handle: Some("gwynedd".parse().unwrap()),
        addrs: vec![],
        trust: amser_protocol::Minutes::from_hours(10),
        max_transfer: None,
    };
    rhymney.submit(admit, now, Mutation::None).unwrap();
    // Mair (floor -10 h) received 6 h from Gwen in Gwynedd; the coordinator's request times out, and they retry it.
    let gwen: amser_protocol::MemberCode = "gwynedd:ABCD-EF".parse().unwrap();
    let pay = Command::RecordExchange {
        providers: vec![gwen],
        receivers: vec![mair],
        minutes_each: amser_protocol::Minutes::from_hours(6),
        category: String::new(),
        note: String::new(),
        date: Some(amser_protocol::ServiceDate::today(now)),
        recorded_by: "coordinator".into(),
        client_ref: Some("lift-to-the-surgery".into()),
    };
    let first = rhymney.submit(pay.clone(), now, Mutation::None).expect("the transfer is recorded");
    let again = rhymney.submit(pay, now, Mutation::None).expect("the retry finds it: its own hold must not refuse it");
    assert!(matches!(again, Submitted::Known { .. }), "nothing new is written");
    assert_eq!(first.recorded(), again.recorded(), "the retry answers with the same transfer");
}
