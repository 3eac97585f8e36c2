//! After a run: every transfer settled accepted at every bank on its way,
//! every ledger sums to zero, and each trust line's two clearing accounts
//! are opposite and carry exactly the minutes sent.

use std::time::{Duration, Instant};

use amser_node::ledger::LedgerRead;
use amser_protocol::federation::TransferId;

use crate::line::Line;

/// How long the banks between may take to hear the decisions the payer's bank holds.
const SETTLED_EVERYWHERE_DEADLINE: Duration = Duration::from_secs(120);
/// Between two looks at the banks on the way.
const CHECK_POLL: Duration = Duration::from_millis(20);

/// How many of `ids` bank `at` holds decided, and whether all decided were accepted.
async fn decided_at(line: &Line, at: usize, ids: &[TransferId]) -> (usize, bool) {
    let ids = ids.to_vec();
    let lines = line.lines();
    line.nodes[at]
        .ledger()
        .read(move |s| {
            let (mut decided, mut all_accepted) = (0, true);
            for id in &ids {
                if let Some(r) = s.transfer(id).expect("read") {
                    if !r.is_pending() {
                        decided += 1;
                        all_accepted &= r.state() == "accepted" && r.banks().len() == lines + 1;
                    }
                }
            }
            (decided, all_accepted)
        })
        .await
        .expect("read")
}

/// Panics unless the run left every ledger whole; says what it checked.
pub async fn check(line: &Line, ids: &[TransferId], minutes_each: i64) -> String {
    let start = Instant::now();
    for at in 0..line.nodes.len() {
        loop {
            let (decided, all_accepted) = decided_at(line, at, ids).await;
            assert!(all_accepted, "a transfer was refused, or took another way, at bank {at}");
            if decided == ids.len() {
                break;
            }
            assert!(start.elapsed() < SETTLED_EVERYWHERE_DEADLINE, "bank {at} holds {decided} of {} transfers decided", ids.len());
            tokio::time::sleep(CHECK_POLL).await;
        }
    }
    let sent = ids.len() as i64 * minutes_each;
    for (at, node) in line.nodes.iter().enumerate() {
        let store = node.ledger().store();
        let balances: i64 = store.balances().expect("balances").iter().map(|(_, m)| m.0).sum();
        let clearings: i64 = store.clearings().expect("clearings").iter().map(|(_, m)| m.0).sum();
        assert_eq!(balances + clearings, 0, "bank {at}'s ledger sums to zero");
    }
    for pair in line.nodes.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let ab = a.ledger().store().clearing(&b.bank).expect("clearing").0;
        let ba = b.ledger().store().clearing(&a.bank).expect("clearing").0;
        assert_eq!(ab, -ba, "a trust line's two clearing accounts are opposite");
        assert_eq!(ab.abs(), sent, "each trust line carried every transfer's minutes once");
    }
    format!(
        "{} transfers accepted at all {} banks, every ledger sums to zero, each line's clearing accounts opposite ({sent} minutes)",
        ids.len(),
        line.nodes.len()
    )
}
