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
//! - `table`: the table of figures, references, targets and verdicts.
//!
//! The node's CPU per acknowledged exchange is utime+stime of the node's
//! process over a wrk phase divided by the exchanges acknowledged in it;
//! wrk runs in its own process, so the client's CPU is not in it.

mod footprint;
mod load;
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
    let secs = match std::env::var("AMSER_BENCH_SECS") {
        Ok(s) => s
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|v| *v > 0)
            .ok_or_else(|| anyhow!("AMSER_BENCH_SECS={s:?} is not a whole number of seconds above 0"))?,
        Err(_) => DEFAULT_SECS,
    };
    let strict = std::env::var("AMSER_BENCH_STRICT").is_ok_and(|v| v == "1");
    let work = work_dir()?;
    // Kept when the run fails (the nodes' and the server's logs are in it).
    let misses = match measure_all(&work, secs) {
        Ok(misses) => misses,
        Err(e) => {
            eprintln!("[compare] work files (node and server logs) kept in {}", work.display());
            return Err(e);
        }
    };
    let _ = std::fs::remove_dir_all(&work);
    if strict && misses > 0 {
        bail!("{misses} target(s) missed (AMSER_BENCH_STRICT=1)");
    }
    Ok(())
}

/// Every phase and the report; the number of targets missed.
fn measure_all(work: &Path, secs: u64) -> Result<usize> {
    let duration = Duration::from_secs(secs);
    let amser = PathBuf::from(env!("CARGO_BIN_EXE_amser"));
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("amser compare bench: {secs} s per phase, {cpus} CPUs, work dir {}", work.display());

    let pg = postgres_phases(work, duration)?;
    let node = node_phases(&amser, work, duration)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    let transfers = runtime.block_on(transfers::measure(&amser, &work.join("transfers"), duration))?;
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
    let row =
        |label: &str, figure: Option<f64>, unit: &'static str, reference_label: &str, reference: Option<f64>, target: Option<Target>| Row {
            label: label.to_string(),
            figure,
            unit,
            reference_label: reference_label.to_string(),
            reference,
            target,
        };
    let rows = vec![
        row(
            "node, 16 connections (wrk)",
            n16.map(|n| n.load.rate()),
            "/s",
            "PostgreSQL, 16 clients",
            pg16.map(|p| p.rate),
            Some(Target::RatioAtLeast(NODE_16_VS_PG)),
        ),
        row(
            "node, 1 connection (wrk)",
            n1.map(|n| n.load.rate()),
            "/s",
            "PostgreSQL, 1 client",
            pg1.map(|p| p.rate),
            Some(Target::RatioAtLeast(NODE_1_VS_PG)),
        ),
        row(
            "node, 1 connection, p50",
            n1.map(|n| n.load.p50_ms),
            "ms",
            "PostgreSQL, 1 client, p50",
            pg1.map(|p| p.p50_ms),
            Some(Target::RatioAtMost(NODE_1_P50_VS_PG)),
        ),
        row("node, 16 connections, p50", n16.map(|n| n.load.p50_ms), "ms", "PostgreSQL, 16 clients, p50", pg16.map(|p| p.p50_ms), None),
        row("node CPU per exchange, 1 connection", n1.map(|n| n.cpu_us_per_exchange), "us", "", None, None),
        row("node CPU per exchange, 16 connections", n16.map(|n| n.cpu_us_per_exchange), "us", "", None, None),
        row(
            "inter-bank transfer, 1 client, p50",
            Some(transfers.one.p50_ms),
            "ms",
            "node, 1 connection, p50",
            n1.map(|n| n.load.p50_ms),
            Some(Target::RatioAtMost(TRANSFER_1_P50_VS_LOCAL)),
        ),
        row("inter-bank transfers, 1 client", Some(transfers.one.rate), "/s", "", None, None),
        row(
            "inter-bank transfers, 16 clients",
            Some(transfers.many.rate),
            "/s",
            "node, 16 connections",
            n16.map(|n| n.load.rate()),
            Some(Target::RatioAtLeast(TRANSFER_16_VS_LOCAL)),
        ),
        row("inter-bank transfer, 16 clients, p50", Some(transfers.many.p50_ms), "ms", "", None, None),
        row("1M entries: resident memory", fp.map(|f| f.rss_mib), "MiB", "", None, Some(Target::AtMost(RSS_MIB_MAX))),
        row("1M entries: start-up", fp.map(|f| f.startup_s), "s", "", None, Some(Target::Below(STARTUP_S_BELOW))),
        row(
            "1M entries: rebuild peak resident",
            fp.map(|f| f.rebuild_peak_rss_mib),
            "MiB",
            "",
            None,
            Some(Target::AtMost(REBUILD_PEAK_MIB_MAX)),
        ),
        row(
            "1M entries: rebuild time",
            fp.map(|f| f.rebuild_s),
            "s",
            "read + decode the journal",
            fp.map(|f| f.read_decode_s),
            Some(Target::RatioAtMost(REBUILD_VS_READ_DECODE)),
        ),
        row(
            "1M entries: data dir / journal",
            fp.map(|f| f.data_dir_bytes_per_journal_byte),
            "x",
            "",
            None,
            Some(Target::AtMost(DATA_DIR_VS_JOURNAL)),
        ),
    ];
    let verdicts = table::print(&rows);
    let count = |v: Verdict| verdicts.iter().filter(|x| **x == v).count();
    println!(
        "\n{} PASS, {} MISS, {} SKIP (not measured). p50s: wrk's latency distribution (node), pgbench's per-transaction log (PostgreSQL), each transfer timed by its client.",
        count(Verdict::Pass),
        count(Verdict::Miss),
        count(Verdict::Skip)
    );
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
        "transfer_1_rate": round(Some(transfers.one.rate), 0),
        "transfer_1_p50_ms": round(Some(transfers.one.p50_ms), 3),
        "transfer_1_p99_ms": round(Some(transfers.one.p99_ms), 3),
        "transfer_16_rate": round(Some(transfers.many.rate), 0),
        "transfer_16_p50_ms": round(Some(transfers.many.p50_ms), 3),
        "transfer_16_p99_ms": round(Some(transfers.many.p99_ms), 3),
        "transfers_settled": transfers.one.transfers + transfers.many.transfers,
        "rss_mib_1m": round(fp.map(|f| f.rss_mib), 1),
        "startup_s_1m": round(fp.map(|f| f.startup_s), 3),
        "rebuild_peak_rss_mib_1m": round(fp.map(|f| f.rebuild_peak_rss_mib), 1),
        "rebuild_s_1m": round(fp.map(|f| f.rebuild_s), 3),
        "read_decode_s_1m": round(fp.map(|f| f.read_decode_s), 3),
        "data_dir_bytes_per_journal_byte_1m": round(fp.map(|f| f.data_dir_bytes_per_journal_byte), 3),
        "pass": count(Verdict::Pass),
        "miss": count(Verdict::Miss),
        "skip": count(Verdict::Skip),
    });
    println!("{json}");
    Ok(count(Verdict::Miss))
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
