//! The three-bank harness shared by the federation stories
//! (tests/federation.rs) and the fault harness (tests/faults.rs): Rhymney,
//! Gwynedd and Cardiff, each the real `amser up` on its own data directory.
//!
//! Map: [`Layout`] (what differs between the two: where the nodes run, the
//! wire tap, how long a wait lasts); [`Site`] (one bank: its node, a client
//! for its API, its wire tap, and in namespaces its API relay); [`Federation`]
//! (the three: admitting, stopping and starting, waiting, settling, and in
//! namespaces cutting, healing and slowing links); [`Tapped`] (one message
//! the wire tap saw).
//!
//! ```text
//!   loopback:    test ──► node R, G, C on 127.0.0.1; each admits the others at their own p2p addresses
//!   namespaces:  test ──► API relay ──► node (in its own namespace)
//!                node i ──► relay i→j (in i's namespace) ──► node j; each admits the others at relay addresses
//! ```
//!
//! On loopback a restarted node listens on a new p2p port and each story
//! decides who is told ([`Federation::readdress`]); in namespaces the relays
//! follow the node, so admitted addresses never change. Commands (`amser peer
//! add`, `amser member add`) run where the node runs, in its namespace if it
//! has one, as its operator would run them on its machine.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::ops::Index;
use std::path::PathBuf;
use std::time::Duration;

use amser_node::federation::swarm::WIRE_TAP_ENV;
use serde_json::{json, Value};

use super::invariants::{check_invariants, clearing_of};
use super::mount::Mounted;
use super::netns::{Netns, Relay};
use super::{log_tail, wait_for, Api, Bank, BankName, Node, UpOptions, BANKS, POLL, WAIT};

/// Rhymney's index in a [`Federation`] (and in [`BANKS`]).
pub const R: usize = 0;
/// Gwynedd's.
pub const G: usize = 1;
/// Cardiff's.
pub const C: usize = 2;

/// Trust line (hours) each bank extends to the others in the stories unless
/// one says otherwise: twice a member's 10 h floor, so the few hours any
/// story moves between two banks never come near it, and the only refusal a
/// story sees is one it sets up with a narrower line.
pub const TRUST: &str = "20";

/// How a federation is laid out: what differs between the stories and the
/// fault harness.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Each node writes every message it sends other banks to a file ([`Site::tapped`]).
    pub wire_tap: bool,
    /// `Some(run)`: each node in its own network namespace, reachable only
    /// through relays the test controls (see netns.rs), so that links can be
    /// cut; `run` tells one run's namespaces from another's. `None`: every
    /// node on the test's own loopback, reached directly.
    pub namespaces: Option<u64>,
    /// The longest any awaited condition may take before the test fails.
    pub wait: Duration,
    /// Time between two looks at a condition.
    pub poll: Duration,
    /// `Some(megabytes)`: each bank's data directory on an ext4 disk of its
    /// own (see mount.rs), which a test can fill or turn read-only under the
    /// running node. Needs root.
    pub disk_megabytes: Option<u64>,
}

impl Layout {
    /// Every node on loopback, with the stories' waits.
    pub fn loopback(wire_tap: bool) -> Layout {
        Layout { wire_tap, namespaces: None, wait: WAIT, poll: POLL, disk_megabytes: None }
    }

    /// Every node in its own namespace, with the stories' waits (the fault
    /// harness sets its own).
    pub fn namespaces(run: u64) -> Layout {
        Layout { wire_tap: false, namespaces: Some(run), wait: WAIT, poll: POLL, disk_megabytes: None }
    }
}

/// One bank: its data directory and, while it runs, its node.
pub struct Site {
    // Fields drop in order: the client and the node go before the relay and
    // namespace they use, and all of them before the directory.
    api: Option<Api>,
    node: Option<Node>,
    /// In namespaces: the relay the test reaches the API through (its
    /// address stays the same across restarts).
    api_relay: Option<Relay>,
    /// In namespaces: the node's own network namespace.
    ns: Option<Netns>,
    pub handle: &'static str,
    /// The bank id (its libp2p peer id), the same across restarts.
    pub id: String,
    /// Where the node's wire tap goes (kept across restarts), when tapped.
    tap: Option<PathBuf>,
    /// The disk the data directory is on, when it has its own: unmounted
    /// after the node stops and before the directory goes.
    disk: Option<Mounted>,
    pub bank: Bank,
}

impl Site {
    fn new(name: BankName, ns: Option<Netns>, tap: bool, disk_megabytes: Option<u64>) -> Result<Site, String> {
        let mut bank = Bank::empty();
        let disk = disk_megabytes.map(|mb| Mounted::ext4(&bank.dir, mb)).transpose()?;
        bank.create(name);
        if let Some(ns) = &ns {
            bank.run_in(ns.name());
        }
        let tap = tap.then(|| bank.dir.parent().expect("the data directory is inside a temp dir").join("wire-tap.jsonl"));
        Ok(Site { api: None, node: None, api_relay: None, ns, handle: name.handle, id: String::new(), tap, disk, bank })
    }

    /// The disk its data directory is on, when it has one of its own.
    pub fn disk(&self) -> Option<&Mounted> {
        self.disk.as_ref()
    }

    pub fn is_up(&self) -> bool {
        self.node.is_some()
    }

    /// Starts the node (p2p port 0: a new port at every start).
    fn up(&mut self) {
        assert!(self.node.is_none(), "{} is already running", self.handle);
        let mut options = UpOptions::default();
        if let Some(tap) = &self.tap {
            let path = tap.to_str().expect("utf-8 temp path").to_string();
            options.env.push((WIRE_TAP_ENV.to_string(), path));
        }
        // To see more of what the nodes do when a story fails, run with
        // e.g. AMSER_TEST_NODE_LOG=info,amser_node=debug,libp2p_swarm=debug,
        // and AMSER_TEST_LOG_LINES=3000 to print more of each log.
        if let Ok(filter) = std::env::var("AMSER_TEST_NODE_LOG") {
            options.env.push(("AMSER_LOG".to_string(), filter));
        }
        let mut node = self.bank.up_with(&options);
        assert!(node.bank_id.starts_with("12D3KooW"), "a bank id is an ed25519 peer id: {}", node.bank_id);
        if !self.id.is_empty() {
            assert_eq!(node.bank_id, self.id, "a restart keeps the bank's identity");
        }
        self.id = node.bank_id.clone();
        let suffix = format!("/p2p/{}", self.id);
        assert!(
            !node.p2p_listen.is_empty() && node.p2p_listen.iter().all(|a| a.ends_with(&suffix)),
            "the ready line's p2p_listen must end in {suffix}: {:?}",
            node.p2p_listen
        );
        if self.ns.is_some() {
            // The API listens inside the namespace: the test reaches it through its relay.
            let api: SocketAddr = node.addr.parse().expect("api address");
            match &self.api_relay {
                Some(relay) => relay.set_target(api),
                None => self.api_relay = Some(Relay::start(None, self.ns.as_ref(), api)),
            }
            node.addr = self.api_relay.as_ref().expect("started above").addr.to_string();
            node.wait_opened().unwrap_or_else(|e| panic!("{} did not open: {e}", self.handle));
        }
        self.api = Some(node.api());
        self.node = Some(node);
    }

    /// SIGTERM, and wait for a clean exit.
    fn stop(&mut self) {
        self.api = None;
        let status = self.node.take().expect("running").terminate();
        assert!(status.success(), "{} did not stop cleanly: {status}", self.handle);
    }

    /// SIGKILL: a crash.
    fn crash(&mut self) {
        self.api = None;
        self.node.take().expect("running").kill();
    }

    pub fn node(&self) -> &Node {
        self.node.as_ref().unwrap_or_else(|| panic!("{} is not running", self.handle))
    }

    pub fn api(&self) -> &Api {
        self.api.as_ref().unwrap_or_else(|| panic!("{} is not running", self.handle))
    }

    /// A new client for this bank's API, for another thread (each keeps its own).
    pub fn client(&self) -> Api {
        self.node().api()
    }

    /// Its current p2p address (ends in /p2p/<bank id>), inside its namespace if it has one.
    pub fn p2p(&self) -> String {
        self.node().p2p_listen[0].clone()
    }

    /// The same as a socket address, for a relay to reach (from /ip4/.../tcp/PORT).
    fn p2p_socket(&self) -> SocketAddr {
        let tcp = self.node().p2p_listen.first().and_then(|a| a.split('/').nth(4)).expect("a /ip4/.../tcp/PORT p2p address");
        format!("127.0.0.1:{tcp}").parse().expect("a socket address")
    }

    /// GET /api/v1{path}, which must answer 200.
    #[track_caller]
    pub fn get(&self, path: &str) -> Value {
        let a = self.api().get(&format!("/api/v1{path}"));
        assert_eq!(a.status, 200, "{}: GET {path}: {}", self.handle, a.text);
        a.body
    }

    /// `amser member add` of a person; its code.
    pub fn member(&self, name: &str) -> String {
        self.bank.add_member(name, "person")
    }

    /// Records at this bank that `provider` (another bank's member) helped
    /// `receiver` (ours): 202 and a pending outgoing transfer. Its id.
    #[track_caller]
    pub fn record(&self, provider: &str, receiver: &str, hours: &str, note: &str) -> String {
        let body = json!({"providers": [provider], "receivers": [receiver], "hours": hours, "note": note});
        let a = self.api().post("/api/v1/exchanges", &body);
        assert_eq!(a.status, 202, "{}: a cross-bank exchange: {}", self.handle, a.text);
        let t = &a.body;
        assert_eq!(t["kind"], json!("transfer"), "{t}");
        assert_eq!(t["state"], json!("pending"), "{t}");
        assert_eq!(t["role"], json!("outgoing"), "{t}");
        assert_eq!(t["payer"], json!(receiver), "{t}");
        assert_eq!(t["payee"], json!(provider), "{t}");
        assert_eq!(t["from_bank"], json!(self.id), "{t}");
        t["id"].as_str().expect("transfer id").to_string()
    }

    /// The transfer with this id here, if this bank knows it.
    pub fn transfer(&self, id: &str) -> Option<Value> {
        let a = self.api().get(&format!("/api/v1/transfers/{id}"));
        match a.status {
            200 => Some(a.body),
            404 => None,
            s => panic!("{}: GET /transfers/{id}: {s} {}", self.handle, a.text),
        }
    }

    pub fn transfers(&self) -> Vec<Value> {
        self.api().get_all("/api/v1/transfers")
    }

    pub fn balance(&self, code: &str) -> i64 {
        self.get(&format!("/balances/{code}"))["minutes"].as_i64().expect("minutes")
    }

    /// Our clearing account for `other` (0 when it has none yet).
    pub fn clearing(&self, other: &Site) -> i64 {
        clearing_of(&self.api().balances()).get(&other.id).copied().unwrap_or(0)
    }

    /// Our peer line for `other`, if admitted.
    pub fn peer(&self, other: &Site) -> Option<Value> {
        self.api().get_all("/api/v1/peers").into_iter().find(|p| p["bank_id"] == json!(other.id))
    }

    pub fn journal_seq(&self) -> u64 {
        self.get("/status")["journal_seq"].as_u64().expect("journal_seq")
    }

    /// `amser peer add` here for `other` at `addr`.
    fn admit(&self, other: &Site, addr: &str, trust_hours: &str, with_handle: bool) {
        let mut args = vec!["peer", "add", &other.id, addr, "--trust-hours", trust_hours];
        if with_handle {
            args.extend(["--handle", other.handle]);
        }
        let v = self.bank.json(&args);
        assert_eq!(v["bank_id"], json!(other.id), "{v}");
        assert_eq!(v["addrs"], json!([addr]), "{v}");
        let trust: f64 = trust_hours.parse().expect("hours");
        assert_eq!(v["trust_minutes"], json!((trust * 60.0) as i64), "{v}");
    }

    /// Every message the node sent other banks so far, from its wire tap.
    pub fn tapped(&self) -> Vec<Tapped> {
        let path = self.tap.as_ref().unwrap_or_else(|| panic!("{} has no wire tap", self.handle));
        let text = std::fs::read_to_string(path).unwrap_or_default();
        text.lines()
            // A line being written right now may be incomplete; complete ones all end in '\n'.
            .filter(|line| !line.is_empty())
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .map(|v| Tapped {
                channel: v["channel"].as_str().expect("channel").to_string(),
                peer: v["peer"].as_str().map(str::to_string),
                bytes: hex::decode(v["hex"].as_str().expect("hex")).expect("hex bytes"),
            })
            .collect()
    }
}

/// One message a node sent to another bank, from its wire tap.
pub struct Tapped {
    /// "request", "response" or "gossip".
    pub channel: String,
    /// The bank it went to (none for gossip).
    pub peer: Option<String>,
    pub bytes: Vec<u8>,
}

impl Tapped {
    /// Whether `needle` stands anywhere in its bytes, as they are.
    pub fn carries(&self, needle: &str) -> bool {
        let needle = needle.as_bytes();
        self.bytes.windows(needle.len()).any(|w| w == needle)
    }
}

/// The three banks.
pub struct Federation {
    // Before `sites`: relays stop before the namespaces they live in go.
    /// In namespaces: (from, to) -> the relay in `from`'s namespace that
    /// reaches `to`'s node. Empty on loopback.
    links: BTreeMap<(usize, usize), Relay>,
    sites: Vec<Site>,
    /// (admitting bank, admitted bank) -> (trust hours, handle given).
    admitted: BTreeMap<(usize, usize), (String, bool)>,
    layout: Layout,
}

impl Index<usize> for Federation {
    type Output = Site;
    fn index(&self, i: usize) -> &Site {
        &self.sites[i]
    }
}

impl Federation {
    /// Three new banks with running nodes that know nothing of each other
    /// yet, laid out as `layout` says. `Err` when namespaces cannot be made
    /// here (usually: not root).
    pub fn start(layout: Layout) -> Result<Federation, String> {
        Federation::start_banks(layout, &BANKS)
    }

    /// As [`Federation::start`], with the banks given (any number of them).
    pub fn start_banks(layout: Layout, banks: &[BankName]) -> Result<Federation, String> {
        let mut sites = Vec::new();
        for &bank in banks {
            let ns = match layout.namespaces {
                Some(run) => Some(Netns::create(&format!("amser-{}-{run}-{}", std::process::id(), bank.handle))?),
                None => None,
            };
            let mut site = Site::new(bank, ns, layout.wire_tap, layout.disk_megabytes)?;
            site.up();
            sites.push(site);
        }
        let mut links = BTreeMap::new();
        if layout.namespaces.is_some() {
            for from in 0..sites.len() {
                for to in (0..sites.len()).filter(|&to| to != from) {
                    links.insert((from, to), Relay::start(sites[from].ns.as_ref(), sites[to].ns.as_ref(), sites[to].p2p_socket()));
                }
            }
        }
        Ok(Federation { links, sites, admitted: BTreeMap::new(), layout })
    }

    /// Three new banks on loopback; with `wire_tap`, each writes what it
    /// sends to other banks to a file.
    pub fn on_loopback(wire_tap: bool) -> Federation {
        Federation::start(Layout::loopback(wire_tap)).expect("loopback needs no namespaces")
    }

    /// On loopback, every bank admits the other two with a [`TRUST`] line,
    /// learning their handles from the banks themselves (Hello); waits until
    /// all are connected.
    pub fn linked() -> Federation {
        let mut fed = Federation::on_loopback(false);
        fed.admit_all_but(None, TRUST);
        fed.wait_linked();
        fed
    }

    pub fn sites(&self) -> &[Site] {
        &self.sites
    }

    /// Where bank `i` reaches bank `j`: `j`'s own p2p address on loopback;
    /// in namespaces, the relay in `i`'s namespace that leads to `j`.
    pub fn address(&self, i: usize, j: usize) -> String {
        if self.layout.namespaces.is_some() {
            format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", self.link((i, j)).addr.port(), self.sites[j].id)
        } else {
            self.sites[j].p2p()
        }
    }

    /// Bank `i` admits bank `j` (at [`Federation::address`]). Without a
    /// handle, `i` learns it from `j` when they connect; give it when they
    /// never will.
    pub fn admit(&mut self, i: usize, j: usize, trust_hours: &str, with_handle: bool) {
        self.sites[i].admit(&self.sites[j], &self.address(i, j), trust_hours, with_handle);
        self.admitted.insert((i, j), (trust_hours.to_string(), with_handle));
    }

    /// Every bank admits every other, except `skip` (admitting, admitted).
    pub fn admit_all_but(&mut self, skip: Option<(usize, usize)>, trust_hours: &str) {
        for i in 0..3 {
            for j in 0..3 {
                if i != j && Some((i, j)) != skip {
                    self.admit(i, j, trust_hours, false);
                }
            }
        }
    }

    /// After bank `i` restarted on a new p2p port: every bank that admitted
    /// it re-runs `peer add` with its new address. Admitting a bank that is
    /// already admitted replaces its addresses and keeps its handle and
    /// frozen flag (AdmitPeer in ledger/transfer.rs).
    pub fn readdress(&mut self, i: usize) {
        let lines: Vec<(usize, String, bool)> = self
            .admitted
            .iter()
            .filter(|((_, to), _)| *to == i)
            .map(|((from, _), (trust, handle))| (*from, trust.clone(), *handle))
            .collect();
        for (from, trust, handle) in lines {
            let addr = self.address(from, i);
            self.sites[from].admit(&self.sites[i], &addr, &trust, handle);
            let line = self.sites[from].peer(&self.sites[i]).expect("admitted");
            assert_eq!(line["addrs"], json!([addr]), "{line}");
            assert_eq!(line["handle"], json!(self.sites[i].handle), "the handle is kept: {line}");
        }
    }

    /// SIGTERM to bank `i`'s node, and wait for a clean exit.
    pub fn stop(&mut self, i: usize) {
        self.sites[i].stop();
    }

    /// SIGKILL of bank `i`'s node: a crash.
    pub fn crash(&mut self, i: usize) {
        self.sites[i].crash();
    }

    /// Starts bank `i`'s node again on the same data directory. In
    /// namespaces the relays to it follow it to its new ports (peers'
    /// admitted addresses do not change); on loopback see [`Federation::readdress`].
    pub fn up(&mut self, i: usize) {
        self.sites[i].up();
        for ((_, to), relay) in &self.links {
            if *to == i {
                relay.set_target(self.sites[i].p2p_socket());
            }
        }
    }

    /// Waits until every pair of banks that admitted each other is
    /// connected, each side knowing the other's handle.
    #[track_caller]
    pub fn wait_linked(&self) {
        for &(i, j) in self.admitted.keys() {
            if !self.admitted.contains_key(&(j, i)) {
                continue;
            }
            let (a, b) = (&self.sites[i], &self.sites[j]);
            self.wait_until(&format!("{} connected to {} and knowing its handle", a.handle, b.handle), || {
                a.peer(b).is_some_and(|p| p["connected"] == json!(true) && p["handle"] == json!(b.handle))
            });
        }
    }

    /// Polls `condition` every [`Layout::poll`] until it holds; fails after
    /// [`Layout::wait`] with every node's log.
    #[track_caller]
    pub fn wait_until(&self, what: &str, mut condition: impl FnMut() -> bool) {
        self.wait_for(what, || condition().then_some(()))
    }

    /// Polls `probe` every [`Layout::poll`] until it gives a value; fails
    /// after [`Layout::wait`] with every node's log.
    #[track_caller]
    pub fn wait_for<T>(&self, what: &str, probe: impl FnMut() -> Option<T>) -> T {
        wait_for(what, self.layout.wait, self.layout.poll, probe, || self.logs())
    }

    /// The end of every node's log, for failure messages.
    pub fn logs(&self) -> String {
        self.sites.iter().map(|s| log_tail(&s.bank, &format!("{} ({})", s.handle, s.id))).collect()
    }

    /// Waits until transfer `id`, recorded at `payer`, is decided at
    /// `payee` and settled at `payer`; checks both sides agree. Returns
    /// (payer's record, payee's record).
    #[track_caller]
    pub fn wait_settled(&self, payer: usize, payee: usize, id: &str) -> (Value, Value) {
        let (p, q) = (&self.sites[payer], &self.sites[payee]);
        let (at_payer, at_payee) = self.wait_for(&format!("transfer {id} from {} to {} to settle", p.handle, q.handle), || {
            let mine = p.transfer(id)?;
            if mine["state"] == json!("pending") {
                return None;
            }
            Some((mine, q.transfer(id)?))
        });
        assert_eq!(at_payer["role"], json!("outgoing"), "{at_payer}");
        assert_eq!(at_payee["role"], json!("incoming"), "{at_payee}");
        assert_eq!(at_payer["state"], at_payee["state"], "both sides decide alike:\n{at_payer}\n{at_payee}");
        assert_eq!(at_payer["decision_signature"], at_payee["decision_signature"], "one signed decision");
        (at_payer, at_payee)
    }

    /// Exactly once: each of the two banks holds `count` transfers, which
    /// moved `minutes` in all from `payer_member` (at `payer`) to
    /// `payee_member` (at `payee`) and into each bank's clearing account for
    /// the other: one debit, one credit, nothing paid twice.
    #[track_caller]
    pub fn assert_paid_once(&self, (payer, payer_member): (usize, &str), (payee, payee_member): (usize, &str), minutes: i64, count: usize) {
        let (p, q) = (&self.sites[payer], &self.sites[payee]);
        assert_eq!(p.balance(payer_member), -minutes);
        assert_eq!(q.balance(payee_member), minutes);
        assert_eq!(p.transfers().len(), count, "{:?}", p.transfers());
        assert_eq!(q.transfers().len(), count, "{:?}", q.transfers());
        assert_eq!(p.clearing(q), minutes);
        assert_eq!(q.clearing(p), -minutes);
    }

    /// [`check_invariants`] on every running node.
    #[track_caller]
    pub fn check_invariants(&self) {
        let nodes: Vec<&Node> = self.sites.iter().filter_map(|s| s.node.as_ref()).collect();
        check_invariants(&nodes);
    }

    /// In namespaces: the relay that carries bank `from`'s connections to bank `to`.
    pub fn link(&self, (from, to): (usize, usize)) -> &Relay {
        self.links.get(&(from, to)).unwrap_or_else(|| panic!("no relay from {from} to {to}: links exist only in namespaces"))
    }

    /// Whether bank `a` says it is connected to bank `b`.
    pub fn connected(&self, a: usize, b: usize) -> bool {
        self.sites[a].peer(&self.sites[b]).is_some_and(|p| p["connected"] == json!(true))
    }

    /// In namespaces: cuts both directions between two banks, and waits
    /// until each sees the other gone.
    pub fn cut(&self, (a, b): (usize, usize)) {
        self.link((a, b)).cut();
        self.link((b, a)).cut();
        self.wait_until("both sides of a partition to see it", || !self.connected(a, b) && !self.connected(b, a));
    }

    /// Heals a partition. First checks it held: neither side found a way
    /// around it (a mutual peer's relay, an address learnt from identify).
    #[track_caller]
    pub fn heal(&self, (a, b): (usize, usize)) {
        assert!(
            !self.connected(a, b) && !self.connected(b, a),
            "{} and {} connected around a partition",
            self.sites[a].handle,
            self.sites[b].handle
        );
        self.link((a, b)).heal();
        self.link((b, a)).heal();
    }
}
