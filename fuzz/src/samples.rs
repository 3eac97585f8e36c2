//! Real values of every message and entry kind, signed with [`crate::key`]
//! for [`crate::federation`]: the fuzzer starts from inputs that decode
//! and verify, so it spends its time past the first length prefix.

use amser_protocol::encoding::encode;
use amser_protocol::exchange::{postings, reversing, Exchange, Reversal};
use amser_protocol::federation::{Decision, Evidence, PeerLine, PeerRequest, PeerResponse, RejectReason, Transfer, Verdict};
use amser_protocol::journal::{BankProfile, EntryBody, JournalEntry, JournalHead};
use amser_protocol::listing::{Listing, ListingKind};
use amser_protocol::member::{Member, MemberKind, MemberProfile, MemberStatus};
use amser_protocol::policy::{Limits, Policy};
use amser_protocol::sealed::{seal, MemberKey, Purpose, Sealed};
use amser_protocol::signing::{bank_id, sign, MessageKind, SignedMessage};
use amser_protocol::{BankId, EntryHash, ExchangeId, Handle, ListingId, MemberCode, Minutes, ServiceDate};

use crate::{federation, key};

fn handle(s: &str) -> Handle {
    s.parse().expect("a valid handle")
}

fn rhymney() -> BankId {
    bank_id(&key(1))
}

fn gwynedd() -> BankId {
    bank_id(&key(2))
}

fn code(bank: &BankId, handle_text: &str, n: u64) -> MemberCode {
    MemberCode::derive(bank, &handle(handle_text), n, 0)
}

/// A transfer from Rhymney's member to Gwynedd's.
pub fn transfer() -> Transfer {
    Transfer {
        from: rhymney(),
        to: gwynedd(),
        payer: code(&rhymney(), "rhymney", 1),
        payee: code(&gwynedd(), "gwynedd", 1),
        minutes: Minutes(120),
        category: "gardening".into(),
        date: ServiceDate::parse("2026-11-26").expect("a date"),
        nonce: [7; 16],
    }
}

fn cardiff() -> BankId {
    bank_id(&key(3))
}

/// A transfer from Rhymney's member to Cardiff's, through Gwynedd.
pub fn routed() -> amser_protocol::route::RoutedTransfer {
    let transfer = Transfer { to: cardiff(), payee: code(&cardiff(), "cardiff", 1), ..self::transfer() };
    amser_protocol::route::RoutedTransfer { transfer, path: vec![rhymney(), gwynedd(), cardiff()] }
}

/// Rhymney's proposal to clear an hour round Rhymney, Gwynedd and Cardiff.
pub fn clearing() -> amser_protocol::clearing::Clearing {
    amser_protocol::clearing::Clearing {
        proposer: rhymney(),
        ring: vec![rhymney(), gwynedd(), cardiff()],
        minutes: Minutes(60),
        proposed_ms: 1_790_000_000_000,
    }
}

/// Gwynedd's figures for November 2026.
pub fn figures() -> amser_protocol::figures::MonthlyTotals {
    use amser_protocol::figures::{CategoryFigure, MonthlyTotals};
    MonthlyTotals {
        bank: gwynedd(),
        month: "2026-11".into(),
        exchanges: 12,
        minutes: Minutes(900),
        active_members: 9,
        by_category: vec![CategoryFigure { category: "gardening".into(), exchanges: 12, minutes: Minutes(900) }],
        across_banks_in: Minutes(60),
        across_banks_out: Minutes(0),
        signed_ms: 1_790_000_000_000,
    }
}

/// Rhymney's letter introducing its member to Gwynedd for a visit.
pub fn introduction() -> amser_protocol::introduction::Introduction {
    amser_protocol::introduction::Introduction {
        bank: rhymney(),
        member: code(&rhymney(), "rhymney", 1),
        member_since: ServiceDate::parse("2025-01-10").expect("a date"),
        checks_done: true,
        host: gwynedd(),
        issued: ServiceDate::parse("2026-11-26").expect("a date"),
        valid_until: ServiceDate::parse("2027-01-31").expect("a date"),
    }
}

/// Every verdict a payee bank can give.
pub fn verdicts() -> Vec<Verdict> {
    vec![
        Verdict::Accept,
        Verdict::Reject(RejectReason::UnknownPayee),
        Verdict::Reject(RejectReason::PayeeNotActive),
        Verdict::Reject(RejectReason::TrustLineFull { trust_minutes: 600, owed_minutes: 540 }),
        Verdict::Reject(RejectReason::OverTransferMaximum { max_minutes: 240 }),
        Verdict::Reject(RejectReason::PayeeCeiling),
        Verdict::Reject(RejectReason::Frozen),
        Verdict::Reject(RejectReason::Malformed("a transfer must go between two different banks".into())),
    ]
}

pub fn decisions() -> Vec<Decision> {
    let id = transfer().id().expect("a transfer encodes");
    verdicts().into_iter().map(|verdict| Decision { transfer: id, by: gwynedd(), verdict, decided_ms: 1_790_000_000_000 }).collect()
}

pub fn head(seq: u64, hash: u8) -> JournalHead {
    JournalHead { bank: rhymney(), seq, hash: EntryHash([hash; 32]), time_ms: 1_790_000_000_000 }
}

fn signed<T: serde::Serialize>(signer: u8, kind: MessageKind, value: &T) -> SignedMessage {
    sign(&key(signer), kind, federation(), encode("sample", value).expect("a sample encodes")).expect("a sample signs")
}

/// Two heads Rhymney signed with one seq: evidence against it.
pub fn evidence() -> Evidence {
    Evidence { first: signed(1, MessageKind::JournalHead, &head(5, 1)), second: signed(1, MessageKind::JournalHead, &head(5, 2)) }
}

/// One signed message of every kind, as gossip carries them.
pub fn signed_messages() -> Vec<SignedMessage> {
    let mut out = vec![signed(1, MessageKind::JournalHead, &head(5, 1)), signed(1, MessageKind::Transfer, &transfer())];
    out.extend(decisions().iter().map(|d| signed(2, MessageKind::Decision, d)));
    out.push(signed(2, MessageKind::Evidence, &evidence()));
    out.push(signed(2, MessageKind::LineRoom, &room_advert()));
    out.push(signed(1, MessageKind::RoutedTransfer, &routed()));
    out.push(signed(1, MessageKind::Clearing, &clearing()));
    out.push(signed(2, MessageKind::MonthlyTotals, &figures()));
    out.push(signed(1, MessageKind::Introduction, &introduction()));
    out
}

/// Gwynedd's advert of the room on its line with Rhymney.
pub fn room_advert() -> amser_protocol::room::LineRoom {
    use amser_protocol::room::{LineRoom, RoomOnLine};
    LineRoom {
        bank: gwynedd(),
        handle: handle("gwynedd"),
        lines: vec![RoomOnLine { peer: rhymney(), minutes: amser_protocol::Minutes(600) }],
        at_ms: 1_767_225_600_000,
    }
}

pub fn peer_line() -> PeerLine {
    PeerLine {
        bank: gwynedd(),
        handle: Some(handle("gwynedd")),
        addrs: vec!["/ip4/127.0.0.1/tcp/7301".into()],
        trust: Minutes::from_hours(10),
        max_transfer: Some(Minutes::from_hours(4)),
        frozen: false,
        removed: false,
    }
}

pub fn peer_requests() -> Vec<PeerRequest> {
    vec![
        PeerRequest::Deliver { transfer: signed(1, MessageKind::Transfer, &transfer()), note: "thank you, Gwen".into() },
        PeerRequest::Status { transfer: transfer().id().expect("a transfer encodes") },
        PeerRequest::Log { from_seq: 1, max: 64 },
        PeerRequest::Hello,
        PeerRequest::NewestHead,
        PeerRequest::Recall { from_seq: 1, max: 32 },
        PeerRequest::ChainedLog { after: 2, max: 64 },
        PeerRequest::Rooms { max: 24 },
        PeerRequest::Deliver { transfer: signed(1, MessageKind::RoutedTransfer, &routed()), note: String::new() },
        PeerRequest::Deliver { transfer: signed(1, MessageKind::Clearing, &clearing()), note: String::new() },
        PeerRequest::Figures { month: "2026-11".into(), max: 24 },
        PeerRequest::DirectorySearch { words: "bike repair".into(), region: Some("gwynedd".into()), max: 50 },
        PeerRequest::DirectorySearch { words: "gardening".into(), region: None, max: 1 },
    ]
}

pub fn peer_responses() -> Vec<PeerResponse> {
    vec![
        PeerResponse::Decided { decision: signed(2, MessageKind::Decision, &decisions()[0]) },
        PeerResponse::Unknown,
        PeerResponse::Refused { reason: "not admitted".into() },
        PeerResponse::Log { entries: signed_messages(), next_seq: 10, head_seq: 9 },
        PeerResponse::Hello { handle: handle("gwynedd"), name: "Gwynedd Time Bank".into() },
        PeerResponse::NewestHead { head: None },
        PeerResponse::Recalled {
            pairs: vec![amser_protocol::federation::RecalledPair {
                transfer: signed(1, MessageKind::Transfer, &transfer()),
                decision: Some(signed(2, MessageKind::Decision, &decisions()[0])),
            }],
            next_seq: 12,
            head_seq: 11,
        },
        PeerResponse::ChainedLog { page: chained_page() },
        PeerResponse::Rooms { adverts: vec![signed(2, MessageKind::LineRoom, &room_advert())] },
        PeerResponse::Forwarded,
        PeerResponse::Figures { totals: vec![signed(2, MessageKind::MonthlyTotals, &figures())] },
        PeerResponse::Directory {
            region: "Gwynedd".into(),
            listings: vec![amser_protocol::directory::DirectoryListing {
                listing: ListingId([5; 32]),
                kind: ListingKind::Offer,
                member: code(&rhymney(), "rhymney", 1),
                category: "bike repair".into(),
                title: "Punctures, brakes and gears".into(),
                posted: ServiceDate(20_300),
            }],
        },
        PeerResponse::Directory { region: String::new(), listings: vec![] },
    ]
}

/// A page of a public log two statements long, after its first: signed at
/// both ends by bank 1, as an honest bank sends it.
fn chained_page() -> amser_protocol::public_log::ChainedPage {
    use amser_protocol::public_log::{link, ChainedPage, LogHead, GENESIS};
    let log = signed_messages();
    let at = |p: usize| log[..p].iter().fold(GENESIS, |h, s| link(&h, s));
    let head = |p: usize| {
        let head = LogHead { bank: amser_protocol::signing::bank_id(&key(1)), position: p as u64, hash: at(p) };
        signed(1, MessageKind::LogHead, &head)
    };
    let end = log.len().min(3);
    ChainedPage { after: 1, start: Some(head(1)), statements: log[1..end].to_vec(), end: Some(head(end)), length: log.len() as u64 }
}

/// `text` sealed for `purpose` under a fixed key of member `n`, as the
/// node seals personal data (the fuzzer sees the sealed shape, not a key).
fn sealed_for<T: serde::Serialize>(n: u64, purpose: Purpose, text: &T) -> Sealed {
    let member = code(&rhymney(), "rhymney", n);
    seal(text, purpose, vec![member], &[MemberKey([n as u8; 32])], [n as u8; 24]).expect("a sample seals")
}

fn member(n: u64, kind: MemberKind) -> Member {
    let mut profile = MemberProfile::new(format!("Member {n}"), kind);
    profile.skills_offered = vec!["gardening".into(), "lifts".into()];
    profile.needs = vec!["shopping".into()];
    profile.own_limits =
        (kind == MemberKind::Agency).then_some(Limits { floor: Minutes::from_hours(-50), ceiling: Minutes::from_hours(50) });
    Member {
        code: code(&rhymney(), "rhymney", n),
        kind,
        own_limits: profile.own_limits,
        status: MemberStatus::Active,
        joined: ServiceDate(20_000),
        details: Some(sealed_for(n, Purpose::MemberDetails, &profile.details())),
    }
}

fn exchange() -> Exchange {
    let providers = vec![code(&rhymney(), "rhymney", 1)];
    let receivers = vec![code(&rhymney(), "rhymney", 2), code(&rhymney(), "rhymney", 3)];
    let moves = postings(&providers, &receivers, Minutes(90)).expect("a valid exchange");
    Exchange {
        id: ExchangeId([4; 32]),
        providers,
        receivers,
        minutes_each: Minutes(90),
        category: "gardening".into(),
        note: Some(sealed_for(1, Purpose::Note, &"the front hedge")),
        date: ServiceDate(20_400),
        recorded_by: "coordinator".into(),
        postings: moves,
    }
}

/// One body of every entry kind, in an order a real journal could have.
pub fn entry_bodies() -> Vec<EntryBody> {
    let t = transfer();
    let decision = decisions().remove(0);
    vec![
        EntryBody::BankOpened {
            profile: BankProfile { bank: rhymney(), name: "Rhymney Time Bank".into(), handle: handle("rhymney"), region: "Wales".into() },
            policy: Policy::default(),
        },
        EntryBody::PolicyChanged { policy: Policy { active_months: 6, ..Policy::default() } },
        EntryBody::MemberJoined { member: member(1, MemberKind::Person), number: 1 },
        EntryBody::MemberJoined { member: member(2, MemberKind::Agency), number: 2 },
        EntryBody::MemberUpdated { member: Member { status: MemberStatus::Paused, ..member(3, MemberKind::Group) } },
        EntryBody::ExchangeRecorded { exchange: exchange() },
        EntryBody::ExchangeReversed {
            reversal: Reversal {
                exchange: exchange().id,
                reason: Some(sealed_for(1, Purpose::ReversalReason, &"recorded twice")),
                postings: reversing(&exchange().postings),
            },
        },
        EntryBody::ListingPosted {
            listing: Listing {
                id: ListingId([5; 32]),
                kind: ListingKind::Offer,
                member: code(&rhymney(), "rhymney", 1),
                category: "gardening".into(),
                description: Some(sealed_for(1, Purpose::ListingText, &"hedges and lawns")),
                posted: ServiceDate(20_300),
            },
        },
        EntryBody::ListingClosed { listing: ListingId([5; 32]) },
        EntryBody::PeerLineSet { peer: peer_line() },
        EntryBody::TransferSent {
            transfer: t.clone(),
            signed: signed(1, MessageKind::Transfer, &t),
            note: Some(sealed_for(1, Purpose::Note, &"thank you")),
        },
        EntryBody::TransferReceived {
            transfer: t.clone(),
            signed: signed(1, MessageKind::Transfer, &t),
            decision: decision.clone(),
            signed_decision: signed(2, MessageKind::Decision, &decision),
            note: None,
        },
        EntryBody::TransferSettled {
            transfer: t.id().expect("a transfer encodes"),
            signed_decision: signed(2, MessageKind::Decision, &decision),
            decision: decision.clone(),
        },
        EntryBody::EvidenceRecorded { against: rhymney(), evidence: evidence() },
        // It follows the 14 entries above: the journal ended at 14, a peer held a head at 40.
        EntryBody::Recovered { journal_ended: 14, peers_saw: 40 },
        EntryBody::TransferRecalled {
            transfer: t.clone(),
            signed: signed(1, MessageKind::Transfer, &t),
            signed_decision: signed(2, MessageKind::Decision, &decision),
            decision,
        },
        EntryBody::MemberErased { member: code(&rhymney(), "rhymney", 3), reason: "left the area; asked to be forgotten".into() },
        EntryBody::RoutedSent { routed: routed(), signed: signed(1, MessageKind::RoutedTransfer, &routed()), note: None },
        EntryBody::TransferForwarded { routed: routed(), signed: signed(1, MessageKind::RoutedTransfer, &routed()) },
        EntryBody::RoutedDecided {
            routed: routed(),
            signed: signed(1, MessageKind::RoutedTransfer, &routed()),
            decision: Decision {
                transfer: routed().id().expect("a transfer encodes"),
                by: cardiff(),
                verdict: Verdict::Accept,
                decided_ms: 1,
            },
            signed_decision: signed(
                3,
                MessageKind::Decision,
                &Decision { transfer: routed().id().expect("a transfer encodes"), by: cardiff(), verdict: Verdict::Accept, decided_ms: 1 },
            ),
        },
        EntryBody::ClearingPromised { clearing: clearing(), signed: signed(1, MessageKind::Clearing, &clearing()) },
        EntryBody::MemberMoved {
            member: code(&rhymney(), "rhymney", 2),
            to: code(&gwynedd(), "gwynedd", 2),
            transfer: Some(transfer()),
            signed: Some(signed(1, MessageKind::Transfer, &transfer())),
        },
        EntryBody::MemberIntroduced {
            member: code(&rhymney(), "rhymney", 1),
            letter: signed(1, MessageKind::Introduction, &introduction()),
        },
        EntryBody::RoutedRecalled {
            routed: routed(),
            signed: signed(1, MessageKind::RoutedTransfer, &routed()),
            decision: Decision {
                transfer: routed().id().expect("a transfer encodes"),
                by: cardiff(),
                verdict: Verdict::Accept,
                decided_ms: 3,
            },
            signed_decision: signed(
                3,
                MessageKind::Decision,
                &Decision { transfer: routed().id().expect("a transfer encodes"), by: cardiff(), verdict: Verdict::Accept, decided_ms: 3 },
            ),
        },
        EntryBody::ClearingSettled {
            clearing: clearing(),
            signed: signed(1, MessageKind::Clearing, &clearing()),
            decision: Decision {
                transfer: clearing().id().expect("a clearing encodes"),
                by: rhymney(),
                verdict: Verdict::Accept,
                decided_ms: 2,
            },
            signed_decision: signed(
                1,
                MessageKind::Decision,
                &Decision {
                    transfer: clearing().id().expect("a clearing encodes"),
                    by: rhymney(),
                    verdict: Verdict::Accept,
                    decided_ms: 2,
                },
            ),
        },
        EntryBody::ListingShared {
            listing: ListingId([5; 32]),
            shared: true,
            title: Some(sealed_for(1, Purpose::DirectoryTitle, &"hedges, lawns and borders")),
        },
        EntryBody::ListingShared { listing: ListingId([5; 32]), shared: false, title: None },
    ]
}

/// A hash-chained journal of [`entry_bodies`]: each entry names the hash of
/// the one before, as the node writes them.
pub fn journal_entries() -> Vec<JournalEntry> {
    let (mut prev, mut seq) = (EntryHash::default(), 0);
    let mut out = Vec::new();
    for (i, body) in entry_bodies().into_iter().enumerate() {
        seq = body.seq_after(seq);
        let entry = JournalEntry { seq, prev_hash: prev, time_ms: 1_790_000_000_000 + i as u64, body };
        prev = entry.hash().expect("an entry encodes");
        out.push(entry);
    }
    out
}

/// Text people and config files give the parsers, as `(selector, text)`
/// pairs in the `text` target's input format.
pub fn texts() -> Vec<(u8, String)> {
    let mut out = Vec::new();
    for hours in ["2", "1.5", "0.25", ".5", "1:30", "0:45", " 3h ", "8784", "1.33"] {
        out.push((0, hours.to_string()));
    }
    for date in ["2026-11-26", "1970-01-01", "2024-02-29", "0001-01-01"] {
        out.push((1, date.to_string()));
    }
    out.push((2, code(&rhymney(), "rhymney", 1).to_string()));
    out.push((2, "gwynedd-2:7kq2-m9".to_string()));
    out.push((3, "rhymney".into()));
    out.push((4, rhymney().to_string()));
    out.push((5, EntryHash([0xab; 32]).to_string()));
    out.push((6, "agency".into()));
    out.push((7, "paused".into()));
    out
}
