//! What the node counts as it goes, for `/metrics`: prometheus-client's
//! counters (an `Arc` of an atomic each: a clone shares the count) and one
//! histogram, each owned by the part of the node that counts.
//!
//! ```text
//!  writer thread   decides a batch, tallies its entries (Tally::count: a match, no lock)
//!  syncer thread   after the batch's fdatasync: LedgerCounters::add (atomic adds) and
//!                  LedgerCounters::synced (one histogram observation per sync)
//!  swarm task      GossipCounters::heard / published (one atomic add per message)
//!  a scrape        reads them all (scrape.rs)
//! ```
//!
//! Counters start at zero when the node starts (Prometheus takes a restart
//! for what it is: a counter that went back to zero). A batch whose write
//! fails counts nothing: only what was synced, and so acknowledged, counts.
//! This module uses the ledger's types and nothing above them, so the
//! storage pipeline and the federation can both hold its counters.

use std::fmt::Write;
use std::time::Duration;

use amser_protocol::journal::EntryBody;
use libp2p::gossipsub::MessageAcceptance;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};

use crate::ledger::{StateWrite, TransferRecord};

/// The fdatasync histogram's first bucket, in seconds: 50 µs, below what a
/// fast NVMe disk's flush takes, so the first bucket is rarely the only one.
pub const FSYNC_FIRST_BUCKET_SECONDS: f64 = 0.000_05;
/// Each bucket is this many times the one before.
pub const FSYNC_BUCKET_FACTOR: f64 = 2.0;
/// Buckets before `+Inf`: 50 µs to 0.8 s, past what an SD card's worst
/// flush takes when it is healthy.
pub const FSYNC_BUCKETS: u16 = 15;

/// Whether a transfer goes straight to its payee's bank or along a path of trust lines.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum Route {
    Direct,
    Routed,
}

impl Route {
    pub const ALL: [Route; 2] = [Route::Direct, Route::Routed];

    pub fn of(record: &TransferRecord) -> Route {
        if record.path.is_empty() {
            Route::Direct
        } else {
            Route::Routed
        }
    }
}

/// A transfer's state in this bank's ledger (`TransferRecord::state`).
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum TransferState {
    Pending,
    Accepted,
    Rejected,
}

impl TransferState {
    pub const ALL: [TransferState; 3] = [TransferState::Pending, TransferState::Accepted, TransferState::Rejected];

    pub fn of(record: &TransferRecord) -> TransferState {
        match record.state() {
            "accepted" => TransferState::Accepted,
            "rejected" => TransferState::Rejected,
            _ => TransferState::Pending,
        }
    }
}

/// Label values in lower case, as the API and the CLI name the same things.
macro_rules! label_values {
    ($($t:ty { $($v:ident => $s:literal),+ })+) => {$(
        impl EncodeLabelValue for $t {
            fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
                encoder.write_str(match self { $(Self::$v => $s),+ })
            }
        }
    )+};
}

label_values! {
    Route { Direct => "direct", Routed => "routed" }
    TransferState { Pending => "pending", Accepted => "accepted", Rejected => "rejected" }
    Verdict { Accepted => "accepted", Ignored => "ignored", Rejected => "rejected" }
}

/// The labels of `amser_transfers_total`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TransferLabels {
    pub route: Route,
    pub state: TransferState,
}

/// What one batch recorded: tallied by the writer as it decides each entry,
/// added to [`LedgerCounters`] by the syncer once the batch is synced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub exchanges: u64,
    pub reversals: u64,
    /// Transfers that came into a state here, by [`Route`] and [`TransferState`] (as indexes).
    pub transfers: [[u64; 3]; 2],
}

impl Tally {
    /// Counts one entry just decided. Every write of a transfer's record is
    /// the transfer coming into a state here (ledger/apply.rs): recorded
    /// pending (sent, forwarded, a member's move), or decided (received and
    /// judged, settled, read back from a peer); none is written twice in
    /// one state.
    pub fn count(&mut self, body: &EntryBody, writes: &[StateWrite]) {
        match body {
            EntryBody::ExchangeRecorded { .. } => self.exchanges += 1,
            EntryBody::ExchangeReversed { .. } => self.reversals += 1,
            _ => {}
        }
        for write in writes {
            if let StateWrite::Transfer(t) = write {
                self.transfers[Route::of(t) as usize][TransferState::of(t) as usize] += 1;
            }
        }
    }
}

/// The ledger's counters: shared by the syncer (which adds) and every
/// [`crate::storage::writer::LedgerHandle`] (through which a scrape reads).
#[derive(Debug, Clone)]
pub struct LedgerCounters {
    /// Exchanges recorded (synced) since the node started.
    pub exchanges: Counter,
    pub reversals: Counter,
    /// `amser_transfers_total`, every label set made at the start.
    pub transfers: Family<TransferLabels, Counter>,
    /// The same counters as `transfers`, by [`Route`] and [`TransferState`]:
    /// what the syncer adds to, with no lookup in the family's map.
    by_state: [[Counter; 3]; 2],
    /// How long each journal fdatasync took, in seconds.
    pub fsync: Histogram,
}

impl Default for LedgerCounters {
    fn default() -> Self {
        let transfers = Family::<TransferLabels, Counter>::default();
        let by_state =
            Route::ALL.map(|route| TransferState::ALL.map(|state| transfers.get_or_create_owned(&TransferLabels { route, state })));
        LedgerCounters {
            exchanges: Counter::default(),
            reversals: Counter::default(),
            transfers,
            by_state,
            fsync: Histogram::new(exponential_buckets(FSYNC_FIRST_BUCKET_SECONDS, FSYNC_BUCKET_FACTOR, FSYNC_BUCKETS)),
        }
    }
}

impl LedgerCounters {
    /// Adds what a synced batch recorded.
    pub fn add(&self, tally: &Tally) {
        let add = |counter: &Counter, n: u64| {
            if n > 0 {
                counter.inc_by(n);
            }
        };
        add(&self.exchanges, tally.exchanges);
        add(&self.reversals, tally.reversals);
        for (counters, counts) in self.by_state.iter().zip(&tally.transfers) {
            for (counter, n) in counters.iter().zip(counts) {
                add(counter, *n);
            }
        }
    }

    /// One fdatasync of the journal took `took`.
    pub fn synced(&self, took: Duration) {
        self.fsync.observe(took.as_secs_f64());
    }
}

/// What a gossip message heard was judged (swarm.rs's validation).
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum Verdict {
    /// Valid, from a bank the federation knows: taken in and forwarded.
    Accepted,
    /// Valid but from a bank we do not know, or over its sender's rate: dropped.
    Ignored,
    /// Bad bytes or a bad signature: dropped, and held against the sender.
    Rejected,
}

/// The labels of `amser_gossip_received_total`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct VerdictLabels {
    pub verdict: Verdict,
}

/// Gossip in and out, counted by the swarm task.
#[derive(Debug, Clone)]
pub struct GossipCounters {
    /// Messages heard from peers, by verdict.
    pub received: Family<VerdictLabels, Counter>,
    /// The same counters, by [`Verdict`] as an index.
    by_verdict: [Counter; 3],
    /// Messages this bank published (gossipsub took them).
    pub published: Counter,
}

impl Default for GossipCounters {
    fn default() -> Self {
        let received = Family::<VerdictLabels, Counter>::default();
        let by_verdict = [Verdict::Accepted, Verdict::Ignored, Verdict::Rejected]
            .map(|verdict| received.get_or_create_owned(&VerdictLabels { verdict }));
        GossipCounters { received, by_verdict, published: Counter::default() }
    }
}

impl GossipCounters {
    /// A message heard, judged `verdict`.
    pub fn heard(&self, verdict: &MessageAcceptance) {
        let v = match verdict {
            MessageAcceptance::Accept => Verdict::Accepted,
            MessageAcceptance::Ignore => Verdict::Ignored,
            MessageAcceptance::Reject => Verdict::Rejected,
        };
        self.by_verdict[v as usize].inc();
    }

    /// A message of ours published.
    pub fn published(&self) {
        self.published.inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_adds_to_the_counters_of_its_labels_only() {
        let counters = LedgerCounters::default();
        let mut tally = Tally { exchanges: 3, reversals: 1, ..Tally::default() };
        tally.transfers[Route::Direct as usize][TransferState::Pending as usize] = 2;
        tally.transfers[Route::Routed as usize][TransferState::Rejected as usize] = 1;
        counters.add(&tally);
        counters.add(&Tally { exchanges: 1, ..Tally::default() });
        assert_eq!(counters.exchanges.get(), 4);
        assert_eq!(counters.reversals.get(), 1);
        let of = |route, state| counters.transfers.get_or_create(&TransferLabels { route, state }).get();
        assert_eq!(of(Route::Direct, TransferState::Pending), 2);
        assert_eq!(of(Route::Routed, TransferState::Rejected), 1);
        assert_eq!(of(Route::Direct, TransferState::Accepted), 0);
    }

    #[test]
    fn gossip_is_counted_by_verdict() {
        let gossip = GossipCounters::default();
        gossip.heard(&MessageAcceptance::Accept);
        gossip.heard(&MessageAcceptance::Accept);
        gossip.heard(&MessageAcceptance::Reject);
        gossip.published();
        let of = |verdict| gossip.received.get_or_create(&VerdictLabels { verdict }).get();
        assert_eq!((of(Verdict::Accepted), of(Verdict::Ignored), of(Verdict::Rejected)), (2, 0, 1));
        assert_eq!(gossip.published.get(), 1);
    }
}
