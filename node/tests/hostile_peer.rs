//! A hostile bank on the wire: a real node (Rhymney) against a peer that it
//! admitted but that signs two histories, sends garbage, forged and tampered
//! messages. The honest node keeps the evidence, freezes the line, tells the
//! federation, and goes on serving its own members.

mod common;

use std::time::{Duration, Instant};

use amser_node::federation::swarm::{peer_of, NetEvent, NetworkHandle};
use amser_node::ledger::{Command, LedgerRead};
use amser_node::Node;
use amser_protocol::encoding::encode;
use amser_protocol::federation::{Evidence, PeerRequest, PeerResponse, PublicMessage, Transfer, Verdict};
use amser_protocol::journal::JournalHead;
use amser_protocol::public_log::{check_page, link, ChainedPage, Cursor, LogHead, GENESIS};
use amser_protocol::signing::{bank_id, sign, FederationId, MessageKind, SignedMessage};
use amser_protocol::{BankId, EntryHash, MemberCode, Minutes, ServiceDate};
use common::{
    add_person, admit_peer, bank_at_the_wire, federation_id, init_rhymney, sign_in_federation, start_node, MALLORY, OUTSIDER_SEED, RHYMNEY,
    STRANGER_SEED,
};
use ed25519_dalek::SigningKey;
use tempfile::TempDir;
use tokio::sync::mpsc;

/// Most time any condition below may take to come true: a connection on
/// loopback and a gossip round take well under a second, so 30 s is a hang.
const DEADLINE: Duration = Duration::from_secs(30);
/// Between two looks at a condition: a look is an in-process read, so a
/// short interval costs nothing and keeps the tests quick.
const POLL: Duration = Duration::from_millis(50);
/// The trust line Rhymney extends to Mallory (hours): any line will do,
/// since nothing Mallory sends should ever be paid.
const MALLORY_TRUST_HOURS: i64 = 10;
/// The member of Mallory's bank whose transfers Mallory sends.
const MALLORYS_MEMBER: &str = "mallory:AAAA-00";

async fn rhymney(dir: &std::path::Path) -> Node {
    start_node(&init_rhymney(dir).await).await
}

/// A hostile peer's own libp2p node, connected to `node`.
async fn mallory(seed: [u8; 32], node: &Node) -> (NetworkHandle, mpsc::Receiver<NetEvent>) {
    bank_at_the_wire(seed, node).await
}

/// Rhymney's node in a temporary directory, having admitted Mallory's key
/// (which has not connected yet).
async fn rhymney_admitting_mallory() -> (TempDir, Node, SigningKey) {
    let dir = tempfile::tempdir().unwrap();
    let node = rhymney(dir.path()).await;
    let key = SigningKey::from_bytes(&MALLORY.seed);
    node.ledger().submit(admit_peer(bank_id(&key), MALLORY.handle, MALLORY_TRUST_HOURS)).await.unwrap();
    node.federation.poke();
    (dir, node, key)
}

async fn until_connected(node: &Node, bank: BankId) {
    until("Rhymney sees Mallory connected", || node.federation.presence(&bank).connected).await;
}

async fn until(what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting until {what}");
        tokio::time::sleep(POLL).await;
    }
}

fn head(key: &SigningKey, seq: u64, hash: u8, time_ms: u64) -> Vec<u8> {
    let head = JournalHead { bank: bank_id(key), seq, hash: EntryHash([hash; 32]), time_ms };
    sign_in_federation(key, MessageKind::JournalHead, encode("head", &head).unwrap()).to_bytes().unwrap()
}

fn peer_line(node: &Node, bank: &BankId) -> amser_protocol::federation::PeerLine {
    node.ledger().store().peer(bank).unwrap().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_that_signs_two_histories_is_frozen_and_the_evidence_is_gossiped() {
    let (_dir, node, key) = rhymney_admitting_mallory().await;
    let mallory_id = bank_id(&key);
    let (net, mut events) = mallory(MALLORY.seed, &node).await;
    until_connected(&node, mallory_id).await;

    // Garbage, an oversized message and an unknown version first: refused without a panic.
    let mut unknown_version = SignedMessage::from_bytes(&head(&key, 1, 1, 1)).unwrap();
    unknown_version.envelope[0] = 9;
    // "Evidence" that is none (one head twice): Rhymney must not pass it on
    // under its own signature (the first evidence it gossips below must be the real one).
    let same = SignedMessage::from_bytes(&head(&key, 1, 1, 1)).unwrap();
    let not_evidence = Evidence { first: same.clone(), second: same };
    let not_evidence = sign_in_federation(&key, MessageKind::Evidence, encode("evidence", &not_evidence).unwrap());
    for junk in [vec![0xFF; 100], vec![7; 70 * 1024], unknown_version.to_bytes().unwrap(), not_evidence.to_bytes().unwrap()] {
        let _ = net.publish(junk).await;
    }

    // Two heads with one seq and different hashes, until Rhymney notices.
    let start = Instant::now();
    let mut t = 0;
    while !peer_line(&node, &mallory_id).frozen {
        assert!(start.elapsed() < DEADLINE, "Rhymney never froze the line of a bank that signed two histories");
        t += 1;
        net.publish(head(&key, 5, 0xAA, t)).await.unwrap();
        net.publish(head(&key, 5, 0xBB, t)).await.unwrap();
        tokio::time::sleep(POLL).await;
    }

    // The evidence reaches the federation, signed by Rhymney.
    let evidence = tokio::time::timeout(DEADLINE, async {
        while let Some(event) = events.recv().await {
            if let NetEvent::Gossip { data, .. } = event {
                let Ok(m) = SignedMessage::from_bytes(&data) else { continue };
                let Ok(v) = m.verify(federation_id()) else { continue };
                if v.kind == MessageKind::Evidence {
                    return (v.signer, amser_protocol::encoding::decode::<Evidence>("evidence", &v.body, 1 << 16).unwrap());
                }
            }
        }
        panic!("the network stopped");
    })
    .await
    .expect("Rhymney gossips the evidence");
    assert_eq!(evidence.0, node.bank);
    assert_ne!(evidence.1.first, evidence.1.second);

    // Rhymney still serves its own members.
    node.ledger().submit(add_person("Mair", "")).await.unwrap();
    let report = amser_node::reading::audit::audit(node.ledger().journal_path(), Some(node.ledger().synced_len()), None);
    assert!(report.ok, "{:?}", report.problems);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_tampered_and_foreign_transfers_change_nothing() {
    let (_dir, node, key) = rhymney_admitting_mallory().await;
    let mallory_id = bank_id(&key);
    let (net, _events) = mallory(MALLORY.seed, &node).await;
    until_connected(&node, mallory_id).await;
    let head_before = node.ledger().store().head().unwrap();
    let nobody: MemberCode = format!("{}:ZZZZ-ZZ", RHYMNEY.handle).parse().unwrap();
    // An hour from Mallory's member to a Rhymney code nobody has, as if from bank `from`.
    let to_nobody = |from: BankId| transfer(from, node.bank, MALLORYS_MEMBER, &nobody, 60, 1);
    let rhymney_peer = peer_of(&node.bank);
    // Signed by a key Rhymney never admitted, delivered by Mallory.
    let stranger = SigningKey::from_bytes(&STRANGER_SEED);
    let forged = sign_in_federation(&stranger, MessageKind::Transfer, to_nobody(bank_id(&stranger)).encode().unwrap());
    // Mallory's own transfer with a flipped signature bit.
    let mut tampered = sign_in_federation(&key, MessageKind::Transfer, to_nobody(mallory_id).encode().unwrap());
    tampered.signature[3] ^= 1;
    // Signed for another federation.
    let foreign = sign(&key, MessageKind::Transfer, FederationId::from_name("elsewhere"), to_nobody(mallory_id).encode().unwrap()).unwrap();
    for signed in [forged, tampered, foreign] {
        let answer = net.request(rhymney_peer, PeerRequest::Deliver { transfer: signed, note: String::new() }).await.unwrap();
        assert!(matches!(answer, PeerResponse::Refused { .. }), "{answer:?}");
    }
    assert_eq!(node.ledger().store().head().unwrap(), head_before, "nothing was written");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_that_was_never_admitted_cannot_even_connect() {
    let dir = tempfile::tempdir().unwrap();
    let node = rhymney(dir.path()).await;
    let (net, _events) = mallory(OUTSIDER_SEED, &node).await;
    let answer = net.request(peer_of(&node.bank), PeerRequest::Hello).await;
    assert!(answer.is_err(), "a stranger got an answer: {answer:?}");
    assert!(net.connected().await.unwrap().is_empty(), "the allow list closes the connection");
    node.shutdown().await;
}

async fn member(node: &Node, name: &str) -> MemberCode {
    match node.ledger().submit(add_person(name, "")).await.unwrap() {
        amser_node::storage::writer::Reply::Member(m) => m.code,
        other => panic!("{other:?}"),
    }
}

/// A transfer of `minutes` from `payer` (a member of bank `from`) to
/// `payee` (of bank `to`), for help on one fixed day; `nonce` tells apart
/// transfers that are otherwise the same.
fn transfer(from: BankId, to: BankId, payer: &str, payee: &MemberCode, minutes: i64, nonce: u8) -> Transfer {
    Transfer {
        from,
        to,
        payer: payer.parse().unwrap(),
        payee: payee.clone(),
        minutes: Minutes(minutes),
        category: "gardening".into(),
        date: ServiceDate(20_000),
        nonce: [nonce; 16],
    }
}

/// Mallory's transfer to a Rhymney member, signed by Mallory.
fn mallorys_transfer(key: &SigningKey, to: BankId, payee: &MemberCode, nonce: u8) -> SignedMessage {
    sign_in_federation(key, MessageKind::Transfer, transfer(bank_id(key), to, MALLORYS_MEMBER, payee, 60, nonce).encode().unwrap())
}

/// An admitted bank delivers a real transfer, then replays it again and
/// again (and once more after Rhymney restarts): the same signed decision
/// every time, one journal entry, one credit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_transfer_gets_the_same_decision_and_pays_once() {
    let (_dir, node, key) = rhymney_admitting_mallory().await;
    let mair = member(&node, "Mair").await;
    let (net, _events) = mallory(MALLORY.seed, &node).await;
    until_connected(&node, bank_id(&key)).await;

    let signed = mallorys_transfer(&key, node.bank, &mair, 1);
    let deliver = || PeerRequest::Deliver { transfer: signed.clone(), note: String::new() };
    let first = match net.request(peer_of(&node.bank), deliver()).await.unwrap() {
        PeerResponse::Decided { decision } => decision,
        other => panic!("{other:?}"),
    };
    let head = node.ledger().store().head().unwrap();
    for _ in 0..20 {
        match net.request(peer_of(&node.bank), deliver()).await.unwrap() {
            PeerResponse::Decided { decision } => assert_eq!(decision, first, "the same signed decision every time"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(node.ledger().store().head().unwrap(), head, "a replay writes nothing");
    assert_eq!(node.ledger().store().balance(&mair).unwrap(), Minutes(60), "Mair is credited once");
    node.shutdown().await;
}

/// Mallory answers Rhymney's catch-up with a log page it has no right to
/// give: a transfer signed by another bank pretending to be from Gwynedd, a
/// tampered decision, and a stranger's statements. Rhymney refuses the whole
/// page, keeps nothing of it, and its positions do not move.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_catch_up_page_is_refused_whole() {
    let (_dir, node, key) = rhymney_admitting_mallory().await;
    let mair = member(&node, "Mair").await;
    let (net, mut events) = mallory(MALLORY.seed, &node).await;
    let stranger = SigningKey::from_bytes(&STRANGER_SEED);
    // A transfer between two other banks, signed by its payer, and a decision
    // on it signed by Mallory, which is not its payee's bank.
    let theirs = transfer(bank_id(&stranger), node.bank, "elsewhere:AAAA-00", &mair, 600, 7);
    let stranger_transfer = sign_in_federation(&stranger, MessageKind::Transfer, theirs.encode().unwrap());
    let decision = amser_protocol::federation::Decision {
        transfer: theirs.id().unwrap(),
        by: bank_id(&key),
        verdict: amser_protocol::federation::Verdict::Accept,
        decided_ms: 1,
    };
    let mut tampered = sign_in_federation(&key, MessageKind::Decision, decision.encode().unwrap());
    tampered.signature[0] ^= 1;
    let page = vec![mallorys_transfer(&key, node.bank, &mair, 2), stranger_transfer, tampered];

    let mut answered = 0;
    let deadline = Instant::now() + DEADLINE;
    while answered < 2 {
        let event =
            tokio::time::timeout_at(deadline.into(), events.recv()).await.expect("Rhymney asks for Mallory's log").expect("network up");
        if let NetEvent::Request { request: PeerRequest::ChainedLog { after, max }, channel, .. } = event {
            // Chained and signed as an honest bank would: the statements themselves are the lie.
            net.respond(channel, PeerResponse::ChainedLog { page: chained_page(&key, &page, after, max) }).await.unwrap();
            answered += 1;
        } else if let NetEvent::Request { channel, .. } = event {
            net.respond(channel, PeerResponse::Unknown).await.unwrap();
        }
    }
    let store = node.ledger().store().clone();
    assert!(store.public_transfers().unwrap().is_empty(), "nothing of a forged page is kept");
    assert_eq!(store.log_chain_cursor(&bank_id(&key)).unwrap().position, 0, "the cursor does not move past a page that was refused");
    assert_eq!(store.balance(&mair).unwrap(), Minutes(0));
    node.shutdown().await;
}

/// Mallory floods the federation's topic (valid signatures, useless heads,
/// and garbage) while Rhymney's coordinator records exchanges: every
/// exchange is recorded, and the flood is dropped without a panic. The
/// latencies are printed; RELIABILITY.md reports them (shared machines are
/// too noisy for a timed assertion).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gossip_flood_does_not_stop_rhymney_serving_its_members() {
    /// Messages in the flood.
    const FLOOD: u64 = 3_000;
    /// Exchanges recorded before and during the flood.
    const EXCHANGES: usize = 100;
    let (_dir, node, key) = rhymney_admitting_mallory().await;
    let (mair, gwen) = (member(&node, "Mair").await, member(&node, "Gwen").await);
    let (net, _events) = mallory(MALLORY.seed, &node).await;
    until_connected(&node, bank_id(&key)).await;

    let record = |i: usize| {
        let (p, r) = if i.is_multiple_of(2) { (mair.clone(), gwen.clone()) } else { (gwen.clone(), mair.clone()) };
        let ledger = node.ledger().clone();
        async move {
            let started = Instant::now();
            ledger.submit(Command::exchange(&[&p], &[&r], Minutes(30))).await.expect("recorded");
            started.elapsed()
        }
    };
    let mut quiet = Vec::new();
    for i in 0..EXCHANGES {
        quiet.push(record(i).await);
    }
    let flood_key = key.clone();
    let flood = tokio::spawn(async move {
        let key = flood_key;
        for n in 0..FLOOD {
            let junk = if n.is_multiple_of(3) { vec![0xFF; 200] } else { head(&key, 10_000 + n, 1, n) };
            let _ = net.publish(junk).await;
        }
        net
    });
    let mut busy = Vec::new();
    for i in 0..EXCHANGES {
        busy.push(record(i).await);
    }
    let _net = flood.await.unwrap();
    let p = |v: &mut Vec<Duration>, q: f64| {
        v.sort();
        v[((v.len() - 1) as f64 * q) as usize]
    };
    println!(
        "exchange latency: quiet p50 {:?} p99 {:?}; during a flood of {FLOOD} gossip messages p50 {:?} p99 {:?}",
        p(&mut quiet, 0.5),
        p(&mut quiet, 0.99),
        p(&mut busy, 0.5),
        p(&mut busy, 0.99)
    );
    assert_eq!(node.ledger().store().exchanges(false, usize::MAX).unwrap().len(), 2 * EXCHANGES);
    assert!(!peer_line(&node, &bank_id(&key)).frozen, "useless heads are no evidence of anything");
    node.shutdown().await;
}

/// Mallory's public log holds transfers to it from twenty keys nobody
/// admitted, each accepted by Mallory. Rhymney keeps only as many third
/// parties as one bank may vouch for, and when its coordinator removes
/// Mallory, it forgets every one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_vouching_for_strangers_in_its_log_is_believed_only_up_to_its_bound() {
    use amser_node::federation::vouching::MAX_VOUCHED_PER_BANK;
    const STRANGERS: u8 = 20;
    let (_dir, node, key) = rhymney_admitting_mallory().await;
    let mallory_id = bank_id(&key);
    let (net, mut events) = mallory(MALLORY.seed, &node).await;
    let mallorys_member: MemberCode = MALLORYS_MEMBER.parse().unwrap();
    let mut page = Vec::new();
    for n in 0..STRANGERS {
        let stranger = SigningKey::from_bytes(&[200 + n; 32]);
        let theirs = transfer(bank_id(&stranger), mallory_id, "elsewhere:AAAA-00", &mallorys_member, 600, n);
        page.push(sign_in_federation(&stranger, MessageKind::Transfer, theirs.encode().unwrap()));
        page.push(decided(&key, theirs.id().unwrap(), Verdict::Accept));
    }
    let store = node.ledger().store().clone();
    let deadline = Instant::now() + DEADLINE;
    while store.log_chain_cursor(&mallory_id).unwrap().position != page.len() as u64 {
        assert!(Instant::now() < deadline, "Rhymney never read Mallory's log to its end");
        let Ok(event) = tokio::time::timeout(POLL, events.recv()).await else { continue };
        if let NetEvent::Request { request, channel, .. } = event.expect("network up") {
            let answer = match request {
                PeerRequest::ChainedLog { after, max } => PeerResponse::ChainedLog { page: chained_page(&key, &page, after, max) },
                _ => PeerResponse::Unknown,
            };
            net.respond(channel, answer).await.unwrap();
        }
    }
    let payers: std::collections::HashSet<BankId> = store
        .public_transfers()
        .unwrap()
        .iter()
        .map(|(t, _)| amser_protocol::federation::Transfer::decode(&t.verify(federation_id()).unwrap().body).unwrap().from)
        .collect();
    assert_eq!(payers.len(), MAX_VOUCHED_PER_BANK, "Mallory's word holds for {MAX_VOUCHED_PER_BANK} banks, not {STRANGERS}");

    let removed = amser_node::ledger::PeerChanges { removed: Some(true), ..Default::default() };
    node.ledger().submit(Command::UpdatePeer { bank: mallory_id, changes: removed }).await.unwrap();
    node.federation.poke();
    until("Rhymney forgets what only Mallory vouched for", || store.public_transfers().unwrap().is_empty()).await;
    node.shutdown().await;
}

/// Mallory's decision on `transfer`, signed by Mallory.
fn decided(key: &SigningKey, transfer: amser_protocol::federation::TransferId, verdict: Verdict) -> SignedMessage {
    let decision = amser_protocol::federation::Decision { transfer, by: bank_id(key), verdict, decided_ms: 1 };
    sign_in_federation(key, MessageKind::Decision, decision.encode().unwrap())
}

/// Mair (Rhymney) pays an hour to Mallory's member. Mallory answers
/// Rhymney with a rejection and tells the federation it accepted. Rhymney
/// sees both, keeps them as evidence, freezes Mallory's line, and gossips
/// the evidence; Mair's hours are as they were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_that_rejects_to_the_payer_and_accepts_to_the_federation_is_frozen() {
    let (_dir, node, key) = rhymney_admitting_mallory().await;
    let mallory_id = bank_id(&key);
    let mair = member(&node, "Mair").await;
    let (net, mut events) = mallory(MALLORY.seed, &node).await;
    until_connected(&node, mallory_id).await;
    let send = Command::SendTransfer {
        payer: mair.clone(),
        payee: MALLORYS_MEMBER.parse().unwrap(),
        minutes: Minutes(60),
        category: "gardening".into(),
        note: String::new(),
        date: None,
        client_ref: None,
    };
    node.ledger().submit(send).await.unwrap();
    node.federation.poke();

    let mut told: Option<(amser_protocol::federation::TransferId, SignedMessage)> = None;
    let mut evidence = None;
    let deadline = Instant::now() + DEADLINE;
    while evidence.is_none() || !peer_line(&node, &mallory_id).frozen {
        assert!(Instant::now() < deadline, "Rhymney never noticed Mallory's two decisions");
        // The federation hears the acceptance once Rhymney has taken the
        // rejection (heard first, the acceptance would settle Mair's hour).
        if let Some((id, accept)) = &told {
            if node.ledger().store().transfer(id).unwrap().is_some_and(|t| t.decision.is_some()) {
                let _ = net.publish(accept.to_bytes().unwrap()).await;
            }
        }
        let Ok(Some(event)) = tokio::time::timeout(POLL, events.recv()).await else { continue };
        match event {
            NetEvent::Request { request: PeerRequest::Deliver { transfer, .. }, channel, .. } => {
                let id = Transfer::decode(&transfer.verify(federation_id()).unwrap().body).unwrap().id().unwrap();
                let reject = decided(&key, id, Verdict::Reject(amser_protocol::federation::RejectReason::PayeeCeiling));
                net.respond(channel, PeerResponse::Decided { decision: reject }).await.unwrap();
                told = Some((id, decided(&key, id, Verdict::Accept)));
            }
            NetEvent::Request { channel, .. } => net.respond(channel, PeerResponse::Unknown).await.unwrap(),
            NetEvent::Gossip { data, .. } => {
                let Ok(v) = SignedMessage::from_bytes(&data).unwrap().verify(federation_id()) else { continue };
                if v.kind == MessageKind::Evidence && v.signer == node.bank {
                    let e: Evidence = amser_protocol::encoding::decode("evidence", &v.body, 1 << 16).unwrap();
                    evidence = Some(e.check(federation_id()).unwrap());
                }
            }
            _ => {}
        }
    }
    let (against, what) = evidence.unwrap();
    assert_eq!(against, mallory_id);
    assert!(matches!(what, amser_protocol::federation::Equivocation::Decisions { .. }), "{what:?}");
    assert_eq!(node.ledger().store().balance(&mair).unwrap(), Minutes(0), "Mair's hour was never paid: Mallory rejected it to her bank");
    let report = amser_node::reading::audit::audit(node.ledger().journal_path(), Some(node.ledger().synced_len()), None);
    assert!(report.ok, "{:?}", report.problems);
    node.shutdown().await;
}

/// Mallory floods the topic with messages whose signatures do not verify:
/// Rhymney disconnects it (gossip peer scoring), and its trust line is as
/// the coordinator left it: admitted, not frozen, the same trust.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_flooding_invalid_gossip_is_disconnected_and_stays_admitted() {
    let (_dir, node, key) = rhymney_admitting_mallory().await;
    let mallory_id = bank_id(&key);
    let line_before = {
        let (net, _events) = mallory(MALLORY.seed, &node).await;
        until_connected(&node, mallory_id).await;
        let line = peer_line(&node, &mallory_id);
        for n in 0..2_000u64 {
            let mut bad = SignedMessage::from_bytes(&head(&key, n + 1, 1, n)).unwrap();
            bad.signature[0] ^= 1;
            let _ = net.publish(bad.to_bytes().unwrap()).await;
        }
        until("Rhymney disconnects Mallory", || !node.federation.presence(&mallory_id).connected).await;
        line
    };
    assert_eq!(peer_line(&node, &mallory_id), line_before, "the trust line is untouched");
    node.shutdown().await;
}

/// The page of `log` (Mallory's public log) after position `after`, at most
/// `max` long, chained and signed at both ends as an honest bank signs it.
fn chained_page(key: &SigningKey, log: &[SignedMessage], after: u64, max: u32) -> ChainedPage {
    let after = (after as usize).min(log.len());
    let end = (after + max as usize).min(log.len());
    ChainedPage {
        after: after as u64,
        start: log_head(key, log, after),
        statements: log[after..end].to_vec(),
        end: log_head(key, log, end),
        length: log.len() as u64,
    }
}

/// Mallory's signed head of `log` at `position` (none at 0).
fn log_head(key: &SigningKey, log: &[SignedMessage], position: usize) -> Option<SignedMessage> {
    let hash = log[..position].iter().fold(GENESIS, |h, s| link(&h, s));
    let head = LogHead { bank: bank_id(key), position: position as u64, hash };
    (position > 0).then(|| sign_in_federation(key, MessageKind::LogHead, head.encode().unwrap()))
}

/// `n` transfers to Mallory's member from strangers, each accepted by
/// Mallory: the statements of a public log, two per transfer.
fn strangers_paying_mallory(key: &SigningKey, first: u8, n: u8) -> Vec<SignedMessage> {
    let mallorys_member: MemberCode = MALLORYS_MEMBER.parse().unwrap();
    let mut log = Vec::new();
    for i in first..first + n {
        let stranger = SigningKey::from_bytes(&[200 + i; 32]);
        let theirs = transfer(bank_id(&stranger), bank_id(key), "elsewhere:AAAA-00", &mallorys_member, 600, i);
        log.push(sign_in_federation(&stranger, MessageKind::Transfer, theirs.encode().unwrap()));
        log.push(decided(key, theirs.id().unwrap(), Verdict::Accept));
    }
    log
}

/// Answers Rhymney's requests as Mallory until `done` holds: each log page
/// as `page` makes it (given after and max), anything else `Unknown`.
/// Returns how many log pages were asked for.
async fn serve_log(
    net: &NetworkHandle,
    events: &mut mpsc::Receiver<NetEvent>,
    what: &str,
    mut page: impl FnMut(u64, u32) -> ChainedPage,
    mut done: impl FnMut(usize) -> bool,
) -> usize {
    let (deadline, mut asked) = (Instant::now() + DEADLINE, 0);
    while !done(asked) {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        let Ok(event) = tokio::time::timeout(POLL, events.recv()).await else { continue };
        if let NetEvent::Request { request, channel, .. } = event.expect("network up") {
            let answer = match request {
                PeerRequest::ChainedLog { after, max } => {
                    asked += 1;
                    PeerResponse::ChainedLog { page: page(after, max) }
                }
                _ => PeerResponse::Unknown,
            };
            net.respond(channel, answer).await.unwrap();
        }
    }
    asked
}

/// Mallory's log holds three transfers it accepted. It sends Rhymney a page
/// with one of them left out, then one with a decision changed, each signed
/// with the head of its true log: Rhymney refuses both pages whole and keeps
/// nothing. Then Mallory sends its log as it is, and Rhymney reads it all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_that_leaves_a_statement_out_of_its_log_or_changes_one_is_refused() {
    let (_dir, node, key) = rhymney_admitting_mallory().await;
    let mallory_id = bank_id(&key);
    let (net, mut events) = mallory(MALLORY.seed, &node).await;
    let log = strangers_paying_mallory(&key, 0, 3);
    let store = node.ledger().store().clone();

    let left_out = |after, max| {
        let mut page = chained_page(&key, &log, after, max);
        page.statements.remove(2);
        page
    };
    serve_log(&net, &mut events, "Rhymney asks twice for a page with a gap", left_out, |asked| asked >= 2).await;
    assert!(store.public_transfers().unwrap().is_empty(), "nothing of a page with a gap is kept");
    assert_eq!(store.log_chain_cursor(&mallory_id).unwrap().position, 0, "and Rhymney does not read past it");

    let changed = |after, max| {
        let mut page = chained_page(&key, &log, after, max);
        let id = PublicMessage::check(&page.statements[0], federation_id()).unwrap().transfer_id();
        page.statements[1] = decided(&key, id, Verdict::Reject(amser_protocol::federation::RejectReason::PayeeCeiling));
        page
    };
    serve_log(&net, &mut events, "Rhymney asks twice for a page with a changed decision", changed, |asked| asked >= 2).await;
    assert!(store.public_transfers().unwrap().is_empty(), "nothing of a page with a changed statement is kept");
    assert_eq!(store.log_chain_cursor(&mallory_id).unwrap().position, 0);

    let honest = |after, max| chained_page(&key, &log, after, max);
    let read_all = |_| store.log_chain_cursor(&mallory_id).unwrap().position == log.len() as u64;
    serve_log(&net, &mut events, "Rhymney reads Mallory's true log to its end", honest, read_all).await;
    assert_eq!(store.public_transfers().unwrap().len(), 3, "the true log's three pairs are kept");
    assert!(!peer_line(&node, &mallory_id).frozen, "a refused page is no evidence");
    node.shutdown().await;
}

/// Rhymney has read Mallory's log of two transfers. Mallory then drops the
/// first from its history and goes on as if it had never been: when it
/// connects again, the page it sends starts from a head it signed at position 4 with another hash.
/// Rhymney holds Mallory's first head at 4: the two are evidence, Mallory's
/// line is frozen, and the rewritten page is not taken in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_that_rewrites_the_log_rhymney_read_is_frozen_with_the_evidence() {
    let (_dir, node, key) = rhymney_admitting_mallory().await;
    let mallory_id = bank_id(&key);
    let (net, mut events) = mallory(MALLORY.seed, &node).await;
    let first = strangers_paying_mallory(&key, 0, 2);
    let store = node.ledger().store().clone();
    let honest = |after, max| chained_page(&key, &first, after, max);
    serve_log(&net, &mut events, "Rhymney reads Mallory's log", honest, |_| store.log_chain_cursor(&mallory_id).unwrap().position == 4)
        .await;
    assert_eq!(store.public_transfers().unwrap().len(), 2);
    // Mallory goes away and comes back (Rhymney reads a bank's log again when it connects).
    drop((net, events));
    until("Rhymney sees Mallory gone", || !node.federation.presence(&mallory_id).connected).await;
    let (net, mut events) = mallory(MALLORY.seed, &node).await;

    let rewritten: Vec<SignedMessage> = first[2..].iter().cloned().chain(strangers_paying_mallory(&key, 2, 2)).collect();
    let lie = |after, max| chained_page(&key, &rewritten, after, max);
    serve_log(&net, &mut events, "Rhymney freezes Mallory for its rewritten log", lie, |_| peer_line(&node, &mallory_id).frozen).await;
    let evidence = store.evidence().unwrap();
    assert_eq!(evidence.len(), 1, "{evidence:?}");
    assert_eq!(evidence[0].0, mallory_id);
    assert_eq!(store.public_transfers().unwrap().len(), 2, "nothing of the rewritten log is kept");
    assert_eq!(store.log_chain_cursor(&mallory_id).unwrap().position, 4, "Rhymney stays where it read to");
    node.shutdown().await;
}

/// Mallory, honest this time, pays Rhymney's Mair five times, then reads
/// Rhymney's public log three statements a page, checking each page against
/// the chain. Rhymney restarts and one more transfer arrives: the next page
/// goes on from where Mallory had read. Rhymney's state is then rebuilt from
/// its journal alone: its log has the same head, and the page after it
/// starts from the same signed head Mallory holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rhymneys_log_chains_the_same_across_a_restart_and_a_rebuild_from_its_journal() {
    const PAGE: u32 = 3;
    let (dir, node, key) = rhymney_admitting_mallory().await;
    let mair = member(&node, "Mair").await;
    let read = |net: NetworkHandle, bank: BankId, mut at: Cursor| async move {
        loop {
            let answer = net.request(peer_of(&bank), PeerRequest::ChainedLog { after: at.position, max: PAGE }).await.unwrap();
            let PeerResponse::ChainedLog { page } = answer else { panic!("{answer:?}") };
            let next = check_page(&page, bank, federation_id(), &at, PAGE as usize).expect("Rhymney's page chains on");
            if next.position == at.position {
                return next;
            }
            at = next;
        }
    };
    let deliver = |net: NetworkHandle, bank: BankId, signed: SignedMessage| async move {
        let answer = net.request(peer_of(&bank), PeerRequest::Deliver { transfer: signed, note: String::new() }).await.unwrap();
        assert!(matches!(answer, PeerResponse::Decided { .. }), "{answer:?}");
    };

    let (net, _events) = mallory(MALLORY.seed, &node).await;
    until_connected(&node, bank_id(&key)).await;
    for nonce in 1..=5 {
        deliver(net.clone(), node.bank, mallorys_transfer(&key, node.bank, &mair, nonce)).await;
    }
    let at = read(net.clone(), node.bank, Cursor::start()).await;
    assert_eq!(at.position, 10, "five transfers received, each with Rhymney's decision");
    assert_eq!(node.ledger().store().log_head().unwrap(), (at.position, at.hash));

    let data = amser_node::DataDir::new(dir.path().join(RHYMNEY.handle));
    node.shutdown().await;
    let node = start_node(&data).await;
    let (net, _events) = mallory(MALLORY.seed, &node).await;
    until_connected(&node, bank_id(&key)).await;
    deliver(net.clone(), node.bank, mallorys_transfer(&key, node.bank, &mair, 6)).await;
    let at = read(net.clone(), node.bank, at).await;
    assert_eq!(at.position, 12, "the page after the restart goes on from where Mallory read to");

    node.shutdown().await;
    std::fs::remove_dir_all(data.state()).unwrap();
    let node = start_node(&data).await;
    assert_eq!(node.ledger().store().log_head().unwrap(), (at.position, at.hash), "the journal gives the same chain");
    let (net, _events) = mallory(MALLORY.seed, &node).await;
    until_connected(&node, bank_id(&key)).await;
    assert_eq!(read(net.clone(), node.bank, at.clone()).await, at, "the rebuilt log signs the head Mallory holds");
    assert_eq!(read(net.clone(), node.bank, Cursor::start()).await, at, "and reads the same from its start");
    node.shutdown().await;
}

/// Mallory's figures for a month as it would sign them honestly.
fn mallorys_figures(bank: BankId, minutes: i64) -> amser_protocol::figures::MonthlyTotals {
    amser_protocol::figures::MonthlyTotals {
        bank,
        month: "2026-11".into(),
        exchanges: 3,
        minutes: Minutes(minutes),
        active_members: 4,
        by_category: vec![],
        across_banks_in: Minutes(0),
        across_banks_out: Minutes(0),
        signed_ms: 1_795_000_000_000,
    }
}

/// Mallory hands Rhymney monthly figures: its own, honestly signed, are
/// held; the same with the hours changed after signing, and Gwynedd's
/// figures signed by Mallory, are refused, by gossip or by hand, and no
/// sum ever counts them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_or_borrowed_monthly_figure_is_refused_and_never_counted() {
    use amser_node::federation::figures::NotTaken;
    let (_dir, node, key) = rhymney_admitting_mallory().await;
    let (net, _events) = mallory(MALLORY.seed, &node).await;
    until_connected(&node, bank_id(&key)).await;
    let honest = sign_in_federation(&key, MessageKind::MonthlyTotals, mallorys_figures(bank_id(&key), 180).encode().unwrap());
    let mut tampered = honest.clone();
    // The minutes sit in the body at the envelope's end: 180 becomes something else.
    let at = tampered.envelope.len() - 12;
    tampered.envelope[at] ^= 0x40;
    let gwynedd = BankId([2; 32]);
    let borrowed = sign_in_federation(&key, MessageKind::MonthlyTotals, mallorys_figures(gwynedd, 6_000).encode().unwrap());

    // By gossip first: nothing bad is held, the honest one is.
    for message in [&tampered, &borrowed, &honest] {
        net.publish(message.to_bytes().unwrap()).await.unwrap();
    }
    let figures = &node.federation.figures;
    // Rhymney's own figures for the month are in its book too: only the others' are looked at.
    let others =
        || -> Vec<_> { figures.book.read().unwrap().month("2026-11").into_iter().filter(|h| h.totals.bank != figures.bank()).collect() };
    until("Rhymney to hold Mallory's honest figures", || !others().is_empty()).await;
    // And by hand, as a peer's answer to `Figures` is taken.
    assert!(matches!(figures.take(tampered), Err(NotTaken::Refused(_))));
    assert!(matches!(figures.take(borrowed), Err(NotTaken::Refused(_))));
    let held = others();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!((held[0].totals.bank, held[0].totals.minutes), (bank_id(&key), Minutes(180)));
    assert_eq!(held[0].signed, honest);
}
