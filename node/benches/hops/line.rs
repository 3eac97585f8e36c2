//! A line of banks on loopback, each admitting the one before and the one
//! after: the payer's bank at one end, the payee's at the other, and the
//! payer's bank waiting (polling its path API) until it finds the way.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use amser_node::api::client::Client;
use amser_node::clock::SystemClock;
use amser_node::ledger::Command;
use amser_node::storage::writer::{LedgerHandle, Reply};
use amser_node::{init, DataDir, Node, NodeOptions};
use amser_protocol::member::MemberProfile;
use amser_protocol::{MemberCode, MemberKind, Minutes};

/// Banks along the line, payer's first; a line of N trust lines uses the first N + 1.
const BANKS: [(&str, &str); 5] = [
    ("Rhymney Time Bank", "rhymney"),
    ("Gwynedd Time Bank", "gwynedd"),
    ("Powys Time Bank", "powys"),
    ("Ceredigion Time Bank", "ceredigion"),
    ("Cardiff Time Bank", "cardiff"),
];
/// The longest line (trust lines) this module can build.
pub const MAX_LINES: usize = BANKS.len() - 1;
/// Trust each bank gives its neighbours both ways: far more than every run's transfers.
const TRUST_HOURS: i64 = 1_000_000;
/// Limits of the agencies that pay and are paid: never reached in a run.
const AGENCY_LIMIT_HOURS: i64 = 1_000_000;
/// How long the payer's bank may take to find the path (adverts are asked
/// for again after 1, 2, 4 ... 30 s).
const PATH_DEADLINE: Duration = Duration::from_secs(120);
/// Between two looks at the payer's path.
const PATH_POLL: Duration = Duration::from_millis(50);

/// The banks of one run, payer's first, with the members that pay and are paid.
pub struct Line {
    pub nodes: Vec<Node>,
    /// The payer's bank's API and token.
    pub api: SocketAddr,
    pub token: String,
    /// Agencies at the first bank (they receive help, so pay).
    pub payers: Vec<MemberCode>,
    /// Agencies at the last bank (they give help, so are paid).
    pub payees: Vec<MemberCode>,
}

impl Line {
    pub fn payer_bank(&self) -> &LedgerHandle {
        self.nodes[0].ledger()
    }

    pub fn payee_bank(&self) -> &LedgerHandle {
        self.nodes[self.nodes.len() - 1].ledger()
    }

    /// Trust lines between the payer's and the payee's bank.
    pub fn lines(&self) -> usize {
        self.nodes.len() - 1
    }

    pub fn payee_handle(&self) -> &'static str {
        BANKS[self.lines()].1
    }

    pub async fn shutdown(self) {
        for node in self.nodes {
            node.shutdown().await;
        }
    }
}

async fn bank(root: &Path, name: &str, handle: &str) -> (Node, String) {
    let dir = DataDir::new(root.join(handle));
    let (d, name, handle) = (dir.clone(), name.to_string(), handle.to_string());
    tokio::task::spawn_blocking(move || init(&d, &name, &handle, "", Arc::new(SystemClock))).await.expect("join").expect("init");
    let token = dir.load_token().expect("API token");
    (Node::start(dir, NodeOptions::loopback(Arc::new(SystemClock))).await.expect("start"), token)
}

async fn agency(node: &Node, name: &str) -> MemberCode {
    let limit = Minutes::from_hours(AGENCY_LIMIT_HOURS);
    let profile = MemberProfile {
        own_limits: Some(amser_protocol::Limits { floor: Minutes(-limit.0), ceiling: limit }),
        ..MemberProfile::new(name, MemberKind::Agency)
    };
    match node.ledger().submit(Command::AddMember { profile, joined: None }).await.expect("member") {
        Reply::Member(m) => m.code,
        other => panic!("unexpected {other:?}"),
    }
}

async fn admit(a: &Node, b: &Node) {
    let command = Command::AdmitPeer {
        bank: b.bank,
        handle: None,
        addrs: b.federation.listen_addrs(),
        trust: Minutes::from_hours(TRUST_HOURS),
        max_transfer: None,
    };
    a.ledger().submit(command).await.expect("admit");
    a.federation.poke();
}

/// Starts `lines + 1` banks under `root`, each admitting its neighbours both
/// ways, with `members` agencies at each end.
pub async fn start(root: &Path, lines: usize, members: usize) -> Line {
    assert!((1..=MAX_LINES).contains(&lines), "a line of 1 to {MAX_LINES} trust lines");
    let mut nodes = Vec::new();
    let mut token = String::new();
    for (i, (name, handle)) in BANKS[..=lines].iter().enumerate() {
        let (node, t) = bank(root, name, handle).await;
        if i == 0 {
            token = t;
        }
        nodes.push(node);
    }
    for i in 1..nodes.len() {
        admit(&nodes[i - 1], &nodes[i]).await;
        admit(&nodes[i], &nodes[i - 1]).await;
    }
    let (mut payers, mut payees) = (Vec::new(), Vec::new());
    for i in 0..members {
        payers.push(agency(&nodes[0], &format!("Payer agency {i}")).await);
        payees.push(agency(&nodes[lines], &format!("Payee agency {i}")).await);
    }
    let api = nodes[0].api_addr;
    Line { nodes, api, token, payers, payees }
}

/// Polls the payer's bank until its path API finds the way to the payee's
/// bank across every line for `minutes`: the time that took.
pub async fn wait_for_path(line: &Line, minutes: i64) -> Duration {
    let client = Client::new(line.api, &line.token).expect("client");
    let hours = format!("{}", minutes as f64 / 60.0);
    let start = Instant::now();
    loop {
        match client.path(line.payee_handle(), &hours).await {
            Ok(view) if view.hops == line.lines() => return start.elapsed(),
            Ok(view) => panic!("a path of {} lines in a line of {}", view.hops, line.lines()),
            Err(_) => {}
        }
        assert!(start.elapsed() < PATH_DEADLINE, "no path to {} within {PATH_DEADLINE:?}", line.payee_handle());
        tokio::time::sleep(PATH_POLL).await;
    }
}
