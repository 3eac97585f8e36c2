//! A hostile bank on the wire: a real node (Rhymney) against a peer that it
//! admitted but that signs two histories, sends garbage, forged and tampered
//! messages. The honest node keeps the evidence, freezes the line, tells the
//! federation, and goes on serving its own members.

use std::sync::Arc;
use std::time::{Duration, Instant};

use amser_node::clock::SystemClock;
use amser_node::ledger::{Command, LedgerRead};
use amser_node::network::{self, peer_of, GossipValidator, NetEvent, NetworkConfig, NetworkHandle};
use amser_node::{DataDir, Node, NodeOptions};
use amser_protocol::encoding::encode;
use amser_protocol::federation::{Evidence, PeerRequest, PeerResponse, Transfer};
use amser_protocol::journal::JournalHead;
use amser_protocol::member::MemberProfile;
use amser_protocol::signing::{bank_id, sign, FederationId, MessageKind, SignedMessage};
use amser_protocol::{BankId, EntryHash, MemberKind, Minutes, ServiceDate};
use ed25519_dalek::SigningKey;
use libp2p::gossipsub::MessageAcceptance;
use libp2p::PeerId;
use tokio::sync::mpsc;

/// Most time any condition below may take to come true.
const DEADLINE: Duration = Duration::from_secs(30);
/// Between two looks at a condition.
const POLL: Duration = Duration::from_millis(50);
const MALLORY_SEED: [u8; 32] = [66; 32];

struct AcceptAll;

impl GossipValidator for AcceptAll {
    fn validate(&self, _: Option<&PeerId>, _: &[u8]) -> MessageAcceptance {
        MessageAcceptance::Accept
    }
}

async fn rhymney(dir: &std::path::Path) -> Node {
    let data = DataDir::new(dir.join("rhymney"));
    let d = data.clone();
    tokio::task::spawn_blocking(move || amser_node::init(&d, "Rhymney Time Bank", "rhymney", "Wales", Arc::new(SystemClock)))
        .await
        .unwrap()
        .unwrap();
    Node::start(data, NodeOptions::loopback(Arc::new(SystemClock))).await.unwrap()
}

/// A hostile peer's own libp2p node, connected to `node`.
async fn mallory(seed: [u8; 32], node: &Node) -> (NetworkHandle, mpsc::Receiver<NetEvent>) {
    let config = NetworkConfig { key_seed: seed, listen: vec!["/ip4/127.0.0.1/tcp/0".into()], mdns: false, federation: "amser".into() };
    let (net, events) = network::start(config, Arc::new(AcceptAll)).await.unwrap();
    let target = peer_of(&node.bank);
    let addr: libp2p::Multiaddr = node.federation.listen_addrs()[0].parse().unwrap();
    net.allow(target).await.unwrap();
    net.add_address(target, addr).await.unwrap();
    net.dial(target).await.unwrap();
    (net, events)
}

async fn admit(node: &Node, bank: BankId) {
    let command = Command::AdmitPeer {
        bank,
        handle: Some("mallory".parse().unwrap()),
        addrs: vec![],
        trust: Minutes::from_hours(10),
        max_transfer: None,
    };
    node.ledger().submit(command).await.unwrap();
    node.federation.poke();
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
    sign(key, MessageKind::JournalHead, FederationId::from_name("amser"), encode("head", &head).unwrap()).unwrap().to_bytes().unwrap()
}

fn peer_line(node: &Node, bank: &BankId) -> amser_protocol::federation::PeerLine {
    node.ledger().store().peer(bank).unwrap().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_that_signs_two_histories_is_frozen_and_the_evidence_is_gossiped() {
    let dir = tempfile::tempdir().unwrap();
    let node = rhymney(dir.path()).await;
    let key = SigningKey::from_bytes(&MALLORY_SEED);
    let mallory_id = bank_id(&key);
    admit(&node, mallory_id).await;
    let (net, mut events) = mallory(MALLORY_SEED, &node).await;
    until("Rhymney sees Mallory connected", || node.federation.presence(&mallory_id).connected).await;

    // Garbage, an oversized message and an unknown version first: refused without a panic.
    let mut unknown_version = SignedMessage::from_bytes(&head(&key, 1, 1, 1)).unwrap();
    unknown_version.envelope[0] = 9;
    for junk in [vec![0xFF; 100], vec![7; 70 * 1024], unknown_version.to_bytes().unwrap()] {
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
                let Ok(v) = m.verify(FederationId::from_name("amser")) else { continue };
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
    let profile = MemberProfile::new("Mair", MemberKind::Person);
    node.ledger().submit(Command::AddMember { profile, joined: None }).await.unwrap();
    let report = amser_node::audit::audit(node.ledger().journal_path(), Some(node.ledger().synced_len()), None);
    assert!(report.ok, "{:?}", report.problems);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_tampered_and_foreign_transfers_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let node = rhymney(dir.path()).await;
    let key = SigningKey::from_bytes(&MALLORY_SEED);
    let mallory_id = bank_id(&key);
    admit(&node, mallory_id).await;
    let (net, _events) = mallory(MALLORY_SEED, &node).await;
    until("Rhymney sees Mallory connected", || node.federation.presence(&mallory_id).connected).await;
    let head_before = node.ledger().store().head().unwrap();
    let fed = FederationId::from_name("amser");
    let transfer = |from: BankId| Transfer {
        from,
        to: node.bank,
        payer: "mallory:AAAA-00".parse().unwrap(),
        payee: "rhymney:ZZZZ-ZZ".parse().unwrap(),
        minutes: Minutes(60),
        category: "help".into(),
        date: ServiceDate(20_000),
        nonce: [1; 16],
    };
    let rhymney_peer = peer_of(&node.bank);
    // Signed by a key Rhymney never admitted, delivered by Mallory.
    let stranger = SigningKey::from_bytes(&[99; 32]);
    let forged = sign(&stranger, MessageKind::Transfer, fed, transfer(bank_id(&stranger)).encode().unwrap()).unwrap();
    // Mallory's own transfer with a flipped signature bit.
    let mut tampered = sign(&key, MessageKind::Transfer, fed, transfer(mallory_id).encode().unwrap()).unwrap();
    tampered.signature[3] ^= 1;
    // Signed for another federation.
    let foreign = sign(&key, MessageKind::Transfer, FederationId::from_name("elsewhere"), transfer(mallory_id).encode().unwrap()).unwrap();
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
    let (net, _events) = mallory([77; 32], &node).await;
    let answer = net.request(peer_of(&node.bank), PeerRequest::Hello).await;
    assert!(answer.is_err(), "a stranger got an answer: {answer:?}");
    assert!(net.connected().await.unwrap().is_empty(), "the allow list closes the connection");
    node.shutdown().await;
}
