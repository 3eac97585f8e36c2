//! One real `amser` node as a child process: `amser init` on a data
//! directory under the bench's work directory (under target/, never /tmp,
//! which may be tmpfs), the API's rate limit turned off in its config.toml,
//! `amser up` on 127.0.0.1 port 0 with the address read from the node's
//! ready line, and the CPU the process has used (/proc/PID/stat).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use amser_node::config::Config;
use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;

/// How long a node may take to print its ready line.
const READY_DEADLINE: Duration = Duration::from_secs(60);
/// How long a node may take to exit after SIGTERM before it is killed.
const STOP_DEADLINE: Duration = Duration::from_secs(30);
/// /proc reports CPU times in USER_HZ ticks, which Linux fixes at 100 per second.
pub const US_PER_TICK: f64 = 10_000.0;
/// Loopback, port 0: the system picks a free port; the node says which.
const API_LISTEN: &str = "127.0.0.1:0";
const P2P_LISTEN: &str = "/ip4/127.0.0.1/tcp/0";

/// A running `amser up`, stopped (SIGTERM, then SIGKILL) when dropped.
pub struct NodeProcess {
    child: Child,
    /// Its stderr (the node's log).
    pub log: PathBuf,
    /// host:port of the API, from the ready line.
    pub api_addr: String,
    pub token: String,
    pub bank_id: String,
    /// Where peer banks reach it (multiaddrs ending in /p2p/<bank id>).
    pub p2p_listen: Vec<String>,
}

impl NodeProcess {
    /// `amser init` of a new bank at `dir` (which must not exist yet), the
    /// rate limit off, then `amser up`; returns once the node is ready.
    pub fn start(amser: &Path, dir: &Path, name: &str, handle: &str) -> Result<NodeProcess> {
        let init = Command::new(amser)
            .arg("--data")
            .arg(dir)
            .args(["init", "--name", name, "--handle", handle, "--json"])
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("cannot run {}", amser.display()))?;
        if !init.status.success() {
            bail!("`amser init` failed ({}): {}", init.status, String::from_utf8_lossy(&init.stderr));
        }
        // The API's rate limit is off: this measures how fast the node can go.
        let config_path = dir.join("config.toml");
        let mut config = Config::load(&config_path).with_context(|| format!("reading {}", config_path.display()))?;
        config.api.rate_per_second = 0;
        config.save(&config_path).with_context(|| format!("writing {}", config_path.display()))?;
        let token = std::fs::read_to_string(dir.join("api-token")).context("reading the API token")?.trim().to_string();

        let log_path = dir.with_extension("log");
        let log = std::fs::File::create(&log_path).context("creating the node's log file")?;
        let mut child = Command::new(amser)
            .arg("--data")
            .arg(dir)
            .args(["up", "--api-listen", API_LISTEN, "--p2p-listen", P2P_LISTEN, "--json"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .context("starting `amser up`")?;
        let stdout = child.stdout.take().context("the node's stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let first = reader.read_line(&mut line).map(|_| line);
            let _ = tx.send(first);
            // Keep draining so the node never writes into a closed pipe.
            let mut rest = Vec::new();
            let _ = reader.read_to_end(&mut rest);
        });
        let mut node = NodeProcess { child, log: log_path, api_addr: String::new(), token, bank_id: String::new(), p2p_listen: vec![] };
        let line = match rx.recv_timeout(READY_DEADLINE) {
            Ok(Ok(line)) if !line.trim().is_empty() => line,
            Ok(Ok(_)) => bail!("the node exited without a ready line; see {}", node.log.display()),
            Ok(Err(e)) => bail!("reading the node's stdout: {e}"),
            Err(_) => bail!("no ready line within {READY_DEADLINE:?}; see {}", node.log.display()),
        };
        let ready: Value = serde_json::from_str(&line).with_context(|| format!("the node's first line is not its ready JSON: {line}"))?;
        if let Some(err) = ready.get("error") {
            bail!("the node refused to start: {err}");
        }
        node.api_addr = ready["api_addr"].as_str().ok_or_else(|| anyhow!("ready line without api_addr: {line}"))?.to_string();
        node.bank_id = ready["bank_id"].as_str().unwrap_or_default().to_string();
        node.p2p_listen =
            ready["p2p_listen"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default();
        Ok(node)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// utime + stime of the node process so far, in ticks (all its threads;
    /// clients run in other processes, so they are not in it).
    pub fn cpu_ticks(&self) -> Result<u64> {
        let path = format!("/proc/{}/stat", self.pid());
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        parse_cpu_ticks(&text).ok_or_else(|| anyhow!("{path} has no utime/stime fields: {text}"))
    }

    /// SIGTERM and wait for a clean exit (SIGKILL after [`STOP_DEADLINE`]).
    pub fn stop(mut self) -> Result<()> {
        self.terminate()
    }

    fn terminate(&mut self) -> Result<()> {
        if self.child.try_wait()?.is_some() {
            return Ok(());
        }
        // SAFETY: kill(2) on the pid of our own child, which has not been reaped.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let start = std::time::Instant::now();
        while start.elapsed() < STOP_DEADLINE {
            if let Some(status) = self.child.try_wait()? {
                return if status.success() { Ok(()) } else { Err(anyhow!("the node exited with {status} after SIGTERM")) };
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        bail!("the node did not exit within {STOP_DEADLINE:?} of SIGTERM; killed")
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.terminate();
    }
}

/// utime + stime (fields 14 and 15) from a /proc/PID/stat line.
fn parse_cpu_ticks(text: &str) -> Option<u64> {
    let rest: Vec<&str> = text[text.rfind(')')? + 1..].split_whitespace().collect();
    Some(rest.get(11)?.parse::<u64>().ok()? + rest.get(12)?.parse::<u64>().ok()?)
}
