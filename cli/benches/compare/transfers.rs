//! Inter-bank transfers through two real `amser` processes on loopback:
//! Rhymney (the payer's bank) and Gwynedd admit each other over the API,
//! then 1 and 16 concurrent clients each record cross-bank exchanges at
//! Rhymney (`POST /api/v1/exchanges`, answered 202) and wait until
//! `GET /api/v1/transfers/{id}` there says accepted (Gwynedd's signed
//! decision applied): the same measure as node/benches/federation.rs, but
//! over HTTP against the real binary.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use amser_node::api::client::Client;
use amser_node::model::{NewExchange, NewPeer, Recorded};
use anyhow::{anyhow, bail, Context, Result};
use serde_json::json;

use crate::members;
use crate::node_process::NodeProcess;

/// How long one transfer may take to settle before its phase fails.
const SETTLE_DEADLINE: Duration = Duration::from_secs(30);
/// Transfers of the warm-up (connections, handles): few, so that the
/// payee's gossip flood gauge (node/src/federation/scoring.rs) is not spent on it.
const WARMUP_TRANSFERS: usize = 16;
/// Different warnings quoted from each node's log when a phase fails.
const SHOWN_WARNINGS: usize = 3;
/// How long the two banks may take to connect after admitting each other.
const LINK_DEADLINE: Duration = Duration::from_secs(60);
/// Between two looks at a transfer's state (or at the link): small beside
/// a transfer's few milliseconds, large beside a GET's cost.
const POLL: Duration = Duration::from_micros(500);
/// Trust line each bank extends the other: near the largest amount the
/// API takes (a year of hours), 480,000 transfers of [`MINUTES`].
const TRUST_HOURS: &str = "8000";
/// Each transfer's amount: one minute, so a run never comes near the trust line.
const MINUTES: i64 = 1;
/// Concurrent clients of the second phase (and member pairs seeded).
pub const MANY: usize = 16;

/// How long a phase runs.
#[derive(Clone, Copy)]
pub enum Budget {
    /// Each client goes on until this has passed.
    For(Duration),
    /// This many transfers, shared out between the clients.
    Transfers(usize),
}

impl std::fmt::Display for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Budget::For(d) => write!(f, "{:.0} s", d.as_secs_f64()),
            Budget::Transfers(n) => write!(f, "{n} transfers"),
        }
    }
}

/// One phase's figures.
pub struct Phase {
    pub transfers: u64,
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// Both phases: 1 client, then [`MANY`]; each phase's figures, or why it
/// failed (a transfer that did not settle, with what the nodes warned of).
pub struct Transfers {
    pub one: Result<Phase, String>,
    pub many: Result<Phase, String>,
}

/// Starts the two banks under `work`, links them and runs both phases:
/// `one` with 1 client, `many` with [`MANY`]. Setup failures fail the
/// bench; a phase's failure is reported in its rows.
pub async fn measure(amser: &Path, work: &Path, one: Budget, many: Budget) -> Result<Transfers> {
    let rhymney = NodeProcess::start(amser, &work.join("rhymney"), "Rhymney Time Bank", "rhymney")?;
    let gwynedd = NodeProcess::start(amser, &work.join("gwynedd"), "Gwynedd Time Bank", "gwynedd")?;
    let r_api = Client::new(&rhymney.api_addr, &rhymney.token)?;
    let g_api = Client::new(&gwynedd.api_addr, &gwynedd.token)?;
    for (api, other, handle) in [(&r_api, &gwynedd, "gwynedd"), (&g_api, &rhymney, "rhymney")] {
        let addr = other.p2p_listen.first().ok_or_else(|| anyhow!("{handle}'s node printed no p2p address"))?;
        let new = NewPeer {
            bank_id: other.bank_id.clone(),
            addr: addr.clone(),
            trust_hours: json!(TRUST_HOURS),
            max_transfer_hours: None,
            handle: Some(handle.to_string()),
        };
        api.add_peer(&new).await.with_context(|| format!("admitting {handle}"))?;
    }
    wait_linked(&r_api, &gwynedd.bank_id).await?;
    wait_linked(&g_api, &rhymney.bank_id).await?;
    let payers = members::seed(&r_api, "Rhymney", MANY).await?;
    let payees = members::seed(&g_api, "Gwynedd", MANY).await?;
    let pairs: Arc<Vec<(String, String)>> = Arc::new(payers.into_iter().zip(payees).collect());
    let explain = |e: anyhow::Error| format!("{e:#}; the nodes warned: {}", [&rhymney, &gwynedd].map(|n| warnings(&n.log)).join(" / "));
    // Warm-up: the first transfers also open the connection and the handles.
    let warm = phase(&rhymney, &pairs, "warmup", 1, Budget::Transfers(WARMUP_TRANSFERS)).await.map_err(explain);
    let one = match warm {
        Ok(_) => phase(&rhymney, &pairs, "one", 1, one).await.map_err(explain),
        Err(e) => Err(format!("warm-up failed: {e}")),
    };
    let many = match &one {
        Ok(_) => match phase(&rhymney, &pairs, "many", MANY, many).await {
            Ok(p) => check_clearing(&r_api, &g_api, &rhymney, &gwynedd).await.map(|()| p).map_err(explain),
            Err(e) => Err(explain(e)),
        },
        Err(_) => Err("not run: the 1-client phase failed".to_string()),
    };
    drop((r_api, g_api));
    rhymney.stop()?;
    gwynedd.stop()?;
    Ok(Transfers { one, many })
}

/// The node's warnings and errors, for a failed phase: the first few
/// different ones, with how many lines each stands for.
fn warnings(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut seen: Vec<(String, usize)> = Vec::new();
    for line in text.lines().filter(|l| l.contains(" WARN ") || l.contains(" ERROR ")) {
        // Without the timestamp and the fields: the message itself.
        let message = line.split_once(' ').map_or(line, |(_, rest)| rest);
        let message = message.split(" message_id=").next().unwrap_or(message).to_string();
        match seen.iter_mut().find(|(m, _)| *m == message) {
            Some((_, n)) => *n += 1,
            None => seen.push((message, 1)),
        }
    }
    if seen.is_empty() {
        return format!("nothing ({})", log.display());
    }
    let shown: Vec<String> = seen.iter().take(SHOWN_WARNINGS).map(|(m, n)| format!("{n} x {m}")).collect();
    format!("{} ({})", shown.join("; "), log.display())
}

/// Waits until `api`'s node lists `bank` as connected.
async fn wait_linked(api: &Client, bank: &str) -> Result<()> {
    let start = Instant::now();
    loop {
        let peers = api.all_peers().await.context("listing peers")?;
        if peers.iter().any(|p| p.bank_id == bank && p.connected) {
            return Ok(());
        }
        if start.elapsed() > LINK_DEADLINE {
            bail!("the two banks did not connect within {LINK_DEADLINE:?}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// `clients` concurrent clients, each recording and settling transfers one
/// after another until `duration` has passed.
async fn phase(payer_bank: &NodeProcess, pairs: &Arc<Vec<(String, String)>>, label: &str, clients: usize, budget: Budget) -> Result<Phase> {
    eprintln!("[compare] inter-bank transfers, {clients} client(s), {budget} ({label})");
    let start = Instant::now();
    let (until, per_client) = match budget {
        Budget::For(d) => (Some(start + d), u64::MAX),
        Budget::Transfers(n) => (None, n.div_ceil(clients) as u64),
    };
    let mut tasks = Vec::new();
    for c in 0..clients {
        let api = Client::new(&payer_bank.api_addr, &payer_bank.token)?;
        let pairs = pairs.clone();
        let label = label.to_string();
        tasks.push(tokio::spawn(async move {
            let (payer, payee) = &pairs[c % pairs.len()];
            let mut latencies = Vec::new();
            let mut i = 0u64;
            while i < per_client && until.is_none_or(|u| Instant::now() < u) {
                latencies.push(one_transfer(&api, payer, payee, format!("transfer-{label}-{c}-{i}")).await?);
                i += 1;
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.context("a transfer client panicked")??);
    }
    let elapsed = start.elapsed();
    all.sort();
    let pct = |q: f64| {
        all.get(((q * all.len() as f64).ceil() as usize).clamp(1, all.len().max(1)) - 1).map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    Ok(Phase { transfers: all.len() as u64, rate: all.len() as f64 / elapsed.as_secs_f64(), p50_ms: pct(0.5), p99_ms: pct(0.99) })
}

/// Records one cross-bank exchange at the payer's bank and waits until it is settled there.
async fn one_transfer(api: &Client, payer: &str, payee: &str, client_ref: String) -> Result<Duration> {
    let start = Instant::now();
    let new = NewExchange {
        providers: vec![payee.to_string()],
        receivers: vec![payer.to_string()],
        minutes: Some(MINUTES),
        client_ref: Some(client_ref),
        ..Default::default()
    };
    let id = match api.record_exchange(&new).await.context("recording a cross-bank exchange")? {
        Recorded::Transfer(t) => t.id,
        Recorded::Exchange(e) => bail!("a cross-bank exchange was recorded as a local one: {}", e.id),
    };
    loop {
        let t = api.transfer(&id).await.with_context(|| format!("reading transfer {id}"))?;
        match t.state.as_str() {
            "accepted" => return Ok(start.elapsed()),
            "rejected" => bail!("transfer {id} was rejected: {:?}", t.reject_reason),
            _ => {}
        }
        if start.elapsed() > SETTLE_DEADLINE {
            bail!("transfer {id} did not settle within {SETTLE_DEADLINE:?}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Each bank's clearing account for the other must be the opposite of the other's.
async fn check_clearing(r_api: &Client, g_api: &Client, rhymney: &NodeProcess, gwynedd: &NodeProcess) -> Result<()> {
    let start = Instant::now();
    loop {
        let r = r_api.all_peers().await?.into_iter().find(|p| p.bank_id == gwynedd.bank_id).map(|p| p.clearing_minutes);
        let g = g_api.all_peers().await?.into_iter().find(|p| p.bank_id == rhymney.bank_id).map(|p| p.clearing_minutes);
        match (r, g) {
            (Some(r), Some(g)) if r == -g && r != 0 => return Ok(()),
            _ if start.elapsed() > SETTLE_DEADLINE => bail!("clearing accounts are not opposite: Rhymney {r:?}, Gwynedd {g:?}"),
            _ => tokio::time::sleep(POLL).await,
        }
    }
}
