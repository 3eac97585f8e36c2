//! The ledger rules, pure: stories of a bank's day against an in-memory
//! state, and a model-based property test against a simple reference.

use std::collections::BTreeMap;

use amser_node::ledger::privacy::MemKeys;
use amser_node::ledger::{step, Command, Context, LedgerError, LedgerRead, MemState, MemberChanges, Step};
use amser_protocol::journal::BankProfile;
use amser_protocol::member::MemberProfile;
use amser_protocol::signing::FederationId;
use amser_protocol::{BankId, ExchangeId, MemberCode, MemberKind, MemberStatus, Minutes, Policy};
use proptest::prelude::*;

/// 2026-11-26 at noon, in unix ms.
const NOW: u64 = 1_795_694_400_000;

/// A bank in memory, driven the way the writer drives the real one.
struct Bank {
    state: MemState,
    keys: MemKeys,
}

impl Bank {
    fn open() -> Bank {
        let mut bank = Bank { state: MemState::default(), keys: MemKeys::default() };
        let profile = BankProfile {
            bank: BankId([7; 32]),
            name: "Rhymney Time Bank".into(),
            handle: "rhymney".parse().unwrap(),
            region: "Wales".into(),
        };
        bank.run(Command::OpenBank { profile, policy: Policy::default() }).unwrap();
        bank
    }

    fn run(&mut self, command: Command) -> Result<Option<ExchangeId>, LedgerError> {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let ctx = Context { now_ms: NOW, key: &key, federation: FederationId::from_name("amser"), keys: &self.keys };
        match step(&self.state, command, &ctx)? {
            Step::KnownTransfer(_) => Ok(None),
            Step::AlreadyRecorded(id) => Ok(Some(id)),
            Step::Append(appended) => {
                let id = match &appended.entry.body {
                    amser_protocol::EntryBody::ExchangeRecorded { exchange } => Some(exchange.id),
                    _ => None,
                };
                for w in appended.writes {
                    self.state.write(w);
                }
                Ok(id)
            }
        }
    }

    fn join(&mut self, name: &str, kind: MemberKind) -> MemberCode {
        let before: Vec<_> = self.state.members.keys().cloned().collect();
        self.run(Command::AddMember { profile: MemberProfile::new(name, kind), joined: None }).unwrap();
        self.state.members.keys().find(|c| !before.contains(c)).unwrap().clone()
    }

    fn record(&mut self, providers: &[&MemberCode], receivers: &[&MemberCode], minutes: i64) -> Result<ExchangeId, LedgerError> {
        self.run(Command::RecordExchange {
            providers: providers.iter().map(|c| (*c).clone()).collect(),
            receivers: receivers.iter().map(|c| (*c).clone()).collect(),
            minutes_each: Minutes(minutes),
            category: "help".into(),
            note: String::new(),
            date: None,
            recorded_by: "coordinator".into(),
            client_ref: None,
        })
        .map(|id| id.expect("an exchange id"))
    }

    fn balance(&self, code: &MemberCode) -> i64 {
        self.state.balance(code).unwrap().0
    }
}

#[test]
fn mair_gardens_for_gwen_and_both_balances_move_by_two_hours() {
    let mut bank = Bank::open();
    let mair = bank.join("Mair", MemberKind::Person);
    let gwen = bank.join("Gwen", MemberKind::Person);
    bank.record(&[&mair], &[&gwen], 120).unwrap();
    assert_eq!(bank.balance(&mair), 120);
    assert_eq!(bank.balance(&gwen), -120);
    assert_eq!(bank.state.sum(), 0);
}

#[test]
fn a_jazz_band_of_two_plays_for_three_listeners_as_one_entry() {
    let mut bank = Bank::open();
    let band: Vec<_> = ["Aled", "Bethan"].iter().map(|n| bank.join(n, MemberKind::Person)).collect();
    let listeners: Vec<_> = ["Ceri", "Dylan", "Eluned"].iter().map(|n| bank.join(n, MemberKind::Person)).collect();
    let head_before = bank.state.head.0;
    bank.record(&band.iter().collect::<Vec<_>>(), &listeners.iter().collect::<Vec<_>>(), 100).unwrap();
    assert_eq!(bank.state.head.0, head_before + 1, "one atomic entry");
    assert_eq!(band.iter().map(|c| bank.balance(c)).collect::<Vec<_>>(), vec![100, 100]);
    assert_eq!(listeners.iter().map(|c| bank.balance(c)).collect::<Vec<_>>(), vec![-67, -67, -66]);
    assert_eq!(bank.state.sum(), 0);
}

#[test]
fn volunteers_give_an_afternoon_to_the_youth_centre() {
    let mut bank = Bank::open();
    let centre = bank.join("Rhymney Youth Centre", MemberKind::Agency);
    let a = bank.join("Aled", MemberKind::Person);
    let b = bank.join("Bethan", MemberKind::Person);
    bank.record(&[&a, &b], &[&centre], 180).unwrap();
    assert_eq!(bank.balance(&centre), -360);
    assert_eq!(bank.state.sum(), 0);
}

#[test]
fn spending_past_the_floor_is_refused_and_changes_nothing() {
    let mut bank = Bank::open();
    let mair = bank.join("Mair", MemberKind::Person);
    let gwen = bank.join("Gwen", MemberKind::Person);
    let head = bank.state.head;
    let err = bank.record(&[&mair], &[&gwen], 11 * 60).unwrap_err();
    assert!(matches!(err, LedgerError::BelowFloor { .. }), "{err}");
    assert!(err.to_string().contains("below their floor of -10:00"), "{err}");
    assert_eq!(bank.state.head, head);
    assert_eq!(bank.balance(&gwen), 0);
}

#[test]
fn an_agency_has_its_own_wider_limits() {
    let mut bank = Bank::open();
    let centre = bank.join("Youth Centre", MemberKind::Agency);
    let helpers: Vec<_> = (0..3).map(|i| bank.join(&format!("Helper {i}"), MemberKind::Person)).collect();
    bank.record(&helpers.iter().collect::<Vec<_>>(), &[&centre], 20 * 60).unwrap();
    assert_eq!(bank.balance(&centre), -60 * 60);
}

#[test]
fn more_than_a_day_for_one_person_is_refused() {
    let mut bank = Bank::open();
    let a = bank.join("A", MemberKind::Agency);
    let b = bank.join("B", MemberKind::Agency);
    let err = bank.record(&[&a], &[&b], 24 * 60 + 1).unwrap_err();
    assert!(matches!(err, LedgerError::TooLongForOnePerson { .. }));
}

#[test]
fn a_reversal_restores_balances_and_cannot_happen_twice() {
    let mut bank = Bank::open();
    let mair = bank.join("Mair", MemberKind::Person);
    let gwen = bank.join("Gwen", MemberKind::Person);
    let id = bank.record(&[&mair], &[&gwen], 90).unwrap();
    bank.run(Command::ReverseExchange { id, reason: "recorded the wrong day".into() }).unwrap();
    assert_eq!((bank.balance(&mair), bank.balance(&gwen)), (0, 0));
    let again = bank.run(Command::ReverseExchange { id, reason: "again".into() }).unwrap_err();
    assert_eq!(again, LedgerError::AlreadyReversed(id));
}

#[test]
fn a_paused_member_takes_no_new_exchanges() {
    let mut bank = Bank::open();
    let mair = bank.join("Mair", MemberKind::Person);
    let gwen = bank.join("Gwen", MemberKind::Person);
    bank.run(Command::UpdateMember {
        code: mair.clone(),
        changes: MemberChanges { status: Some(MemberStatus::Paused), ..Default::default() },
    })
    .unwrap();
    let err = bank.record(&[&mair], &[&gwen], 60).unwrap_err();
    assert!(matches!(err, LedgerError::MemberNotActive { .. }));
}

#[test]
fn the_same_client_reference_records_once() {
    let mut bank = Bank::open();
    let mair = bank.join("Mair", MemberKind::Person);
    let gwen = bank.join("Gwen", MemberKind::Person);
    let command = Command::RecordExchange {
        providers: vec![mair.clone()],
        receivers: vec![gwen.clone()],
        minutes_each: Minutes(60),
        category: "help".into(),
        note: String::new(),
        date: None,
        recorded_by: "coordinator".into(),
        client_ref: Some("retry-me".into()),
    };
    let first = bank.run(command.clone()).unwrap();
    let second = bank.run(command).unwrap();
    assert_eq!(first, second);
    assert_eq!(bank.balance(&mair), 60);
}

#[test]
fn a_bank_that_is_not_admitted_cannot_be_paid() {
    let mut bank = Bank::open();
    let mair = bank.join("Mair", MemberKind::Person);
    let gwen: MemberCode = "gwynedd:7KQ2-M9".parse().unwrap();
    let err = bank.record(&[&gwen], &[&mair], 60).unwrap_err();
    assert!(matches!(err, LedgerError::UnknownPeer(..)), "{err}");
    let err = bank.record(&[&mair], &[&gwen], 60).unwrap_err();
    assert!(matches!(err, LedgerError::RecordAtPayersBank { .. }), "{err}");
}

// ---- model-based: random operations against a plain reference model ----

#[derive(Debug, Clone)]
enum Op {
    Join(bool),
    Record { from: usize, to: Vec<usize>, minutes: i64 },
    Reverse(usize),
    Pause(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<bool>().prop_map(Op::Join),
        (0usize..8, prop::collection::vec(0usize..8, 1..4), 1i64..1500).prop_map(|(from, to, minutes)| Op::Record { from, to, minutes }),
        (0usize..16).prop_map(Op::Reverse),
        (0usize..8).prop_map(Op::Pause),
    ]
}

/// The reference: balances, limits and refusals written as plainly as possible.
#[derive(Default)]
struct Model {
    members: Vec<(bool, bool)>, // (is agency, active)
    balances: Vec<i64>,
    exchanges: Vec<(Vec<(usize, i64)>, bool)>, // (postings, reversed)
}

impl Model {
    fn record(&mut self, from: usize, to: &[usize], minutes: i64) -> bool {
        let mut to_unique = to.to_vec();
        to_unique.sort_unstable();
        to_unique.dedup();
        let n = self.members.len();
        if from >= n || to.iter().any(|&t| t >= n) || to.contains(&from) || to_unique.len() != to.len() || minutes > 24 * 60 {
            return false;
        }
        let mut moves = vec![(from, minutes)];
        let (share, extra) = (minutes / to.len() as i64, minutes % to.len() as i64);
        for (i, &t) in to.iter().enumerate() {
            moves.push((t, -(share + i64::from((i as i64) < extra))));
        }
        for &(m, delta) in &moves {
            let (agency, active) = self.members[m];
            let (floor, ceiling) = if agency { (-500 * 60, 500 * 60) } else { (-10 * 60, 100 * 60) };
            let next = self.balances[m] + delta;
            if !active || (delta < 0 && next < floor) || (delta > 0 && next > ceiling) {
                return false;
            }
        }
        for &(m, delta) in &moves {
            self.balances[m] += delta;
        }
        self.exchanges.push((moves, false));
        true
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
    #[test]
    fn the_ledger_agrees_with_a_plain_model(ops in prop::collection::vec(op(), 1..60)) {
        let mut bank = Bank::open();
        let mut model = Model::default();
        let mut codes: Vec<MemberCode> = vec![];
        let mut ids: Vec<ExchangeId> = vec![];
        for op in ops {
            match op {
                Op::Join(agency) => {
                    codes.push(bank.join("Someone", if agency { MemberKind::Agency } else { MemberKind::Person }));
                    model.members.push((agency, true));
                    model.balances.push(0);
                }
                Op::Record { from, to, minutes } => {
                    let expected = model.record(from, &to, minutes);
                    if from >= codes.len() || to.iter().any(|&t| t >= codes.len()) {
                        prop_assert!(!expected);
                        continue;
                    }
                    let got = bank.record(&[&codes[from]], &to.iter().map(|&t| &codes[t]).collect::<Vec<_>>(), minutes);
                    prop_assert_eq!(got.is_ok(), expected, "record {} -> {:?} {}: {:?}", from, to, minutes, got);
                    if let Ok(id) = got { ids.push(id); }
                }
                Op::Reverse(i) => {
                    if i >= ids.len() { continue; }
                    let got = bank.run(Command::ReverseExchange { id: ids[i], reason: "mistake".into() });
                    let (moves, reversed) = model.exchanges[i].clone();
                    prop_assert_eq!(got.is_ok(), !reversed);
                    if !reversed {
                        for (m, delta) in moves { model.balances[m] -= delta; }
                        model.exchanges[i].1 = true;
                    }
                }
                Op::Pause(i) => {
                    if i >= codes.len() { continue; }
                    bank.run(Command::UpdateMember { code: codes[i].clone(), changes: MemberChanges { status: Some(MemberStatus::Paused), ..Default::default() } }).unwrap();
                    model.members[i].1 = false;
                }
            }
            prop_assert_eq!(bank.state.sum(), 0);
        }
        let balances: BTreeMap<_, _> = codes.iter().zip(&model.balances).map(|(c, b)| (c.clone(), *b)).collect();
        for (code, expected) in balances {
            prop_assert_eq!(bank.balance(&code), expected, "{}", code);
        }
    }
}

/// An imported exchange from another system's history (`Command::ImportExchange`).
fn history(providers: &[&MemberCode], receivers: &[&MemberCode], minutes: i64, date: &str, client_ref: &str) -> Command {
    Command::ImportExchange {
        providers: providers.iter().map(|c| (*c).clone()).collect(),
        receivers: receivers.iter().map(|c| (*c).clone()).collect(),
        minutes_each: Minutes(minutes),
        category: String::new(),
        note: "from TimeOverflow".into(),
        date: amser_protocol::ServiceDate::parse(date).unwrap(),
        recorded_by: "coordinator (import)".into(),
        client_ref: client_ref.into(),
    }
}

#[test]
fn history_from_timeoverflow_is_recorded_as_it_happened_past_todays_limits_once_and_only_within_the_bank() {
    let mut bank = Bank::open();
    let mair = bank.join("Mair", MemberKind::Person);
    let gwen = bank.join("Gwen", MemberKind::Person);
    // 30 hours in one go, taking Gwen to -30 h (her floor is -10 h): history, so taken.
    let id = bank.run(history(&[&mair], &[&gwen], 30 * 60, "2024-03-10", "to-import:aa")).unwrap().expect("an exchange");
    assert_eq!((bank.balance(&mair), bank.balance(&gwen)), (30 * 60, -30 * 60));
    assert_eq!(bank.state.exchange(&id).unwrap().unwrap().exchange.date, amser_protocol::ServiceDate::parse("2024-03-10").unwrap());
    // The same row again is the same exchange, recorded once.
    assert_eq!(bank.run(history(&[&mair], &[&gwen], 30 * 60, "2024-03-10", "to-import:aa")).unwrap(), Some(id));
    assert_eq!(bank.balance(&gwen), -30 * 60);
    // Today's rules still hold for today's exchanges.
    assert!(matches!(bank.record(&[&mair], &[&gwen], 60).unwrap_err(), LedgerError::BelowFloor { .. }));
    // History is never of the future, and never with another bank's member.
    let future = bank.run(history(&[&mair], &[&gwen], 60, "2099-01-01", "to-import:bb")).unwrap_err();
    assert!(matches!(future, LedgerError::FutureDate(_)), "{future:?}");
    let elsewhere: MemberCode = "gwynedd:ABCD-EF".parse().unwrap();
    let refused = bank.run(history(&[&elsewhere], &[&gwen], 60, "2024-03-11", "to-import:cc")).unwrap_err();
    assert_eq!(refused, LedgerError::UnknownMember(elsewhere));
    // A paused member's history waits until they are active again.
    bank.run(Command::UpdateMember {
        code: mair.clone(),
        changes: MemberChanges { status: Some(MemberStatus::Paused), ..Default::default() },
    })
    .unwrap();
    assert!(matches!(
        bank.run(history(&[&mair], &[&gwen], 60, "2024-03-12", "to-import:dd")).unwrap_err(),
        LedgerError::MemberNotActive { .. }
    ));
}
