//! Issue 12's "small at any size": the node at 1,000,000 journal entries.
//!
//! [`measure`] builds a bank with `AMSER_FOOTPRINT_ENTRIES` journal entries
//! (default [`DEFAULT_ENTRIES`]) in process, through the node's own ledger
//! writer (real entries: members joined, then exchanges between them, each
//! decided and device-flushed), then runs the real `amser` binary on it as a
//! child process and reads what it costs:
//!
//! - `rebuild_s`, `rebuild_peak_rss_mib`: `state/` deleted, spawn until
//!   `/status` answers (the node rebuilds sled from the journal before it
//!   serves), and the process's peak resident memory then (VmHWM);
//! - `read_decode_s`: the reference, measured in the same run: scanning and
//!   decoding that journal with the node's own journal reader (checksums,
//!   decoding, the hash chain), in this process;
//! - `startup_s`: spawn until `/status` answers with the state intact (the
//!   median of [`STARTS`]);
//! - `rss_mib`: VmRSS after start-up and a burst of reads and writes;
//! - `data_dir_bytes_per_journal_byte`: what the data directory takes on
//!   disk (allocated blocks, like `du`) per byte of journal.
//!
//! The bank is kept in `work` (`footprint-<entries>/`) and reused by a
//! later run when it was finished (`built` marker), since building it takes
//! a minute; delete the folder to build it again. `Ok(None)` when the
//! measurement cannot run here (no `/proc`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command as Process, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use amser_node::clock::{Clock, SystemClock};
use amser_node::ledger::Command;
use amser_node::model::{ExchangeQuery, NewExchange, PageQuery};
use amser_node::storage::writer::{LedgerHandle, Reply};
use amser_node::{init, DataDir, Node, NodeOptions};
use amser_protocol::member::MemberProfile;
use amser_protocol::{Limits, MemberCode, MemberKind, Minutes, ServiceDate};
use anyhow::{anyhow, bail, Context};

/// What the node costs at a million entries (issue 12).
#[derive(Debug, Clone, PartialEq)]
pub struct Footprint {
    pub rss_mib: f64,
    pub startup_s: f64,
    pub rebuild_peak_rss_mib: f64,
    pub rebuild_s: f64,
    pub read_decode_s: f64,
    pub data_dir_bytes_per_journal_byte: f64,
}

/// Journal entries of the bank measured, unless `AMSER_FOOTPRINT_ENTRIES` says.
pub const DEFAULT_ENTRIES: u64 = 1_000_000;
/// Members of the bank (each one journal entry; the rest are exchanges).
const MEMBERS: u64 = 2_000;
/// Commands submitted at once while building (the writer groups them, up to
/// its batch size, into one fdatasync).
const BUILDERS: u64 = 512;
/// Start-ups measured with the state intact; the median is reported.
const STARTS: usize = 3;
/// Writes and reads in the burst before resident memory is read.
const BURST_WRITES: usize = 2_000;
const BURST_READS: usize = 2_000;
/// Concurrent clients of the burst.
const BURST_CLIENTS: usize = 16;
/// Longest the child may take to say it is up (a rebuild of a million entries included).
const READY_WAIT: Duration = Duration::from_secs(600);
const MIB: f64 = 1024.0 * 1024.0;

fn entries_wanted() -> u64 {
    std::env::var("AMSER_FOOTPRINT_ENTRIES").ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_ENTRIES)
}

/// Measures the node at [`DEFAULT_ENTRIES`] (or `AMSER_FOOTPRINT_ENTRIES`)
/// journal entries; `amser` is the binary to run, `work` a folder to build in.
pub fn measure(amser: &Path, work: &Path) -> anyhow::Result<Option<Footprint>> {
    if !Path::new("/proc/self/status").exists() {
        return Ok(None);
    }
    let entries = entries_wanted();
    if entries < MEMBERS + 2 {
        bail!("AMSER_FOOTPRINT_ENTRIES must be at least {}", MEMBERS + 2);
    }
    let root = work.join(format!("footprint-{entries}"));
    let dir = DataDir::new(root.join("bank"));
    if !root.join("built").exists() {
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root)?;
        let started = Instant::now();
        build(&dir, entries)?;
        std::fs::write(root.join("built"), b"")?;
        eprintln!("footprint: built a bank of {entries} journal entries in {:.1} s", started.elapsed().as_secs_f64());
    }
    let journal = dir.journal();

    // The reference: read and decode the journal with the node's own reader.
    let started = Instant::now();
    let mut decoded = 0u64;
    amser_node::storage::journal::scan(&journal, None, |_, _| {
        decoded += 1;
        Ok(())
    })?;
    let read_decode_s = started.elapsed().as_secs_f64();
    eprintln!("footprint: read and decoded {decoded} entries in {read_decode_s:.2} s");

    // Rebuild: no state, the node derives it from the journal before it serves.
    std::fs::remove_dir_all(dir.state()).with_context(|| format!("removing {}", dir.state().display()))?;
    let node = Running::start(amser, &dir)?;
    let rebuild_s = node.ready_s;
    let rebuild_peak_rss_mib = node.memory("VmHWM")? / MIB;
    node.stop()?;
    eprintln!("footprint: rebuilt in {rebuild_s:.2} s, peak {rebuild_peak_rss_mib:.0} MiB");

    // Start-up with the state intact.
    let mut starts = Vec::new();
    for _ in 0..STARTS - 1 {
        let node = Running::start(amser, &dir)?;
        starts.push(node.ready_s);
        node.stop()?;
    }
    let node = Running::start(amser, &dir)?;
    starts.push(node.ready_s);
    starts.sort_by(f64::total_cmp);
    let startup_s = starts[starts.len() / 2];
    node.burst(&dir)?;
    let rss_mib = node.memory("VmRSS")? / MIB;
    node.stop()?;
    eprintln!("footprint: start-ups {starts:.3?} s, resident after a burst {rss_mib:.1} MiB");

    let journal_bytes = std::fs::metadata(&journal)?.len() as f64;
    let dir_bytes = disk_usage(dir.root())? as f64;
    eprintln!("footprint: data directory {:.1} MB on disk, journal {:.1} MB", dir_bytes / 1e6, journal_bytes / 1e6);
    Ok(Some(Footprint {
        rss_mib,
        startup_s,
        rebuild_peak_rss_mib,
        rebuild_s,
        read_decode_s,
        data_dir_bytes_per_journal_byte: dir_bytes / journal_bytes,
    }))
}

/// Bytes allocated on disk under `path` (what `du` counts).
fn disk_usage(path: &Path) -> anyhow::Result<u64> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path)?;
    let mut total = meta.blocks() * 512;
    if meta.is_dir() {
        for e in std::fs::read_dir(path)? {
            total += disk_usage(&e?.path())?;
        }
    }
    Ok(total)
}

/// Creates the bank and writes its history through the node's ledger writer.
fn build(dir: &DataDir, entries: u64) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let (d, c) = (dir.clone(), clock.clone());
        tokio::task::spawn_blocking(move || init(&d, "Footprint Time Bank", "footprint", "Benchland", c)).await??;
        let mut config = amser_node::config::Config::load(&dir.config())?;
        config.api.rate_per_second = 0;
        config.save(&dir.config())?;
        let node = Node::start(dir.clone(), NodeOptions::loopback(clock.clone())).await?;
        let ledger = node.ledger().clone();
        let members = add_members(&ledger).await?;
        // The bank's opening entry and the members' are entries too.
        let exchanges = entries - 1 - MEMBERS;
        add_exchanges(&ledger, members, exchanges, ServiceDate::today(clock.now_ms())).await?;
        let head = ledger.acknowledged_seq();
        drop(ledger);
        node.shutdown().await;
        if head != entries {
            bail!("the bank has {head} journal entries, not {entries}");
        }
        Ok(())
    })
}

async fn add_members(ledger: &LedgerHandle) -> anyhow::Result<Vec<MemberCode>> {
    let tasks: Vec<_> = (0..MEMBERS)
        .map(|i| {
            let ledger = ledger.clone();
            tokio::spawn(async move {
                let profile = MemberProfile {
                    name: format!("Aelod {i:04} Jones"),
                    kind: MemberKind::Person,
                    contact: format!("01443 55{i:04}"),
                    skills_offered: vec![["gardening", "shopping", "lifts", "computers"][i as usize % 4].to_string()],
                    needs: vec![],
                    availability: "weekday mornings".into(),
                    special_needs: String::new(),
                    // Far from anything the history reaches, so no exchange is refused.
                    own_limits: Some(Limits { floor: Minutes(-600_000_000), ceiling: Minutes(600_000_000) }),
                };
                match ledger.submit(Command::AddMember { profile, joined: None }).await {
                    Ok(Reply::Member(m)) => Ok(m.code),
                    other => Err(anyhow!("a member was refused: {other:?}")),
                }
            })
        })
        .collect();
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await??);
    }
    Ok(codes)
}

async fn add_exchanges(ledger: &LedgerHandle, members: Vec<MemberCode>, count: u64, today: ServiceDate) -> anyhow::Result<()> {
    let members = Arc::new(members);
    let tasks: Vec<_> = (0..BUILDERS)
        .map(|w| {
            let (ledger, members) = (ledger.clone(), members.clone());
            tokio::spawn(async move {
                let n = members.len() as u64;
                let mut i = w;
                while i < count {
                    let p = (i * 7919) % n;
                    let r = (p + 1 + (i * 104_729) % (n - 1)) % n;
                    let command = Command::RecordExchange {
                        providers: vec![members[p as usize].clone()],
                        receivers: vec![members[r as usize].clone()],
                        minutes_each: Minutes(15 * (1 + (i % 8) as i64)),
                        category: ["gardening", "shopping", "lifts", "computers", "company"][i as usize % 5].into(),
                        note: String::new(),
                        date: Some(ServiceDate(today.0 - (i % 365) as i32)),
                        recorded_by: "footprint".into(),
                        client_ref: None,
                    };
                    ledger.submit(command).await.map_err(|e| anyhow!("an exchange was refused: {e}"))?;
                    i += BUILDERS;
                }
                Ok::<(), anyhow::Error>(())
            })
        })
        .collect();
    for t in tasks {
        t.await??;
    }
    Ok(())
}

/// A running `amser up`, stopped (SIGTERM, then waited for) by [`Running::stop`].
struct Running {
    child: Child,
    /// The API's address.
    addr: String,
    /// From spawn until `/status` answered.
    ready_s: f64,
}

impl Running {
    fn start(amser: &Path, dir: &DataDir) -> anyhow::Result<Running> {
        let started = Instant::now();
        let mut child = Process::new(amser)
            .args(["--json", "--data"])
            .arg(dir.root())
            .args(["up", "--api-listen", "127.0.0.1:0", "--p2p-listen", "/ip4/127.0.0.1/tcp/0"])
            .env("AMSER_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("running {}", amser.display()))?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        // The ready line comes once the node serves; a thread reads it so a
        // node that never gets there is stopped after READY_WAIT.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = tx.send(BufReader::new(stdout).read_line(&mut line).map(|_| line));
        });
        let line = match rx.recv_timeout(READY_WAIT) {
            Ok(Ok(line)) if !line.trim().is_empty() => line,
            other => {
                let _ = child.kill();
                let _ = child.wait();
                bail!("amser up did not say it was up within {} s: {other:?}", READY_WAIT.as_secs());
            }
        };
        let ready: serde_json::Value = serde_json::from_str(&line).with_context(|| format!("amser up's ready line: {line}"))?;
        let addr = ready["api_addr"].as_str().ok_or_else(|| anyhow!("no api_addr in {line}"))?.to_string();
        let mut node = Running { child, addr, ready_s: 0.0 };
        let token = dir.load_token()?;
        let client = amser_node::api::client::Client::new(&node.addr, &token)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(client.status())?;
        node.ready_s = started.elapsed().as_secs_f64();
        Ok(node)
    }

    /// A field of the child's `/proc/<pid>/status`, in bytes.
    fn memory(&self, field: &str) -> anyhow::Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line = status.lines().find(|l| l.starts_with(field)).ok_or_else(|| anyhow!("no {field} in /proc status"))?;
        let kib: f64 = line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).ok_or_else(|| anyhow!("bad line {line}"))?;
        Ok(kib * 1024.0)
    }

    /// Writes and reads over the API, from [`BURST_CLIENTS`] clients at once.
    fn burst(&self, dir: &DataDir) -> anyhow::Result<()> {
        let token = dir.load_token()?;
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        runtime.block_on(async {
            let client = amser_node::api::client::Client::new(&self.addr, &token)?;
            let codes: Vec<String> = client.members(&Default::default()).await?.items.into_iter().map(|m| m.code.to_string()).collect();
            if codes.len() < 2 {
                bail!("the bank has fewer than two members");
            }
            let codes = Arc::new(codes);
            let tasks: Vec<_> = (0..BURST_CLIENTS)
                .map(|c| {
                    let (client, codes) = (client.clone(), codes.clone());
                    tokio::spawn(async move {
                        for i in (c..BURST_WRITES.max(BURST_READS)).step_by(BURST_CLIENTS) {
                            let (p, r) = (&codes[i % codes.len()], &codes[(i + 1) % codes.len()]);
                            if i < BURST_WRITES {
                                let new = NewExchange {
                                    providers: vec![p.clone()],
                                    receivers: vec![r.clone()],
                                    hours: None,
                                    minutes: Some(30),
                                    category: "lifts".into(),
                                    note: String::new(),
                                    date: None,
                                    client_ref: None,
                                };
                                client.record_exchange(&new).await?;
                            }
                            if i < BURST_READS {
                                match i % 3 {
                                    0 => drop(client.exchanges(&ExchangeQuery { limit: Some(100), ..Default::default() }).await?),
                                    1 => drop(client.member_exchanges(p, &PageQuery::default()).await?),
                                    _ => drop(client.balance(r).await?),
                                }
                            }
                        }
                        Ok::<(), anyhow::Error>(())
                    })
                })
                .collect();
            for t in tasks {
                t.await??;
            }
            Ok(())
        })
    }

    fn stop(mut self) -> anyhow::Result<()> {
        // SAFETY: kill(2) on our own child's pid, which we have not waited for yet.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let status = self.child.wait()?;
        if !status.success() {
            bail!("amser up ended with {status}");
        }
        Ok(())
    }
}
