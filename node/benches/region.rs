//! Benchmark: the regional network's arithmetic on sparse federations of
//! 200 and 1,000 banks (2 to 4 trust lines each, debts on every line).
//!
//! ```text
//! cargo bench -p amser-node --bench region
//! AMSER_BENCH_BANKS=200,1000,5000 cargo bench -p amser-node --bench region
//! ```
//!
//! For each size: cycle finding (`region::cycles::find_cycles`, cycles of at
//! most 8 banks) and path finding (`region::paths::find_path`, at most 4
//! hops, 1,000 random payer/payee pairs), each beside a reference measured
//! in the same run: one pass that nets every pair's two directions
//! (`net_debts`), the least any clearing must do (read every debt once).
//! Prints a table and one JSON object as the last line.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use amser_node::region::cycles::{find_cycles, net_debts, MAX_CYCLE_BANKS};
use amser_node::region::paths::{find_path, MAX_HOPS};
use amser_protocol::Minutes;
use serde_json::json;

/// Sizes run when `AMSER_BENCH_BANKS` is not set.
const DEFAULT_BANKS: [usize; 2] = [200, 1_000];
/// Trust lines each bank opens (to random others), at least and at most.
const LINES_PER_BANK: (u64, u64) = (2, 4);
/// Repeats of each timed step; the median is printed.
const REPEATS: usize = 5;
/// Payer/payee pairs for the path finding phase.
const PATH_QUERIES: usize = 1_000;
/// What each path must carry (two hours).
const PATH_MINUTES: Minutes = Minutes(120);

/// A small deterministic generator (splitmix64), so every run draws the same federation.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Minutes by (bank, bank).
type Lines = BTreeMap<(u32, u32), Minutes>;

/// Lines both ways between random pairs, with what each side's members owe
/// the other (0 to 50 h) and the room left on each line (0 to 100 h).
fn federation(banks: usize, seed: u64) -> (Lines, Lines) {
    let mut draw = Draw(seed);
    let (mut owed, mut room) = (BTreeMap::new(), BTreeMap::new());
    for a in 0..banks as u32 {
        let lines = LINES_PER_BANK.0 + draw.below(LINES_PER_BANK.1 - LINES_PER_BANK.0 + 1);
        for _ in 0..lines {
            let b = draw.below(banks as u64) as u32;
            if a == b {
                continue;
            }
            owed.insert((a, b), Minutes(draw.below(50 * 60) as i64));
            owed.insert((b, a), Minutes(draw.below(50 * 60) as i64));
            room.insert((a, b), Minutes(draw.below(100 * 60) as i64));
            room.insert((b, a), Minutes(draw.below(100 * 60) as i64));
        }
    }
    (owed, room)
}

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

fn timed<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(REPEATS);
    let mut last = None;
    for _ in 0..REPEATS {
        let start = Instant::now();
        let out = std::hint::black_box(f());
        times.push(start.elapsed());
        last = Some(out);
    }
    (median(times), last.expect("at least one repeat"))
}

fn main() {
    let sizes: Vec<usize> = std::env::var("AMSER_BENCH_BANKS")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| DEFAULT_BANKS.to_vec());
    let mut figures = serde_json::Map::new();
    println!(
        "{:>6} {:>7} {:>12} {:>8} {:>10} {:>12} {:>10} {:>11} {:>9}",
        "banks", "debts", "net (ref)", "cycles", "cleared h", "find cycles", "× ref", "path p50", "paths ok"
    );
    for banks in sizes {
        let (owed, room) = federation(banks, banks as u64);
        let (net_time, net) = timed(|| net_debts(&owed));
        let (cycle_time, cycles) = timed(|| find_cycles(&net, MAX_CYCLE_BANKS));
        let cleared: i64 = cycles.iter().map(|c| c.minutes.0 * c.banks.len() as i64).sum();
        let mut draw = Draw(7);
        let mut path_times = Vec::with_capacity(PATH_QUERIES);
        let mut found = 0;
        for _ in 0..PATH_QUERIES {
            let (from, to) = (draw.below(banks as u64) as u32, draw.below(banks as u64) as u32);
            let start = Instant::now();
            if std::hint::black_box(find_path(&room, from, to, PATH_MINUTES, MAX_HOPS)).is_some() {
                found += 1;
            }
            path_times.push(start.elapsed());
        }
        let path_p50 = median(path_times);
        let ratio = cycle_time.as_secs_f64() / net_time.as_secs_f64().max(1e-9);
        println!(
            "{banks:>6} {:>7} {:>10.2}ms {:>8} {:>10.1} {:>10.2}ms {:>9.1}× {:>9.3}ms {:>8}",
            net.len(),
            net_time.as_secs_f64() * 1e3,
            cycles.len(),
            cleared as f64 / 60.0,
            cycle_time.as_secs_f64() * 1e3,
            ratio,
            path_p50.as_secs_f64() * 1e3,
            format!("{found}/{PATH_QUERIES}"),
        );
        figures.insert(format!("cycles_ms_{banks}"), json!(cycle_time.as_secs_f64() * 1e3));
        figures.insert(format!("cycles_per_net_pass_{banks}"), json!(ratio));
        figures.insert(format!("path_p50_ms_{banks}"), json!(path_p50.as_secs_f64() * 1e3));
    }
    println!("{}", serde_json::Value::Object(figures));
}
