//! Finding cycles of debt between banks, and how much each can clear.
//!
//! When Rhymney's members owe Gwynedd, Gwynedd's owe Cardiff and Cardiff's
//! owe Rhymney, the three banks can cancel the smallest of the three debts
//! around the circle: every bank's net position (what it owes minus what it
//! is owed) stays what it was, and each trust line on the circle has that
//! much room again. This is multilateral set-off as the Slovenian clearing
//! of invoices does it, one cycle at a time.
//!
//! [`find_cycles`] works on net debts (what one bank owes another once
//! their two directions are netted) and returns the cycles to clear, in the
//! order they were found, each with the amount cleared from every debt on
//! it; applying them in order leaves no cycle of at most `max_banks` banks.
//! Deterministic: the same debts give the same cycles on every bank, so two
//! banks that propose from the same gossiped positions propose the same.
//!
//! Cost: each cycle found zeroes at least one debt, and finding one is a
//! breadth-first search from the debt's creditor, bounded by `max_banks`
//! levels: at most `debts × (banks + debts)` steps (200 banks with 600
//! debts, or 1,000 with 3,000, in milliseconds: `cargo bench -p amser-node
//! --bench region`). Pure: no I/O.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use amser_protocol::Minutes;

/// The most banks on one cycle a proposal may name: each must sign, and
/// a long ring is slow to go round and easy for one bank to stall.
pub const MAX_CYCLE_BANKS: usize = 8;

/// One cycle to clear: `banks[0]` owes `banks[1]`, ..., the last owes
/// `banks[0]`, each at least `minutes`, which is what every one of those
/// debts goes down by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle<B> {
    pub banks: Vec<B>,
    pub minutes: Minutes,
}

impl<B: Copy> Cycle<B> {
    /// The debts on the cycle, as (debtor, creditor).
    pub fn debts(&self) -> impl Iterator<Item = (B, B)> + '_ {
        let n = self.banks.len();
        (0..n).map(move |i| (self.banks[i], self.banks[(i + 1) % n]))
    }
}

/// Nets two-way amounts into one debt per pair: `owed[(a, b)]` is what
/// `a`'s members owe `b`'s (hours they received); the result holds, for
/// each pair, only the direction that is owed on balance, and no zeros.
pub fn net_debts<B: Ord + Copy>(owed: &BTreeMap<(B, B), Minutes>) -> BTreeMap<(B, B), Minutes> {
    let mut net = BTreeMap::new();
    for (&(a, b), &m) in owed {
        if a == b || m.0 <= 0 {
            continue;
        }
        let back = owed.get(&(b, a)).map_or(0, |m| m.0.max(0));
        let on_balance = m.0 - back;
        if on_balance > 0 {
            net.insert((a, b), Minutes(on_balance));
        }
    }
    net
}

/// The cycles of at most `max_banks` banks (at least 2) in `debts`, each
/// with the smallest debt on it, taken off every debt on it before the
/// next is looked for. Zero and negative debts are ignored.
pub fn find_cycles<B: Ord + Copy>(debts: &BTreeMap<(B, B), Minutes>, max_banks: usize) -> Vec<Cycle<B>> {
    let mut graph = Graph::new(debts);
    let mut found = Vec::new();
    if max_banks < 2 {
        return found;
    }
    let edges: Vec<(usize, usize)> = graph.edges();
    for (debtor, creditor) in edges {
        // Clear every cycle through this debt while it lasts; each pass
        // zeroes at least one debt, so this ends.
        while graph.amount(debtor, creditor) > 0 {
            let Some(back) = graph.shortest_path(creditor, debtor, max_banks - 1) else { break };
            let mut ring = Vec::with_capacity(back.len() + 1);
            ring.push(debtor);
            ring.push(creditor);
            ring.extend(back.iter().take(back.len() - 1));
            let debts: Vec<(usize, usize)> = (0..ring.len()).map(|i| (ring[i], ring[(i + 1) % ring.len()])).collect();
            let minutes = debts.iter().map(|&(a, b)| graph.amount(a, b)).min().unwrap_or(0);
            for &(a, b) in &debts {
                graph.reduce(a, b, minutes);
            }
            found.push(Cycle { banks: ring.iter().map(|&i| graph.banks[i]).collect(), minutes: Minutes(minutes) });
        }
    }
    found
}

/// Debts by index, with each bank's creditors in a fixed order.
struct Graph<B> {
    banks: Vec<B>,
    /// `out[a]`: (creditor, minutes) of a's debts, by creditor index.
    out: Vec<BTreeMap<usize, i64>>,
}

impl<B: Ord + Copy> Graph<B> {
    fn new(debts: &BTreeMap<(B, B), Minutes>) -> Graph<B> {
        let set: BTreeSet<B> = debts.keys().flat_map(|&(a, b)| [a, b]).collect();
        let banks: Vec<B> = set.into_iter().collect();
        let index = |b: &B| banks.binary_search(b).expect("every bank is in the list");
        let mut out = vec![BTreeMap::new(); banks.len()];
        for ((a, b), m) in debts {
            if a != b && m.0 > 0 {
                out[index(a)].insert(index(b), m.0);
            }
        }
        Graph { banks, out }
    }

    fn edges(&self) -> Vec<(usize, usize)> {
        self.out.iter().enumerate().flat_map(|(a, creditors)| creditors.keys().map(move |&b| (a, b))).collect()
    }

    fn amount(&self, a: usize, b: usize) -> i64 {
        self.out[a].get(&b).copied().unwrap_or(0)
    }

    fn reduce(&mut self, a: usize, b: usize, by: i64) {
        if let Some(m) = self.out[a].get_mut(&b) {
            *m -= by;
            if *m <= 0 {
                self.out[a].remove(&b);
            }
        }
    }

    /// The banks after `from` on a shortest chain of debts from `from` to
    /// `to` (another bank) of at most `max_steps` debts, ending with `to`.
    fn shortest_path(&self, from: usize, to: usize, max_steps: usize) -> Option<Vec<usize>> {
        let mut came_from: Vec<Option<usize>> = vec![None; self.banks.len()];
        let mut depth = vec![usize::MAX; self.banks.len()];
        depth[from] = 0;
        let mut queue = VecDeque::from([from]);
        while let Some(at) = queue.pop_front() {
            if depth[at] == max_steps {
                continue;
            }
            for &next in self.out[at].keys() {
                if depth[next] != usize::MAX {
                    continue;
                }
                depth[next] = depth[at] + 1;
                came_from[next] = Some(at);
                if next == to {
                    let mut path = vec![to];
                    let mut at = to;
                    while let Some(prev) = came_from[at] {
                        if prev == from {
                            break;
                        }
                        path.push(prev);
                        at = prev;
                    }
                    path.reverse();
                    return Some(path);
                }
                queue.push_back(next);
            }
        }
        None
    }
}

#[cfg(test)]
#[path = "cycles_tests.rs"]
mod tests;
