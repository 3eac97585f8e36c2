//! Gossip peer scoring, on three libp2p nodes in one process: Rhymney's
//! network admits Mallory and Gwynedd. Mallory floods the topic with
//! messages whose signatures do not verify; Rhymney disconnects it and
//! keeps it out for the backoff, Gwynedd's gossip goes on reaching Rhymney,
//! and after the backoff Mallory, still admitted, connects again.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use amser_node::federation::scoring::Scoring;
use amser_node::federation::swarm::{self, peer_of, GossipValidator, NetEvent, NetworkConfig, NetworkHandle};
use amser_protocol::encoding::encode;
use amser_protocol::federation::PeerRequest;
use amser_protocol::journal::JournalHead;
use amser_protocol::signing::{bank_id, MessageKind, SignedMessage};
use amser_protocol::EntryHash;
use common::{federation_id, sign_in_federation, FEDERATION, GWYNEDD, MALLORY, RHYMNEY};
use ed25519_dalek::SigningKey;
use libp2p::gossipsub::MessageAcceptance;
use libp2p::PeerId;
use tokio::sync::mpsc;

/// Most time any condition below may take: loopback connections and gossip
/// rounds take well under a second, so this is a hang.
const DEADLINE: Duration = Duration::from_secs(30);
/// Between two attempts (a publish, a dial) while waiting for a condition.
const POLL: Duration = Duration::from_millis(100);
/// Rhymney keeps a peer out this long here (60 s in a real node).
const BACKOFF: Duration = Duration::from_secs(3);
/// Messages in Mallory's flood.
const FLOOD: u64 = 2_000;

/// Rhymney's judge of gossip, as strict as a real node's on signatures.
struct Verifying;

impl GossipValidator for Verifying {
    fn validate(&self, source: Option<&PeerId>, data: &[u8]) -> MessageAcceptance {
        match SignedMessage::from_bytes(data).ok().and_then(|m| m.verify(federation_id()).ok()) {
            Some(v) if source == Some(&peer_of(&v.signer)) => MessageAcceptance::Accept,
            _ => MessageAcceptance::Reject,
        }
    }
}

/// A peer's own judge: passes everything on (a hostile relay's, or a test's).
struct AcceptAll;

impl GossipValidator for AcceptAll {
    fn validate(&self, _: Option<&PeerId>, _: &[u8]) -> MessageAcceptance {
        MessageAcceptance::Accept
    }
}

async fn node(seed: [u8; 32], validator: Arc<dyn GossipValidator>) -> (NetworkHandle, mpsc::Receiver<NetEvent>) {
    node_scoring(seed, validator, Scoring { backoff: BACKOFF, ..Scoring::default() }).await
}

async fn node_scoring(seed: [u8; 32], validator: Arc<dyn GossipValidator>, scoring: Scoring) -> (NetworkHandle, mpsc::Receiver<NetEvent>) {
    let config =
        NetworkConfig { key_seed: seed, listen: vec!["/ip4/127.0.0.1/tcp/0".into()], mdns: false, federation: FEDERATION.into(), scoring };
    swarm::start(config, validator).await.unwrap()
}

/// `peer` admits `rhymney` and dials it.
async fn dial(peer: &NetworkHandle, rhymney: &NetworkHandle) {
    let addr = rhymney.listen_addrs()[0].clone();
    peer.allow(rhymney.local_peer).await.unwrap();
    peer.add_address(rhymney.local_peer, addr).await.unwrap();
    peer.dial(rhymney.local_peer).await.unwrap();
}

/// A head signed by `key`; `good` false flips a bit of its signature.
fn head(key: &SigningKey, seq: u64, good: bool) -> Vec<u8> {
    let head = JournalHead { bank: bank_id(key), seq, hash: EntryHash([7; 32]), time_ms: seq };
    let mut signed = sign_in_federation(key, MessageKind::JournalHead, encode("head", &head).unwrap());
    if !good {
        signed.signature[0] ^= 1;
    }
    signed.to_bytes().unwrap()
}

/// Waits for the next event from the network that `wanted` picks out,
/// calling `meanwhile` every POLL (a publish or a dial) until it comes.
async fn until<T>(
    events: &mut mpsc::Receiver<NetEvent>,
    what: &str,
    mut wanted: impl FnMut(&NetEvent) -> Option<T>,
    mut meanwhile: impl AsyncFnMut(),
) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        meanwhile().await;
        let next = tokio::time::timeout(POLL, events.recv());
        match next.await {
            Ok(Some(e)) => {
                if let Some(t) = wanted(&e) {
                    return t;
                }
            }
            Ok(None) => panic!("the network stopped while waiting until {what}"),
            Err(_) => {}
        }
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
    }
}

/// The seq of the journal head a gossip event carries.
fn head_seq(event: &NetEvent) -> Option<u64> {
    let NetEvent::Gossip { data, .. } = event else { return None };
    let verified = SignedMessage::from_bytes(data).ok()?.verify(federation_id()).ok()?;
    amser_protocol::encoding::decode::<JournalHead>("head", &verified.body, 1_024).ok().map(|h| h.seq)
}

fn gossip_from(event: &NetEvent, peer: PeerId) -> Option<()> {
    matches!(event, NetEvent::Gossip { source: Some(s), .. } if *s == peer).then_some(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_flooding_invalid_gossip_is_kept_out_for_the_backoff_and_then_let_back() {
    let (rhymney, mut heard) = node(RHYMNEY.seed, Arc::new(Verifying)).await;
    let (mallory, _mallory_events) = node(MALLORY.seed, Arc::new(AcceptAll)).await;
    let (gwynedd, _gwynedd_events) = node(GWYNEDD.seed, Arc::new(AcceptAll)).await;
    let (mallory_key, gwynedd_key) = (SigningKey::from_bytes(&MALLORY.seed), SigningKey::from_bytes(&GWYNEDD.seed));
    for peer in [&mallory, &gwynedd] {
        rhymney.allow(peer.local_peer).await.unwrap();
        dial(peer, &rhymney).await;
    }

    // Both peers' gossip reaches Rhymney.
    let mut seq = 0;
    for (peer, key) in [(&mallory, &mallory_key), (&gwynedd, &gwynedd_key)] {
        until(
            &mut heard,
            "Rhymney hears a peer's gossip",
            |e| gossip_from(e, peer.local_peer),
            async || {
                seq += 1;
                peer.publish(head(key, seq, true)).await.unwrap();
            },
        )
        .await;
    }

    // Mallory floods: every message signed wrong.
    let flood = {
        let (mallory, key) = (mallory.clone(), mallory_key.clone());
        tokio::spawn(async move {
            for n in 0..FLOOD {
                let _ = mallory.publish(head(&key, 1_000 + n, false)).await;
            }
        })
    };
    let mallory_peer = mallory.local_peer;
    until(
        &mut heard,
        "Rhymney disconnects Mallory",
        |e| matches!(e, NetEvent::Disconnected(p) if *p == mallory_peer).then_some(()),
        async || {},
    )
    .await;
    let kept_out_at = Instant::now();
    flood.await.unwrap();

    // Mallory is refused while its backoff lasts.
    let asked = mallory.request(peer_of(&bank_id(&SigningKey::from_bytes(&RHYMNEY.seed))), PeerRequest::Hello).await;
    assert!(asked.is_err(), "Mallory was let back at once: {asked:?}");

    // Gwynedd is not touched by any of it.
    let gwynedd_peer = gwynedd.local_peer;
    until(
        &mut heard,
        "Rhymney still hears Gwynedd",
        |e| gossip_from(e, gwynedd_peer),
        async || {
            seq += 1;
            gwynedd.publish(head(&gwynedd_key, seq, true)).await.unwrap();
        },
    )
    .await;
    assert!(gwynedd.connected().await.unwrap().contains(&rhymney.local_peer));

    // After the backoff, Mallory (still admitted: nobody allowed it again) connects.
    until(
        &mut heard,
        "Mallory connects again",
        |e| matches!(e, NetEvent::Connected(p) if *p == mallory_peer).then_some(()),
        async || {
            mallory.dial(rhymney.local_peer).await.unwrap();
        },
    )
    .await;
    assert!(kept_out_at.elapsed() + Duration::from_millis(500) >= BACKOFF, "let back after {:?}", kept_out_at.elapsed());
}

/// Issue 12 (found by the compare bench): Gwynedd, busy trading with
/// Rhymney, gossips faster than Rhymney's flood rate. What is over the rate
/// is dropped unchecked (catch-up reads it from Gwynedd's public log), and
/// Gwynedd is neither penalised nor disconnected: its gossip goes on
/// reaching Rhymney once the rate allows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gwynedd_gossiping_faster_than_rhymneys_rate_is_slowed_but_never_disconnected() {
    /// Far past the burst below, all validly signed.
    const BUSY: u64 = 400;
    let scoring = Scoring { backoff: BACKOFF, burst: 16, per_second: 8 };
    let (rhymney, mut heard) = node_scoring(RHYMNEY.seed, Arc::new(Verifying), scoring).await;
    let (gwynedd, _gwynedd_events) = node(GWYNEDD.seed, Arc::new(AcceptAll)).await;
    let gwynedd_key = SigningKey::from_bytes(&GWYNEDD.seed);
    rhymney.allow(gwynedd.local_peer).await.unwrap();
    dial(&gwynedd, &rhymney).await;
    let mut seq = 0;
    until(
        &mut heard,
        "Rhymney hears Gwynedd",
        |e| gossip_from(e, gwynedd.local_peer),
        async || {
            seq += 1;
            gwynedd.publish(head(&gwynedd_key, seq, true)).await.unwrap();
        },
    )
    .await;

    for _ in 0..BUSY {
        seq += 1;
        let _ = gwynedd.publish(head(&gwynedd_key, seq, true)).await;
    }
    // Whatever Rhymney heard meanwhile, it never let Gwynedd go; and it hears a head sent after the spell.
    let (gwynedd_peer, after) = (gwynedd.local_peer, seq);
    until(
        &mut heard,
        "Rhymney hears Gwynedd after its busy spell",
        |e| {
            assert!(!matches!(e, NetEvent::Disconnected(p) if *p == gwynedd_peer), "Rhymney disconnected a busy honest bank");
            gossip_from(e, gwynedd_peer).filter(|_| head_seq(e).is_some_and(|s| s > after))
        },
        async || {
            seq += 1;
            gwynedd.publish(head(&gwynedd_key, seq, true)).await.unwrap();
        },
    )
    .await;
    assert!(gwynedd.connected().await.unwrap().contains(&rhymney.local_peer), "still connected");
}
