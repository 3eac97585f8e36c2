//! Benchmark: multi-hop ("routed") transfers across lines of 1, 2 and 4
//! trust lines, through the payer's bank's API.
//!
//! ```text
//! cargo bench -p amser-node --bench hops
//! AMSER_BENCH_HOP_TRANSFERS=20 AMSER_BENCH_HOP_LINES=1,2 cargo bench -p amser-node --bench hops
//! ```
//!
//! For each line length (`AMSER_BENCH_HOP_LINES`, default 1,2,4):
//! 1. `line`: start that many + 1 nodes in process on loopback (port 0),
//!    each admitting its neighbours both ways; poll the payer's bank's
//!    `GET /federation/path` until it finds the way to the last bank
//!    (1 line: the direct transfer; more: routed, `Command::SendRouted`);
//! 2. `timing`: a warm-up transfer, then 1 client recording
//!    `AMSER_BENCH_HOP_TRANSFERS` transfers one after another, then
//!    `CLIENTS` clients recording `AMSER_BENCH_HOP_CONCURRENT_TRANSFERS`
//!    between them, each `POST /exchanges` timed from its 202 until
//!    settled (accepted) at the payer's bank;
//! 3. `checks`: every transfer accepted at every bank on the way, every
//!    ledger sums to zero, each line's clearing accounts opposite;
//! 4. `report`: a table and the machine's load average before and after
//!    (other work on the cores skews every figure), then one JSON object as
//!    the last line.

mod checks;
mod line;
mod report;
mod timing;

use std::path::{Path, PathBuf};

use report::Figures;
use timing::TRANSFER_MINUTES;

/// Transfers the one client records one after another, per line length.
const SEQUENTIAL_ENV: &str = "AMSER_BENCH_HOP_TRANSFERS";
const SEQUENTIAL_DEFAULT: usize = 200;
/// Transfers the concurrent clients record between them, per line length.
const CONCURRENT_ENV: &str = "AMSER_BENCH_HOP_CONCURRENT_TRANSFERS";
const CONCURRENT_DEFAULT: usize = 1600;
/// Line lengths (trust lines) measured.
const LINES_ENV: &str = "AMSER_BENCH_HOP_LINES";
const LINES_DEFAULT: [usize; 3] = [1, 2, 4];
/// Concurrent clients of the payer's bank, each with its own payer and payee.
const CLIENTS: usize = 16;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn line_lengths() -> Vec<usize> {
    let asked: Option<Vec<usize>> = std::env::var(LINES_ENV).ok().map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect());
    let lengths = asked.unwrap_or_else(|| LINES_DEFAULT.to_vec());
    for &n in &lengths {
        assert!((1..=line::MAX_LINES).contains(&n), "{LINES_ENV}: {n} is not between 1 and {}", line::MAX_LINES);
    }
    lengths
}

fn bench_dir() -> PathBuf {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    std::fs::create_dir_all(&target).expect("target dir");
    tempfile::tempdir_in(&target).expect("temp dir").keep()
}

/// Builds a line of `lines` trust lines, times transfers across it, checks it, stops it.
async fn measure(root: &Path, lines: usize, sequential: usize, concurrent: usize) -> Figures {
    let line = line::start(&root.join(format!("line-{lines}")), lines, CLIENTS).await;
    let path_found = line::wait_for_path(&line, TRANSFER_MINUTES).await;
    let warmup = timing::run(&line, 1, 1, false, "warmup").await;
    let sequential = timing::run(&line, 1, sequential, true, "one").await;
    let concurrent = timing::run(&line, CLIENTS, concurrent.div_ceil(CLIENTS), false, "many").await;
    let ids: Vec<_> = [&warmup, &sequential, &concurrent].iter().flat_map(|p| p.ids.iter().copied()).collect();
    let checked = checks::check(&line, &ids, TRANSFER_MINUTES).await;
    println!("  {lines} line(s): path found in {:.2} s; checked: {checked}", path_found.as_secs_f64());
    line.shutdown().await;
    Figures { lines, path_found, sequential, concurrent, clients: CLIENTS }
}

fn main() {
    let (sequential, concurrent) = (env_usize(SEQUENTIAL_ENV, SEQUENTIAL_DEFAULT), env_usize(CONCURRENT_ENV, CONCURRENT_DEFAULT));
    let load_before = report::load_average();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let all = runtime.block_on(async {
        let root = bench_dir();
        let mut all = Vec::new();
        for lines in line_lengths() {
            all.push(measure(&root, lines, sequential, concurrent).await);
        }
        let _ = std::fs::remove_dir_all(&root);
        all
    });
    let load = (load_before, report::load_average());
    report::table(&all, load);
    println!("{}", report::json_line(&all, load));
}
