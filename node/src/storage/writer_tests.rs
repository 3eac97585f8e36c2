//! The writer driven by hand, without its syncer: a job is "synced" or
//! "refused" when the test says so.

use super::*;
use crate::clock::ManualClock;
use amser_protocol::journal::BankProfile;
use amser_protocol::member::MemberProfile;
use amser_protocol::{BankId, MemberCode, MemberKind, Minutes, Policy};
use tokio::sync::oneshot::error::TryRecvError;

type Rx = oneshot::Receiver<Result<Reply, LedgerError>>;

fn writer(dir: &std::path::Path) -> Writer {
    let store = Store::open(&dir.join("state")).unwrap();
    let hot = Hot::load(&store).unwrap();
    let head = hot.head().unwrap();
    // The syncer's end of the job channel is dropped: jobs are handed over by hand.
    let (jobs, _) = std::sync::mpsc::channel();
    Writer {
        hot,
        head,
        in_flight: VecDeque::new(),
        generation: 0,
        clock: Arc::new(ManualClock::new(1_750_000_000_000)),
        key: SigningKey::from_bytes(&[7; 32]),
        federation: FederationId::from_name("amser"),
        keys: Arc::new(crate::storage::keys::KeyRing::open(dir).unwrap()),
        progress: Arc::new(Progress::new(head.0)),
        sync_state: Arc::new(SyncState::default()),
        jobs: Some(jobs),
        syncer: None,
        applier: None,
    }
}

/// Decides `commands` as one batch, as `run` does.
fn decide(w: &mut Writer, commands: Vec<Command>) -> (Job, Vec<Rx>) {
    w.catch_up();
    let mut rxs = Vec::new();
    let mut batch: Vec<Request> = commands
        .into_iter()
        .map(|command| {
            let (reply, rx) = oneshot::channel();
            rxs.push(rx);
            Request { command, reply }
        })
        .collect();
    let job = w.decide_batch(&mut batch);
    if let Some(delta) = &job.delta {
        w.in_flight.push_back(delta.clone());
    }
    (job, rxs)
}

/// What the syncer does once a job is synced.
fn synced(w: &mut Writer, job: Job) {
    if let Some((_, last)) = job.entries {
        w.progress.set_acknowledged(last.0);
    }
    for (reply, outcome) in job.waiting {
        let _ = reply.send(outcome);
    }
    w.catch_up();
}

fn answer(rx: &mut Rx) -> Result<Reply, LedgerError> {
    rx.try_recv().expect("answered")
}

fn run(w: &mut Writer, command: Command) -> Reply {
    let (job, mut rxs) = decide(w, vec![command]);
    synced(w, job);
    answer(&mut rxs[0]).unwrap()
}

/// An open bank with two agencies and one exchange between them, all synced.
fn bank(w: &mut Writer) -> ExchangeId {
    let profile =
        BankProfile { bank: BankId([7; 32]), name: "Writer Time Bank".into(), handle: "writer".parse().unwrap(), region: "Wales".into() };
    run(w, Command::OpenBank { profile, policy: Policy::default() });
    let mut codes: Vec<MemberCode> = Vec::new();
    for name in ["Youth centre", "Library"] {
        match run(w, Command::AddMember { profile: MemberProfile::new(name, MemberKind::Agency), joined: None }) {
            Reply::Member(m) => codes.push(m.code),
            other => panic!("unexpected reply {other:?}"),
        }
    }
    match run(w, Command::exchange(&[&codes[0]], &[&codes[1]], Minutes(30))) {
        Reply::Exchange(x) => x.exchange.id,
        other => panic!("unexpected reply {other:?}"),
    }
}

use amser_protocol::ExchangeId;

fn reverse(id: ExchangeId) -> Command {
    Command::ReverseExchange { id, reason: "mistake".into() }
}

#[test]
fn a_refusal_that_saw_an_unsynced_entry_waits_for_its_sync() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = writer(dir.path());
    let id = bank(&mut w);

    // Two reversals in one batch: the second is refused because of the first, which is not synced yet.
    let (job, mut rxs) = decide(&mut w, vec![reverse(id), reverse(id)]);
    assert!(matches!(rxs[1].try_recv(), Err(TryRecvError::Empty)), "\"already reversed\" was answered before the reversal was synced");
    // The write fails (a full disk): both callers learn that, not that the exchange is reversed.
    let full = LedgerError::DiskFull("the disk is full".into());
    for (reply, _) in job.waiting {
        let _ = reply.send(Err(full.clone()));
    }
    assert_eq!(answer(&mut rxs[0]), Err(full.clone()));
    assert_eq!(answer(&mut rxs[1]), Err(full.clone()));
    w.sync_state.write_failed_for_test();

    // The same across batches: the first reversal in flight, the second decided on top of it.
    let (first, mut first_rx) = decide(&mut w, vec![reverse(id)]);
    let (second, mut second_rx) = decide(&mut w, vec![reverse(id)]);
    assert!(
        matches!(second_rx[0].try_recv(), Err(TryRecvError::Empty)),
        "\"already reversed\" was answered before the reversal was synced"
    );
    synced(&mut w, first);
    synced(&mut w, second);
    assert!(matches!(answer(&mut first_rx[0]), Ok(Reply::Exchange(_))));
    assert!(matches!(answer(&mut second_rx[0]), Err(LedgerError::AlreadyReversed(_))));

    // With nothing in flight a refusal is answered at once.
    let (_job, mut rxs) = decide(&mut w, vec![reverse(id)]);
    assert!(matches!(answer(&mut rxs[0]), Err(LedgerError::AlreadyReversed(_))));
}

/// A handle with no writer behind it (its queue goes nowhere), over an empty
/// state in `dir`, sharing `progress`.
fn bare_handle(dir: &std::path::Path, progress: Arc<Progress>) -> LedgerHandle {
    let (tx, _rx) = mpsc::channel(1);
    LedgerHandle {
        tx,
        store: Store::open(&dir.join("state")).unwrap(),
        journal_path: Arc::from(dir.join("journal.amj").as_path()),
        synced_len: Arc::new(AtomicU64::new(0)),
        progress,
        halted: Arc::default(),
        gate: Default::default(),
        passes_gate: false,
        keys: Arc::new(crate::storage::keys::KeyRing::open(dir).unwrap()),
        counters: Arc::default(),
    }
}

#[tokio::test]
async fn a_read_while_sled_is_stuck_behind_what_was_acknowledged_is_an_error_not_a_stale_answer() {
    let dir = tempfile::tempdir().unwrap();
    let progress = Arc::new(Progress::new(0));
    let ledger = bare_handle(dir.path(), progress.clone());
    assert!(ledger.read(|s| s.head()).await.is_ok(), "caught up: the read is answered");
    // Entry 1 is acknowledged, and no applier ever writes it to sled.
    progress.set_acknowledged(1);
    match ledger.read(|s| s.head()).await {
        Err(LedgerError::Storage(why)) => assert!(why.contains("entry 0 of 1"), "{why}"),
        other => panic!("a read that lacks an acknowledged entry was answered: {other:?}"),
    }
}

#[test]
fn a_full_disk_with_many_batches_in_flight_does_not_stop_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = writer(dir.path());
    for seq in 1..=MAX_IN_FLIGHT_BATCHES as u64 {
        w.in_flight.push_back(Arc::new(Delta { head: Some((seq, EntryHash::default())), ..Delta::default() }));
    }
    w.head = (MAX_IN_FLIGHT_BATCHES as u64, EntryHash::default());
    let sync_state = w.sync_state.clone();
    let (done, finished) = std::sync::mpsc::channel();
    // Too many in flight: the writer waits for the syncer before deciding more.
    std::thread::spawn(move || {
        w.catch_up();
        let _ = done.send((w.in_flight.len(), w.head.0));
    });
    assert!(finished.recv_timeout(SYNCER_WAIT * 3).is_err(), "the writer did not wait for the syncer");
    // Meanwhile the syncer's write of the first failed (DiskFull: not fatal): it refused them all.
    sync_state.write_failed_for_test();
    let (in_flight, head) =
        finished.recv_timeout(Duration::from_secs(10)).expect("the writer waits forever for batches the syncer refused");
    assert_eq!((in_flight, head), (0, 0), "the refused batches are dropped and the writer decides again from the synced head");
}

/// Issue 10, item 12: once an entry is framed it will be synced, so its
/// answer is made from the entry and its own writes, with no read that could
/// fail and tell the caller "storage failed" about a change that stands.
#[test]
fn an_answer_is_made_from_the_entry_itself_with_no_read_that_could_fail() {
    use crate::ledger::memory::MemBank;
    use amser_protocol::listing::ListingKind;
    let mut bank = MemBank::open("Rhymney Time Bank", "rhymney", [1; 32], FederationId::from_name("amser"), 1_750_000_000_000).unwrap();
    let join = |bank: &mut MemBank, name: &str| match bank
        .run(Command::AddMember { profile: MemberProfile::new(name, MemberKind::Person), joined: None })
        .unwrap()
    {
        Step::Append(a) => (reply_for(&a.entry, &a.writes), a.entry.seq),
        other => panic!("{other:?}"),
    };
    let (mair, _) = join(&mut bank, "Mair");
    let (gwen, _) = join(&mut bank, "Gwen");
    let (Reply::Member(mair), Reply::Member(gwen)) = (mair, gwen) else { panic!("members are answered with their record") };
    let appended = |step: Step| match step {
        Step::Append(a) => a,
        other => panic!("{other:?}"),
    };
    let recorded = appended(bank.run(Command::exchange(&[&mair.code], &[&gwen.code], Minutes(60))).unwrap());
    match reply_for(&recorded.entry, &recorded.writes) {
        Reply::Exchange(x) => assert_eq!(Some(x.clone()), bank.state.exchange(&x.exchange.id).unwrap(), "the record the state holds"),
        other => panic!("{other:?}"),
    }
    let posted = appended(
        bank.run(Command::PostListing {
            kind: ListingKind::Offer,
            member: mair.code.clone(),
            category: "gardening".into(),
            description: "Weeding".into(),
        })
        .unwrap(),
    );
    match reply_for(&posted.entry, &posted.writes) {
        Reply::Listing(l) => assert_eq!(Some(l.clone()), bank.state.listing(&l.listing.id).unwrap()),
        other => panic!("{other:?}"),
    }
    // An entry whose writes (impossibly) lack its record still says where it was recorded.
    assert_eq!(reply_for(&recorded.entry, &[]), Reply::Recorded { seq: recorded.entry.seq });
}

#[test]
fn a_journal_behind_its_peers_recovers_and_resumes_but_a_forked_one_waits_for_a_person() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = bare_handle(dir.path(), Arc::new(Progress::new(0)));
    let recover = Command::Recover { peers_saw: 591 };
    let behind = || LedgerError::BehindPeers { journal_seq: 590, peer: "the bank 'rhymney'".into(), peer_seq: 591 };

    ledger.halt(behind());
    assert!(ledger.refuse_if_halted(&recover).is_ok(), "behind: recovery goes on");
    ledger.resume();
    assert!(ledger.halted().is_none(), "recovered: new work again");

    ledger.halt(LedgerError::ForkedFromPeers { seq: 434, peer: "the bank 'rhymney'".into() });
    ledger.halt(behind());
    assert!(matches!(ledger.halted(), Some(LedgerError::ForkedFromPeers { .. })), "a lesser reason does not replace a fork");
    ledger.resume();
    ledger.lift(|why| matches!(why, LedgerError::BehindPeers { .. }));
    assert!(matches!(ledger.halted(), Some(LedgerError::ForkedFromPeers { .. })), "nothing but a restart lifts a fork");
    assert!(matches!(ledger.refuse_if_halted(&recover), Err(LedgerError::ForkedFromPeers { .. })), "forked: not even recovery");
}
