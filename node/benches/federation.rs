//! Benchmark: inter-bank transfers and gossip, beside the machine's own
//! limits measured in the same run.
//!
//! ```text
//! cargo bench -p amser-node --bench federation
//! AMSER_BENCH_TRANSFERS=400 AMSER_BENCH_GOSSIP_NODES=10,50 cargo bench -p amser-node --bench federation
//! ```
//!
//! 1. references: ed25519 `verify_strict` of a 200-byte message (one core),
//!    and 256-byte append + fdatasync (one writer) on the data directory's disk;
//! 2. two real nodes in process on loopback (Rhymney pays, Gwynedd is paid),
//!    admitting each other; 1 and 16 concurrent clients record cross-bank
//!    exchanges at Rhymney and each waits until the transfer is settled at
//!    Rhymney (Gwynedd's signed accept applied): transfers per second, p50, p99;
//! 3. gossip: N in-process libp2p nodes (10 and 50) in a sparse mesh; one
//!    publishes a signed message; time until every node has it (p50, max).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use amser_node::clock::SystemClock;
use amser_node::federation::swarm::{self, peer_of, GossipValidator, NetEvent, NetworkConfig};
use amser_node::ledger::{Command, LedgerRead};
use amser_node::storage::writer::Reply;
use amser_node::{init, DataDir, Node, NodeOptions};
use amser_protocol::member::MemberProfile;
use amser_protocol::signing::{bank_id, sign, FederationId, MessageKind};
use amser_protocol::{MemberCode, MemberKind, Minutes};
use ed25519_dalek::SigningKey;
use libp2p::gossipsub::MessageAcceptance;
use libp2p::PeerId;

/// How long one transfer may take before the bench fails.
const SETTLE_DEADLINE: Duration = Duration::from_secs(60);
/// Between two looks at a transfer's state.
const POLL: Duration = Duration::from_micros(500);
/// How long the gossip mesh is given to form before timing starts.
const MESH_WARMUP: Duration = Duration::from_secs(3);
/// Peers each gossip node dials (a sparse mesh, like banks that admit a few neighbours).
const GOSSIP_DEGREE: usize = 4;
/// Messages timed per gossip run.
const GOSSIP_MESSAGES: usize = 10;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn bench_dir() -> PathBuf {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    std::fs::create_dir_all(&target).expect("target dir");
    tempfile::tempdir_in(&target).expect("temp dir").keep()
}

fn verify_rate() -> f64 {
    let key = SigningKey::from_bytes(&[3; 32]);
    let msg = sign(&key, MessageKind::Transfer, FederationId::from_name("bench"), vec![7; 200]).expect("sign");
    let fed = FederationId::from_name("bench");
    let n = 3000;
    let start = Instant::now();
    for _ in 0..n {
        msg.verify(fed).expect("verifies");
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn fdatasync_rate(dir: &Path) -> (f64, Duration) {
    let mut f = OpenOptions::new().create(true).append(true).open(dir.join("raw.bin")).expect("raw file");
    let record = [0xA5u8; 256];
    let n = 1000;
    let mut lat = Vec::with_capacity(n);
    let start = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        f.write_all(&record).expect("write");
        f.sync_data().expect("fdatasync");
        lat.push(t.elapsed());
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    lat.sort();
    (rate, percentile(&lat, 0.5))
}

async fn bank(root: &Path, name: &str, handle: &str) -> Node {
    let dir = DataDir::new(root.join(handle));
    let (d, name, handle) = (dir.clone(), name.to_string(), handle.to_string());
    tokio::task::spawn_blocking(move || init(&d, &name, &handle, "", Arc::new(SystemClock))).await.expect("join").expect("init");
    Node::start(dir, NodeOptions::loopback(Arc::new(SystemClock))).await.expect("start")
}

async fn agency(node: &Node, name: &str) -> MemberCode {
    let profile = MemberProfile {
        own_limits: Some(amser_protocol::Limits { floor: Minutes::from_hours(-1_000_000), ceiling: Minutes::from_hours(1_000_000) }),
        ..MemberProfile::new(name, MemberKind::Agency)
    };
    match node.ledger().submit(Command::AddMember { profile, joined: None }).await.expect("member") {
        Reply::Member(m) => m.code,
        other => panic!("unexpected {other:?}"),
    }
}

/// Records one cross-bank exchange at `payer_node` and waits until it is settled there.
async fn one_transfer(payer_node: &Node, payer: &MemberCode, payee: &MemberCode, client_ref: String) -> Duration {
    let start = Instant::now();
    let command = Command::RecordExchange {
        providers: vec![payee.clone()],
        receivers: vec![payer.clone()],
        minutes_each: Minutes(15),
        category: "general".into(),
        note: String::new(),
        date: None,
        recorded_by: "bench".into(),
        client_ref: Some(client_ref),
    };
    let id = match payer_node.ledger().submit(command).await.expect("recorded") {
        Reply::Transfer(t) => {
            let id = t.id;
            // As the API does: the driver sends it at once, reading nothing.
            payer_node.federation.deliver(t);
            id
        }
        other => panic!("expected a transfer, got {other:?}"),
    };
    loop {
        let record = payer_node.ledger().read(move |s| s.transfer(&id)).await.expect("join").expect("read");
        match record {
            Some(r) if r.state() == "accepted" => return start.elapsed(),
            Some(r) if r.state() == "rejected" => panic!("transfer rejected: {:?}", r.decision),
            _ => {}
        }
        assert!(start.elapsed() < SETTLE_DEADLINE, "a transfer did not settle within {SETTLE_DEADLINE:?}");
        tokio::time::sleep(POLL).await;
    }
}

async fn transfers(
    clients: usize,
    total: usize,
    rhymney: &Arc<Node>,
    payers: &[MemberCode],
    payees: &[MemberCode],
    round: usize,
) -> (f64, Duration, Duration) {
    let per_client = total / clients;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (node, payer, payee) = (rhymney.clone(), payers[c % payers.len()].clone(), payees[c % payees.len()].clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per_client);
            for i in 0..per_client {
                lat.push(one_transfer(&node, &payer, &payee, format!("bench-{round}-{c}-{i}")).await);
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.expect("client"));
    }
    let rate = lat.len() as f64 / start.elapsed().as_secs_f64();
    lat.sort();
    (rate, percentile(&lat, 0.5), percentile(&lat, 0.99))
}

struct AcceptAll;

impl GossipValidator for AcceptAll {
    fn validate(&self, _: Option<&PeerId>, _: &[u8]) -> MessageAcceptance {
        MessageAcceptance::Accept
    }
}

/// Time for one signed message to reach all of `n` gossip nodes: (p50, max) over several messages.
async fn gossip(n: usize) -> (Duration, Duration) {
    let mut nets = Vec::new();
    let mut inboxes = Vec::new();
    for i in 0..n {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&(i as u64 + 1000).to_le_bytes());
        let config = NetworkConfig {
            key_seed: seed,
            listen: vec!["/ip4/127.0.0.1/tcp/0".into()],
            mdns: false,
            federation: "bench".into(),
            scoring: Default::default(),
        };
        let (net, events) = swarm::start(config, Arc::new(AcceptAll)).await.expect("gossip node");
        nets.push((net, seed));
        inboxes.push(events);
    }
    let peers: Vec<PeerId> = nets.iter().map(|(_, seed)| peer_of(&bank_id(&SigningKey::from_bytes(seed)))).collect();
    for (net, _) in &nets {
        for p in &peers {
            net.allow(*p).await.expect("allow");
        }
    }
    // A ring plus chords: each node dials its next GOSSIP_DEGREE neighbours.
    for (i, (net, _)) in nets.iter().enumerate() {
        for k in 1..=GOSSIP_DEGREE.min(n - 1) {
            let j = (i + k * k) % n;
            if j == i {
                continue;
            }
            let addr = nets[j].0.listen_addrs()[0].clone();
            net.add_address(peers[j], addr).await.expect("address");
            net.dial(peers[j]).await.expect("dial");
        }
    }
    tokio::time::sleep(MESH_WARMUP).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Vec<u8>)>();
    for (i, mut inbox) in inboxes.into_iter().enumerate() {
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(e) = inbox.recv().await {
                if let NetEvent::Gossip { data, .. } = e {
                    let _ = tx.send((i, data));
                }
            }
        });
    }
    let key = SigningKey::from_bytes(&nets[0].1);
    let mut times = Vec::new();
    for m in 0..GOSSIP_MESSAGES {
        let body = format!("head {m}").into_bytes();
        let bytes = sign(&key, MessageKind::JournalHead, FederationId::from_name("bench"), body).expect("sign").to_bytes().expect("bytes");
        let start = Instant::now();
        nets[0].0.publish(bytes.clone()).await.expect("publish");
        let mut reached = std::collections::HashSet::from([0usize]);
        while reached.len() < n {
            let (i, data) =
                tokio::time::timeout(Duration::from_secs(30), rx.recv()).await.expect("gossip reached every node in 30 s").expect("events");
            if data == bytes {
                reached.insert(i);
            }
        }
        times.push(start.elapsed());
    }
    times.sort();
    (percentile(&times, 0.5), *times.last().expect("timed"))
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let dir = bench_dir();
        let verify = verify_rate();
        let (sync_rate, sync_p50) = fdatasync_rate(&dir);
        println!("references, measured now:");
        println!("  ed25519 verify_strict, 200 B, one core: {verify:>10.0} /s ({:.1} µs each)", 1e6 / verify);
        println!("  256 B append + fdatasync, one writer:    {sync_rate:>10.0} /s (p50 {:.3} ms)", ms(sync_p50));

        let rhymney = Arc::new(bank(&dir, "Rhymney", "rhymney").await);
        let gwynedd = bank(&dir, "Gwynedd", "gwynedd").await;
        for (a, b) in [(&*rhymney, &gwynedd), (&gwynedd, &*rhymney)] {
            let command = Command::AdmitPeer { bank: b.bank, handle: None, addrs: b.federation.listen_addrs(), trust: Minutes::from_hours(1_000_000), max_transfer: None };
            a.ledger().submit(command).await.expect("admit");
            a.federation.poke();
        }
        let mut payers = Vec::new();
        let mut payees = Vec::new();
        for i in 0..16 {
            payers.push(agency(&rhymney, &format!("Rhymney agency {i}")).await);
            payees.push(agency(&gwynedd, &format!("Gwynedd agency {i}")).await);
        }
        // Warm up: the first transfer also waits for the connection and the handles.
        one_transfer(&rhymney, &payers[0], &payees[0], "warmup".into()).await;
        let total = env_usize("AMSER_BENCH_TRANSFERS", 400);
        println!("inter-bank transfers, two nodes on loopback (record at the payer's bank until settled there):");
        for (round, clients) in [1usize, 16].into_iter().enumerate() {
            let n = if clients == 1 { total / 4 } else { total };
            let (rate, p50, p99) = transfers(clients, n, &rhymney, &payers, &payees, round).await;
            println!(
                "  {clients:>2} client(s): {rate:>8.0} transfers/s  p50 {:>7.2} ms  p99 {:>7.2} ms   ({:.2}% of one core's verify rate; {:.2} syncs' worth of time each)",
                ms(p50),
                ms(p99),
                100.0 * rate / verify,
                p50.as_secs_f64() / sync_p50.as_secs_f64().max(1e-9)
            );
        }
        let mut sum = 0i64;
        for node in [&*rhymney, &gwynedd] {
            let store = node.ledger().store();
            sum += store.balances().expect("balances").iter().map(|(_, m)| m.0).sum::<i64>();
            sum += store.clearings().expect("clearing").iter().map(|(_, m)| m.0).sum::<i64>();
        }
        assert_eq!(sum, 0, "both ledgers sum to zero");
        let r_clearing = rhymney.ledger().store().clearing(&gwynedd.bank).expect("clearing");
        let g_clearing = gwynedd.ledger().store().clearing(&rhymney.bank).expect("clearing");
        assert_eq!(r_clearing.0, -g_clearing.0, "clearing accounts are opposite");
        println!("  checked: both ledgers sum to zero, clearing accounts opposite ({r_clearing} / {g_clearing})");
        gwynedd.shutdown().await;
        if let Ok(node) = Arc::try_unwrap(rhymney) {
            node.shutdown().await;
        }

        let sizes: Vec<usize> = std::env::var("AMSER_BENCH_GOSSIP_NODES")
            .ok()
            .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
            .unwrap_or_else(|| vec![10, 50]);
        println!("gossip: one signed message reaching every node (in process, degree {GOSSIP_DEGREE}):");
        for n in sizes {
            let (p50, max) = gossip(n).await;
            println!("  {n:>3} nodes: p50 {:>7.2} ms  max {:>7.2} ms over {GOSSIP_MESSAGES} messages", ms(p50), ms(max));
        }
        let _ = std::fs::remove_dir_all(&dir);
    });
}
