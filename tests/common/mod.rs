//! What every end-to-end test needs: the banks the stories are set in, a
//! bank in a temporary directory, the real `amser` binary run against it, a
//! running node that is killed when the test ends (however it ends), and the
//! one blocking HTTP client for the API ([`Api`]).
//!
//! Map: this file (the banks' names, [`Bank`], [`Node`], [`Api`], journal
//! frames); `command` (the binary run to completion: [`Run`]); `wait`
//! (deadlines, polls, [`wait_for`], log tails); `federation`
//! (the three-bank harness, on loopback or in network namespaces);
//! `invariants` (DESIGN.md §4 across ledgers); `netns` (namespaces and
//! relays); `mount` (small filesystems that fill up or turn read-only).
//!
//! Nothing here waits by sleeping: a node is ready when it prints its one
//! ready line on stdout, and a process has finished when `wait` returns.
//! Deadlines exist only to turn a hang into a failure with a message.

// Each test file uses its own part of this module.
#![allow(dead_code)]

pub mod browser;
pub mod command;
pub mod federation;
pub mod invariants;
pub mod mount;
pub mod netns;
pub mod wait;

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::mpsc;

use amser_node::storage::journal::{FRAME_HEADER_BYTES, LENGTH_BYTES};
use serde_json::{json, Value};
use tempfile::TempDir;

use command::{amser_in, run_amser_in, within_deadline};
// Each test file uses its own part of these too.
#[allow(unused_imports)]
pub use command::{run_amser, Run};
#[allow(unused_imports)]
pub use wait::{log_tail, wait_for, DEADLINE, FAULT_WAIT, LOG_LINES, POLL, SLOW_POLL, WAIT};

/// The real binary Cargo built for these tests.
pub const AMSER: &str = env!("CARGO_BIN_EXE_amser");

/// A bank the stories are set in: the name, handle and region `amser init` gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BankName {
    pub name: &'static str,
    pub handle: &'static str,
    /// `[bank] region` (none when empty); the directory narrows searches by it.
    pub region: &'static str,
}

/// The home bank of every single-bank story, and the first of the federation.
pub const RHYMNEY: BankName = BankName { name: "Rhymney Time Bank", handle: "rhymney", region: "Caerphilly" };
/// The second bank of the federation stories.
pub const GWYNEDD: BankName = BankName { name: "Gwynedd Time Bank", handle: "gwynedd", region: "Gwynedd" };
/// The third: the one that is away, or never admitted, in some stories.
pub const CARDIFF: BankName = BankName { name: "Cardiff Time Bank", handle: "cardiff", region: "Cardiff" };
/// The federation's banks, in the order of their indexes (see `federation::R`).
pub const BANKS: [BankName; 3] = [RHYMNEY, GWYNEDD, CARDIFF];

/// One service date for an exchange that is sent again: in the past (so
/// never refused as a future date) and fixed, because the date is part of an
/// exchange's id and a retry on another day must still be the same exchange.
pub const SERVICE_DATE: &str = "2025-01-15";

/// A well-formed member code of the bank with this handle that no member
/// has: codes are six Crockford characters from a hash, so ZZZZ-ZZ comes up
/// once in about a billion, never in a test's few members.
pub fn unknown_code(handle: &str) -> String {
    format!("{handle}:ZZZZ-ZZ")
}

/// Where a node's API listens: loopback, port 0 (a free port the system
/// picks), so tests never collide and no port is fixed.
pub const API_LISTEN: &str = "127.0.0.1:0";
/// Where a node listens for peer banks, for the same reason.
pub const P2P_LISTEN: &str = "/ip4/127.0.0.1/tcp/0";

/// Special-needs and safeguarding texts in tests contain this tag, and no
/// log of a test run may: with `AMSER_TEST_LOGS=DIR` every bank's node log
/// and commands' stderr are copied into DIR when the bank is dropped, and
/// `.ci/scan-logs DIR` fails if the tag is in any of them.
pub const SAFEGUARDING_TAG: &str = "sgtag-7Hq2";

/// The environment variable naming where logs are collected (see [`SAFEGUARDING_TAG`]).
const COLLECT_LOGS: &str = "AMSER_TEST_LOGS";

/// A bank's data directory inside a temporary directory that is removed at the end.
pub struct Bank {
    /// Holds `bank/` (the data directory) and `node.log` (every node's stderr).
    _tmp: TempDir,
    pub dir: PathBuf,
    log: PathBuf,
    /// The network namespace its node and commands run in (see
    /// [`Bank::run_in`]); `None`: the test's own.
    netns: Option<String>,
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
        Bank { _tmp: tmp, dir, log, netns: None }
    }

    /// `amser init` of a new bank in a temporary directory.
    pub fn init(bank: BankName) -> Bank {
        let new = Bank::empty();
        new.create(bank);
        new
    }

    /// `amser init` here, in a directory that holds no bank yet (one made
    /// by [`Bank::empty`] and prepared first, say with a disk of its own).
    pub fn create(&self, bank: BankName) {
        self.amser(&["init", "--name", bank.name, "--handle", bank.handle, "--region", bank.region, "--json"]).ok();
    }

    /// From now on its node and every command run inside the network
    /// namespace `name` (see [`netns::Netns`]), where the node's API is.
    pub fn run_in(&mut self, name: &str) {
        self.netns = Some(name.to_string());
    }

    /// Runs `amser --data DIR ARGS...` to completion. Its stderr (errors,
    /// warnings: never a member's data) is kept beside the node's log.
    pub fn amser(&self, args: &[&str]) -> Run {
        let dir = self.dir.to_str().expect("utf-8 temp path");
        let mut all = vec!["--data", dir];
        all.extend_from_slice(args);
        let run = run_amser_in(self.netns.as_deref(), &all);
        if !run.stderr.is_empty() {
            if let Ok(mut f) = OpenOptions::new().create(true).append(true).open(self.cli_log()) {
                let _ = f.write_all(run.stderr.as_bytes());
            }
        }
        run
    }

    /// Where [`Bank::amser`] keeps the commands' stderr.
    fn cli_log(&self) -> PathBuf {
        self.log.with_file_name("cli-stderr.log")
    }

    /// `amser up` on loopback port 0, run to completion with `extra`
    /// arguments: for an `up` that must refuse to start (one that starts
    /// would run until the deadline; use [`Bank::up`] for that).
    pub fn amser_up(&self, extra: &[&str]) -> Run {
        let mut all = vec!["up", "--api-listen", API_LISTEN, "--p2p-listen", P2P_LISTEN];
        all.extend_from_slice(extra);
        self.amser(&all)
    }

    /// `amser ... --json`, which must succeed; its JSON document.
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        self.amser(&all).ok().json()
    }

    /// `amser exchange record ARGS... --json`, which must succeed.
    #[track_caller]
    pub fn record(&self, args: &[&str]) -> Value {
        let mut all = vec!["exchange", "record"];
        all.extend_from_slice(args);
        self.json(&all)
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

    /// Starts `amser up --api-listen 127.0.0.1:0 --json` (in the bank's
    /// namespace, if it has one) and waits for its
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
        let p2p_listen = options.p2p_listen.as_deref().unwrap_or(P2P_LISTEN);
        let log = OpenOptions::new().create(true).append(true).open(&self.log).expect("open node.log");
        let mut child = amser_in(self.netns.as_deref())
            .arg("--data")
            .arg(&self.dir)
            .args(["up", "--api-listen", API_LISTEN, "--p2p-listen", p2p_listen, "--json"])
            .args(&options.args)
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
            metrics_addr: None,
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
        node.metrics_addr = ready["metrics_addr"].as_str().map(str::to_string);
        node.token = self.token();
        if self.netns.is_none() {
            // In a namespace the API is reached through a relay: its owner waits (federation.rs).
            node.wait_opened()?;
        }
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
    /// host:port of `/metrics`, from the ready line, when it is on (`--metrics-listen`).
    pub metrics_addr: Option<String>,
    /// The bank's data directory (for `amser --data DIR ...` while it runs).
    pub data: PathBuf,
}

/// Extra settings for [`Bank::up_with`].
#[derive(Debug, Clone, Default)]
pub struct UpOptions {
    /// `--p2p-listen` (default [`P2P_LISTEN`]).
    pub p2p_listen: Option<String>,
    /// Environment variables for the node process (such as AMSER_WIRE_TAP).
    pub env: Vec<(String, String)>,
    /// More arguments to `amser up` (such as --accept-restore).
    pub args: Vec<String>,
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
        let child = self.child.take().expect("node still running");
        let pid = child.id();
        match within_deadline(child, |mut child| child.wait()) {
            Some(status) => status.expect("wait for the node"),
            None => panic!("the node (pid {pid}) did not exit within {DEADLINE:?}"),
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

    /// Waits until the node takes new work after its start (its admitted
    /// peers have answered, or cannot be reached), or says why it will not.
    pub fn wait_opened(&self) -> Result<(), String> {
        let (api, deadline) = (self.api(), std::time::Instant::now() + DEADLINE);
        loop {
            let status = api.try_send(reqwest::Method::GET, "/api/v1/status", Some(&self.token), None)?;
            if status.status == 200 && (status.body["opening"] != json!(true) || !status.body["halted"].is_null()) {
                return Ok(());
            }
            if std::time::Instant::now() >= deadline {
                return Err(format!("still asking its peers after {DEADLINE:?}: {}", status.text));
            }
            std::thread::sleep(POLL);
        }
    }

    /// A blocking client for this node's API.
    pub fn api(&self) -> Api {
        Api::new(&self.addr, &self.token)
    }
}

impl Drop for Bank {
    /// Keeps this bank's logs for the run's scan (see [`SAFEGUARDING_TAG`]).
    fn drop(&mut self) {
        let Some(into) = std::env::var_os(COLLECT_LOGS) else { return };
        let into = PathBuf::from(into);
        let stem = self._tmp.path().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for from in [self.log.clone(), self.cli_log()] {
            if let Some(name) = from.file_name() {
                let _ = std::fs::create_dir_all(&into);
                let _ = std::fs::copy(&from, into.join(format!("{stem}-{}", name.to_string_lossy())));
            }
        }
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
    /// The body, which must be JSON (every route answers JSON).
    #[track_caller]
    pub fn json(&self) -> &Value {
        if self.body.is_null() {
            let parsed: Value = serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text));
            assert!(parsed.is_null());
        }
        &self.body
    }

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

    /// One page of the list at `path` (GET, which must answer 200), from
    /// `cursor`: the answer, and its `next`.
    #[track_caller]
    pub fn page(&self, path: &str, cursor: Option<&str>) -> (Value, Option<String>) {
        let full = match cursor {
            Some(c) => format!("{path}{}cursor={c}", if path.contains('?') { '&' } else { '?' }),
            None => path.to_string(),
        };
        let a = self.get(&full);
        assert_eq!(a.status, 200, "GET {full}: {}", a.text);
        let next = a.body["next"].as_str().map(str::to_string);
        (a.body, next)
    }

    /// Every item of the paged list at `path`, following `next` to the last page.
    #[track_caller]
    pub fn get_all(&self, path: &str) -> Vec<Value> {
        self.get_all_of(path, "items")
    }

    /// Every page's `field` array of the list at `path`, joined.
    #[track_caller]
    pub fn get_all_of(&self, path: &str, field: &str) -> Vec<Value> {
        let (mut all, mut cursor) = (Vec::new(), None);
        loop {
            let (page, next) = self.page(path, cursor.as_deref());
            all.extend(page[field].as_array().unwrap_or_else(|| panic!("GET {path}: no {field}: {page}")).iter().cloned());
            match next {
                Some(n) => cursor = Some(n),
                None => return all,
            }
        }
    }

    /// GET /api/v1/balances with every page's accounts: the first page's
    /// answer (clearing accounts, sum) with the accounts of them all.
    #[track_caller]
    pub fn balances(&self) -> Value {
        let (mut first, _) = self.page("/api/v1/balances", None);
        first["accounts"] = Value::Array(self.get_all_of("/api/v1/balances", "accounts"));
        first
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
