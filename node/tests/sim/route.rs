//! Routed payments, as the node makes and carries them (`ledger/route.rs`,
//! `federation/delivery.rs`, `federation/inbound.rs`): a member of bank `b`
//! is helped by a member of a bank `b` has no line with, and the hours go
//! along a path of trust lines.
//!
//! ```text
//!  payer's bank   SendRouted ─► RoutedSent ─(durable)─► Transfer to path[1]
//!  hop            ReceiveTransfer (delivered_by: the bank before) ─► TransferForwarded
//!                   ─(durable)─► the same signed bytes to the bank after; its driver
//!                   re-sends them while pending, like a payer's (`driver_retry`)
//!  payee's bank   ReceiveTransfer ─► RoutedDecided ─(durable)─► Decision to the bank before,
//!                   and gossiped to every other bank
//!  a hop that cannot carry it signs the rejection itself (RoutedDecided, nothing held)
//!  decisions go back as answers to (re-)deliveries, hop by hop, and by gossip: ApplyDecision
//! ```
//!
//! Paths are found on the lines every bank holds now (the node reads the
//! room adverts, which lag; a line that filled or froze since is refused
//! by the hop, as here). Now and then a path's last hop has no line with
//! the bank after it, so that hop signs the rejection.

use std::collections::VecDeque;

use amser_node::ledger::Command;
use amser_protocol::route::MAX_PATH_LINES;
use amser_protocol::BankId;
use rand::RngExt;

use super::World;

/// Of a bank's payments, the share sent to a bank it has no line with, along a path.
const ROUTED_SHARE: f64 = 0.35;
/// Of routed payments, the share whose last hop has no line with the bank after it.
const BROKEN_PATH_SHARE: f64 = 0.1;
/// Of routed payments, the share to a member the payee's bank does not have.
const UNKNOWN_PAYEE_SHARE: f64 = 0.05;
/// Fewest lines a path crosses (one hop).
const MIN_PATH_LINES: usize = 2;

impl World {
    /// Whether banks `a` and `b` have a trust line: each admitted the other.
    fn linked(&self, a: usize, b: usize) -> bool {
        let admits = |x: usize, y: usize| self.banks[x].state.peers.get(&self.banks[y].id).is_some_and(|p| !p.removed);
        a != b && admits(a, b) && admits(b, a)
    }

    /// The shortest path of lines from bank `from` to every bank, by index
    /// (ties to the lowest index), within [`MAX_PATH_LINES`] lines.
    fn shortest_paths(&self, from: usize) -> Vec<Option<Vec<usize>>> {
        let n = self.banks.len();
        let mut paths: Vec<Option<Vec<usize>>> = vec![None; n];
        paths[from] = Some(vec![from]);
        let mut queue = VecDeque::from([from]);
        while let Some(x) = queue.pop_front() {
            let here = paths[x].clone().expect("a bank reached");
            if here.len() > MAX_PATH_LINES {
                continue;
            }
            let next: Vec<usize> = (0..n).filter(|y| paths[*y].is_none() && self.linked(x, *y)).collect();
            for y in next {
                let mut path = here.clone();
                path.push(y);
                paths[y] = Some(path);
                queue.push_back(y);
            }
        }
        paths
    }

    /// A path from bank `b` to a bank it has no line with, if there is one:
    /// mostly along lines; sometimes one whose last hop has no line with the payee's bank.
    fn routed_path(&mut self, b: usize) -> Option<Vec<usize>> {
        let paths = self.shortest_paths(b);
        if self.rng.random_bool(BROKEN_PATH_SHARE) {
            // [b, h, x]: h is b's neighbour, x has no line with h (nor with b).
            let ends: Vec<(usize, usize)> = (0..self.banks.len())
                .filter(|h| self.linked(b, *h))
                .flat_map(|h| (0..self.banks.len()).map(move |x| (h, x)))
                .filter(|&(h, x)| x != b && x != h && !self.linked(h, x) && !self.linked(b, x))
                .collect();
            if !ends.is_empty() {
                let (h, x) = ends[self.rng.random_range(0..ends.len())];
                return Some(vec![b, h, x]);
            }
        }
        let far: Vec<Vec<usize>> =
            paths.into_iter().flatten().filter(|p| (MIN_PATH_LINES..=MAX_PATH_LINES).contains(&(p.len() - 1))).collect();
        (!far.is_empty()).then(|| far[self.rng.random_range(0..far.len())].clone())
    }

    /// A member of bank `b` is helped by a member of a bank it has no line
    /// with, paid along a path; false if there is no such bank within reach.
    pub(super) fn routed_payment(&mut self, b: usize) -> Result<bool, String> {
        if !self.rng.random_bool(ROUTED_SHARE) {
            return Ok(false);
        }
        let Some(path) = self.routed_path(b) else { return Ok(false) };
        let other = *path.last().expect("a path ends somewhere");
        let payer = self.banks[b].members[self.rng.random_range(0..self.banks[b].members.len())].clone();
        let payee = if self.rng.random_bool(UNKNOWN_PAYEE_SHARE) {
            format!("{}:ZZZZ-ZZ", self.banks[other].handle).parse().expect("a member code")
        } else {
            self.banks[other].members[self.rng.random_range(0..self.banks[other].members.len())].clone()
        };
        let minutes = self.minutes();
        let client_ref = self.client_ref(0.5, b);
        let date = client_ref.as_ref().map(|_| amser_protocol::ServiceDate::today(self.now_ms));
        let path: Vec<BankId> = path.iter().map(|i| self.banks[*i].id).collect();
        let command = Command::SendRouted {
            payer,
            payee,
            minutes,
            category: String::new(),
            note: "thanks for the lift to Cardiff".into(),
            date,
            client_ref,
            path,
        };
        self.request(b, command)?;
        Ok(true)
    }
}
