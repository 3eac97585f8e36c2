//! Path finding: the Cardiff–Gwynedd–Rhymney story, and the choice checked
//! against every simple path on random lines.

use std::collections::BTreeMap;

use amser_protocol::Minutes;
use proptest::prelude::*;

use super::*;

fn room(list: &[(u8, u8, i64)]) -> BTreeMap<(u8, u8), Minutes> {
    list.iter().map(|&(a, b, m)| ((a, b), Minutes(m))).collect()
}

#[test]
fn cardiff_pays_rhymney_through_gwynedd_when_they_have_no_line_of_their_own() {
    let (cardiff, gwynedd, rhymney) = (1u8, 2u8, 3u8);
    let lines = room(&[(cardiff, gwynedd, 600), (gwynedd, rhymney, 300)]);
    let path = find_path(&lines, cardiff, rhymney, Minutes(120), MAX_HOPS).unwrap();
    assert_eq!(path, Path { banks: vec![cardiff, gwynedd, rhymney], room: Minutes(300) });
    assert_eq!(path.hops(), 2);
    assert_eq!(find_path(&lines, cardiff, rhymney, Minutes(301), MAX_HOPS), None, "Gwynedd's line to Rhymney has 300 left");
    assert_eq!(find_path(&lines, rhymney, cardiff, Minutes(60), MAX_HOPS), None, "lines have a direction");
}

#[test]
fn fewest_hops_wins_over_more_room() {
    let lines = room(&[(1, 4, 60), (1, 2, 900), (2, 3, 900), (3, 4, 900)]);
    assert_eq!(find_path(&lines, 1, 4, Minutes(60), MAX_HOPS).unwrap().banks, vec![1, 4]);
}

#[test]
fn among_equal_hops_the_widest_wins_then_the_smallest_ids() {
    let lines = room(&[(1, 2, 100), (2, 5, 100), (1, 3, 400), (3, 5, 200), (1, 4, 400), (4, 5, 200)]);
    let path = find_path(&lines, 1, 5, Minutes(60), MAX_HOPS).unwrap();
    assert_eq!(path, Path { banks: vec![1, 3, 5], room: Minutes(200) });
}

#[test]
fn no_path_past_the_hop_limit() {
    let lines = room(&[(1, 2, 60), (2, 3, 60), (3, 4, 60), (4, 5, 60), (5, 6, 60)]);
    assert!(find_path(&lines, 1, 5, Minutes(60), 4).is_some());
    assert_eq!(find_path(&lines, 1, 6, Minutes(60), 4), None);
}

/// Every simple path of at most `max` lines with room for `m`.
fn all_paths(lines: &BTreeMap<(u8, u8), Minutes>, from: u8, to: u8, m: i64, max: usize) -> Vec<(Vec<u8>, i64)> {
    fn go(l: &BTreeMap<(u8, u8), Minutes>, to: u8, m: i64, max: usize, path: &mut Vec<u8>, least: i64, out: &mut Vec<(Vec<u8>, i64)>) {
        let at = *path.last().unwrap();
        if at == to {
            out.push((path.clone(), least));
            return;
        }
        if path.len() > max {
            return;
        }
        for (&(a, b), r) in l {
            if a == at && r.0 >= m && !path.contains(&b) {
                path.push(b);
                go(l, to, m, max, path, least.min(r.0), out);
                path.pop();
            }
        }
    }
    let mut out = Vec::new();
    go(lines, to, m, max, &mut vec![from], i64::MAX, &mut out);
    out
}

proptest! {
    #[test]
    fn the_path_chosen_is_the_best_of_every_simple_path(
        list in proptest::collection::vec((0u8..7, 0u8..7, 1i64..500), 0..25),
        (from, to) in (0u8..7, 0u8..7),
        minutes in 1i64..300,
    ) {
        let lines = room(&list);
        let every = all_paths(&lines, from, to, minutes, MAX_HOPS);
        let found = find_path(&lines, from, to, Minutes(minutes), MAX_HOPS);
        if from == to || every.is_empty() {
            prop_assert_eq!(found, None);
        } else {
            let fewest = every.iter().map(|(p, _)| p.len()).min().unwrap();
            let widest = every.iter().filter(|(p, _)| p.len() == fewest).map(|(_, r)| *r).max().unwrap();
            let found = found.expect("a path exists");
            prop_assert_eq!(found.banks.len(), fewest);
            prop_assert_eq!(found.room.0, widest);
            prop_assert!(every.iter().any(|(p, _)| p == &found.banks), "{:?} is not a path of these lines", found);
        }
    }
}
