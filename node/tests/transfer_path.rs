//! Issue 12: a transfer's path between two real banks on loopback costs the
//! journal entries (so the syncs) the protocol needs and no more, however
//! many ways its decision arrives. Rhymney records 16 transfers to Gwynedd
//! at once and hands each to its driver as the API does
//! (`FederationHandle::deliver`); every one settles, Rhymney's journal grows
//! by exactly two entries per transfer (sent, settled: a decision that also
//! arrives by gossip writes nothing) and Gwynedd's by exactly one (received
//! and decided).

use std::sync::Arc;
use std::time::{Duration, Instant};

use amser_node::clock::SystemClock;
use amser_node::ledger::{Command, LedgerRead};
use amser_node::storage::writer::Reply;
use amser_node::{init, DataDir, Node, NodeOptions};
use amser_protocol::member::MemberProfile;
use amser_protocol::{MemberCode, MemberKind, Minutes};

/// Transfers recorded at once.
const TOGETHER: usize = 16;
/// How long all of them may take to settle: only what "hung" means here.
const DEADLINE: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(20);

async fn bank(root: &std::path::Path, name: &str, handle: &str) -> Node {
    let dir = DataDir::new(root.join(handle));
    let (d, name, handle) = (dir.clone(), name.to_string(), handle.to_string());
    tokio::task::spawn_blocking(move || init(&d, &name, &handle, "", Arc::new(SystemClock))).await.unwrap().unwrap();
    let node = Node::start(dir, NodeOptions::loopback(Arc::new(SystemClock))).await.unwrap();
    node.opened().await;
    node
}

async fn agency(node: &Node, name: &str) -> MemberCode {
    let profile = MemberProfile {
        own_limits: Some(amser_protocol::Limits { floor: Minutes::from_hours(-1_000), ceiling: Minutes::from_hours(1_000) }),
        ..MemberProfile::new(name, MemberKind::Agency)
    };
    match node.ledger().submit(Command::AddMember { profile, joined: None }).await.unwrap() {
        Reply::Member(m) => m.code,
        other => panic!("unexpected {other:?}"),
    }
}

async fn head(node: &Node) -> u64 {
    node.ledger().read(|s| s.head()).await.unwrap().unwrap().0
}

async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !done().await {
        assert!(start.elapsed() < DEADLINE, "timed out waiting until {what}");
        tokio::time::sleep(POLL).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_recorded_together_cost_the_entries_the_protocol_needs_and_no_more() {
    let dir = tempfile::tempdir().unwrap();
    let rhymney = Arc::new(bank(dir.path(), "Rhymney", "rhymney").await);
    let gwynedd = bank(dir.path(), "Gwynedd", "gwynedd").await;
    for (a, b, handle) in [(&*rhymney, &gwynedd, "gwynedd"), (&gwynedd, &*rhymney, "rhymney")] {
        let command = Command::AdmitPeer {
            bank: b.bank,
            handle: Some(handle.parse().unwrap()),
            addrs: b.federation.listen_addrs(),
            trust: Minutes::from_hours(1_000),
            max_transfer: None,
        };
        a.ledger().submit(command).await.unwrap();
        a.federation.poke();
    }
    let (payer, payee) = (agency(&rhymney, "Rhymney agency").await, agency(&gwynedd, "Gwynedd agency").await);
    until("the banks are connected", async || {
        rhymney.federation.presence(&gwynedd.bank).connected && gwynedd.federation.presence(&rhymney.bank).connected
    })
    .await;
    let (r0, g0) = (head(&rhymney).await, head(&gwynedd).await);

    let mut recording = tokio::task::JoinSet::new();
    for i in 0..TOGETHER {
        let (node, payer, payee) = (rhymney.clone(), payer.clone(), payee.clone());
        recording.spawn(async move {
            let command = Command::RecordExchange {
                providers: vec![payee],
                receivers: vec![payer],
                minutes_each: Minutes(15),
                category: "general".into(),
                note: String::new(),
                date: None,
                recorded_by: "test".into(),
                client_ref: Some(format!("together-{i}")),
            };
            match node.ledger().submit(command).await.unwrap() {
                Reply::Transfer(t) => {
                    let id = t.id;
                    node.federation.deliver(t);
                    id
                }
                other => panic!("expected a transfer, got {other:?}"),
            }
        });
    }
    let ids: Vec<_> = recording.join_all().await;
    let r = rhymney.clone();
    until("every transfer is settled at Rhymney", async || {
        let ids = ids.clone();
        r.ledger().read(move |s| ids.iter().all(|id| s.transfer(id).ok().flatten().is_some_and(|t| t.state() == "accepted"))).await.unwrap()
    })
    .await;
    let g = &gwynedd;
    until("Gwynedd's decisions are all journaled", async || head(g).await >= g0 + TOGETHER as u64).await;
    assert_eq!(head(&rhymney).await - r0, 2 * TOGETHER as u64, "Rhymney: one entry to send and one to settle each transfer");
    assert_eq!(head(&gwynedd).await - g0, TOGETHER as u64, "Gwynedd: one entry to receive and decide each transfer");
    gwynedd.shutdown().await;
    if let Ok(node) = Arc::try_unwrap(rhymney) {
        node.shutdown().await;
    }
}
