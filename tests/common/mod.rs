//! What every end-to-end test needs: a bank in a temporary directory, the
//! real `amser` binary run against it, a running node that is killed when
//! the test ends (however it ends), and a small HTTP client for the API.
//!
//! Nothing here waits by sleeping: a node is ready when it prints its one
//! ready line on stdout, and a process has finished when `wait` returns.
//! Deadlines exist only to turn a hang into a failure with a message.

// Each test file uses its own part of this module.
#![allow(dead_code)]

pub mod invariants;
pub mod mount;
pub mod netns;

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use amser_node::storage::journal::{FRAME_HEADER_BYTES, LENGTH_BYTES};
use serde_json::{json, Value};
use tempfile::TempDir;

/// The real binary Cargo built for these tests.
pub const AMSER: &str = env!("CARGO_BIN_EXE_amser");

/// The longest any one command or node start may take before the test fails
/// (a deadline against hangs, never a way to wait for something).
pub const DEADLINE: Duration = Duration::from_secs(60);

/// A command for the binary with no stray settings from the environment.
fn amser() -> Command {
    amser_in(None)
}

/// The same, run inside a network namespace when one is given.
fn amser_in(netns: Option<&str>) -> Command {
    let mut c = match netns {
        Some(name) => {
            // `ip netns exec` enters the namespace and then execs the binary: same pid.
            let mut c = Command::new("ip");
            c.args(["netns", "exec", name, AMSER]);
            c
        }
        None => Command::new(AMSER),
    };
    c.env_remove("AMSER_DATA").env("AMSER_LOG", "info,sled=warn").env("NO_COLOR", "1");
    c
}

/// What a finished `amser` command did.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// Asserts the command succeeded and returns itself.
    #[track_caller]
    pub fn ok(&self) -> &Run {
        assert!(
            self.status.success(),
            "`amser {}` failed ({}):\nstdout: {}\nstderr: {}",
            self.args.join(" "),
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts the command failed (non-zero exit) and returns itself.
    #[track_caller]
    pub fn failed(&self) -> &Run {
        assert!(
            !self.status.success(),
            "`amser {}` should have failed but succeeded:\nstdout: {}\nstderr: {}",
            self.args.join(" "),
            self.stdout,
            self.stderr
        );
        assert_eq!(
            self.status.code(),
            Some(1),
            "`amser {}` should exit with 1, not {}; stderr: {}",
            self.args.join(" "),
            self.status,
            self.stderr
        );
        self
    }

    /// Stdout as one JSON document.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("`amser {}` did not print one JSON document ({e}):\n{}\nstderr: {}", self.args.join(" "), self.stdout, self.stderr)
        })
    }

    /// Every JSON document on stdout, in order.
    #[track_caller]
    pub fn json_stream(&self) -> Vec<Value> {
        serde_json::Deserializer::from_str(&self.stdout)
            .into_iter::<Value>()
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_else(|e| panic!("`amser {}` printed something that is not JSON ({e}):\n{}", self.args.join(" "), self.stdout))
    }

    /// For a failed `--json` command: the `{"error": {"code", "message"}}` it
    /// printed on stdout, checked for shape. Returns (code, message).
    #[track_caller]
    pub fn json_error(&self) -> (String, String) {
        self.failed();
        let docs = self.json_stream();
        let err = docs
            .iter()
            .find_map(|d| d.get("error"))
            .unwrap_or_else(|| panic!("`amser {}` printed no {{\"error\": ...}} document:\n{}", self.args.join(" "), self.stdout));
        let code = err["code"].as_str().unwrap_or_else(|| panic!("error without a code: {err}")).to_string();
        let message = err["message"].as_str().unwrap_or_else(|| panic!("error without a message: {err}")).to_string();
        assert!(!code.is_empty() && !message.is_empty(), "empty error code or message: {err}");
        (code, message)
    }

    /// For a failed command without `--json`: the sentence on stderr.
    #[track_caller]
    pub fn error_text(&self) -> String {
        self.failed();
        assert!(
            self.stderr.contains("error: "),
            "`amser {}` failed without saying why on stderr:\nstdout: {}\nstderr: {}",
            self.args.join(" "),
            self.stdout,
            self.stderr
        );
        self.stderr.clone()
    }
}

/// Runs the binary with `args` to completion, failing the test if it takes
/// longer than [`DEADLINE`].
pub fn run_amser(args: &[&str]) -> Run {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let child =
        amser().args(&args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start the amser binary");
    let pid = child.id() as libc::pid_t;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(Ok(out)) => Run {
            args,
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        },
        Ok(Err(e)) => panic!("`amser {}`: {e}", args.join(" ")),
        Err(_) => {
            // SAFETY: kill(2) on the pid of our own child, which has not been reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("`amser {}` did not finish within {DEADLINE:?}", args.join(" "))
        }
    }
}

/// A bank's data directory inside a temporary directory that is removed at the end.
pub struct Bank {
    /// Holds `bank/` (the data directory) and `node.log` (every node's stderr).
    _tmp: TempDir,
    pub dir: PathBuf,
    log: PathBuf,
}

impl Bank {
    /// A temporary directory with no bank in it yet.
    pub fn empty() -> Bank {
        Bank::empty_in_tmp(tempfile::Builder::new().prefix("amser-test-").tempdir().expect("temp dir"))
    }

    /// The same, inside `parent` (for a test that needs a real block device).
    pub fn empty_in(parent: &Path) -> Bank {
        Bank::empty_in_tmp(tempfile::Builder::new().prefix("amser-test-").tempdir_in(parent).expect("temp dir"))
    }

    fn empty_in_tmp(tmp: TempDir) -> Bank {
        let dir = tmp.path().join("bank");
        let log = tmp.path().join("node.log");
        Bank { _tmp: tmp, dir, log }
    }

    /// `amser init` of a new bank in a temporary directory.
    pub fn init(name: &str, handle: &str) -> Bank {
        let bank = Bank::empty();
        bank.amser(&["init", "--name", name, "--handle", handle, "--json"]).ok();
        bank
    }

    /// Runs `amser --data DIR ARGS...` to completion.
    pub fn amser(&self, args: &[&str]) -> Run {
        let dir = self.dir.to_str().expect("utf-8 temp path");
        let mut all = vec!["--data", dir];
        all.extend_from_slice(args);
        run_amser(&all)
    }

    /// `amser ... --json`, which must succeed; its JSON document.
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        self.amser(&all).ok().json()
    }

    pub fn journal(&self) -> PathBuf {
        self.dir.join("journal.amj")
    }

    pub fn api_addr_file(&self) -> PathBuf {
        self.dir.join("api.addr")
    }

    pub fn token(&self) -> String {
        std::fs::read_to_string(self.dir.join("api-token")).expect("read api-token").trim().to_string()
    }

    /// What the nodes of this bank wrote on stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Starts `amser up --api-listen 127.0.0.1:0 --json` and waits for its
    /// ready line; panics with the node's log if it does not start.
    #[track_caller]
    pub fn up(&self) -> Node {
        match self.try_up() {
            Ok(node) => node,
            Err(e) => panic!("the node did not start: {e}"),
        }
    }

    /// Starts the node; `Err` with what it printed if it exits instead of
    /// becoming ready.
    pub fn try_up(&self) -> Result<Node, String> {
        self.try_up_with(&UpOptions::default())
    }

    /// [`Bank::up`] with extra settings (p2p address, environment).
    #[track_caller]
    pub fn up_with(&self, options: &UpOptions) -> Node {
        match self.try_up_with(options) {
            Ok(node) => node,
            Err(e) => panic!("the node did not start: {e}"),
        }
    }

    /// [`Bank::try_up`] with extra settings (p2p address, environment).
    pub fn try_up_with(&self, options: &UpOptions) -> Result<Node, String> {
        let p2p_listen = options.p2p_listen.as_deref().unwrap_or("/ip4/127.0.0.1/tcp/0");
        let log = OpenOptions::new().create(true).append(true).open(&self.log).expect("open node.log");
        let mut child = amser_in(options.netns.as_deref())
            .arg("--data")
            .arg(&self.dir)
            .args(["up", "--api-listen", "127.0.0.1:0", "--p2p-listen", p2p_listen, "--json"])
            .envs(options.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start `amser up`");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let first = reader.read_line(&mut line).map(|_| line);
            let _ = tx.send(first);
            // Keep draining so the node never writes into a closed pipe; ends at its exit.
            let mut rest = String::new();
            let _ = reader.read_to_string(&mut rest);
        });
        let mut node = Node {
            child: Some(child),
            addr: String::new(),
            token: String::new(),
            bank_id: String::new(),
            p2p_listen: Vec::new(),
            data: self.dir.clone(),
        };
        let line = match rx.recv_timeout(DEADLINE) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => return Err(format!("reading its stdout: {e}")),
            Err(_) => return Err(format!("no ready line within {DEADLINE:?}; log:\n{}", self.log())),
        };
        if line.trim().is_empty() {
            let status = node.wait();
            return Err(format!("it exited ({status}) without a ready line; log:\n{}", self.log()));
        }
        let ready: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                let status = node.wait();
                return Err(format!("its first line is not the ready JSON ({e}), exit {status}: {line}\nlog:\n{}", self.log()));
            }
        };
        if let Some(err) = ready.get("error") {
            let status = node.wait();
            return Err(format!("it refused ({status}): {err}"));
        }
        node.addr = ready["api_addr"].as_str().unwrap_or_else(|| panic!("ready line without api_addr: {line}")).to_string();
        node.bank_id = ready["bank_id"].as_str().unwrap_or_default().to_string();
        node.p2p_listen =
            ready["p2p_listen"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default();
        node.token = self.token();
        Ok(node)
    }

    /// Adds a member with `amser member add --json`; returns its code.
    #[track_caller]
    pub fn add_member(&self, name: &str, kind: &str) -> String {
        let v = self.json(&["member", "add", "--name", name, "--kind", kind]);
        assert_eq!(v["name"], json!(name), "{v}");
        assert_eq!(v["kind"], json!(kind), "{v}");
        assert_eq!(v["status"], json!("active"), "{v}");
        assert_eq!(v["balance_minutes"], json!(0), "{v}");
        v["code"].as_str().expect("member code").to_string()
    }

    /// A member's balance in minutes, from `amser balance CODE --json`.
    #[track_caller]
    pub fn balance(&self, code: &str) -> i64 {
        let v = self.json(&["balance", code]);
        assert_eq!(v["code"], json!(code), "{v}");
        v["minutes"].as_i64().unwrap_or_else(|| panic!("no minutes in {v}"))
    }

    /// The journal position and every balance: what must not move when a
    /// request is refused.
    #[track_caller]
    pub fn snapshot(&self) -> Snapshot {
        let status = self.json(&["status"]);
        let balances = self.json(&["balance"]);
        assert_eq!(balances["sum_minutes"], json!(0), "balances must sum to zero: {balances}");
        Snapshot {
            journal_seq: status["journal_seq"].as_u64().expect("journal_seq"),
            journal_head: status["journal_head"].as_str().expect("journal_head").to_string(),
            balances: balances["accounts"].clone(),
        }
    }
}

/// The state a refused request must leave exactly as it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub journal_seq: u64,
    pub journal_head: String,
    pub balances: Value,
}

/// A running `amser up`. Dropping it SIGKILLs the process and reaps it, so
/// no node outlives its test.
pub struct Node {
    child: Option<Child>,
    /// host:port of the API, from the ready line.
    pub addr: String,
    pub token: String,
    pub bank_id: String,
    /// Where peer banks reach it, from the ready line (each ends in /p2p/<bank id>).
    pub p2p_listen: Vec<String>,
    /// The bank's data directory (for `amser --data DIR ...` while it runs).
    pub data: PathBuf,
}

/// Extra settings for [`Bank::up_with`].
#[derive(Debug, Clone, Default)]
pub struct UpOptions {
    /// `--p2p-listen` (default /ip4/127.0.0.1/tcp/0).
    pub p2p_listen: Option<String>,
    /// Environment variables for the node process (such as AMSER_WIRE_TAP).
    pub env: Vec<(String, String)>,
    /// Runs the node inside this network namespace (see [`netns::Netns`]);
    /// its API is then reachable only through a [`netns::Relay`] into it.
    pub netns: Option<String>,
}

impl Node {
    pub fn pid(&self) -> libc::pid_t {
        self.child.as_ref().expect("node still running").id() as libc::pid_t
    }

    /// Sends `signal` to the node without waiting for anything.
    pub fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill(2) on the pid of our own child, which has not been reaped.
        let r = unsafe { libc::kill(self.pid(), signal) };
        assert_eq!(r, 0, "kill({}, {signal}) failed", self.pid());
    }

    /// Waits for a node that was signalled (or is exiting) to exit, and reaps it.
    pub fn wait_for_exit(mut self) -> ExitStatus {
        self.wait()
    }

    /// Waits for the process to exit (it must be exiting already).
    fn wait(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("node still running");
        let pid = child.id() as libc::pid_t;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        match rx.recv_timeout(DEADLINE) {
            Ok(status) => status.expect("wait for the node"),
            Err(_) => {
                // SAFETY: as above; the waiting thread reaps it.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                panic!("the node (pid {pid}) did not exit within {DEADLINE:?}")
            }
        }
    }

    /// Sends SIGTERM and waits for the node to finish shutting down.
    pub fn terminate(mut self) -> ExitStatus {
        self.signal(libc::SIGTERM);
        self.wait()
    }

    /// SIGKILL (kill -9) and reap: a crash.
    pub fn kill(mut self) -> ExitStatus {
        self.signal(libc::SIGKILL);
        self.wait()
    }

    /// A blocking client for this node's API.
    pub fn api(&self) -> Api {
        Api::new(&self.addr, &self.token)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An HTTP answer: status and body (JSON when it parses, else `Value::Null`),
/// with the raw text for messages.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
    pub text: String,
}

impl Answer {
    /// Asserts an API error of this status and code; returns its message.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> String {
        assert_eq!(self.status, status, "expected HTTP {status} {code}, got {}: {}", self.status, self.text);
        assert!(
            self.content_type.starts_with("application/json"),
            "an error must be JSON, got content-type '{}': {}",
            self.content_type,
            self.text
        );
        assert_eq!(self.body["error"]["code"], json!(code), "wrong error code: {}", self.text);
        let message = self.body["error"]["message"].as_str().unwrap_or_else(|| panic!("error without a message: {}", self.text));
        assert!(!message.is_empty());
        message.to_string()
    }
}

/// A blocking wrapper around reqwest for tests that are not async.
pub struct Api {
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    pub fn new(addr: &str, token: &str) -> Api {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
        let http = reqwest::Client::builder().timeout(DEADLINE).build().expect("http client");
        Api { rt, http, base: format!("http://{addr}"), token: token.to_string() }
    }

    /// Sends a request; `token` None sends no Authorization header; `body`
    /// is sent as given, with `content_type` when given.
    pub fn send(&self, method: reqwest::Method, path: &str, token: Option<&str>, body: Option<(Vec<u8>, &str)>) -> Answer {
        self.try_send(method, path, token, body).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Api::send`] that reports a request that got no answer (the node
    /// died, or is not there) instead of failing the test.
    pub fn try_send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<(Vec<u8>, &str)>,
    ) -> Result<Answer, String> {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some((bytes, content_type)) = body {
            req = req.header(reqwest::header::CONTENT_TYPE, content_type).body(bytes);
        }
        self.rt.block_on(async {
            let resp = req.send().await.map_err(|e| format!("request to {path} failed: {e}"))?;
            let status = resp.status().as_u16();
            let content_type = resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            let text = resp.text().await.map_err(|e| format!("reading the answer from {path}: {e}"))?;
            let body = serde_json::from_str(&text).unwrap_or(Value::Null);
            Ok(Answer { status, content_type, body, text })
        })
    }

    /// POST of a JSON body that may get no answer (see [`Api::try_send`]).
    pub fn try_post(&self, path: &str, body: &Value) -> Result<Answer, String> {
        self.try_send(reqwest::Method::POST, path, Some(&self.token), Some((body.to_string().into_bytes(), "application/json")))
    }

    pub fn get(&self, path: &str) -> Answer {
        self.send(reqwest::Method::GET, path, Some(&self.token), None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(reqwest::Method::POST, path, Some(&self.token), Some((body.to_string().into_bytes(), "application/json")))
    }
}

/// The frames of a journal file: (offset of the frame, payload length).
/// Format: 8-byte magic "AMSERJ01", then per entry a u32 LE length, an
/// 8-byte checksum and the postcard payload.
pub fn journal_frames(path: &Path) -> Vec<(usize, usize)> {
    let mut bytes = Vec::new();
    File::open(path).and_then(|mut f| f.read_to_end(&mut bytes)).expect("read the journal");
    assert_eq!(&bytes[..8], b"AMSERJ01", "journal magic");
    let mut frames = Vec::new();
    let mut at = 8;
    while at < bytes.len() {
        assert!(at + FRAME_HEADER_BYTES <= bytes.len(), "a frame header runs past the end of the journal at byte {at}");
        let len = u32::from_le_bytes(bytes[at..at + LENGTH_BYTES].try_into().expect("4 bytes")) as usize;
        assert!(at + FRAME_HEADER_BYTES + len <= bytes.len(), "frame at byte {at} runs past the end");
        frames.push((at, len));
        at += FRAME_HEADER_BYTES + len;
    }
    frames
}

/// Polls `probe` every `poll` until it gives a value; after `wait` fails the
/// test with `what` and `context()` (the nodes' logs, say). A sleep here is
/// the poll interval, never a guess at how long something takes.
#[track_caller]
pub fn wait_for<T>(what: &str, wait: Duration, poll: Duration, mut probe: impl FnMut() -> Option<T>, context: impl Fn() -> String) -> T {
    let start = std::time::Instant::now();
    loop {
        if let Some(v) = probe() {
            return v;
        }
        if start.elapsed() > wait {
            panic!("waited {wait:?} for {what}\n{}", context());
        }
        std::thread::sleep(poll);
    }
}

/// Lines of each node's log shown when a test fails (AMSER_TEST_LOG_LINES overrides).
pub const LOG_LINES: usize = 60;

/// The end of a bank's node log, under a heading, for failure messages.
pub fn log_tail(bank: &Bank, heading: &str) -> String {
    let lines = std::env::var("AMSER_TEST_LOG_LINES").ok().and_then(|v| v.parse().ok()).unwrap_or(LOG_LINES);
    let log = bank.log();
    let tail: Vec<&str> = log.lines().rev().take(lines).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    format!("----- {heading} log, last lines -----\n{}\n", tail.join("\n"))
}
