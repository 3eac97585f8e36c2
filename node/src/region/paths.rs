//! Finding a path of trust lines from the payer's bank to the payee's.
//!
//! A Cardiff member helps a Rhymney member; Rhymney and Cardiff have no
//! trust line, but both have one with Gwynedd. Each bank says how much room
//! its lines have (`room[(a, b)]`: how many more minutes `a`'s side may owe
//! `b`, as `b` extends credit to `a`), and the payer's bank picks a path of
//! at most [`MAX_HOPS`] lines that each have room for the transfer: the
//! fewest lines, then the most room on the tightest one, then the smallest
//! bank ids (so every bank finds the same path from the same adverts).
//!
//! On the fewest lines a walk cannot visit a bank twice (a repeat would
//! hold a loop, and the walk without it would be shorter), so a layer-by-
//! layer search that keeps, per bank, the widest walk of each length finds
//! simple paths only. Pure: no I/O.

use std::collections::BTreeMap;

use amser_protocol::Minutes;

/// The most trust lines a transfer may cross (Komunitin's path payments
/// stop at four too): each hop is a bank that holds the hours and may stall.
pub const MAX_HOPS: usize = 4;

/// A path found: `banks[0]` is the payer's bank, the last the payee's;
/// `room` is the least room of any line on it (at least the amount asked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path<B> {
    pub banks: Vec<B>,
    pub room: Minutes,
}

impl<B> Path<B> {
    /// How many lines the path crosses.
    pub fn hops(&self) -> usize {
        self.banks.len().saturating_sub(1)
    }
}

/// The best path from `from` to `to` whose every line has room for
/// `minutes`, crossing at most `max_hops` lines; `None` when there is none.
pub fn find_path<B: Ord + Copy>(room: &BTreeMap<(B, B), Minutes>, from: B, to: B, minutes: Minutes, max_hops: usize) -> Option<Path<B>> {
    if from == to || minutes.0 <= 0 {
        return None;
    }
    let mut lines: BTreeMap<B, Vec<(B, i64)>> = BTreeMap::new();
    for (&(a, b), &r) in room {
        if a != b && r.0 >= minutes.0 {
            lines.entry(a).or_default().push((b, r.0));
        }
    }
    // widest[bank] = (least room on the way, path) for walks of the current length.
    let mut widest: BTreeMap<B, (i64, Vec<B>)> = BTreeMap::from([(from, (i64::MAX, vec![from]))]);
    for _ in 0..max_hops {
        let mut next: BTreeMap<B, (i64, Vec<B>)> = BTreeMap::new();
        for (at, (least, path)) in &widest {
            for &(to_bank, r) in lines.get(at).into_iter().flatten() {
                if path.contains(&to_bank) {
                    continue;
                }
                let candidate = (*least).min(r);
                let better = match next.get(&to_bank) {
                    None => true,
                    Some((best, best_path)) => candidate > *best || (candidate == *best && path_before(path, to_bank, best_path)),
                };
                if better {
                    let mut p = path.clone();
                    p.push(to_bank);
                    next.insert(to_bank, (candidate, p));
                }
            }
        }
        if let Some((least, path)) = next.get(&to) {
            return Some(Path { banks: path.clone(), room: Minutes(*least) });
        }
        if next.is_empty() {
            return None;
        }
        widest = next;
    }
    None
}

/// Whether `path` followed by `last` comes before `other` in bank order
/// (the tie-break between two equally wide paths).
fn path_before<B: Ord + Copy>(path: &[B], last: B, other: &[B]) -> bool {
    path.iter().copied().chain(std::iter::once(last)).lt(other.iter().copied())
}

#[cfg(test)]
#[path = "paths_tests.rs"]
mod tests;
