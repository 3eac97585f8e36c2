//! Cycle finding: the three-bank story, and properties on random debts
//! checked against a brute-force search.

use std::collections::BTreeMap;

use amser_protocol::Minutes;
use proptest::prelude::*;

use super::*;

fn debts(list: &[(u8, u8, i64)]) -> BTreeMap<(u8, u8), Minutes> {
    list.iter().map(|&(a, b, m)| ((a, b), Minutes(m))).collect()
}

/// Each bank's net position: what it is owed minus what it owes.
fn positions(d: &BTreeMap<(u8, u8), Minutes>) -> BTreeMap<u8, i64> {
    let mut out = BTreeMap::new();
    for (&(a, b), m) in d {
        *out.entry(a).or_insert(0) -= m.0;
        *out.entry(b).or_insert(0) += m.0;
    }
    out.retain(|_, v| *v != 0);
    out
}

fn apply(d: &mut BTreeMap<(u8, u8), Minutes>, cycle: &Cycle<u8>) {
    for (a, b) in cycle.debts() {
        let m = d.get_mut(&(a, b)).expect("a cycle clears only debts that exist");
        assert!(m.0 >= cycle.minutes.0, "cycle {cycle:?} clears more than {a} owes {b}");
        m.0 -= cycle.minutes.0;
        if m.0 == 0 {
            d.remove(&(a, b));
        }
    }
}

/// Whether any cycle of at most `max` banks is left (brute force).
fn has_cycle(d: &BTreeMap<(u8, u8), Minutes>, max: usize) -> bool {
    fn walk(d: &BTreeMap<(u8, u8), Minutes>, start: u8, at: u8, seen: &mut Vec<u8>, max: usize) -> bool {
        for (&(a, b), m) in d {
            if a != at || m.0 <= 0 {
                continue;
            }
            if b == start && !seen.is_empty() {
                return true;
            }
            if seen.len() + 1 < max && !seen.contains(&b) && b != start {
                seen.push(b);
                if walk(d, start, b, seen, max) {
                    return true;
                }
                seen.pop();
            }
        }
        false
    }
    let banks: Vec<u8> = d.keys().map(|&(a, _)| a).collect();
    banks.iter().any(|&s| walk(d, s, s, &mut Vec::new(), max))
}

#[test]
fn rhymney_gwynedd_and_cardiff_clear_the_smallest_debt_around_their_circle() {
    let (rhymney, gwynedd, cardiff) = (1u8, 2u8, 3u8);
    // Rhymney's members owe Gwynedd 5 h, Gwynedd's owe Cardiff 3 h, Cardiff's owe Rhymney 4 h.
    let owed = debts(&[(rhymney, gwynedd, 300), (gwynedd, cardiff, 180), (cardiff, rhymney, 240)]);
    let cycles = find_cycles(&owed, MAX_CYCLE_BANKS);
    assert_eq!(cycles, vec![Cycle { banks: vec![rhymney, gwynedd, cardiff], minutes: Minutes(180) }]);
    let mut after = owed.clone();
    apply(&mut after, &cycles[0]);
    assert_eq!(after, debts(&[(rhymney, gwynedd, 120), (cardiff, rhymney, 60)]));
    assert_eq!(positions(&after), positions(&owed), "every bank's net position stays");
}

#[test]
fn debts_in_a_line_have_nothing_to_clear() {
    assert!(find_cycles(&debts(&[(1, 2, 60), (2, 3, 60), (3, 4, 60)]), MAX_CYCLE_BANKS).is_empty());
}

#[test]
fn two_banks_owing_each_other_are_netted_first() {
    let owed = debts(&[(1, 2, 300), (2, 1, 120)]);
    assert_eq!(net_debts(&owed), debts(&[(1, 2, 180)]));
    // Unnetted, the pair is a cycle of two.
    assert_eq!(find_cycles(&owed, 2), vec![Cycle { banks: vec![1, 2], minutes: Minutes(120) }]);
}

#[test]
fn a_cycle_longer_than_allowed_is_left_alone() {
    let ring = debts(&[(1, 2, 60), (2, 3, 60), (3, 4, 60), (4, 1, 60)]);
    assert!(find_cycles(&ring, 3).is_empty());
    assert_eq!(find_cycles(&ring, 4).len(), 1);
}

#[test]
fn the_same_debts_give_the_same_cycles() {
    let owed = debts(&[(1, 2, 100), (2, 3, 50), (3, 1, 70), (2, 4, 30), (4, 1, 30), (3, 4, 20)]);
    assert_eq!(find_cycles(&owed, MAX_CYCLE_BANKS), find_cycles(&owed.clone(), MAX_CYCLE_BANKS));
}

proptest! {
    #[test]
    fn clearing_keeps_every_position_and_leaves_no_short_cycle(
        list in proptest::collection::vec((0u8..7, 0u8..7, 1i64..500), 0..24),
        max in 2usize..6,
    ) {
        let owed = net_debts(&debts(&list));
        let cycles = find_cycles(&owed, max);
        let mut after = owed.clone();
        for c in &cycles {
            prop_assert!(c.minutes.0 > 0);
            prop_assert!(c.banks.len() >= 2 && c.banks.len() <= max, "{c:?}");
            let mut unique = c.banks.clone();
            unique.sort();
            unique.dedup();
            prop_assert_eq!(unique.len(), c.banks.len(), "a bank twice on {:?}", c);
            apply(&mut after, c);
        }
        prop_assert_eq!(positions(&after), positions(&owed));
        prop_assert!(!has_cycle(&after, max), "a cycle of at most {} banks is left in {:?}", max, after);
    }
}
