//! One scrape: the counters as they are (counters.rs) and gauges read now,
//! from sources that cost the same at any size of history, encoded by
//! prometheus-client in the OpenMetrics text format.
//!
//! ```text
//!  gauge                         read from
//!  journal entries, bytes        the writer's acknowledged seq, the synced length (atomics)
//!  state lag                     acknowledged seq − sled's applied seq (atomics)
//!  ledger halted                 the ledger handle's halt flag
//!  peers connected               the swarm's set of connected peers
//!  peers admitted, transfers     sled, as it is (no wait for it to catch up): the peer
//!  pending                       lines and the pending-transfer index (`tp:`), both as
//!                                small as the federation, read by the driver 4 times a second anyway
//! ```
//!
//! A registry is built for each scrape, over clones of the counters (a clone
//! shares the count), so nothing is held between scrapes. Every name and
//! label is fixed here: a scrape carries numbers only, never a member's
//! name, code or contact, nor another bank's id.

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::registry::{Registry, Unit};

use super::counters::{GossipCounters, LedgerCounters, Route};
use crate::federation::swarm::NetworkHandle;
use crate::storage::writer::LedgerHandle;

/// The start of every metric's name.
pub const PREFIX: &str = "amser";

/// What a scrape reads besides the counters.
#[derive(Clone)]
pub struct Sources {
    pub ledger: LedgerHandle,
    pub net: NetworkHandle,
}

/// The labels of `amser_transfers_pending`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: Route,
}

/// The gauges of one scrape, read at its start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gauges {
    /// The last journal entry acknowledged (its seq).
    pub journal_entries: u64,
    /// Bytes of the journal synced.
    pub journal_bytes: u64,
    /// Acknowledged entries sled has not applied yet.
    pub state_lag: u64,
    /// The ledger takes no changes until a person acts (`status.halted`).
    pub halted: bool,
    pub peers_connected: u64,
    /// From sled; `None` when it could not be read (the rest is still served).
    pub state: Option<StateGauges>,
}

/// The gauges read from sled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateGauges {
    /// Peer banks admitted and not removed.
    pub peers_admitted: u64,
    /// Transfers undecided here, by [`Route`] (as an index).
    pub pending: [u64; 2],
}

/// Reads the gauges now.
pub async fn gauges(sources: &Sources) -> Gauges {
    let ledger = &sources.ledger;
    let (acknowledged, applied) = (ledger.acknowledged_seq(), ledger.applied_seq());
    let store = ledger.store_as_is().clone();
    let state = tokio::task::spawn_blocking(move || -> Result<StateGauges, String> {
        let peers_admitted = store.peers().map_err(|e| e.to_string())?.iter().filter(|l| !l.removed).count() as u64;
        let mut pending = [0u64; 2];
        for t in store.pending_transfers().map_err(|e| e.to_string())? {
            pending[Route::of(&t) as usize] += 1;
        }
        Ok(StateGauges { peers_admitted, pending })
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    if let Err(e) = &state {
        tracing::warn!(error = %e, "a metrics scrape could not read the state database; its gauges are left out");
    }
    Gauges {
        journal_entries: acknowledged,
        journal_bytes: ledger.synced_len(),
        state_lag: acknowledged.saturating_sub(applied),
        halted: ledger.halted().is_some(),
        peers_connected: sources.net.linked_count() as u64,
        state: state.ok(),
    }
}

/// The scrape's text: the counters and `gauges`.
pub fn render(ledger: &LedgerCounters, gossip: &GossipCounters, gauges: &Gauges) -> String {
    let mut r = Registry::with_prefix(PREFIX);
    r.register("exchanges_recorded", "Exchanges recorded (synced to the journal) since the node started", ledger.exchanges.clone());
    r.register("exchanges_reversed", "Exchanges reversed since the node started", ledger.reversals.clone());
    r.register(
        "transfers",
        "Transfers with other banks that came into a state in this ledger since the node started: pending (sent or passed on from here), accepted or rejected (decided here as the payee's bank, or settled by the payee's decision); direct or routed along trust lines",
        ledger.transfers.clone(),
    );
    r.register_with_unit(
        "journal_fdatasync",
        "How long each fdatasync of the journal took (one per group commit)",
        Unit::Seconds,
        ledger.fsync.clone(),
    );
    r.register("gossip_received", "Gossip messages heard from peer banks, by the verdict of their validation", gossip.received.clone());
    r.register("gossip_published", "Gossip messages this bank published", gossip.published.clone());
    let gauge = |r: &mut Registry, name: &str, help: &str, value: u64| r.register(name, help, ConstGauge::new(value));
    gauge(
        &mut r,
        "journal_entries",
        "The journal's last acknowledged entry (its number; a recovery from peers leaves one gap of 1000)",
        gauges.journal_entries,
    );
    gauge(&mut r, "journal_bytes", "Bytes of the journal synced to disk", gauges.journal_bytes);
    gauge(&mut r, "state_lag_entries", "Acknowledged journal entries the state database has not applied yet", gauges.state_lag);
    gauge(
        &mut r,
        "ledger_halted",
        "1 while the ledger refuses every change until a person acts (amser status says why)",
        u64::from(gauges.halted),
    );
    gauge(&mut r, "peers_connected", "Peer banks connected now", gauges.peers_connected);
    if let Some(state) = &gauges.state {
        gauge(&mut r, "peers_admitted", "Peer banks admitted (not removed)", state.peers_admitted);
        let pending = Family::<RouteLabels, Gauge<u64, std::sync::atomic::AtomicU64>>::default();
        for route in Route::ALL {
            pending.get_or_create(&RouteLabels { route }).set(state.pending[route as usize]);
        }
        r.register("transfers_pending", "Transfers undecided in this ledger now, waiting for the payee's bank", pending);
    }
    let mut text = String::new();
    // Writing into a String cannot fail; an encoder error would be a bug in a name or a label.
    if let Err(e) = encode(&mut text, &r) {
        tracing::error!(error = %e, "could not encode the metrics");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::counters::{Tally, TransferState};

    /// `name{labels} value` lines of a scrape, by `name{labels}`.
    fn samples(text: &str) -> std::collections::BTreeMap<String, f64> {
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .filter_map(|l| l.rsplit_once(' ').map(|(k, v)| (k.to_string(), v.parse().expect("a number"))))
            .collect()
    }

    #[test]
    fn a_scrape_names_every_figure_with_its_value() {
        let ledger = LedgerCounters::default();
        let mut tally = Tally { exchanges: 5, ..Tally::default() };
        tally.transfers[Route::Routed as usize][TransferState::Accepted as usize] = 2;
        ledger.add(&tally);
        ledger.synced(std::time::Duration::from_micros(300));
        let gossip = GossipCounters::default();
        gossip.published();
        let gauges = Gauges {
            journal_entries: 42,
            journal_bytes: 4096,
            state_lag: 3,
            halted: false,
            peers_connected: 2,
            state: Some(StateGauges { peers_admitted: 3, pending: [1, 0] }),
        };
        let text = render(&ledger, &gossip, &gauges);
        assert!(text.ends_with("# EOF\n"), "{text}");
        let s = samples(&text);
        let at = |k: &str| *s.get(k).unwrap_or_else(|| panic!("no {k} in\n{text}"));
        assert_eq!(at("amser_exchanges_recorded_total"), 5.0);
        assert_eq!(at("amser_exchanges_reversed_total"), 0.0);
        assert_eq!(at(r#"amser_transfers_total{route="routed",state="accepted"}"#), 2.0);
        assert_eq!(at(r#"amser_transfers_total{route="direct",state="pending"}"#), 0.0);
        assert_eq!(at("amser_journal_fdatasync_seconds_count"), 1.0);
        assert_eq!(at(r#"amser_journal_fdatasync_seconds_bucket{le="0.0004"}"#), 1.0);
        assert_eq!(at(r#"amser_journal_fdatasync_seconds_bucket{le="0.0002"}"#), 0.0);
        assert_eq!(at(r#"amser_gossip_received_total{verdict="rejected"}"#), 0.0);
        assert_eq!(at("amser_gossip_published_total"), 1.0);
        assert_eq!(at("amser_journal_entries"), 42.0);
        assert_eq!(at("amser_journal_bytes"), 4096.0);
        assert_eq!(at("amser_state_lag_entries"), 3.0);
        assert_eq!(at("amser_ledger_halted"), 0.0);
        assert_eq!(at("amser_peers_connected"), 2.0);
        assert_eq!(at("amser_peers_admitted"), 3.0);
        assert_eq!(at(r#"amser_transfers_pending{route="direct"}"#), 1.0);
        assert_eq!(at(r#"amser_transfers_pending{route="routed"}"#), 0.0);
    }

    #[test]
    fn a_scrape_without_the_state_database_still_has_the_rest() {
        let text = render(&LedgerCounters::default(), &GossipCounters::default(), &Gauges::default());
        let s = samples(&text);
        assert!(s.contains_key("amser_journal_entries") && s.contains_key("amser_exchanges_recorded_total"), "{text}");
        assert!(!text.contains("peers_admitted") && !text.contains("transfers_pending"), "{text}");
    }
}
