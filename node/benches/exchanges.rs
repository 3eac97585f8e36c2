//! Benchmark: acknowledged exchanges per second through the real node, next
//! to raw fdatasync references measured in the same run on the same disk.
//!
//! ```text
//! cargo bench -p amser-node --bench exchanges
//! AMSER_BENCH_SECS=2 cargo bench -p amser-node --bench exchanges   # shorter phases
//! AMSER_BENCH_STRICT=1 ...                                         # exit 1 when a target is missed
//! ```
//!
//! Phases (each runs for AMSER_BENCH_SECS seconds, default 5):
//! 1. raw reference: 256-byte append + `File::sync_data` loop, 1 writer, then
//!    16 writers (16 threads, one file each), in a directory under `target/`
//!    (the same filesystem as the node's data directory; never /tmp, which
//!    may be tmpfs).
//! 2. the node, in process: `init` a bank, `Node::start` on 127.0.0.1:0, then
//!    1 and 16 HTTP clients (the node's typed client over reqwest, keep-alive,
//!    one connection each, bodies encoded once, answers not decoded) POST
//!    `/api/v1/exchanges`; every request must get 201 or the bench fails.
//! 3. device flushes (`/sys/dev/block/MAJ:MIN/stat`, 16th field) per
//!    operation in every phase, and this process's CPU per operation (by
//!    thread), so a missed target points at where the time goes.
//! 4. diagnostic: 16 tasks submitting the same exchanges straight to the
//!    ledger writer (no HTTP), to separate HTTP's cost from the ledger's.
//!
//! The PostgreSQL figures are constants measured elsewhere on this machine
//! kind (see /work/shared/BASELINES.md); everything else is measured now.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use amser_node::api::client::{Client, Encoded, RecordedAs};
use amser_node::clock::SystemClock;
use amser_node::config::Config;
use amser_node::ledger::Command;
use amser_node::model::{LimitsView, NewExchange, NewMember};
use amser_node::storage::writer::{LedgerHandle, Reply};
use amser_node::{init, DataDir, Node, NodeOptions};
use amser_protocol::{MemberCode, MemberKind, Minutes};
use serde_json::{json, Value};

/// PostgreSQL 15, one exchange per transaction, `synchronous_commit=on`:
/// MEASURED ELSEWHERE on this machine kind (BASELINES.md), not in this run.
const PG_1_CLIENT_RATE: f64 = 2_300.0;
const PG_1_CLIENT_P50_MS: f64 = 0.43;
const PG_16_CLIENTS_RATE: f64 = 11_900.0;

/// Targets (BASELINES.md): 16 clients at least twice PostgreSQL, one client's
/// p50 under 0.3 ms, every acknowledged exchange device-flushed.
const TARGET_16_RATE: f64 = 2.0 * PG_16_CLIENTS_RATE;
const TARGET_1_P50_MS: f64 = 0.3;

const RECORD_BYTES: usize = 256;
const MANY: usize = 16;
/// Requests each client makes before a node phase is timed (connections,
/// caches).
const WARMUP_REQUESTS: usize = 200;
const MINUTES: i64 = 30;
/// Device flushes each sequentially acknowledged exchange must come with
/// (a little under 1: the counter is read around the phase, not per request).
const MIN_FLUSHES_PER_SEQUENTIAL_OP: f64 = 0.95;
/// Other processes' CPU (in cores) above which a phase's figures are flagged.
const BUSY_OTHERS_CORES: f64 = 0.25;

// ---------------------------------------------------------------- figures

struct Stats {
    ops: u64,
    secs: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Device flushes completed during the phase (None: not measurable).
    flushes: Option<u64>,
    /// CPU this process used during the phase.
    cpu: Option<CpuUse>,
}

impl Stats {
    fn new(mut latencies_ns: Vec<u64>, elapsed: Duration, flushes: Option<u64>, cpu: Option<CpuUse>) -> Stats {
        latencies_ns.sort_unstable();
        let pct = |q: f64| -> f64 {
            if latencies_ns.is_empty() {
                return f64::NAN;
            }
            let rank = ((q * latencies_ns.len() as f64).ceil() as usize).clamp(1, latencies_ns.len());
            latencies_ns[rank - 1] as f64 / 1e6
        };
        Stats { ops: latencies_ns.len() as u64, secs: elapsed.as_secs_f64(), p50_ms: pct(0.50), p99_ms: pct(0.99), flushes, cpu }
    }

    fn rate(&self) -> f64 {
        self.ops as f64 / self.secs
    }

    /// Process CPU time per operation, in microseconds.
    fn cpu_us_per_op(&self) -> Option<f64> {
        self.cpu.as_ref().map(|c| c.total_ms * 1000.0 / self.ops.max(1) as f64)
    }

    fn flushes_per_op(&self) -> Option<f64> {
        self.flushes.map(|f| f as f64 / self.ops.max(1) as f64)
    }

    fn json(&self) -> Value {
        json!({
            "ops": self.ops,
            "secs": round(self.secs, 3),
            "rate": round(self.rate(), 0),
            "p50_ms": round(self.p50_ms, 4),
            "p99_ms": round(self.p99_ms, 4),
            "flushes": self.flushes,
            "flushes_per_op": self.flushes_per_op().map(|f| round(f, 4)),
            "cpu_us_per_op": self.cpu_us_per_op().map(|c| round(c, 1)),
        })
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let m = 10f64.powi(digits);
    (x * m).round() / m
}

// ---------------------------------------------------------------- device flush counter

/// The block device holding a directory, and its stat file.
struct Device {
    name: String,
    stat: PathBuf,
}

impl Device {
    /// Finds the device of `dir`, or says why its flushes cannot be counted.
    fn of(dir: &Path) -> Result<Device, String> {
        let dev = std::fs::metadata(dir).map_err(|e| format!("cannot stat {}: {e}", dir.display()))?.dev();
        // The glibc encoding of dev_t (major:minor).
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
        let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
        if major == 0 {
            return Err(format!(
                "{} is on a virtual filesystem (device 0:{minor}, tmpfs/overlay?), no block device to count flushes on",
                dir.display()
            ));
        }
        let sys = PathBuf::from(format!("/sys/dev/block/{major}:{minor}"));
        let name = std::fs::read_to_string(sys.join("uevent"))
            .ok()
            .and_then(|u| u.lines().find_map(|l| l.strip_prefix("DEVNAME=").map(str::to_string)))
            .unwrap_or_else(|| format!("{major}:{minor}"));
        let device = Device { name, stat: sys.join("stat") };
        device.flushes().map(|_| device)
    }

    /// Completed flush requests so far (field 16 of the stat file).
    fn flushes(&self) -> Result<u64, String> {
        let text = std::fs::read_to_string(&self.stat).map_err(|e| format!("cannot read {}: {e}", self.stat.display()))?;
        let fields: Vec<&str> = text.split_whitespace().collect();
        let field = fields.get(15).ok_or_else(|| {
            format!("{} has {} fields; this kernel reports no flush counts (needs 17)", self.stat.display(), fields.len())
        })?;
        field.parse().map_err(|e| format!("{}: field 16 is not a number: {e}", self.stat.display()))
    }
}

fn flushes_now(device: Option<&Device>) -> Option<u64> {
    device.and_then(|d| d.flushes().ok())
}

fn flushes_since(device: Option<&Device>, before: Option<u64>) -> Option<u64> {
    Some(flushes_now(device)?.saturating_sub(before?))
}

// ---------------------------------------------------------------- CPU accounting

/// /proc reports CPU times in USER_HZ ticks, which Linux fixes at 100 per second.
const MS_PER_TICK: f64 = 10.0;

/// CPU time of this process, in total and per thread name.
struct CpuUse {
    total_ms: f64,
    /// CPU the whole machine used (all processes), from /proc/stat.
    machine_ms: f64,
    /// (thread name without trailing numbers, ms), largest first.
    by_thread: Vec<(String, f64)>,
}

#[derive(Clone)]
struct CpuSample {
    total: u64,
    machine: u64,
    by_thread: BTreeMap<String, u64>,
}

/// utime + stime (ticks) and the name from a /proc .../stat file.
fn parse_stat(text: &str) -> Option<(String, u64)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text[open + 1..close].trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '#').to_string();
    let rest: Vec<&str> = text[close + 1..].split_whitespace().collect();
    let utime: u64 = rest.get(11)?.parse().ok()?;
    let stime: u64 = rest.get(12)?.parse().ok()?;
    Some((name, utime + stime))
}

/// Busy ticks of all CPUs (everything but idle and iowait).
fn machine_busy() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    Some(v.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, t)| t).sum())
}

fn cpu_sample() -> Option<CpuSample> {
    let (_, total) = parse_stat(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
    let machine = machine_busy()?;
    let mut by_thread = BTreeMap::new();
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        if let Some((name, ticks)) = std::fs::read_to_string(task.path().join("stat")).ok().and_then(|t| parse_stat(&t)) {
            *by_thread.entry(name).or_insert(0) += ticks;
        }
    }
    Some(CpuSample { total, machine, by_thread })
}

fn cpu_since(before: Option<CpuSample>) -> Option<CpuUse> {
    let before = before?;
    let after = cpu_sample()?;
    let mut by_thread: Vec<(String, f64)> = after
        .by_thread
        .iter()
        .map(|(name, t)| (name.clone(), t.saturating_sub(before.by_thread.get(name).copied().unwrap_or(0)) as f64 * MS_PER_TICK))
        .filter(|(_, ms)| *ms > 0.0)
        .collect();
    by_thread.sort_by(|a, b| b.1.total_cmp(&a.1));
    Some(CpuUse {
        total_ms: after.total.saturating_sub(before.total) as f64 * MS_PER_TICK,
        machine_ms: after.machine.saturating_sub(before.machine) as f64 * MS_PER_TICK,
        by_thread,
    })
}

// ---------------------------------------------------------------- raw fdatasync reference

fn raw_writer(path: &Path, until: Instant) -> std::io::Result<Vec<u64>> {
    let mut file = OpenOptions::new().create_new(true).append(true).open(path)?;
    let record = [0xA5u8; RECORD_BYTES];
    let mut latencies = Vec::with_capacity(1 << 16);
    loop {
        let t = Instant::now();
        if t >= until {
            return Ok(latencies);
        }
        file.write_all(&record)?;
        file.sync_data()?;
        latencies.push(t.elapsed().as_nanos() as u64);
    }
}

fn raw_phase(dir: &Path, writers: usize, duration: Duration, device: Option<&Device>) -> Stats {
    eprintln!("[bench] raw fdatasync, {writers} writer(s), {:.1} s", duration.as_secs_f64());
    let dir = dir.join(format!("raw-{writers}"));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail(format!("cannot create {}: {e}", dir.display())));
    let before = flushes_now(device);
    let cpu_before = cpu_sample();
    let start = Instant::now();
    let until = start + duration;
    let results: Vec<std::io::Result<Vec<u64>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..writers)
            .map(|i| {
                let path = dir.join(format!("w{i}.dat"));
                s.spawn(move || raw_writer(&path, until))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("raw writer thread panicked")).collect()
    });
    let elapsed = start.elapsed();
    let flushes = flushes_since(device, before);
    let cpu = cpu_since(cpu_before);
    let mut all = Vec::new();
    for r in results {
        all.extend(r.unwrap_or_else(|e| fail(format!("raw fdatasync writer failed: {e}"))));
    }
    Stats::new(all, elapsed, flushes, cpu)
}

// ---------------------------------------------------------------- the node over HTTP

/// An HTTP client of one connection: keep-alive forever, no Nagle delay.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(1)
        .pool_idle_timeout(None)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_else(|e| fail(format!("cannot build the HTTP client: {e}")))
}

/// The node's typed API client over its own connection ([`http`]).
fn client(addr: SocketAddr, token: &str) -> Client {
    Client::with_http(http(), addr, token).unwrap_or_else(|e| fail(format!("cannot set up the API client: {e}")))
}

async fn add_agency(api: &Client, name: &str) -> Result<String, String> {
    let new = NewMember {
        // Far from anything the bench can reach, so no exchange is refused.
        own_limits: Some(LimitsView { floor_minutes: -60_000_000, ceiling_minutes: 60_000_000 }),
        ..NewMember::new(name, MemberKind::Agency)
    };
    let member = api.add_member(&new).await.map_err(|e| format!("adding member {name}: {e}"))?;
    Ok(member.code.to_string())
}

/// One client: POSTs exchanges between its pair, alternating direction so
/// both balances stay near zero, until `until` (or `count` requests). The
/// two bodies are encoded before the loop and the answers are not decoded
/// (as before the typed client): what is timed is the node.
async fn client_loop(api: Client, pair: (String, String), until: Option<Instant>, count: usize) -> Result<Vec<u64>, String> {
    let body = |from: &str, to: &str| {
        let new = NewExchange { providers: vec![from.into()], receivers: vec![to.into()], minutes: Some(MINUTES), ..Default::default() };
        Encoded::new(&new).map_err(|e| format!("cannot encode an exchange: {e}"))
    };
    let bodies = [body(&pair.0, &pair.1)?, body(&pair.1, &pair.0)?];
    let mut latencies = Vec::with_capacity(if until.is_some() { 1 << 16 } else { count });
    let mut n = 0usize;
    loop {
        let t = Instant::now();
        match until {
            Some(u) if t >= u => break,
            None if n >= count => break,
            _ => {}
        }
        match api.record_exchange_encoded(&bodies[n % 2]).await {
            Ok(RecordedAs::Exchange) => {}
            Ok(RecordedAs::Transfer) => return Err("exchange NOT acknowledged: HTTP 202 (a transfer), not 201".into()),
            Err(e) => return Err(format!("exchange NOT acknowledged: {e}")),
        }
        latencies.push(t.elapsed().as_nanos() as u64);
        n += 1;
    }
    Ok(latencies)
}

async fn run_clients(clients: &[Client], pairs: &[(String, String)], until: Option<Instant>, count: usize) -> Vec<u64> {
    let tasks: Vec<_> =
        clients.iter().zip(pairs).map(|(api, pair)| tokio::spawn(client_loop(api.clone(), pair.clone(), until, count))).collect();
    let mut all = Vec::new();
    for task in tasks {
        match task.await {
            Ok(Ok(l)) => all.extend(l),
            Ok(Err(e)) => fail(e),
            Err(e) => fail(format!("a client task failed: {e}")),
        }
    }
    all
}

async fn node_phase(clients: &[Client], pairs: &[(String, String)], duration: Duration, device: Option<&Device>) -> Stats {
    eprintln!("[bench] node, {} client(s): warming up", clients.len());
    run_clients(clients, pairs, None, WARMUP_REQUESTS).await;
    eprintln!("[bench] node, {} client(s), {:.1} s", clients.len(), duration.as_secs_f64());
    let before = flushes_now(device);
    let cpu_before = cpu_sample();
    let start = Instant::now();
    let latencies = run_clients(clients, pairs, Some(start + duration), 0).await;
    let elapsed = start.elapsed();
    let flushes = flushes_since(device, before);
    Stats::new(latencies, elapsed, flushes, cpu_since(cpu_before))
}

/// Diagnostic: the same exchanges submitted straight to the ledger writer
/// (`Node::ledger().submit`), no HTTP, so HTTP's share of the cost shows.
async fn ledger_phase(ledger: &LedgerHandle, pairs: &[(String, String)], duration: Duration, device: Option<&Device>) -> Stats {
    eprintln!("[bench] ledger only (no HTTP), {} task(s), {:.1} s", pairs.len(), duration.as_secs_f64());
    let before = flushes_now(device);
    let cpu_before = cpu_sample();
    let start = Instant::now();
    let until = start + duration;
    let tasks: Vec<_> = pairs
        .iter()
        .map(|(a, b)| {
            let ledger = ledger.clone();
            let a: MemberCode = a.parse().unwrap_or_else(|e| fail(format!("bad member code {a}: {e}")));
            let b: MemberCode = b.parse().unwrap_or_else(|e| fail(format!("bad member code {b}: {e}")));
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(1 << 16);
                let mut forward = true;
                loop {
                    let t = Instant::now();
                    if t >= until {
                        return Ok::<_, String>(latencies);
                    }
                    let (p, r) = if forward { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) };
                    let command = Command::RecordExchange {
                        providers: vec![p],
                        receivers: vec![r],
                        minutes_each: Minutes(MINUTES),
                        category: String::new(),
                        note: String::new(),
                        date: None,
                        recorded_by: "bench".into(),
                        client_ref: None,
                    };
                    match ledger.submit(command).await {
                        Ok(Reply::Exchange(_)) => latencies.push(t.elapsed().as_nanos() as u64),
                        other => return Err(format!("ledger refused an exchange: {other:?}")),
                    }
                    forward = !forward;
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        match task.await {
            Ok(Ok(l)) => all.extend(l),
            Ok(Err(e)) => fail(e),
            Err(e) => fail(format!("a ledger task failed: {e}")),
        }
    }
    let elapsed = start.elapsed();
    let flushes = flushes_since(device, before);
    Stats::new(all, elapsed, flushes, cpu_since(cpu_before))
}

// ---------------------------------------------------------------- report

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("\nBENCH FAILED: {message}");
    std::process::exit(1);
}

fn row(label: &str, s: &Stats) {
    let fpo = s.flushes_per_op().map_or("n/a".to_string(), |f| format!("{f:.3}"));
    let cpu = s.cpu_us_per_op().map_or("n/a".to_string(), |c| format!("{c:.1}"));
    let (ours, others) = s.cpu.as_ref().map_or(("n/a".to_string(), "n/a".to_string()), |c| {
        (format!("{:.2}", c.total_ms / 1000.0 / s.secs), format!("{:.2}", (c.machine_ms - c.total_ms).max(0.0) / 1000.0 / s.secs))
    });
    println!(
        "{label:<44} {:>10.0} {:>9.3} {:>9.3} {:>9} {:>9} {:>9} {:>7} {:>7}",
        s.rate(),
        s.p50_ms,
        s.p99_ms,
        s.ops,
        fpo,
        cpu,
        ours,
        others
    );
}

/// Where a phase's CPU went, by thread.
fn cpu_breakdown(label: &str, s: &Stats) {
    if let Some(c) = &s.cpu {
        let parts: Vec<String> =
            c.by_thread.iter().take(6).map(|(name, ms)| format!("{name} {:.1}", ms * 1000.0 / s.ops.max(1) as f64)).collect();
        println!("  {label}: CPU us per exchange by thread: {}", parts.join(", "));
    }
}

fn mark(ok: bool) -> &'static str {
    if ok {
        "MET"
    } else {
        "MISSED"
    }
}

fn main() {
    // `cargo bench` passes `--bench`; the harness-less binary takes no options.
    let secs: f64 = match std::env::var("AMSER_BENCH_SECS") {
        Ok(s) => s
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| *v > 0.0 && v.is_finite())
            .unwrap_or_else(|| fail(format!("AMSER_BENCH_SECS={s:?} is not a positive number of seconds"))),
        Err(_) => 5.0,
    };
    let duration = Duration::from_secs_f64(secs);
    let strict = std::env::var("AMSER_BENCH_STRICT").is_ok_and(|v| v == "1");

    // The same filesystem as the build: target/bench-tmp (not /tmp: it may be tmpfs).
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-tmp");
    std::fs::create_dir_all(&base).unwrap_or_else(|e| fail(format!("cannot create {}: {e}", base.display())));
    let tmp = tempfile::tempdir_in(&base).unwrap_or_else(|e| fail(format!("cannot create a temp dir in {}: {e}", base.display())));
    let device = match Device::of(tmp.path()) {
        Ok(d) => Some(d),
        Err(reason) => {
            println!("device flush counting skipped: {reason}");
            None
        }
    };
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "amser exchanges bench: {secs} s per phase, {cpus} CPUs, dir {} (device {})",
        tmp.path().display(),
        device.as_ref().map_or("unknown", |d| d.name.as_str())
    );

    // 1. Raw references.
    let raw1 = raw_phase(tmp.path(), 1, duration, device.as_ref());
    let raw16 = raw_phase(tmp.path(), MANY, duration, device.as_ref());
    let _ = std::fs::remove_dir_all(tmp.path().join("raw-1"));
    let _ = std::fs::remove_dir_all(tmp.path().join(format!("raw-{MANY}")));

    // 2. The node, in process.
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap_or_else(|e| fail(format!("cannot start tokio: {e}")));
    let (node1, node16, ledger16) = runtime.block_on(async {
        let dir = DataDir::new(tmp.path().join("bank"));
        let clock = Arc::new(SystemClock);
        let dir_for_init = dir.clone();
        let clock_for_init = clock.clone();
        tokio::task::spawn_blocking(move || init(&dir_for_init, "Bench Time Bank", "bench", "Benchland", clock_for_init))
            .await
            .unwrap_or_else(|e| fail(format!("init panicked: {e}")))
            .unwrap_or_else(|e| fail(format!("init failed: {e}")));
        // The API's rate limit is off here: this measures how fast the node can go.
        let mut config = Config::load(&dir.config()).unwrap_or_else(|e| fail(format!("cannot read config.toml: {e}")));
        config.api.rate_per_second = 0;
        config.save(&dir.config()).unwrap_or_else(|e| fail(format!("cannot write config.toml: {e}")));
        let token = dir.load_token().unwrap_or_else(|e| fail(format!("cannot load the API token: {e}")));
        let options = NodeOptions::loopback(clock);
        let node = Node::start(dir, options).await.unwrap_or_else(|e| fail(format!("Node::start failed: {e}")));

        let setup = client(node.api_addr, &token);
        let mut pairs = Vec::with_capacity(MANY);
        for i in 0..MANY {
            let a = add_agency(&setup, &format!("Bench agency {i}a")).await.unwrap_or_else(|e| fail(e));
            let b = add_agency(&setup, &format!("Bench agency {i}b")).await.unwrap_or_else(|e| fail(e));
            pairs.push((a, b));
        }
        drop(setup);
        // One client, and so one connection, per task.
        let clients: Vec<Client> = (0..MANY).map(|_| client(node.api_addr, &token)).collect();

        let node1 = node_phase(&clients[..1], &pairs[..1], duration, device.as_ref()).await;
        let node16 = node_phase(&clients, &pairs, duration, device.as_ref()).await;
        drop(clients);
        let ledger16 = ledger_phase(node.ledger(), &pairs, duration, device.as_ref()).await;
        node.shutdown().await;
        (node1, node16, ledger16)
    });
    drop(runtime);

    // 3. Report.
    println!();
    println!(
        "{:<44} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>7}",
        "measured now (same run, same disk)", "ops/s", "p50 ms", "p99 ms", "ops", "flush/op", "cpu us/op", "cores", "others"
    );
    println!("{}", "-".repeat(122));
    row("raw 256 B append + fdatasync, 1 writer", &raw1);
    row(&format!("raw 256 B append + fdatasync, {MANY} writers"), &raw16);
    row("node: POST /exchanges, 1 client", &node1);
    row(&format!("node: POST /exchanges, {MANY} clients"), &node16);
    row(&format!("diagnostic: ledger only, no HTTP, {MANY} tasks"), &ledger16);
    println!("(cpu us/op and cores: this process, clients included; others: CPU used by other processes during the phase, in cores)");
    cpu_breakdown("node, 1 client", &node1);
    cpu_breakdown(&format!("node, {MANY} clients"), &node16);
    cpu_breakdown(&format!("ledger only, {MANY} tasks"), &ledger16);
    let busiest = [&raw1, &raw16, &node1, &node16, &ledger16]
        .iter()
        .filter_map(|s| s.cpu.as_ref().map(|c| (c.machine_ms - c.total_ms).max(0.0) / 1000.0 / s.secs))
        .fold(0.0, f64::max);
    if busiest > BUSY_OTHERS_CORES {
        println!(
            "WARNING: other processes used up to {busiest:.2} cores during a phase; on a busy machine wake-ups wait for a CPU and the figures (the 1-writer raw reference above all) are not representative. Rerun when the machine is quiet."
        );
    }
    println!();
    println!("PostgreSQL 15 references (MEASURED ELSEWHERE on this machine kind, BASELINES.md; constants):");
    println!("  1 client  {PG_1_CLIENT_RATE:>8.0} /s, p50 {PG_1_CLIENT_P50_MS} ms");
    println!("  16 clients {PG_16_CLIENTS_RATE:>7.0} /s");
    println!();
    let r16_raw = node16.rate() / raw16.rate();
    let r1_raw = node1.rate() / raw1.rate();
    let r16_pg = node16.rate() / PG_16_CLIENTS_RATE;
    let r1_pg = node1.rate() / PG_1_CLIENT_RATE;
    println!("ratios:");
    println!("  node {MANY}-client rate / raw {MANY}-writer fdatasync rate   {r16_raw:>6.3}");
    println!("  node 1-client rate / raw 1-writer fdatasync rate     {r1_raw:>6.3}");
    println!("  node {MANY}-client rate / PostgreSQL {MANY}-client rate      {r16_pg:>6.3}");
    println!("  node 1-client rate / PostgreSQL 1-client rate        {r1_pg:>6.3}");
    println!("  node 1-client p50 / PostgreSQL 1-client p50          {:>6.3}", node1.p50_ms / PG_1_CLIENT_P50_MS);

    // Durability evidence. A sequential client's exchanges cannot share a
    // sync, so in the 1-client phase each acknowledged exchange must come
    // with at least one device flush (an fdatasync that grows a file always
    // commits the ext4/xfs journal, which flushes; without a sync the count
    // is ~0, as BASELINES.md measured for sled's flush()). In the 16-client
    // phase group commit shares syncs, so flushes must keep coming, fewer
    // than one per exchange; flushes per raw fdatasync (1-writer phase) turn
    // them into an estimate of the writer's average batch.
    let per_sync = raw1.flushes_per_op().filter(|f| *f > 0.0);
    let durable = match (node1.flushes_per_op(), node16.flushes, per_sync) {
        (Some(f1), Some(f16), Some(_)) => Some(f1 >= MIN_FLUSHES_PER_SEQUENTIAL_OP && f16 > 0),
        _ => None,
    };
    let batch_estimate = match (node16.flushes, per_sync) {
        (Some(f), Some(per_sync)) if f > 0 => Some(node16.ops as f64 / (f as f64 / per_sync)),
        _ => None,
    };
    println!();
    match (&device, per_sync) {
        (Some(d), Some(per_sync)) => {
            println!(
                "device flushes ({}): {per_sync:.2} per raw fdatasync; node {MANY}-client phase: {} flushes for {} acknowledged exchanges = {:.3} per exchange",
                d.name,
                node16.flushes.unwrap_or(0),
                node16.ops,
                node16.flushes_per_op().unwrap_or(f64::NAN)
            );
            if let Some(b) = batch_estimate {
                println!("  => about {:.0} fdatasyncs, about {b:.1} exchanges per group commit (estimate; other disk activity such as sled's 500 ms flush adds flushes)", node16.ops as f64 / b);
            }
        }
        (Some(d), None) => println!("device flushes ({}): the raw fdatasync loop caused none, so flushes cannot be attributed (write cache off or no flush support?)", d.name),
        (None, _) => println!("device flushes: not measured (see the reason above)"),
    }

    let met16 = node16.rate() >= TARGET_16_RATE;
    let met1 = node1.p50_ms < TARGET_1_P50_MS;
    println!();
    println!("targets:");
    println!("  {MANY} clients >= 2 x PostgreSQL ({TARGET_16_RATE:.0} /s): {:.0} /s  {}", node16.rate(), mark(met16));
    println!("  1 client p50 < {TARGET_1_P50_MS} ms: {:.3} ms  {}", node1.p50_ms, mark(met1));
    match durable {
        Some(ok) => println!(
            "  every acknowledged exchange device-flushed: 1-client {:.2} flushes/exchange (need >= {MIN_FLUSHES_PER_SEQUENTIAL_OP}; raw fdatasync {:.2}), {MANY}-client {} flushes  {}",
            node1.flushes_per_op().unwrap_or(f64::NAN),
            per_sync.unwrap_or(f64::NAN),
            node16.flushes.unwrap_or(0),
            mark(ok)
        ),
        None => println!("  every acknowledged exchange device-flushed: NOT MEASURED (no flush counter)"),
    }

    let line = json!({
        "bench": "amser-node/exchanges",
        "secs_per_phase": secs,
        "cpus": cpus,
        "device": device.as_ref().map(|d| d.name.clone()),
        "raw_1": raw1.json(),
        "raw_16": raw16.json(),
        "node_1": node1.json(),
        "node_16": node16.json(),
        "diag_ledger_only_16": ledger16.json(),
        "ratio_node16_raw16": round(r16_raw, 4),
        "ratio_node1_raw1": round(r1_raw, 4),
        "ratio_node16_pg16": round(r16_pg, 4),
        "ratio_node1_pg1": round(r1_pg, 4),
        "pg_reference_measured_elsewhere": { "rate_1": PG_1_CLIENT_RATE, "p50_ms_1": PG_1_CLIENT_P50_MS, "rate_16": PG_16_CLIENTS_RATE },
        "est_exchanges_per_group_commit": batch_estimate.map(|b| round(b, 2)),
        "max_other_processes_cores": round(busiest, 2),
        "targets": {
            "rate_16_min": TARGET_16_RATE, "rate_16_met": met16,
            "p50_1_max_ms": TARGET_1_P50_MS, "p50_1_met": met1,
            "all_flushed_met": durable,
        },
    });
    println!();
    println!("{line}");
    drop(tmp);
    if strict && !(met16 && met1 && durable != Some(false)) {
        fail("a target was missed (AMSER_BENCH_STRICT=1)");
    }
}
