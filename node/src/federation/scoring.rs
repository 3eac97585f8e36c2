//! Gossip peer scoring: an admitted bank that sends invalid gossip or floods
//! the topic loses score (gossipsub's peer scoring, fed by our validator's
//! verdicts), is disconnected once it falls below [`DISCONNECT_SCORE`] and
//! is kept out for a while, and stays admitted: its trust line is not
//! touched, and after the backoff it may connect again.
//!
//! ```text
//!  gossip from a peer ─► FloodGauge (tokens per peer) ─► over: Ignore (no check paid, no penalty)
//!                                 └─► validator ─► Accept / Ignore / Reject ─► gossipsub score
//!  after a Reject, and every SCORE_CHECK: score < DISCONNECT_SCORE and falling ─► PenaltyBox
//!  PenaltyBox: off the allow list and disconnected until the backoff ends, then allowed again
//! ```
//!
//! Pure apart from the clock readings it is given.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use libp2p::gossipsub::{PeerScoreParams, PeerScoreThresholds, TopicHash, TopicScoreParams};
use libp2p::PeerId;

/// How long a peer that fell below the threshold is kept out.
pub const PENALTY_BACKOFF: Duration = Duration::from_secs(60);
/// How often the scores of connected peers are looked at (also after each rejected message).
pub const SCORE_CHECK: Duration = Duration::from_secs(1);
/// Below this score a peer is disconnected and kept out: gossipsub's own
/// graylist threshold, below which it ignores the peer's messages anyway.
pub const DISCONNECT_SCORE: f64 = -80.0;
/// Gossip messages one peer may send at once before the rate applies.
pub const GOSSIP_BURST: u32 = 4_096;
/// Gossip messages per second one peer may send, on average, before the
/// rest is dropped unchecked: a bank publishes its head at most every driver
/// tick, plus two messages per transfer (the transfer and its decision), and
/// relays other banks' messages. At 128 a second two busy banks trading ~160
/// transfers a second went over it (measured: the compare bench, issue 12);
/// each message within it costs one signature check (~50 µs), so 1,024 a
/// second is at most a twentieth of a core per peer.
pub const GOSSIP_PER_SECOND: u32 = 1_024;

/// How scoring is set up; tests shorten the backoff.
#[derive(Debug, Clone, Copy)]
pub struct Scoring {
    pub backoff: Duration,
    pub burst: u32,
    pub per_second: u32,
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring { backoff: PENALTY_BACKOFF, burst: GOSSIP_BURST, per_second: GOSSIP_PER_SECOND }
    }
}

/// gossipsub's score parameters for the federation's topic. What counts:
/// invalid messages (P4, squared, decaying by a tenth a second), with a
/// small credit for time in the mesh and first deliveries. Not counted:
/// mesh delivery rates (banks gossip rarely, so an honest quiet bank would
/// look like a failing one) and IP colocation (peers are admitted banks,
/// and tests share one loopback address).
pub fn score_params(topic: TopicHash, scoring: &Scoring) -> (PeerScoreParams, PeerScoreThresholds) {
    let topic_params = TopicScoreParams {
        topic_weight: 1.0,
        time_in_mesh_weight: 0.1,
        time_in_mesh_quantum: Duration::from_secs(1),
        time_in_mesh_cap: 100.0,
        first_message_deliveries_weight: 1.0,
        first_message_deliveries_decay: 0.9,
        first_message_deliveries_cap: 20.0,
        mesh_message_deliveries_weight: 0.0,
        mesh_failure_penalty_weight: 0.0,
        invalid_message_deliveries_weight: -1.0,
        invalid_message_deliveries_decay: 0.9,
        ..TopicScoreParams::default()
    };
    let mut params = PeerScoreParams {
        topic_score_cap: 20.0,
        app_specific_weight: 0.0,
        ip_colocation_factor_weight: 0.0,
        behaviour_penalty_weight: -1.0,
        behaviour_penalty_threshold: 6.0,
        behaviour_penalty_decay: 0.9,
        decay_interval: Duration::from_secs(1),
        // A peer kept out keeps its record as long as it is kept out.
        retain_score: scoring.backoff,
        ..PeerScoreParams::default()
    };
    params.topics.insert(topic, topic_params);
    let thresholds = PeerScoreThresholds {
        gossip_threshold: -10.0,
        publish_threshold: -50.0,
        graylist_threshold: DISCONNECT_SCORE,
        accept_px_threshold: 10.0,
        opportunistic_graft_threshold: 5.0,
    };
    (params, thresholds)
}

/// A token bucket per connected peer: a message over the rate is ignored
/// before any signature is checked, and costs its sender no score.
#[derive(Debug, Default)]
pub struct FloodGauge {
    buckets: HashMap<PeerId, (f64, Instant)>,
}

impl FloodGauge {
    /// Takes a token for one message from `peer`; false when it has none.
    pub fn spend(&mut self, peer: PeerId, scoring: &Scoring, now: Instant) -> bool {
        let burst = f64::from(scoring.burst);
        let (tokens, last) = self.buckets.entry(peer).or_insert((burst, now));
        let refilled = (*tokens + now.saturating_duration_since(*last).as_secs_f64() * f64::from(scoring.per_second)).min(burst);
        *last = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            true
        } else {
            *tokens = refilled;
            false
        }
    }

    /// A peer that disconnected starts again with a full bucket.
    pub fn forget(&mut self, peer: &PeerId) {
        self.buckets.remove(peer);
    }
}

/// Peers kept out until a time, and the last score seen of each connected peer.
#[derive(Debug, Default)]
pub struct PenaltyBox {
    out_until: HashMap<PeerId, Instant>,
    last_score: HashMap<PeerId, f64>,
}

impl PenaltyBox {
    /// Looks at a connected peer's score: true when it is below the
    /// threshold and falling (new faults since the last look), so it is to be
    /// kept out from now. A peer back after a backoff with its old low score
    /// that does no new wrong is not kept out again; its score recovers.
    pub fn judge(&mut self, peer: PeerId, score: f64, backoff: Duration, now: Instant) -> bool {
        let last = self.last_score.insert(peer, score);
        if score < DISCONNECT_SCORE && last.is_some_and(|l| score < l) {
            self.out_until.insert(peer, now + backoff);
            self.last_score.remove(&peer);
            return true;
        }
        false
    }

    pub fn is_out(&self, peer: &PeerId) -> bool {
        self.out_until.contains_key(peer)
    }

    /// Peers whose backoff has ended (no longer kept out).
    pub fn release_due(&mut self, now: Instant) -> Vec<PeerId> {
        let due: Vec<PeerId> = self.out_until.iter().filter(|(_, t)| **t <= now).map(|(p, _)| *p).collect();
        for p in &due {
            self.out_until.remove(p);
        }
        due
    }

    /// A peer that disconnected, or was removed: what is kept of it goes.
    pub fn disconnected(&mut self, peer: &PeerId) {
        self.last_score.remove(peer);
    }

    pub fn removed(&mut self, peer: &PeerId) {
        self.out_until.remove(peer);
        self.last_score.remove(peer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_runs_out_of_tokens_and_a_steady_peer_never_does() {
        let scoring = Scoring { backoff: PENALTY_BACKOFF, burst: 10, per_second: 5 };
        let (mut gauge, start, peer) = (FloodGauge::default(), Instant::now(), PeerId::random());
        assert_eq!((0..20).filter(|_| gauge.spend(peer, &scoring, start)).count(), 10, "the burst, then nothing");
        assert!(gauge.spend(peer, &scoring, start + Duration::from_millis(200)), "a token a fifth of a second");
        let steady = PeerId::random();
        assert!((0..100).all(|n| gauge.spend(steady, &scoring, start + Duration::from_millis(200 * n))));
    }

    #[test]
    fn a_peer_is_kept_out_when_its_score_falls_below_the_threshold_and_let_back_after_the_backoff() {
        let (mut pbox, start, peer) = (PenaltyBox::default(), Instant::now(), PeerId::random());
        let backoff = Duration::from_secs(3);
        assert!(!pbox.judge(peer, 5.0, backoff, start));
        assert!(!pbox.judge(peer, -50.0, backoff, start), "low, but above the threshold");
        assert!(pbox.judge(peer, -120.0, backoff, start), "below it and falling");
        assert!(pbox.is_out(&peer));
        assert!(pbox.release_due(start + Duration::from_secs(2)).is_empty());
        assert_eq!(pbox.release_due(start + backoff), vec![peer]);
        assert!(!pbox.is_out(&peer));
        // Back with its old score, doing no new wrong: not kept out again.
        assert!(!pbox.judge(peer, -120.0, backoff, start + backoff));
        assert!(!pbox.judge(peer, -100.0, backoff, start + backoff), "recovering");
        assert!(pbox.judge(peer, -130.0, backoff, start + backoff), "but a new fault counts");
    }

    #[test]
    fn the_score_parameters_are_ones_gossipsub_accepts() {
        let (params, thresholds) = score_params(libp2p::gossipsub::IdentTopic::new("amser/t/v1").hash(), &Scoring::default());
        params.validate().unwrap();
        thresholds.validate().unwrap();
    }
}
