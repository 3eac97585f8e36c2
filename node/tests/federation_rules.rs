//! The transfer protocol between two banks' ledgers, in memory: the same
//! rules the nodes run, with the network replaced by handing messages over.

mod common;

use amser_node::ledger::memory::MemBank;
use amser_node::ledger::{Command, LedgerError, LedgerRead, PeerChanges, Step};
use amser_protocol::federation::{RejectReason, Verdict};
use amser_protocol::journal::{EntryBody, JournalEntry};
use amser_protocol::signing::SignedMessage;
use amser_protocol::{MemberCode, Minutes};
use common::{add_person, admit_peer, federation_id, Founding, CARDIFF, GWYNEDD, RHYMNEY};

/// The banks' clock: a fixed instant (2026-11-26 12:00 UTC), so every run
/// decides and signs the same entries.
const NOW: u64 = 1_795_694_400_000;

fn open(bank: Founding) -> MemBank {
    MemBank::open(bank.name, bank.handle, bank.seed, federation_id(), NOW).unwrap()
}

/// A person joins `bank`, with a phone number that must never leave it.
fn join(bank: &mut MemBank, name: &str) -> MemberCode {
    match bank.run(add_person(name, "01685 000000")).unwrap().into_entry().unwrap().body {
        EntryBody::MemberJoined { member, .. } => member.code,
        other => panic!("{other:?}"),
    }
}

/// `bank` admits `other`, known as `handle`.
fn admit(bank: &mut MemBank, other: &MemBank, handle: &str, trust_hours: i64) {
    bank.run(admit_peer(other.id(), handle, trust_hours)).unwrap();
}

/// The signed transfer a payer's bank journaled for a cross-bank exchange.
#[track_caller]
fn sent(entry: Option<JournalEntry>) -> SignedMessage {
    match entry.unwrap().body {
        EntryBody::TransferSent { signed, .. } => signed,
        other => panic!("{other:?}"),
    }
}

struct Federation {
    rhymney: MemBank,
    gwynedd: MemBank,
    mair: MemberCode,
    gwen: MemberCode,
}

fn federation(trust_hours: i64) -> Federation {
    let (mut rhymney, mut gwynedd) = (open(RHYMNEY), open(GWYNEDD));
    let mair = join(&mut rhymney, "Mair");
    let gwen = join(&mut gwynedd, "Gwen");
    admit(&mut rhymney, &gwynedd, GWYNEDD.handle, trust_hours);
    admit(&mut gwynedd, &rhymney, RHYMNEY.handle, trust_hours);
    Federation { rhymney, gwynedd, mair, gwen }
}

/// Rhymney records that Gwen (Gwynedd) helped Mair (Rhymney): returns the signed transfer.
fn gwen_helps_mair(f: &mut Federation, minutes: i64) -> SignedMessage {
    let command = Command::RecordExchange {
        providers: vec![f.gwen.clone()],
        receivers: vec![f.mair.clone()],
        minutes_each: Minutes(minutes),
        category: "gardening".into(),
        note: "Mair's back garden; she has a bad knee".into(),
        date: None,
        recorded_by: "coordinator".into(),
        client_ref: None,
    };
    sent(f.rhymney.run(command).unwrap().into_entry())
}

fn deliver(f: &mut Federation, signed: &SignedMessage) -> SignedMessage {
    let from = f.rhymney.id();
    let step = f.gwynedd.run(Command::ReceiveTransfer { signed: signed.clone(), note: String::new(), delivered_by: from }).unwrap();
    let id = match step {
        Step::Append(appended) => match appended.entry.body {
            EntryBody::TransferReceived { decision, .. } => decision.transfer,
            other => panic!("{other:?}"),
        },
        Step::KnownTransfer(id) => id,
        other => panic!("{other:?}"),
    };
    f.gwynedd.state.transfer(&id).unwrap().unwrap().signed_decision.unwrap()
}

fn check_invariants(f: &Federation) {
    assert_eq!(f.rhymney.state.sum(), 0, "Rhymney's ledger sums to zero");
    assert_eq!(f.gwynedd.state.sum(), 0, "Gwynedd's ledger sums to zero");
}

fn quiescent_clearing_is_opposite(f: &Federation) {
    let r = f.rhymney.state.clearing(&f.gwynedd.id()).unwrap();
    let g = f.gwynedd.state.clearing(&f.rhymney.id()).unwrap();
    assert_eq!(r.0, -g.0, "clearing accounts are exact opposites");
}

#[test]
fn a_rhymney_member_spends_two_hours_in_gwynedd() {
    let mut f = federation(50);
    let transfer = gwen_helps_mair(&mut f, 120);
    assert_eq!(f.rhymney.state.hold(&f.mair).unwrap(), Minutes(120), "held while in flight");
    check_invariants(&f);
    let decision = deliver(&mut f, &transfer);
    assert_eq!(f.gwynedd.state.balance(&f.gwen).unwrap(), Minutes(120));
    f.rhymney.run(Command::ApplyDecision { signed: decision }).unwrap();
    assert_eq!(f.rhymney.state.balance(&f.mair).unwrap(), Minutes(-120));
    assert_eq!(f.rhymney.state.hold(&f.mair).unwrap(), Minutes(0));
    assert_eq!(f.rhymney.state.clearing(&f.gwynedd.id()).unwrap(), Minutes(120));
    check_invariants(&f);
    quiescent_clearing_is_opposite(&f);
}

#[test]
fn replayed_and_duplicated_messages_change_nothing() {
    let mut f = federation(50);
    let transfer = gwen_helps_mair(&mut f, 60);
    let first = deliver(&mut f, &transfer);
    let again = deliver(&mut f, &transfer);
    assert_eq!(first, again, "the payee bank answers the same decision every time");
    let gwynedd_head = f.gwynedd.state.head;
    f.rhymney.run(Command::ApplyDecision { signed: first.clone() }).unwrap();
    let rhymney_head = f.rhymney.state.head;
    let step = f.rhymney.run(Command::ApplyDecision { signed: first }).unwrap();
    assert!(matches!(step, Step::KnownTransfer(_)), "{step:?}");
    assert_eq!((f.rhymney.state.head, f.gwynedd.state.head), (rhymney_head, gwynedd_head));
    assert_eq!(f.gwynedd.state.balance(&f.gwen).unwrap(), Minutes(60), "credited once");
    assert_eq!(f.rhymney.state.balance(&f.mair).unwrap(), Minutes(-60), "debited once");
    quiescent_clearing_is_opposite(&f);
}

/// Issue 10, finding 4: Gwynedd decides Mair's transfer, then removes
/// Rhymney before Rhymney has heard the answer. Rhymney's retry is still
/// answered with the same signed decision, so Mair's hold clears.
#[test]
fn a_bank_removed_after_deciding_still_answers_the_retry_with_its_decision() {
    let mut f = federation(50);
    let transfer = gwen_helps_mair(&mut f, 60);
    let decided = deliver(&mut f, &transfer);
    let rhymney = f.rhymney.id();
    f.gwynedd.run(Command::UpdatePeer { bank: rhymney, changes: PeerChanges { removed: Some(true), ..Default::default() } }).unwrap();
    let head = f.gwynedd.state.head;
    assert_eq!(deliver(&mut f, &transfer), decided, "the retry gets the decision made before the removal");
    assert_eq!(f.gwynedd.state.head, head, "answering the retry writes nothing");
    f.rhymney.run(Command::ApplyDecision { signed: decided }).unwrap();
    assert_eq!(f.rhymney.state.hold(&f.mair).unwrap(), Minutes(0), "Mair's hold is released");
    assert_eq!(f.rhymney.state.balance(&f.mair).unwrap(), Minutes(-60), "and she pays once");
    check_invariants(&f);
    quiescent_clearing_is_opposite(&f);
}

#[test]
fn a_full_trust_line_rejects_and_the_hold_is_released() {
    let mut f = federation(1);
    let transfer = gwen_helps_mair(&mut f, 90);
    let decision = deliver(&mut f, &transfer);
    let record = f.gwynedd.state.transfers.values().next().unwrap().clone();
    assert!(matches!(record.decision.unwrap().verdict, Verdict::Reject(RejectReason::TrustLineFull { .. })));
    f.rhymney.run(Command::ApplyDecision { signed: decision }).unwrap();
    assert_eq!(f.rhymney.state.hold(&f.mair).unwrap(), Minutes(0));
    assert_eq!(f.rhymney.state.balance(&f.mair).unwrap(), Minutes(0));
    assert_eq!(f.gwynedd.state.balance(&f.gwen).unwrap(), Minutes(0));
    check_invariants(&f);
    quiescent_clearing_is_opposite(&f);
}

#[test]
fn an_unknown_member_code_is_rejected_by_the_payee_bank() {
    let mut f = federation(50);
    f.gwen = "gwynedd:ZZZZ-ZZ".parse().unwrap();
    let transfer = gwen_helps_mair(&mut f, 30);
    deliver(&mut f, &transfer);
    let record = f.gwynedd.state.transfers.values().next().unwrap().clone();
    assert_eq!(record.decision.unwrap().verdict, Verdict::Reject(RejectReason::UnknownPayee));
}

#[test]
fn a_bank_that_is_not_admitted_changes_nothing() {
    let mut f = federation(50);
    let mut cardiff = open(CARDIFF);
    let ceri = join(&mut cardiff, "Ceri");
    admit(&mut cardiff, &f.gwynedd, GWYNEDD.handle, 50);
    let command = Command::exchange(&[&f.gwen], &[&ceri], Minutes(60));
    let signed = sent(cardiff.run(command).unwrap().into_entry());
    let head = f.gwynedd.state.head;
    let err = f.gwynedd.run(Command::ReceiveTransfer { signed, note: String::new(), delivered_by: cardiff.id() }).unwrap_err();
    assert!(matches!(err, LedgerError::NotAdmitted(_)), "{err}");
    assert_eq!(f.gwynedd.state.head, head);
}

#[test]
fn a_tampered_signature_or_a_relayed_transfer_changes_nothing() {
    let mut f = federation(50);
    let mut transfer = gwen_helps_mair(&mut f, 60);
    let head = f.gwynedd.state.head;
    let from = f.rhymney.id();
    let mut tampered = transfer.clone();
    tampered.signature[10] ^= 1;
    let err = f.gwynedd.run(Command::ReceiveTransfer { signed: tampered, note: String::new(), delivered_by: from }).unwrap_err();
    assert!(matches!(err, LedgerError::BadMessage(_)), "{err}");
    // A genuine transfer delivered by someone other than the payer's bank.
    let err = f
        .gwynedd
        .run(Command::ReceiveTransfer { signed: transfer.clone(), note: String::new(), delivered_by: f.gwynedd.id() })
        .unwrap_err();
    assert!(matches!(err, LedgerError::BadMessage(_)), "{err}");
    transfer.envelope.push(0);
    assert!(f.gwynedd.run(Command::ReceiveTransfer { signed: transfer, note: String::new(), delivered_by: from }).is_err());
    assert_eq!(f.gwynedd.state.head, head);
}

#[test]
fn a_frozen_line_refuses_new_transfers_both_ways() {
    let mut f = federation(50);
    let g = f.gwynedd.id();
    f.rhymney.run(Command::UpdatePeer { bank: g, changes: PeerChanges { frozen: Some(true), ..Default::default() } }).unwrap();
    let command = Command::exchange(&[&f.gwen], &[&f.mair], Minutes(60));
    assert!(matches!(f.rhymney.run(command).unwrap_err(), LedgerError::PeerFrozen(_)));
}

#[test]
fn spending_across_banks_respects_the_payers_floor_including_holds() {
    let mut f = federation(50);
    gwen_helps_mair(&mut f, 9 * 60);
    let command = Command::exchange(&[&f.gwen], &[&f.mair], Minutes(2 * 60));
    assert!(matches!(f.rhymney.run(command).unwrap_err(), LedgerError::BelowFloor { .. }), "9 h held + 2 h is past the 10 h floor");
}

#[test]
fn the_note_stays_out_of_the_signed_transfer() {
    let mut f = federation(50);
    let transfer = gwen_helps_mair(&mut f, 60);
    let wire = transfer.to_bytes().unwrap();
    for secret in ["bad knee", "Mair", "01685"] {
        assert!(!wire.windows(secret.len()).any(|w| w == secret.as_bytes()), "'{secret}' leaked into the signed transfer");
    }
}

/// Gwynedd's public log, read in small pages the way a bank that was away
/// catches up: every transfer Gwynedd received comes once, in journal order,
/// followed by Gwynedd's signed decision, and the last page says it is all.
#[test]
fn a_bank_that_was_away_reads_gwynedds_public_log_page_by_page() {
    use amser_node::ledger::StateWrite;
    use amser_protocol::federation::PublicMessage;

    let mut f = federation(1_000);
    let mut ids = Vec::new();
    for i in 0..70 {
        let signed = gwen_helps_mair(&mut f, 1 + i % 5);
        deliver(&mut f, &signed);
        ids.push(PublicMessage::check(&signed, federation_id()).unwrap().transfer_id());
    }
    let dir = tempfile::tempdir().unwrap();
    let store = amser_node::storage::store::Store::open(&dir.path().join("state")).unwrap();
    let mut writes: Vec<StateWrite> = ids.iter().map(|id| StateWrite::Transfer(f.gwynedd.state.transfer(id).unwrap().unwrap())).collect();
    let head = f.gwynedd.state.head().unwrap();
    writes.push(StateWrite::Head(head.0, head.1));
    store.apply(&writes).unwrap();

    let (mut from_seq, mut seen) = (0, Vec::new());
    loop {
        let (page, next_seq) = store.public_log(from_seq, 5).unwrap();
        assert!(page.len() <= 5 && next_seq >= from_seq, "each page moves on and stays within the asked size");
        seen.extend(page.iter().map(|m| PublicMessage::check(m, federation_id()).unwrap()));
        if page.is_empty() {
            assert_eq!(store.public_log(next_seq, 5).unwrap(), (vec![], next_seq), "asking again from the end finds nothing new");
            from_seq = next_seq;
            break;
        }
        assert!(next_seq > from_seq);
        from_seq = next_seq;
    }
    assert!(from_seq > head.0, "the last page points past Gwynedd's head");
    assert_eq!(seen.len(), 2 * ids.len());
    for (pair, id) in seen.chunks(2).zip(&ids) {
        assert!(matches!(&pair[0], PublicMessage::Transfer { id: t, .. } if t == id), "{pair:?}");
        assert!(matches!(&pair[1], PublicMessage::Decision(d) if d.transfer == *id && d.by == f.gwynedd.id()), "{pair:?}");
    }
}

/// Gwynedd's public log as a hash chain: the same chain head whether its
/// state is written in one batch (a rebuild) or a transfer at a time (as
/// they came), and read in pages of five, each checking against the chain,
/// the same statements in the same order as the unchained log.
#[test]
fn gwynedds_chained_log_is_the_same_however_its_state_was_written_and_reads_page_by_page() {
    use amser_node::ledger::StateWrite;
    use amser_protocol::public_log::{check_page, ChainedPage, Cursor, LogHead};
    use amser_protocol::signing::MessageKind;

    let mut f = federation(1_000);
    let mut ids = Vec::new();
    for i in 0..12 {
        let signed = gwen_helps_mair(&mut f, 1 + i % 5);
        deliver(&mut f, &signed);
        ids.push(amser_protocol::federation::PublicMessage::check(&signed, federation_id()).unwrap().transfer_id());
    }
    let records: Vec<_> = ids.iter().map(|id| f.gwynedd.state.transfer(id).unwrap().unwrap()).collect();
    let dir = tempfile::tempdir().unwrap();
    let rebuilt = amser_node::storage::store::Store::open(&dir.path().join("rebuilt")).unwrap();
    rebuilt.apply(&records.iter().cloned().map(StateWrite::Transfer).collect::<Vec<_>>()).unwrap();
    let as_they_came = amser_node::storage::store::Store::open(&dir.path().join("as-they-came")).unwrap();
    for r in &records {
        as_they_came.apply(&[StateWrite::Transfer(r.clone())]).unwrap();
        // A later write of the same transfer (its settlement, a replay) adds nothing to the chain.
        as_they_came.apply(&[StateWrite::Transfer(r.clone())]).unwrap();
    }
    assert_eq!(rebuilt.log_head().unwrap(), as_they_came.log_head().unwrap());
    assert_eq!(rebuilt.log_head().unwrap().0, 24, "each transfer Gwynedd received, and its decision");

    let key = ed25519_dalek::SigningKey::from_bytes(&GWYNEDD.seed);
    let sign_head = |position: u64, hash| {
        let head = LogHead { bank: f.gwynedd.id(), position, hash };
        (position > 0).then(|| common::sign_in_federation(&key, MessageKind::LogHead, head.encode().unwrap()))
    };
    let (mut at, mut read) = (Cursor::start(), Vec::new());
    loop {
        let page = rebuilt.chained_log(at.position, 5).unwrap();
        let page = ChainedPage {
            after: page.after,
            start: sign_head(page.after, page.after_hash.unwrap()),
            statements: page.statements,
            end: sign_head(page.end.0, page.end.1),
            length: page.length,
        };
        let next = check_page(&page, f.gwynedd.id(), federation_id(), &at, 5).expect("each page chains on");
        read.extend(page.statements);
        if next.position == at.position {
            break;
        }
        at = next;
    }
    assert_eq!((at.position, at.hash), rebuilt.log_head().unwrap());
    let (unchained, _) = rebuilt.public_log(0, 64).unwrap();
    assert_eq!(read, unchained, "the chain holds the public log's statements, in its order");
}

/// Gwynedd's disk is lost after three transfers; its journal is put back
/// from a copy that holds only the first, then jumps past what its peers saw
/// (a `Recovered` entry) and goes on. Its public log restarts there, signed:
/// Rhymney, which had read all three, reads on from the restart (it does not
/// freeze Gwynedd), and so does a bank that had read only the first. The
/// restart is the same whether the jump came in a batch of its own or inside
/// one (a rebuild).
#[test]
fn gwynedds_log_restarts_after_a_lost_disk_and_its_readers_read_on_from_the_restart() {
    use amser_node::ledger::StateWrite;
    use amser_node::storage::store::{LogPage, Store};
    use amser_protocol::public_log::{check_page, restart_position, ChainedPage, Cursor, LogHead};
    use amser_protocol::signing::MessageKind;
    use amser_protocol::EntryHash;

    let mut f = federation(1_000);
    let mut records = Vec::new();
    for i in 0..4 {
        let signed = gwen_helps_mair(&mut f, 1 + i);
        deliver(&mut f, &signed);
        let id = amser_protocol::federation::PublicMessage::check(&signed, federation_id()).unwrap().transfer_id();
        records.push(f.gwynedd.state.transfer(&id).unwrap().unwrap());
    }
    let at_seq =
        |r: &amser_node::ledger::TransferRecord, seq| StateWrite::Transfer(amser_node::ledger::TransferRecord { seq, ..r.clone() });
    let head = |seq| StateWrite::Head(seq, EntryHash([seq as u8; 32]));
    let dir = tempfile::tempdir().unwrap();
    let before = Store::open(&dir.path().join("before")).unwrap();
    for (i, r) in records[..3].iter().enumerate() {
        before.apply(&[at_seq(r, i as u64 + 1), head(i as u64 + 1)]).unwrap();
    }
    // Put back from a copy with the first transfer only; Recovered at 1003; the fourth transfer at 1004.
    let recovered = Store::open(&dir.path().join("recovered")).unwrap();
    recovered.apply(&[at_seq(&records[0], 1), head(1)]).unwrap();
    recovered.apply(&[head(1003)]).unwrap();
    recovered.apply(&[at_seq(&records[3], 1004), head(1004)]).unwrap();
    let rebuilt = Store::open(&dir.path().join("rebuilt")).unwrap();
    rebuilt.apply(&[at_seq(&records[0], 1), head(1), head(1003), at_seq(&records[3], 1004), head(1004)]).unwrap();
    assert_eq!(recovered.log_head().unwrap(), rebuilt.log_head().unwrap(), "the same restart however the jump was batched");
    assert_eq!(recovered.log_head().unwrap().0, restart_position(1003) + 2);

    let key = ed25519_dalek::SigningKey::from_bytes(&GWYNEDD.seed);
    let sign_head = |position: u64, hash| {
        let head = LogHead { bank: f.gwynedd.id(), position, hash };
        (position > 0).then(|| common::sign_in_federation(&key, MessageKind::LogHead, head.encode().unwrap()))
    };
    let signed = |page: LogPage| ChainedPage {
        after: page.after,
        start: match page.restart {
            Some((position, hash)) => sign_head(position, hash),
            None => page.after_hash.and_then(|h| sign_head(page.after, h)),
        },
        statements: page.statements,
        end: sign_head(page.end.0, page.end.1),
        length: page.length,
    };
    let read = |store: &Store, mut at: Cursor| loop {
        let next =
            check_page(&signed(store.chained_log(at.position, 64).unwrap()), f.gwynedd.id(), federation_id(), &at, 64).expect("chains on");
        if next.position == at.position {
            return next;
        }
        at = next;
    };
    let rhymney = read(&before, Cursor::start());
    assert_eq!(rhymney.position, 6);
    let first_only = check_page(&signed(before.chained_log(0, 2).unwrap()), f.gwynedd.id(), federation_id(), &Cursor::start(), 64).unwrap();
    for reader in [rhymney, first_only] {
        let on = read(&recovered, reader);
        assert_eq!((on.position, on.hash), recovered.log_head().unwrap(), "read on from the restart to the new head");
    }
}

/// Found by tests/faults.rs (seed 1): a client that sends a transfer again
/// with the same reference (its first answer was lost) must get the same
/// transfer, even when the hold of that very transfer, or its settlement,
/// now leaves too little room under the floor for a new one.
#[test]
fn a_transfer_sent_again_with_its_reference_is_the_same_transfer_even_near_the_floor() {
    let mut f = federation(50);
    let (gwen, mair) = (f.gwen.clone(), f.mair.clone());
    let command = || Command::RecordExchange {
        providers: vec![gwen.clone()],
        receivers: vec![mair.clone()],
        minutes_each: Minutes(6 * 60),
        category: String::new(),
        note: String::new(),
        date: None,
        recorded_by: "coordinator".into(),
        client_ref: Some("visit-42".into()),
    };
    let signed = sent(f.rhymney.run(command()).unwrap().into_entry());
    let id = match f.rhymney.run(command()).unwrap() {
        Step::KnownTransfer(id) => id,
        other => panic!("6 h held + 6 h again is past the floor, but this is the same transfer: {other:?}"),
    };
    let decision = deliver(&mut f, &signed);
    f.rhymney.run(Command::ApplyDecision { signed: decision }).unwrap();
    assert!(matches!(f.rhymney.run(command()).unwrap(), Step::KnownTransfer(again) if again == id), "after settlement too");
    assert_eq!(f.rhymney.state.balance(&mair).unwrap(), Minutes(-6 * 60), "paid once");
    check_invariants(&f);
}

/// Issue 10, item 10: what a transfer says is gossiped to every bank, so a
/// coordinator's free text never becomes its category.
#[test]
fn a_coordinator_who_types_mairs_insulin_as_a_transfer_category_is_told_the_choices_and_nothing_is_sent() {
    let mut f = federation(50);
    let before = f.rhymney.state.head().unwrap();
    let (gwen, mair) = (f.gwen.clone(), f.mair.clone());
    let command = |category: &str| Command::RecordExchange {
        providers: vec![gwen.clone()],
        receivers: vec![mair.clone()],
        minutes_each: Minutes(60),
        category: category.into(),
        note: String::new(),
        date: None,
        recorded_by: "coordinator".into(),
        client_ref: None,
    };
    let err = f.rhymney.run(command("Mair's insulin")).unwrap_err();
    assert!(matches!(&err, LedgerError::TransferCategory(_)), "{err:?}");
    assert!(err.to_string().contains("gardening") && err.to_string().contains("note"), "says what to choose: {err}");
    assert_eq!(f.rhymney.state.head().unwrap(), before, "nothing journaled, nothing to gossip");
    assert_eq!(f.rhymney.state.hold(&f.mair).unwrap(), Minutes(0));

    // A category as people type it is taken in its slug form.
    let signed = sent(f.rhymney.run(command("Youth work")).unwrap().into_entry());
    let transfer = amser_protocol::federation::Transfer::decode(&signed.verify(federation_id()).unwrap().body).unwrap();
    assert_eq!(transfer.category, "youth-work");
}

/// A bank that still signs free text (an older version, or a careless one)
/// is refused by the payee, and the refusal, which is signed and gossiped in
/// turn, does not repeat the text.
#[test]
fn gwynedd_refuses_a_transfer_whose_category_is_free_text_without_repeating_it() {
    let mut f = federation(50);
    let key = ed25519_dalek::SigningKey::from_bytes(&RHYMNEY.seed);
    let transfer = amser_protocol::federation::Transfer {
        from: f.rhymney.id(),
        to: f.gwynedd.id(),
        payer: f.mair.clone(),
        payee: f.gwen.clone(),
        minutes: Minutes(60),
        category: "mair's insulin".into(),
        date: amser_protocol::ServiceDate(20_000),
        nonce: [7; 16],
    };
    let signed = common::sign_in_federation(&key, amser_protocol::signing::MessageKind::Transfer, transfer.encode().unwrap());
    let decision = deliver(&mut f, &signed);
    let body = decision.verify(federation_id()).unwrap().body;
    let decision = amser_protocol::federation::Decision::decode(&body).unwrap();
    assert!(matches!(&decision.verdict, Verdict::Reject(RejectReason::Malformed(_))), "{decision:?}");
    assert!(!String::from_utf8_lossy(&body).contains("insulin"), "the signed refusal repeats no free text");
    assert_eq!(f.gwynedd.state.balance(&f.gwen).unwrap(), Minutes(0));
}

/// Gwynedd accepts Mair's transfer, then signs a rejection of the same
/// transfer. Rhymney, holding both, records them as evidence: Gwynedd's
/// line freezes. The same verdict signed twice (another time) is no
/// evidence, nor are two decisions on two transfers.
#[test]
fn two_verdicts_signed_on_one_transfer_are_evidence_that_freezes_the_line() {
    use amser_protocol::federation::{Decision, Evidence};
    use amser_protocol::signing::MessageKind;
    let mut f = federation(50);
    let transfer = gwen_helps_mair(&mut f, 60);
    let accepted = deliver(&mut f, &transfer);
    f.rhymney.run(Command::ApplyDecision { signed: accepted.clone() }).unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&GWYNEDD.seed);
    let id = accepted.verify(federation_id()).map(|v| Decision::decode(&v.body).unwrap().transfer).unwrap();
    let decision = |verdict: Verdict, on, ms| {
        let d = Decision { transfer: on, by: f.gwynedd.id(), verdict, decided_ms: ms };
        common::sign_in_federation(&key, MessageKind::Decision, d.encode().unwrap())
    };
    let record = |first: &SignedMessage, second: SignedMessage| Command::RecordEvidence {
        against: f.gwynedd.id(),
        evidence: Evidence { first: first.clone(), second },
    };
    let same_again = record(&accepted, decision(Verdict::Accept, id, NOW + 1));
    let other_transfer = record(&accepted, decision(Verdict::Reject(RejectReason::PayeeCeiling), Default::default(), NOW));
    let lie = record(&accepted, decision(Verdict::Reject(RejectReason::PayeeCeiling), id, NOW));
    for not_evidence in [same_again, other_transfer] {
        assert!(matches!(f.rhymney.run(not_evidence), Err(LedgerError::BadMessage(_))));
    }
    assert!(!f.rhymney.state.peer(&f.gwynedd.id()).unwrap().unwrap().frozen);
    match f.rhymney.run(lie).unwrap().into_entry().unwrap().body {
        EntryBody::EvidenceRecorded { against, .. } => assert_eq!(against, f.gwynedd.id()),
        other => panic!("{other:?}"),
    }
    assert!(f.rhymney.state.peer(&f.gwynedd.id()).unwrap().unwrap().frozen, "Gwynedd's line is frozen");
    check_invariants(&f);
}

/// Mallory, admitted by Rhymney, relays two decisions a stranger's key signed
/// on one transfer: true evidence, but against a bank nobody here admitted.
/// Rhymney's ledger keeps none of it (whoever hands it over), so a stranger's
/// key can make no bank store anything; evidence against an admitted bank
/// that Rhymney has since removed is not kept either. Found by the simulator
/// (issue 10), which hands every evidence to the ledger without the driver's check.
#[test]
fn evidence_against_a_bank_nobody_admitted_is_not_kept() {
    use amser_protocol::federation::{Decision, Evidence, TransferId};
    use amser_protocol::signing::{bank_id, MessageKind};
    let mut f = federation(50);
    let stranger_key = ed25519_dalek::SigningKey::from_bytes(&common::STRANGER_SEED);
    let stranger = bank_id(&stranger_key);
    let two_verdicts = |key: &ed25519_dalek::SigningKey, by| {
        let decision = |verdict| {
            let d = Decision { transfer: TransferId([5; 32]), by, verdict, decided_ms: NOW };
            common::sign_in_federation(key, MessageKind::Decision, d.encode().unwrap())
        };
        Evidence { first: decision(Verdict::Accept), second: decision(Verdict::Reject(RejectReason::Frozen)) }
    };
    let err = f.rhymney.run(Command::RecordEvidence { against: stranger, evidence: two_verdicts(&stranger_key, stranger) }).unwrap_err();
    assert!(matches!(err, LedgerError::NotAdmitted(bank) if bank == stranger), "{err:?}");
    assert_eq!(f.rhymney.state.evidence.len(), 0, "nothing is kept about a key nobody admitted");

    let gwynedd_key = ed25519_dalek::SigningKey::from_bytes(&GWYNEDD.seed);
    let gwynedd = f.gwynedd.id();
    let removed = PeerChanges { removed: Some(true), ..PeerChanges::default() };
    f.rhymney.run(Command::UpdatePeer { bank: gwynedd, changes: removed }).unwrap();
    let err = f.rhymney.run(Command::RecordEvidence { against: gwynedd, evidence: two_verdicts(&gwynedd_key, gwynedd) }).unwrap_err();
    assert!(matches!(err, LedgerError::NotAdmitted(_)), "a removed bank is no longer admitted: {err:?}");
    assert_eq!(f.rhymney.state.evidence.len(), 0);
}
