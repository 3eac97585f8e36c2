//! Issue 10, item 8: one bank flooding requests does not hold up another.
//! Mallory, admitted by Rhymney, fires 2,000 transfer deliveries at once;
//! meanwhile Gwynedd delivers one real transfer. Rhymney answers each
//! request in a task of its own, at most `MAX_INBOUND_PER_BANK` of one bank
//! at a time, and tells the rest of Mallory's flood `busy` without touching
//! its ledger, so Gwynedd's transfer waits for no more than that many of
//! Mallory's requests (and the group commit they share), not for the flood.

mod common;

use std::time::{Duration, Instant};

use amser_node::federation::swarm::peer_of;
use amser_node::ledger::LedgerRead;
use amser_protocol::federation::{refusal, Decision, PeerRequest, PeerResponse, Transfer, Verdict};
use amser_protocol::signing::{bank_id, MessageKind, SignedMessage};
use amser_protocol::{BankId, MemberCode, Minutes, ServiceDate};
use common::{add_person, admit_peer, bank_at_the_wire, federation_id, init_rhymney, sign_in_federation, start_node, GWYNEDD, MALLORY};
use ed25519_dalek::SigningKey;
use tokio::task::JoinSet;

/// Requests in Mallory's flood.
const FLOOD: usize = 2_000;
/// How long Gwynedd's transfer may take while Mallory floods. The bound the
/// driver keeps is a count (at most `MAX_INBOUND_PER_BANK` of Mallory's
/// requests ahead of Gwynedd's); this is only what "hung" means here.
const DEADLINE: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(20);

async fn until(what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting until {what}");
        tokio::time::sleep(POLL).await;
    }
}

/// A transfer of one hour from `payer` at the bank of `key` to Rhymney's `payee`.
fn transfer(key: &SigningKey, to: BankId, payer: &str, payee: &MemberCode, nonce: u32) -> SignedMessage {
    let mut n = [0u8; 16];
    n[..4].copy_from_slice(&nonce.to_le_bytes());
    let t = Transfer {
        from: bank_id(key),
        to,
        payer: payer.parse().unwrap(),
        payee: payee.clone(),
        minutes: Minutes(60),
        category: "gardening".into(),
        date: ServiceDate(20_000),
        nonce: n,
    };
    sign_in_federation(key, MessageKind::Transfer, t.encode().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gwynedds_transfer_is_decided_while_mallory_floods_rhymney_with_requests() {
    let dir = tempfile::tempdir().unwrap();
    let node = start_node(&init_rhymney(dir.path()).await).await;
    let (mallory_key, gwynedd_key) = (SigningKey::from_bytes(&MALLORY.seed), SigningKey::from_bytes(&GWYNEDD.seed));
    let (mallory, gwynedd) = (bank_id(&mallory_key), bank_id(&gwynedd_key));
    // Mallory's line is small: most of its flood is refused by the rules, but
    // every delivery it gets through costs Rhymney a journal entry.
    node.ledger().submit(admit_peer(mallory, MALLORY.handle, 2)).await.unwrap();
    node.ledger().submit(admit_peer(gwynedd, GWYNEDD.handle, 10)).await.unwrap();
    let mair = match node.ledger().submit(add_person("Mair", "")).await.unwrap() {
        amser_node::storage::writer::Reply::Member(m) => m.code,
        other => panic!("{other:?}"),
    };
    node.federation.poke();
    let (mallory_net, _mallory_hears) = bank_at_the_wire(MALLORY.seed, &node).await;
    let (gwynedd_net, _gwynedd_hears) = bank_at_the_wire(GWYNEDD.seed, &node).await;
    until("Rhymney sees both banks", || node.federation.presence(&mallory).connected && node.federation.presence(&gwynedd).connected).await;

    let rhymney = peer_of(&node.bank);
    let mut flood = JoinSet::new();
    for n in 0..FLOOD as u32 {
        let (net, signed) = (mallory_net.clone(), transfer(&mallory_key, node.bank, "mallory:AAAA-00", &mair, n));
        flood.spawn(async move { net.request(rhymney, PeerRequest::Deliver { transfer: signed, note: String::new() }).await });
    }
    // Gwynedd's one transfer, sent once the flood is under way.
    until("Rhymney has journaled some of Mallory's flood", || node.ledger().store().head().unwrap().0 > 6).await;
    let started = Instant::now();
    let answer = tokio::time::timeout(
        DEADLINE,
        gwynedd_net.request(
            rhymney,
            PeerRequest::Deliver { transfer: transfer(&gwynedd_key, node.bank, "gwynedd:GWEN-01", &mair, 1), note: String::new() },
        ),
    )
    .await
    .expect("Gwynedd's transfer is answered while Mallory floods")
    .unwrap();
    let waited = started.elapsed();
    let decision = match answer {
        PeerResponse::Decided { decision } => Decision::decode(&decision.verify(federation_id()).unwrap().body).unwrap(),
        other => panic!("Gwynedd's transfer was not decided: {other:?}"),
    };
    assert_eq!(decision.verdict, Verdict::Accept, "{decision:?}");

    let (mut decided, mut busy, mut failed) = (0, 0, 0);
    while let Some(answer) = flood.join_next().await {
        match answer.unwrap() {
            Ok(PeerResponse::Decided { .. }) => decided += 1,
            Ok(PeerResponse::Refused { reason }) if reason == refusal::BUSY => busy += 1,
            Ok(other) => panic!("an unexpected answer to Mallory: {other:?}"),
            Err(_) => failed += 1,
        }
    }
    eprintln!("Gwynedd's transfer took {waited:?} under a flood of {FLOOD}: Mallory had {decided} decided, {busy} busy, {failed} failed");
    assert!(busy > 0, "past its bound, a flooding bank is told it is busy (decided {decided}, failed {failed})");
    assert_eq!(node.ledger().store().balance(&mair).unwrap(), Minutes(60 + 2 * 60), "Gwynedd's hour and Mallory's two (its line)");
    let report = amser_node::reading::audit::audit(node.ledger().journal_path(), Some(node.ledger().synced_len()), None);
    assert!(report.ok, "{:?}", report.problems);
    node.shutdown().await;
}
