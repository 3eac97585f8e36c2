//! Issue 10, the start gate (DESIGN.md §2, "The start gate"): Rhymney,
//! restarted, records nothing new until Gwynedd has said which head of
//! Rhymney's it holds, so that no entry is numbered over one Gwynedd saw;
//! and a peer that cannot be reached is not waited for.

mod common;

use std::time::Duration;

use amser_node::clock::SystemClock;
use amser_node::config::Config;
use amser_node::datadir::DataDir;
use amser_node::federation::swarm::{self, peer_of, NetEvent, NetworkConfig};
use amser_node::ledger::{Command, LedgerError};
use amser_node::{Node, NodeOptions};
use amser_protocol::federation::{PeerRequest, PeerResponse};
use amser_protocol::signing::bank_id;
use common::{add_person, admit_peer, init_rhymney, start_node, AcceptAll, FEDERATION, GWYNEDD};
use ed25519_dalek::SigningKey;

/// Longer than any test here: the gate opens for an answer or an
/// unreachable peer, never because this wait ran out.
const START_CHECK_SECS: u64 = 3_600;
/// A hang, not a slow machine.
const DEADLINE: Duration = Duration::from_secs(60);

/// Rhymney's config.toml with the start check at `secs`.
fn set_start_check(data: &DataDir, secs: u64) {
    let mut config = Config::load(&data.config()).unwrap();
    config.federation.start_check_secs = secs;
    config.save(&data.config()).unwrap();
}

/// Rhymney, with Gwynedd admitted at `addrs`, stopped.
async fn rhymney_admitting_gwynedd(dir: &std::path::Path, addrs: Vec<String>) -> DataDir {
    let data = init_rhymney(dir).await;
    set_start_check(&data, START_CHECK_SECS);
    let node = start_node(&data).await;
    let gwynedd = bank_id(&SigningKey::from_bytes(&GWYNEDD.seed));
    let Command::AdmitPeer { bank, handle, trust, max_transfer, .. } = admit_peer(gwynedd, GWYNEDD.handle, 10) else { unreachable!() };
    node.ledger().submit(Command::AdmitPeer { bank, handle, addrs, trust, max_transfer }).await.unwrap();
    node.shutdown().await;
    data
}

async fn start(data: &DataDir) -> Node {
    Node::start(data.clone(), NodeOptions::loopback(std::sync::Arc::new(SystemClock))).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rhymney_restarted_records_nothing_until_gwynedd_says_which_head_of_rhymneys_it_holds() {
    // Gwynedd's own node, listening, which Rhymney dials when it starts.
    let config = NetworkConfig {
        key_seed: GWYNEDD.seed,
        listen: vec!["/ip4/127.0.0.1/tcp/0".into()],
        mdns: false,
        federation: FEDERATION.into(),
        scoring: Default::default(),
    };
    let (gwynedd, mut heard) = swarm::start(config, std::sync::Arc::new(AcceptAll)).await.unwrap();
    let addr = format!("{}/p2p/{}", gwynedd.listen_addrs()[0], gwynedd.local_peer);
    let dir = tempfile::tempdir().unwrap();
    let data = rhymney_admitting_gwynedd(dir.path(), vec![addr]).await;
    let rhymney = bank_id(&data.load_key().unwrap());
    gwynedd.allow(peer_of(&rhymney)).await.unwrap();

    let node = start(&data).await;
    // Rhymney asks; Gwynedd holds its answer back for now.
    let channel = tokio::time::timeout(DEADLINE, async {
        loop {
            match heard.recv().await.expect("Gwynedd's network runs") {
                NetEvent::Request { request: PeerRequest::NewestHead, channel, .. } => break channel,
                _ => continue,
            }
        }
    })
    .await
    .expect("Rhymney asks Gwynedd for its newest head of Rhymney's");
    let refused = node.ledger().submit(add_person("Mair Jones", "")).await.unwrap_err();
    assert!(matches!(refused, LedgerError::AskingPeers { .. }), "before Gwynedd answered: {refused:?}");
    assert_eq!(refused.code(), "asking_peers");
    assert!(node.ledger().halted().is_none(), "waiting is not a halt");

    // Gwynedd holds no head of Rhymney's: Rhymney takes work.
    gwynedd.respond(channel, PeerResponse::NewestHead { head: None }).await.unwrap();
    tokio::time::timeout(DEADLINE, node.opened()).await.expect("the gate opens once Gwynedd has answered");
    node.ledger().submit(add_person("Mair Jones", "")).await.expect("recorded after the answer");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rhymney_does_not_wait_for_gwynedd_when_nothing_answers_at_its_address() {
    // An address nobody listens on: the port of a listener just closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let gwynedd = peer_of(&bank_id(&SigningKey::from_bytes(&GWYNEDD.seed)));
    let dir = tempfile::tempdir().unwrap();
    let data = rhymney_admitting_gwynedd(dir.path(), vec![format!("/ip4/127.0.0.1/tcp/{port}/p2p/{gwynedd}")]).await;

    let node = start(&data).await;
    tokio::time::timeout(DEADLINE, node.opened()).await.expect("an unreachable peer is not waited for");
    node.ledger().submit(add_person("Mair Jones", "")).await.expect("recorded");
    node.shutdown().await;
}
