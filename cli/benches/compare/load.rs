//! The external load generator: Debian's `wrk` with a Lua script
//! (exchanges.lua) POSTing `/api/v1/exchanges` with a unique client_ref
//! per request; its `done()` hook prints one machine-readable line with the
//! request count, every answer that was not 201, and the p50/p99 from
//! wrk's own latency distribution.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;

/// The Lua script, written next to the bench's work files.
const SCRIPT: &str = include_str!("exchanges.lua");
/// The prefix of the line the script's `done()` prints.
const RESULT_PREFIX: &str = "AMSER_WRK ";
/// wrk's threads (the "2 threads"); never more than connections,
/// which wrk refuses.
const THREADS: usize = 2;
/// Per-request timeout given to wrk: a slower answer counts as an error.
const REQUEST_TIMEOUT: &str = "10s";

/// What one wrk run measured.
pub struct Load {
    /// Requests answered 201 (acknowledged exchanges).
    pub acknowledged: u64,
    pub secs: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Load {
    pub fn rate(&self) -> f64 {
        self.acknowledged as f64 / self.secs
    }
}

/// Whether wrk can be run, or why not.
pub fn available() -> Result<(), String> {
    match Command::new("wrk").arg("--version").output() {
        Ok(_) => Ok(()),
        Err(e) => Err(format!("wrk cannot be run ({e})")),
    }
}

/// One wrk run against `api_addr` with `connections` connections for
/// `duration`, between `pairs` of member codes. Fails if any answer was not
/// 201 or any request failed.
pub fn run(
    work: &Path,
    api_addr: &str,
    token: &str,
    phase: &str,
    connections: usize,
    duration: Duration,
    pairs: &[(String, String)],
) -> Result<Load> {
    let script = work.join("exchanges.lua");
    if !script.exists() {
        std::fs::write(&script, SCRIPT).with_context(|| format!("writing {}", script.display()))?;
    }
    let secs = duration.as_secs().max(1);
    let mut command = Command::new("wrk");
    command
        .arg(format!("-t{}", THREADS.min(connections)))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{secs}s"))
        .arg("--latency")
        .arg("--timeout")
        .arg(REQUEST_TIMEOUT)
        .arg("-s")
        .arg(&script)
        .arg(format!("http://{api_addr}"))
        .arg("--")
        .arg(token)
        .arg(phase);
    for (a, b) in pairs {
        command.arg(a).arg(b);
    }
    let out = command.output().context("running wrk")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("wrk failed ({}): {}{}", out.status, stdout, String::from_utf8_lossy(&out.stderr));
    }
    let line =
        stdout.lines().find_map(|l| l.strip_prefix(RESULT_PREFIX)).ok_or_else(|| anyhow!("wrk printed no result line:\n{stdout}"))?;
    let v: Value = serde_json::from_str(line).with_context(|| format!("wrk's result line is not JSON: {line}"))?;
    let field = |name: &str| v[name].as_u64().ok_or_else(|| anyhow!("wrk's result line has no {name}: {line}"));
    let requests = field("requests")?;
    let not_201 = field("not_201")?;
    let errors: u64 = ["errors_connect", "errors_read", "errors_write", "errors_timeout"].iter().map(|f| field(f).unwrap_or(0)).sum();
    if not_201 > 0 || errors > 0 {
        bail!(
            "phase {phase}: {not_201} of {requests} answers were not 201 (first: {}) and {errors} requests failed; every exchange must be acknowledged",
            v["first_bad"].as_str().unwrap_or("")
        );
    }
    Ok(Load {
        acknowledged: requests,
        secs: field("duration_us")? as f64 / 1e6,
        p50_ms: field("p50_us")? as f64 / 1000.0,
        p99_ms: field("p99_us")? as f64 / 1000.0,
    })
}
