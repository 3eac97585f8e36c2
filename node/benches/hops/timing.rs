//! Timing transfers recorded through the payer's bank's API: one at a time,
//! or many clients at once, each from the API's acknowledgement until the
//! transfer is settled (accepted) at the payer's bank.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use amser_node::api::client::Client;
use amser_node::ledger::LedgerRead;
use amser_node::model::{NewExchange, Recorded};
use amser_node::storage::writer::LedgerHandle;
use amser_protocol::federation::TransferId;
use amser_protocol::MemberCode;

use crate::line::Line;

/// Minutes each transfer carries.
pub const TRANSFER_MINUTES: i64 = 15;
/// How long one transfer may take to settle before the bench fails.
const SETTLE_DEADLINE: Duration = Duration::from_secs(120);
/// Between two looks at a transfer's state (a bound on each figure's resolution).
pub const POLL: Duration = Duration::from_millis(1);

/// One transfer's times.
#[derive(Clone, Copy)]
pub struct Sample {
    /// Request sent until the API answered 202.
    pub ack: Duration,
    /// The API's answer until settled at the payer's bank.
    pub settled: Duration,
    /// The API's answer until decided at the payee's bank (when watched).
    pub decided: Option<Duration>,
}

/// A transfer's state at a bank: None while it is pending (or unknown there).
async fn decided(bank: &LedgerHandle, id: TransferId) -> Option<&'static str> {
    let record = bank.read(move |s| s.transfer(&id)).await.expect("join").expect("read");
    record.filter(|r| !r.is_pending()).map(|r| r.state())
}

/// A client of the payer's bank over one connection of its own.
pub fn client(api: SocketAddr, token: &str) -> Client {
    let http = reqwest::Client::builder()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(1)
        .pool_idle_timeout(None)
        .timeout(SETTLE_DEADLINE)
        .build()
        .expect("HTTP client");
    Client::with_http(http, api, token).expect("client")
}

/// What one transfer needs: who pays, who is paid, where to look.
pub struct Job<'a> {
    pub client: &'a Client,
    pub payer_bank: &'a LedgerHandle,
    /// Also watched when given: when the payee's bank decided.
    pub payee_bank: Option<&'a LedgerHandle>,
    pub payer: &'a MemberCode,
    pub payee: &'a MemberCode,
}

/// Records one exchange (the payee helped the payer) and waits until it is
/// settled at the payer's bank: its id and times. A rejection fails the bench.
pub async fn one_transfer(job: &Job<'_>, client_ref: String) -> (TransferId, Sample) {
    let new = NewExchange {
        providers: vec![job.payee.to_string()],
        receivers: vec![job.payer.to_string()],
        minutes: Some(TRANSFER_MINUTES),
        category: "general".into(),
        client_ref: Some(client_ref),
        ..Default::default()
    };
    let sent = Instant::now();
    let recorded = job.client.record_exchange(&new).await.expect("the API recorded the exchange");
    let acked = Instant::now();
    let Recorded::Transfer(view) = recorded else { panic!("an exchange with another bank's member must be a transfer") };
    let id: TransferId = view.id.parse().expect("transfer id");
    let mut decided_at = None;
    loop {
        if let (None, Some(payee_bank)) = (decided_at, job.payee_bank) {
            if decided(payee_bank, id).await.is_some() {
                decided_at = Some(acked.elapsed());
            }
        }
        match decided(job.payer_bank, id).await {
            Some("accepted") => {
                let settled = acked.elapsed();
                let decided = job.payee_bank.map(|_| decided_at.unwrap_or(settled));
                return (id, Sample { ack: acked - sent, settled, decided });
            }
            Some(state) => panic!("transfer {id} was {state} at the payer's bank"),
            None => {}
        }
        assert!(acked.elapsed() < SETTLE_DEADLINE, "transfer {id} did not settle within {SETTLE_DEADLINE:?}");
        tokio::time::sleep(POLL).await;
    }
}

/// Figures of one phase.
pub struct Phase {
    pub samples: Vec<Sample>,
    pub elapsed: Duration,
    pub ids: Vec<TransferId>,
}

impl Phase {
    pub fn rate(&self) -> f64 {
        self.samples.len() as f64 / self.elapsed.as_secs_f64()
    }

    /// Samples that took at least `bound` to settle.
    pub fn slower_than(&self, bound: Duration) -> usize {
        self.samples.iter().filter(|s| s.settled >= bound).count()
    }

    /// The longest any took to settle.
    pub fn slowest(&self) -> Duration {
        self.samples.iter().map(|s| s.settled).max().unwrap_or_default()
    }

    /// The `q` quantile (nearest rank) of one of each sample's times.
    pub fn quantile(&self, q: f64, of: impl Fn(&Sample) -> Option<Duration>) -> Option<Duration> {
        let mut times: Vec<Duration> = self.samples.iter().filter_map(of).collect();
        if times.is_empty() {
            return None;
        }
        times.sort();
        let rank = ((q * times.len() as f64).ceil() as usize).clamp(1, times.len());
        Some(times[rank - 1])
    }
}

/// `clients` clients at once, each recording `per_client` transfers one
/// after another, from its own payer to its own payee; when `watch_payee`,
/// each also notes when the payee's bank decided.
pub async fn run(line: &Line, clients: usize, per_client: usize, watch_payee: bool, label: &str) -> Phase {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = client(line.api, &line.token);
        let payer_bank = line.payer_bank().clone();
        let payee_bank = watch_payee.then(|| line.payee_bank().clone());
        let (payer, payee) = (line.payers[c % line.payers.len()].clone(), line.payees[c % line.payees.len()].clone());
        let label = format!("{label}-{c}");
        tasks.push(tokio::spawn(async move {
            let job = Job { client: &client, payer_bank: &payer_bank, payee_bank: payee_bank.as_ref(), payer: &payer, payee: &payee };
            let mut done = Vec::with_capacity(per_client);
            for i in 0..per_client {
                done.push(one_transfer(&job, format!("{label}-{i}")).await);
            }
            done
        }));
    }
    let mut phase = Phase { samples: Vec::new(), elapsed: Duration::ZERO, ids: Vec::new() };
    for task in tasks {
        for (id, sample) in task.await.expect("client") {
            phase.ids.push(id);
            phase.samples.push(sample);
        }
    }
    phase.elapsed = start.elapsed();
    phase
}
