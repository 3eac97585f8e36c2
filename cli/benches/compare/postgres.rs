//! The reference a bank would use instead: a temporary PostgreSQL server
//! (Debian's, from /usr/lib/postgresql/*/bin) on a data directory under
//! the bench's work directory, reached only over a Unix socket in a
//! directory of its own (no TCP port), `fsync=on`, `synchronous_commit=on`;
//! `pgbench` runs exchange.pgbench with 1 and 16 clients.
//!
//! As root the server must not run as root: initdb, pg_ctl and the server
//! run as the `postgres` user (Debian's package creates it) through
//! `runuser -u postgres --`, and the data directory is handed to that user.
//!
//! p50: pgbench `--log` writes one line per transaction with its latency in
//! microseconds (field 3); the p50 is the median of every line of the timed
//! run, so it is a real percentile, not an average.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};

/// The pgbench script (one exchange per transaction).
const SCRIPT: &str = include_str!("exchange.pgbench");
/// Where Debian installs the server's versions.
const PG_LIB: &str = "/usr/lib/postgresql";
/// The user the server runs as when the bench runs as root.
const SERVER_USER: &str = "postgres";
/// Only names the socket file (.s.PGSQL.PORT) in our own socket directory;
/// the server listens on no TCP address.
const SOCKET_PORT: &str = "5432";
/// Accounts in the table: a pair for each of up to this many clients.
const MAX_CLIENTS: usize = 64;
/// Floor and ceiling (minutes) of every account: far from anything a run reaches.
const LIMIT_MINUTES: i64 = 60_000_000;
/// How long pg_ctl waits for the server to start or stop.
const PG_CTL_TIMEOUT_SECS: &str = "60";

/// What one pgbench run measured.
pub struct Bench {
    pub transactions: u64,
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// A running temporary server, stopped (and its directory removed) when dropped.
pub struct Postgres {
    bin: PathBuf,
    root: PathBuf,
    data: PathBuf,
    socket: PathBuf,
    as_root: bool,
    pub version: String,
}

/// The newest Debian server installed, or why there is none.
pub fn find() -> Result<PathBuf, String> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(PG_LIB)
        .map_err(|_| format!("no PostgreSQL server in {PG_LIB}"))?
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("postgres").exists() && bin.join("pgbench").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).ok_or_else(|| format!("no PostgreSQL server (with pgbench) in {PG_LIB}/*/bin"))
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn checked(what: &str, out: std::io::Result<Output>) -> Result<Output> {
    let out = out.with_context(|| format!("cannot run {what}"))?;
    if !out.status.success() {
        bail!("{what} failed ({}): {}{}", out.status, String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    }
    Ok(out)
}

impl Postgres {
    /// initdb in `root` (a new directory), start the server, create the tables.
    pub fn start(bin: &Path, root: &Path) -> Result<Postgres> {
        let as_root = is_root();
        let data = root.join("data");
        let socket = root.join("socket");
        std::fs::create_dir_all(&socket).with_context(|| format!("creating {}", socket.display()))?;
        if as_root {
            let out = checked("id -u postgres", Command::new("id").args(["-u", SERVER_USER]).output())
                .map_err(|e| anyhow!("running as root, the server needs the `{SERVER_USER}` user (Debian's package creates it): {e}"))?;
            let uid: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().context("the postgres user's uid")?;
            let gid = out_gid()?;
            for dir in [root, &socket] {
                std::os::unix::fs::chown(dir, Some(uid), Some(gid))
                    .with_context(|| format!("handing {} to {SERVER_USER}", dir.display()))?;
            }
        }
        std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o777)).context("socket directory permissions")?;
        let version =
            String::from_utf8_lossy(&checked("postgres --version", Command::new(bin.join("postgres")).arg("--version").output())?.stdout)
                .trim()
                .to_string();
        let pg = Postgres { bin: bin.to_path_buf(), root: root.to_path_buf(), data, socket, as_root, version };
        checked("initdb", pg.server_command("initdb").args(["-A", "trust", "-U", SERVER_USER, "-E", "UTF8", "-D"]).arg(&pg.data).output())?;
        let options = format!(
            "-c listen_addresses='' -k {} -p {SOCKET_PORT} -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections={}",
            pg.socket.display(),
            MAX_CLIENTS + 10
        );
        checked(
            "pg_ctl start",
            pg.server_command("pg_ctl")
                .args(["-w", "-t", PG_CTL_TIMEOUT_SECS, "-D"])
                .arg(&pg.data)
                .arg("-l")
                .arg(pg.root.join("server.log"))
                .args(["-o", &options, "start"])
                .output(),
        )?;
        pg.psql(&format!(
            "CREATE TABLE account (id int PRIMARY KEY, balance bigint NOT NULL, floor bigint NOT NULL, ceiling bigint NOT NULL, \
               CHECK (balance BETWEEN floor AND ceiling)); \
             CREATE TABLE exchange (id bigserial PRIMARY KEY, payer int NOT NULL REFERENCES account, payee int NOT NULL REFERENCES account, \
               minutes bigint NOT NULL, client_ref text NOT NULL UNIQUE, recorded_at timestamptz NOT NULL DEFAULT now()); \
             INSERT INTO account SELECT g, 0, -{LIMIT_MINUTES}, {LIMIT_MINUTES} FROM generate_series(1, {}) g;",
            2 * MAX_CLIENTS + 2
        ))?;
        pg.psql("VACUUM ANALYZE")?;
        // Start the timed runs from a clean state: nothing dirty from the setup.
        pg.psql("CHECKPOINT")?;
        std::fs::write(pg.root.join("exchange.pgbench"), SCRIPT).context("writing the pgbench script")?;
        Ok(pg)
    }

    /// A server program, as the server's user when we are root.
    fn server_command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", SERVER_USER, "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn client_command(&self, program: &str) -> Command {
        let mut c = Command::new(self.bin.join(program));
        c.arg("-h").arg(&self.socket).args(["-p", SOCKET_PORT, "-U", SERVER_USER]);
        c
    }

    fn psql(&self, sql: &str) -> Result<()> {
        checked("psql", self.client_command("psql").args(["-q", "-X", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", sql]).output())
            .map(|_| ())
    }

    /// pgbench with `clients` clients for `duration` (prepared statements,
    /// as an application server would use), per-transaction log for the p50.
    pub fn bench(&self, label: &str, clients: usize, duration: Duration) -> Result<Bench> {
        if clients > MAX_CLIENTS {
            bail!("at most {MAX_CLIENTS} pgbench clients (one pair of accounts each)");
        }
        let logs = self.root.join(format!("log-{label}"));
        std::fs::create_dir_all(&logs).with_context(|| format!("creating {}", logs.display()))?;
        let threads = clients.min(2);
        let out = checked(
            "pgbench",
            self.client_command("pgbench")
                .current_dir(&logs)
                .args(["-n", "-M", "prepared", "-c", &clients.to_string(), "-j", &threads.to_string()])
                .args(["-T", &duration.as_secs().max(1).to_string(), "--log", "--log-prefix", "tx", "-f"])
                .arg(self.root.join("exchange.pgbench"))
                .arg("postgres")
                .output(),
        )?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let failed = stdout.lines().find_map(|l| l.trim().strip_prefix("number of failed transactions:")).map(|s| s.trim().to_string());
        if let Some(f) = failed.filter(|f| !f.starts_with('0')) {
            bail!("pgbench: {f} transactions failed:\n{stdout}");
        }
        let mut latencies_us = Vec::new();
        for entry in std::fs::read_dir(&logs)?.flatten() {
            let text = std::fs::read_to_string(entry.path())?;
            for line in text.lines() {
                let us: u64 =
                    line.split_whitespace().nth(2).and_then(|f| f.parse().ok()).ok_or_else(|| anyhow!("bad pgbench log line: {line}"))?;
                latencies_us.push(us);
            }
        }
        let tps = stdout
            .lines()
            .find_map(|l| l.strip_prefix("tps = ").and_then(|r| r.split_whitespace().next()).and_then(|n| n.parse::<f64>().ok()))
            .ok_or_else(|| anyhow!("pgbench printed no tps:\n{stdout}"))?;
        if latencies_us.is_empty() {
            bail!("pgbench logged no transactions:\n{stdout}");
        }
        latencies_us.sort_unstable();
        let pct = |q: f64| latencies_us[((q * latencies_us.len() as f64).ceil() as usize).clamp(1, latencies_us.len()) - 1] as f64 / 1000.0;
        Ok(Bench { transactions: latencies_us.len() as u64, rate: tps, p50_ms: pct(0.5), p99_ms: pct(0.99) })
    }

    fn stop(&self) -> Result<()> {
        checked(
            "pg_ctl stop",
            self.server_command("pg_ctl").args(["-w", "-t", PG_CTL_TIMEOUT_SECS, "-m", "fast", "-D"]).arg(&self.data).arg("stop").output(),
        )
        .map(|_| ())
    }
}

/// The postgres user's group id.
fn out_gid() -> Result<u32> {
    let out = checked("id -g postgres", Command::new("id").args(["-g", SERVER_USER]).output())?;
    String::from_utf8_lossy(&out.stdout).trim().parse().context("the postgres user's gid")
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("[compare] stopping PostgreSQL: {e}");
        }
    }
}
