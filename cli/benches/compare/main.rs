//! Benchmark: issue 12's one bench command. Everything measured in one run,
//! each figure beside its reference from the same run.
//!
//! ```text
//! cargo bench -p amser-cli --bench compare
//! AMSER_BENCH_SECS=5 cargo bench -p amser-cli --bench compare    # shorter phases (default 10 s)
//! AMSER_BENCH_STRICT=1 ...                                       # exit 1 on any MISS
//! ```
//!
//! Needs Debian's `postgresql` and `wrk` (`sudo apt install postgresql wrk`);
//! without one of them the bench says so and skips its rows (null in the JSON).
//! Work files go under target/bench-compare/ (never /tmp: it may be tmpfs).
//!
//! Map:
//! - `postgres`: a temporary PostgreSQL server and pgbench, the reference
//!   (1 and 16 clients, one exchange per transaction);
//! - `node_process`: the real `amser` binary as a child process, rate limit
//!   off, API on 127.0.0.1 port 0, its CPU from /proc/PID/stat;
//! - `members`: the agencies each phase records between;
//! - `load`: `wrk` with exchanges.lua against the node (1 and 16 connections);
//! - `transfers`: two `amser` processes on loopback, inter-bank transfers
//!   with 1 and 16 clients until settled;
//! - `footprint`: the node at 1,000,000 journal entries (the footprint work);
//! - `machine`: how busy other work keeps the machine before each section;
//! - `table`: the table of figures, references, targets and verdicts.
//!
//! The node's CPU per acknowledged exchange is utime+stime of the node's
//! process over a wrk phase divided by the exchanges acknowledged in it;
//! wrk runs in its own process, so the client's CPU is not in it.

mod footprint;
mod load;
mod machine;
mod members;
mod node_process;
mod postgres;
mod table;
mod transfers;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use amser_node::api::client::Client;
use anyhow::{anyhow, bail, Context, Result};
use serde_json::json;

use crate::load::Load;
use crate::node_process::{NodeProcess, US_PER_TICK};
use crate::table::{round, Row, Target, Verdict};

/// Phase length when AMSER_BENCH_SECS is not set.
const DEFAULT_SECS: u64 = 10;
/// Warm-up before the timed phases (connections, caches, the first journal pages).
const WARMUP: Duration = Duration::from_secs(1);
/// Connections (and pgbench clients) of the concurrent phases.
const MANY: usize = 16;
const INSTALL_HINT: &str = "sudo apt install postgresql wrk";

/// Issue 12's targets.
const NODE_16_VS_PG: f64 = 2.0;
const NODE_1_VS_PG: f64 = 1.25;
const NODE_1_P50_VS_PG: f64 = 0.8;
const TRANSFER_1_P50_VS_LOCAL: f64 = 4.0;
const TRANSFER_16_VS_LOCAL: f64 = 0.30;
const RSS_MIB_MAX: f64 = 64.0;
const REBUILD_PEAK_MIB_MAX: f64 = 128.0;
const REBUILD_VS_READ_DECODE: f64 = 2.0;
const STARTUP_S_BELOW: f64 = 1.0;
const DATA_DIR_VS_JOURNAL: f64 = 2.5;

/// One node phase: wrk's figures and the node's CPU over it.
struct NodeFigures {
    load: Load,
    cpu_us_per_exchange: f64,
}

fn main() {
    if let Err(e) = run() {
        eprintln!("\nBENCH FAILED: {e:#}");
        std::process::exit(1);
    }
}

/// A whole number above 0 from the environment variable `name`, if set.
fn env_number(name: &str) -> Result<Option<u64>> {
    match std::env::var(name) {
        Ok(s) => {
            s.trim().parse::<u64>().ok().filter(|v| *v > 0).map(Some).ok_or_else(|| anyhow!("{name}={s:?} is not a whole number above 0"))
        }
        Err(_) => Ok(None),
    }
}

/// A new work directory under target/bench-compare/.
fn work_dir() -> Result<PathBuf> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-compare");
    std::fs::create_dir_all(&base).with_context(|| format!("creating {}", base.display()))?;
    let work =
        tempfile::Builder::new().prefix("run-").tempdir_in(&base).with_context(|| format!("a temp dir in {}", base.display()))?.keep();
    // The PostgreSQL server's user must be able to reach its directory inside.
    std::fs::set_permissions(&work, std::fs::Permissions::from_mode(0o755))?;
    Ok(work)
}

fn run() -> Result<()> {
    // `cargo bench` passes `--bench`; this harness-less binary takes no options.
    let secs = env_number("AMSER_BENCH_SECS")?.unwrap_or(DEFAULT_SECS);
    let strict = std::env::var("AMSER_BENCH_STRICT").is_ok_and(|v| v == "1");
    let work = work_dir()?;
    // Kept when the run fails (the nodes' and the server's logs are in it).
    let kept = || eprintln!("[compare] work files (node and server logs) kept in {}", work.display());
    let outcome = measure_all(&work, secs).inspect_err(|_| kept())?;
    if outcome.failures > 0 {
        kept();
        bail!("{} measurement(s) failed (FAIL rows above)", outcome.failures);
    }
    let _ = std::fs::remove_dir_all(&work);
    if strict && outcome.misses > 0 {
        bail!("{} target(s) missed (AMSER_BENCH_STRICT=1)", outcome.misses);
    }
    Ok(())
}

/// How a run ended, after its report.
struct Outcome {
    misses: usize,
    failures: usize,
}

/// Every phase and the report.
fn measure_all(work: &Path, secs: u64) -> Result<Outcome> {
    let duration = Duration::from_secs(secs);
    let amser = PathBuf::from(env!("CARGO_BIN_EXE_amser"));
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("amser compare bench: {secs} s per phase, {cpus} CPUs, work dir {}", work.display());

    let mut others = Vec::new();
    let mut quiet = |section: &'static str| {
        let cores = machine::others_cores();
        eprintln!("[compare] other work before the {section} section: {} cores", cores.map_or("n/a".into(), |c| format!("{c:.2}")));
        others.push((section, cores));
    };
    quiet("postgres");
    let pg = postgres_phases(work, duration)?;
    quiet("node");
    let node = node_phases(&amser, work, duration)?;
    quiet("transfers");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    // AMSER_BENCH_TRANSFERS=N: N transfers with 16 clients and N/4 with one
    // (as node/benches/federation.rs), instead of a phase's seconds.
    let (one, many) = match env_number("AMSER_BENCH_TRANSFERS")? {
        Some(n) => (transfers::Budget::Transfers((n / 4).max(1) as usize), transfers::Budget::Transfers(n as usize)),
        None => (transfers::Budget::For(duration), transfers::Budget::For(duration)),
    };
    let transfers = runtime.block_on(transfers::measure(&amser, &work.join("transfers"), one, many))?;
    drop(runtime);
    eprintln!("[compare] footprint at 1,000,000 entries");
    let footprint = footprint::measure(&amser, &work.join("footprint"))?;
    if footprint.is_none() {
        println!("footprint at 1,000,000 entries: not measured in this build (footprint.rs returns none)");
    }

    let pg1 = pg.as_ref().map(|p| &p.0);
    let pg16 = pg.as_ref().map(|p| &p.1);
    let n1 = node.as_ref().map(|n| &n.0);
    let n16 = node.as_ref().map(|n| &n.1);
    let fp = footprint.as_ref();
    let t1 = transfers.one.as_ref().ok();
    let t16 = transfers.many.as_ref().ok();
    let (t1_failed, t16_failed) = (transfers.one.is_err(), transfers.many.is_err());
    let rows = vec![
        Row::new("node, 16 connections (wrk)", n16.map(|n| n.load.rate()), "/s")
            .against("PostgreSQL, 16 clients", pg16.map(|p| p.rate))
            .target(Target::RatioAtLeast(NODE_16_VS_PG)),
        Row::new("node, 1 connection (wrk)", n1.map(|n| n.load.rate()), "/s")
            .against("PostgreSQL, 1 client", pg1.map(|p| p.rate))
            .target(Target::RatioAtLeast(NODE_1_VS_PG)),
        Row::new("node, 1 connection, p50", n1.map(|n| n.load.p50_ms), "ms")
            .against("PostgreSQL, 1 client, p50", pg1.map(|p| p.p50_ms))
            .target(Target::RatioAtMost(NODE_1_P50_VS_PG)),
        Row::new("node, 16 connections, p50", n16.map(|n| n.load.p50_ms), "ms")
            .against("PostgreSQL, 16 clients, p50", pg16.map(|p| p.p50_ms)),
        Row::new("node CPU per exchange, 1 connection", n1.map(|n| n.cpu_us_per_exchange), "us"),
        Row::new("node CPU per exchange, 16 connections", n16.map(|n| n.cpu_us_per_exchange), "us"),
        Row::new("inter-bank transfer, 1 client, p50", t1.map(|t| t.p50_ms), "ms")
            .against("node, 1 connection, p50", n1.map(|n| n.load.p50_ms))
            .target(Target::RatioAtMost(TRANSFER_1_P50_VS_LOCAL))
            .failed_if(t1_failed),
        Row::new("inter-bank transfers, 1 client", t1.map(|t| t.rate), "/s").failed_if(t1_failed),
        Row::new("inter-bank transfers, 16 clients", t16.map(|t| t.rate), "/s")
            .against("node, 16 connections", n16.map(|n| n.load.rate()))
            .target(Target::RatioAtLeast(TRANSFER_16_VS_LOCAL))
            .failed_if(t16_failed),
        Row::new("inter-bank transfer, 16 clients, p50", t16.map(|t| t.p50_ms), "ms").failed_if(t16_failed),
        Row::new("1M entries: resident memory", fp.map(|f| f.rss_mib), "MiB").target(Target::AtMost(RSS_MIB_MAX)),
        Row::new("1M entries: start-up", fp.map(|f| f.startup_s), "s").target(Target::Below(STARTUP_S_BELOW)),
        Row::new("1M entries: rebuild peak resident", fp.map(|f| f.rebuild_peak_rss_mib), "MiB")
            .target(Target::AtMost(REBUILD_PEAK_MIB_MAX)),
        Row::new("1M entries: rebuild time", fp.map(|f| f.rebuild_s), "s")
            .against("read + decode the journal", fp.map(|f| f.read_decode_s))
            .target(Target::RatioAtMost(REBUILD_VS_READ_DECODE)),
        Row::new("1M entries: data dir / journal", fp.map(|f| f.data_dir_bytes_per_journal_byte), "x")
            .target(Target::AtMost(DATA_DIR_VS_JOURNAL)),
    ];
    let verdicts = table::print(&rows);
    let count = |v: Verdict| verdicts.iter().filter(|x| **x == v).count();
    println!(
        "\n{} PASS, {} MISS, {} SKIP (not measured), {} FAIL. p50s: wrk's latency distribution (node), pgbench's per-transaction log (PostgreSQL), each transfer timed by its client.",
        count(Verdict::Pass),
        count(Verdict::Miss),
        count(Verdict::Skip),
        count(Verdict::Fail)
    );
    for (clients, phase) in [(1, &transfers.one), (transfers::MANY, &transfers.many)] {
        if let Err(e) = phase {
            println!("inter-bank transfers with {clients} client(s) FAILED: {e}");
        }
    }
    let busiest = others.iter().filter_map(|(_, c)| *c).fold(0.0, f64::max);
    let others_text: Vec<String> = others.iter().map(|(s, c)| format!("{s} {}", c.map_or("n/a".into(), |c| format!("{c:.2}")))).collect();
    println!(
        "other work on the machine before each section (cores, {:.0} s quiet window): {}",
        machine::QUIET_WINDOW.as_secs_f64(),
        others_text.join(", ")
    );
    if busiest > machine::BUSY_CORES {
        println!("WARNING: other processes used up to {busiest:.2} cores; wake-ups wait for a CPU and the figures (PostgreSQL's most: five round trips per exchange) are not representative. Rerun when the machine is quiet.");
    }
    if let Some(pg) = &pg {
        println!("PostgreSQL: {} over a Unix socket, fsync=on, synchronous_commit=on, pgbench -M prepared", pg.2);
    }
    let json = json!({
        "bench": "amser-cli/compare",
        "secs_per_phase": secs,
        "cpus": cpus,
        "pg_1_rate": round(pg1.map(|p| p.rate), 0),
        "pg_16_rate": round(pg16.map(|p| p.rate), 0),
        "pg_1_p50_ms": round(pg1.map(|p| p.p50_ms), 3),
        "pg_16_p50_ms": round(pg16.map(|p| p.p50_ms), 3),
        "pg_1_p99_ms": round(pg1.map(|p| p.p99_ms), 3),
        "pg_16_p99_ms": round(pg16.map(|p| p.p99_ms), 3),
        "pg_1_transactions": pg1.map(|p| p.transactions),
        "pg_16_transactions": pg16.map(|p| p.transactions),
        "node_1_rate": round(n1.map(|n| n.load.rate()), 0),
        "node_16_rate": round(n16.map(|n| n.load.rate()), 0),
        "node_1_p50_ms": round(n1.map(|n| n.load.p50_ms), 3),
        "node_16_p50_ms": round(n16.map(|n| n.load.p50_ms), 3),
        "node_1_p99_ms": round(n1.map(|n| n.load.p99_ms), 3),
        "node_16_p99_ms": round(n16.map(|n| n.load.p99_ms), 3),
        "node_1_acknowledged": n1.map(|n| n.load.acknowledged),
        "node_16_acknowledged": n16.map(|n| n.load.acknowledged),
        "node_cpu_us_per_exchange": round(n16.map(|n| n.cpu_us_per_exchange), 1),
        "node_1_cpu_us_per_exchange": round(n1.map(|n| n.cpu_us_per_exchange), 1),
        "transfer_1_rate": round(t1.map(|t| t.rate), 0),
        "transfer_1_p50_ms": round(t1.map(|t| t.p50_ms), 3),
        "transfer_1_p99_ms": round(t1.map(|t| t.p99_ms), 3),
        "transfer_16_rate": round(t16.map(|t| t.rate), 0),
        "transfer_16_p50_ms": round(t16.map(|t| t.p50_ms), 3),
        "transfer_16_p99_ms": round(t16.map(|t| t.p99_ms), 3),
        "transfers_settled": t1.map_or(0, |t| t.transfers) + t16.map_or(0, |t| t.transfers),
        "transfer_1_error": transfers.one.as_ref().err(),
        "transfer_16_error": transfers.many.as_ref().err(),
        "rss_mib_1m": round(fp.map(|f| f.rss_mib), 1),
        "startup_s_1m": round(fp.map(|f| f.startup_s), 3),
        "rebuild_peak_rss_mib_1m": round(fp.map(|f| f.rebuild_peak_rss_mib), 1),
        "rebuild_s_1m": round(fp.map(|f| f.rebuild_s), 3),
        "read_decode_s_1m": round(fp.map(|f| f.read_decode_s), 3),
        "data_dir_bytes_per_journal_byte_1m": round(fp.map(|f| f.data_dir_bytes_per_journal_byte), 3),
        "pass": count(Verdict::Pass),
        "miss": count(Verdict::Miss),
        "skip": count(Verdict::Skip),
        "fail": count(Verdict::Fail),
        "others_cores_before": others.iter().map(|(s, c)| (s.to_string(), json!(round(*c, 2)))).collect::<serde_json::Map<_, _>>(),
    });
    println!("{json}");
    Ok(Outcome { misses: count(Verdict::Miss), failures: count(Verdict::Fail) })
}

/// PostgreSQL with 1 and then 16 clients, or None (said why) when it is not installed.
fn postgres_phases(work: &Path, duration: Duration) -> Result<Option<(postgres::Bench, postgres::Bench, String)>> {
    let bin = match postgres::find() {
        Ok(bin) => bin,
        Err(why) => {
            println!("PostgreSQL rows skipped: {why}. Install it with `{INSTALL_HINT}` (the bench starts its own temporary server).");
            return Ok(None);
        }
    };
    eprintln!("[compare] PostgreSQL from {}", bin.display());
    let pg = postgres::Postgres::start(&bin, &work.join("postgres"))?;
    pg.bench("warmup", MANY, WARMUP)?;
    eprintln!("[compare] pgbench, 1 client, {} s", duration.as_secs());
    let one = pg.bench("1", 1, duration)?;
    eprintln!("[compare] pgbench, {MANY} clients, {} s", duration.as_secs());
    let many = pg.bench("16", MANY, duration)?;
    let version = pg.version.clone();
    drop(pg);
    Ok(Some((one, many, version)))
}

/// The node under wrk with 1 and then 16 connections, or None (said why) without wrk.
fn node_phases(amser: &Path, work: &Path, duration: Duration) -> Result<Option<(NodeFigures, NodeFigures)>> {
    if let Err(why) = load::available() {
        println!("node rows skipped: {why}. Install it with `{INSTALL_HINT}`.");
        return Ok(None);
    }
    let node = NodeProcess::start(amser, &work.join("bank"), "Bench Time Bank", "bench")?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting tokio")?;
    let pairs = runtime.block_on(async {
        let api = Client::new(&node.api_addr, &node.token)?;
        members::seed_pairs(&api, "Bench", MANY).await
    })?;
    drop(runtime);
    eprintln!("[compare] wrk warm-up, {MANY} connections");
    load::run(work, &node.api_addr, &node.token, "warmup", MANY, WARMUP, &pairs)?;
    let phase = |label: &str, connections: usize| -> Result<NodeFigures> {
        eprintln!("[compare] wrk, {connections} connection(s), {} s", duration.as_secs());
        let before = node.cpu_ticks()?;
        let load = load::run(work, &node.api_addr, &node.token, label, connections, duration, &pairs)?;
        let ticks = node.cpu_ticks()?.saturating_sub(before);
        Ok(NodeFigures { cpu_us_per_exchange: ticks as f64 * US_PER_TICK / load.acknowledged.max(1) as f64, load })
    };
    let one = phase("1", 1)?;
    let many = phase("16", MANY)?;
    node.stop()?;
    Ok(Some((one, many)))
}
