//! Fixtures shared by the node's federation tests (federation_rules.rs, the
//! ledgers in memory, and hostile_peer.rs, a real node against a hostile
//! peer): the federation every bank here belongs to and signing in it, the
//! banks' names, handles and key seeds, the ledger commands that add a
//! member and admit a peer bank, and for the real-node stories (hostile_peer,
//! flooding_peer, evidence_once) a Rhymney node and another bank's bare
//! libp2p node dialling it.

// Each test file uses its own part of this module.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use amser_node::clock::SystemClock;
use amser_node::federation::swarm::{self, peer_of, GossipValidator, NetEvent, NetworkConfig, NetworkHandle};
use amser_node::ledger::Command;
use amser_node::{DataDir, Node, NodeOptions};
use amser_protocol::member::MemberProfile;
use amser_protocol::signing::{sign, FederationId, MessageKind, SignedMessage};
use amser_protocol::{BankId, MemberKind, Minutes};
use ed25519_dalek::SigningKey;
use libp2p::gossipsub::MessageAcceptance;
use libp2p::PeerId;
use tokio::sync::mpsc;

/// The federation every bank in these tests belongs to: the one a node made
/// by `amser_node::init` joins (the configuration's default), so that what
/// a test signs is what a real node accepts.
pub const FEDERATION: &str = "amser";

pub fn federation_id() -> FederationId {
    FederationId::from_name(FEDERATION)
}

/// Signs `body` as a message of `kind` in [`FEDERATION`], as a bank with `key` would.
pub fn sign_in_federation(key: &SigningKey, kind: MessageKind, body: Vec<u8>) -> SignedMessage {
    sign(key, kind, federation_id(), body).expect("sign a message")
}

/// What a bank in these tests is founded with. Each key seed is different,
/// so no two banks share an id, and fixed, so ids and signatures are the
/// same in every run.
#[derive(Debug, Clone, Copy)]
pub struct Founding {
    pub name: &'static str,
    pub handle: &'static str,
    pub seed: [u8; 32],
}

/// The honest bank of both files (a real node in hostile_peer.rs, whose key
/// `init` makes, so the seed is used only in memory).
pub const RHYMNEY: Founding = Founding { name: "Rhymney Time Bank", handle: "rhymney", seed: [1; 32] };
/// The payee's bank of the transfer rules.
pub const GWYNEDD: Founding = Founding { name: "Gwynedd Time Bank", handle: "gwynedd", seed: [2; 32] };
/// A bank the others never admitted (in memory).
pub const CARDIFF: Founding = Founding { name: "Cardiff Time Bank", handle: "cardiff", seed: [3; 32] };
/// The hostile peer Rhymney admitted: it signs two histories, forgeries and floods.
pub const MALLORY: Founding = Founding { name: "Mallory Time Bank", handle: "mallory", seed: [66; 32] };
/// A key no bank admitted: it signs what Mallory relays as someone else's.
pub const STRANGER_SEED: [u8; 32] = [99; 32];
/// The network key of a bank that tries to connect without being admitted.
pub const OUTSIDER_SEED: [u8; 32] = [77; 32];

/// Adds a person with this contact (empty: none) to a bank.
pub fn add_person(name: &str, contact: &str) -> Command {
    let profile = MemberProfile { contact: contact.into(), ..MemberProfile::new(name, MemberKind::Person) };
    Command::AddMember { profile, joined: None }
}

/// Admits `bank` as a peer known by `handle`, with a trust line of
/// `trust_hours` and no addresses (the test hands messages over, or the peer
/// dials in).
pub fn admit_peer(bank: BankId, handle: &str, trust_hours: i64) -> Command {
    Command::AdmitPeer {
        bank,
        handle: Some(handle.parse().expect("a valid handle")),
        addrs: vec![],
        trust: Minutes::from_hours(trust_hours),
        max_transfer: None,
    }
}

/// `amser init` of Rhymney in `dir/rhymney`, off the async threads.
pub async fn init_rhymney(dir: &Path) -> DataDir {
    let data = DataDir::new(dir.join(RHYMNEY.handle));
    let d = data.clone();
    tokio::task::spawn_blocking(move || amser_node::init(&d, RHYMNEY.name, RHYMNEY.handle, "Wales", Arc::new(SystemClock)))
        .await
        .unwrap()
        .unwrap();
    data
}

/// The node on `data`, on loopback.
/// Starts the bank in `data` and waits until it takes new work (after a
/// restart, once its admitted peers have answered or cannot be reached).
pub async fn start_node(data: &DataDir) -> Node {
    let node = Node::start(data.clone(), NodeOptions::loopback(Arc::new(SystemClock))).await.unwrap();
    node.opened().await;
    node
}

/// Lets every gossip message through: another bank's bare node hears all.
pub struct AcceptAll;

impl GossipValidator for AcceptAll {
    fn validate(&self, _: Option<&PeerId>, _: &[u8]) -> MessageAcceptance {
        MessageAcceptance::Accept
    }
}

/// Another bank's own libp2p node with the key `seed` (Mallory, Gwynedd),
/// dialling `node` at its loopback address.
pub async fn bank_at_the_wire(seed: [u8; 32], node: &Node) -> (NetworkHandle, mpsc::Receiver<NetEvent>) {
    let config = NetworkConfig {
        key_seed: seed,
        listen: vec!["/ip4/127.0.0.1/tcp/0".into()],
        mdns: false,
        federation: FEDERATION.into(),
        scoring: Default::default(),
    };
    let (net, events) = swarm::start(config, Arc::new(AcceptAll)).await.unwrap();
    let target = peer_of(&node.bank);
    let addr: libp2p::Multiaddr = node.federation.listen_addrs()[0].parse().unwrap();
    net.allow(target).await.unwrap();
    net.add_address(target, addr).await.unwrap();
    net.dial(target).await.unwrap();
    (net, events)
}
