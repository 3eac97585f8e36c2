//! Cycle clearing between three banks' ledgers, in memory: the same rules
//! the nodes run, with the network replaced by handing messages over.

mod common;

use amser_node::ledger::memory::MemBank;
use amser_node::ledger::{Command, LedgerRead};
use amser_protocol::federation::{RejectReason, Verdict};
use amser_protocol::journal::EntryBody;
use amser_protocol::signing::SignedMessage;
use amser_protocol::{BankId, MemberCode, Minutes};
use common::{add_person, admit_peer, federation_id, Founding, CARDIFF, GWYNEDD, RHYMNEY};

/// The banks' clock: a fixed instant (2026-11-26 12:00 UTC).
const NOW: u64 = 1_795_694_400_000;
/// Every line's trust, in hours.
const TRUST_HOURS: i64 = 10;

struct Bank {
    ledger: MemBank,
    member: MemberCode,
}

fn open(founding: Founding, name: &str) -> Bank {
    let mut ledger = MemBank::open(founding.name, founding.handle, founding.seed, federation_id(), NOW).unwrap();
    let member = match ledger.run(add_person(name, "01685 000000")).unwrap().into_entry().unwrap().body {
        EntryBody::MemberJoined { member, .. } => member.code,
        other => panic!("{other:?}"),
    };
    Bank { ledger, member }
}

/// Rhymney, Gwynedd and Cardiff, each with a line to the other two.
fn three_banks() -> [Bank; 3] {
    let mut banks = [open(RHYMNEY, "Mair"), open(GWYNEDD, "Gwen"), open(CARDIFF, "Carys")];
    let ids: Vec<(BankId, &str)> = [RHYMNEY, GWYNEDD, CARDIFF].iter().zip(&banks).map(|(f, b)| (b.ledger.id(), f.handle)).collect();
    for bank in banks.iter_mut() {
        let us = bank.ledger.id();
        for (id, handle) in ids.iter().filter(|(id, _)| *id != us) {
            bank.ledger.run(admit_peer(*id, handle, TRUST_HOURS)).unwrap();
        }
    }
    banks
}

/// `payer`'s member is helped by `payee`'s for `minutes`: recorded at the
/// payer's bank, decided at the payee's, settled back. The payer's bank then owes the payee's.
fn helped(banks: &mut [Bank; 3], payer: usize, payee: usize, minutes: i64) {
    let command = Command::RecordExchange {
        providers: vec![banks[payee].member.clone()],
        receivers: vec![banks[payer].member.clone()],
        minutes_each: Minutes(minutes),
        category: "gardening".into(),
        note: String::new(),
        date: None,
        recorded_by: "coordinator".into(),
        client_ref: None,
    };
    let signed = match banks[payer].ledger.run(command).unwrap().into_entry().unwrap().body {
        EntryBody::TransferSent { signed, .. } => signed,
        other => panic!("{other:?}"),
    };
    let delivered_by = banks[payer].ledger.id();
    let receive = Command::ReceiveTransfer { signed, note: String::new(), delivered_by };
    let decision = match banks[payee].ledger.run(receive).unwrap().into_entry().unwrap().body {
        EntryBody::TransferReceived { signed_decision, .. } => signed_decision,
        other => panic!("{other:?}"),
    };
    banks[payer].ledger.run(Command::ApplyDecision { signed: decision }).unwrap();
}

/// What bank `a` owes bank `b`, by `a`'s clearing account.
fn owes(banks: &[Bank; 3], a: usize, b: usize) -> i64 {
    banks[a].ledger.state.clearing(&banks[b].ledger.id()).unwrap().0
}

/// `ring[0]` proposes clearing `minutes` round `ring` (each owes the next): the signed proposal.
fn propose(banks: &mut [Bank; 3], ring: [usize; 3], minutes: i64) -> SignedMessage {
    let ids: Vec<BankId> = ring.iter().map(|i| banks[*i].ledger.id()).collect();
    match banks[ring[0]].ledger.run(Command::ProposeClearing { ring: ids, minutes: Minutes(minutes) }).unwrap().into_entry().unwrap().body {
        EntryBody::ClearingPromised { signed, .. } => signed,
        other => panic!("{other:?}"),
    }
}

/// Bank `to` is handed `clearing` by bank `from`: `None` when it promised
/// and passes it on, else the decision it signed (a refusal, or the
/// proposer's verdict when it came back round).
fn hand_over(banks: &mut [Bank; 3], clearing: &SignedMessage, from: usize, to: usize) -> Option<(Verdict, SignedMessage)> {
    let delivered_by = banks[from].ledger.id();
    let command = Command::ReceiveClearing { signed: clearing.clone(), delivered_by, decline: false };
    match banks[to].ledger.run(command).unwrap().into_entry().unwrap().body {
        EntryBody::ClearingPromised { .. } => None,
        EntryBody::ClearingSettled { decision, signed_decision, .. } => Some((decision.verdict, signed_decision)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn two_clearings_racing_round_one_ring_never_cancel_more_than_its_debts() {
    let (rhymney, gwynedd, cardiff) = (0, 1, 2);
    let mut banks = three_banks();
    // An hour goes round: Rhymney owes Gwynedd, Gwynedd owes Cardiff, Cardiff owes Rhymney.
    helped(&mut banks, rhymney, gwynedd, 60);
    helped(&mut banks, gwynedd, cardiff, 60);
    helped(&mut banks, cardiff, rhymney, 60);
    assert_eq!([owes(&banks, rhymney, gwynedd), owes(&banks, gwynedd, cardiff), owes(&banks, cardiff, rhymney)], [60, 60, 60]);
    let balances: Vec<Minutes> = banks.iter().map(|b| b.ledger.state.balance(&b.member).unwrap()).collect();

    // Rhymney and Gwynedd each propose clearing 40 minutes of that hour, at once.
    let from_rhymney = propose(&mut banks, [rhymney, gwynedd, cardiff], 40);
    let from_gwynedd = propose(&mut banks, [gwynedd, cardiff, rhymney], 40);

    // Gwynedd's reaches Rhymney first (it travels against the debts: Gwynedd → Rhymney → Cardiff).
    // Rhymney has promised 40 of both its debts to its own: 20 are left, so it refuses.
    let (verdict, refusal) = hand_over(&mut banks, &from_gwynedd, gwynedd, rhymney).expect("Rhymney signs a refusal");
    assert_eq!(verdict, Verdict::Reject(RejectReason::ClearingTooLarge { owed_minutes: 20 }));
    banks[gwynedd].ledger.run(Command::ApplyDecision { signed: refusal }).unwrap();

    // Rhymney's goes round (Rhymney → Cardiff → Gwynedd → Rhymney) and is accepted.
    assert!(hand_over(&mut banks, &from_rhymney, rhymney, cardiff).is_none(), "Cardiff promises");
    assert!(hand_over(&mut banks, &from_rhymney, cardiff, gwynedd).is_none(), "Gwynedd promises: its own was refused and released");
    let (verdict, decision) = hand_over(&mut banks, &from_rhymney, gwynedd, rhymney).expect("Rhymney decides");
    assert_eq!(verdict, Verdict::Accept);
    for bank in [cardiff, gwynedd] {
        banks[bank].ledger.run(Command::ApplyDecision { signed: decision.clone() }).unwrap();
    }

    // Each debt went down by 40, once; no member's balance moved; every ledger sums to zero.
    assert_eq!([owes(&banks, rhymney, gwynedd), owes(&banks, gwynedd, cardiff), owes(&banks, cardiff, rhymney)], [20, 20, 20]);
    assert_eq!([owes(&banks, gwynedd, rhymney), owes(&banks, cardiff, gwynedd), owes(&banks, rhymney, cardiff)], [-20, -20, -20]);
    let after: Vec<Minutes> = banks.iter().map(|b| b.ledger.state.balance(&b.member).unwrap()).collect();
    assert_eq!(after, balances, "clearing moves no member's balance");
    for bank in &banks {
        assert_eq!(bank.ledger.state.sum(), 0);
        assert!(bank.ledger.state.rings_in_flight().unwrap().is_empty(), "nothing left in flight");
    }
}
