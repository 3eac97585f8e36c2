//! The figures of every line length: a table for people, then one JSON
//! object as the last line for scripts.

use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::timing::{Phase, Sample};

/// The payer's bank's first wait before asking the next bank again
/// (`federation::delivery::FIRST_RETRY`, private there): a transfer settled
/// later than this may have waited for a retry rather than the gossip.
const FIRST_RETRY: Duration = Duration::from_millis(500);

/// One line length's figures.
pub struct Figures {
    pub lines: usize,
    /// Until the payer's bank found the path, after the admissions.
    pub path_found: Duration,
    pub sequential: Phase,
    pub concurrent: Phase,
    pub clients: usize,
}

/// The machine's 1-minute load average (/proc/loadavg), if readable.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

fn ms(d: Option<Duration>) -> f64 {
    d.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
}

fn round(x: f64, digits: i32) -> f64 {
    let m = 10f64.powi(digits);
    (x * m).round() / m
}

fn settled(s: &Sample) -> Option<Duration> {
    Some(s.settled)
}

fn ack(s: &Sample) -> Option<Duration> {
    Some(s.ack)
}

fn decided(s: &Sample) -> Option<Duration> {
    s.decided
}

pub fn table(all: &[Figures], load: (Option<f64>, Option<f64>)) {
    println!();
    println!("multi-hop transfers, in-process banks on loopback (times from the API's 202 until settled at the payer's bank):");
    println!(
        "  lines  path found | 1 client: n    ack p50  decided p50  settled p50  settled p99     max | {:>2} clients: n  transfers/s  settled p50  settled p99     max  >=0.5 s",
        all.first().map_or(0, |f| f.clients)
    );
    for f in all {
        let (s, c) = (&f.sequential, &f.concurrent);
        println!(
            "  {:>5}  {:>8.2} s | {:>10} {:>7.2} ms {:>9.2} ms {:>9.2} ms {:>9.2} ms {:>4.0} ms | {:>13} {:>12.1} {:>9.2} ms {:>9.2} ms {:>4.0} ms {:>7}",
            f.lines,
            f.path_found.as_secs_f64(),
            s.samples.len(),
            ms(s.quantile(0.5, ack)),
            ms(s.quantile(0.5, decided)),
            ms(s.quantile(0.5, settled)),
            ms(s.quantile(0.99, settled)),
            ms(Some(s.slowest())),
            c.samples.len(),
            c.rate(),
            ms(c.quantile(0.5, settled)),
            ms(c.quantile(0.99, settled)),
            ms(Some(c.slowest())),
            s.slower_than(FIRST_RETRY) + c.slower_than(FIRST_RETRY),
        );
    }
    println!("  (decided: the API's 202 until the payee's bank decided, watched in the 1-client runs only;");
    println!("   >=0.5 s: transfers of either run that settled no sooner than the payer's first retry of the next bank)");
    println!(
        "  machine load average (1 min): {:.2} before, {:.2} after, on {} cores",
        load.0.unwrap_or(f64::NAN),
        load.1.unwrap_or(f64::NAN),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
}

pub fn json_line(all: &[Figures], load: (Option<f64>, Option<f64>)) -> String {
    let mut out = Map::new();
    out.insert("load_1m_before".into(), json!(load.0));
    out.insert("load_1m_after".into(), json!(load.1));
    for f in all {
        let key = |name: &str| format!("hops_{}_{name}", f.lines);
        let (s, c) = (&f.sequential, &f.concurrent);
        let figures: [(&str, Value); 12] = [
            ("p50_ms", json!(round(ms(s.quantile(0.5, settled)), 2))),
            ("p99_ms", json!(round(ms(s.quantile(0.99, settled)), 2))),
            ("ack_p50_ms", json!(round(ms(s.quantile(0.5, ack)), 2))),
            ("decided_p50_ms", json!(round(ms(s.quantile(0.5, decided)), 2))),
            ("rate_1", json!(round(s.rate(), 1))),
            ("rate_16", json!(round(c.rate(), 1))),
            ("p50_ms_16", json!(round(ms(c.quantile(0.5, settled)), 2))),
            ("p99_ms_16", json!(round(ms(c.quantile(0.99, settled)), 2))),
            ("max_ms", json!(round(ms(Some(s.slowest())), 2))),
            ("max_ms_16", json!(round(ms(Some(c.slowest())), 2))),
            ("over_first_retry", json!(s.slower_than(FIRST_RETRY) + c.slower_than(FIRST_RETRY))),
            ("path_found_s", json!(round(f.path_found.as_secs_f64(), 2))),
        ];
        for (name, value) in figures {
            out.insert(key(name), value);
        }
    }
    Value::Object(out).to_string()
}
