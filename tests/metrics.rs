//! `GET /metrics` of real nodes (issue 12, "operators can see it in
//! production"): Rhymney and Gwynedd, each the real `amser up
//! --metrics-listen 127.0.0.1:0` on its own data directory, admitting each
//! other on loopback.
//!
//! Rhymney records two exchanges between its members and one that a
//! Gwynedd member gave, which crosses to Gwynedd as a transfer and settles.
//! Every figure the scrape shows is checked against what the test did and
//! what the nodes say elsewhere (the API's status, the journal file), and
//! the scrape is searched for every name, code and contact the test typed.
//! The endpoint answers only its own token, and only on its own listener.
//!
//! Waiting: a figure that moves on its own time (gossip, a transfer's
//! settlement) is polled every [`common::POLL`] until it holds, failing
//! after [`common::WAIT`] with the nodes' logs; never a sleep.

mod common;

use std::collections::BTreeMap;

use common::{log_tail, wait_for, Api, Bank, Node, UpOptions, GWYNEDD, POLL, RHYMNEY, WAIT};
use serde_json::{json, Value};

/// Where `/metrics` listens in these tests: loopback, a free port.
const METRICS_LISTEN: &str = "127.0.0.1:0";
/// The trust line each bank gives the other, in hours: far above the two
/// hours the story moves.
const TRUST_HOURS: &str = "20";

/// A bank and its node, with `/metrics` on.
struct Site {
    node: Node,
    bank: Bank,
    handle: &'static str,
    /// The client of its `/metrics` listener, holding its metrics token.
    metrics: Api,
}

impl Site {
    fn up(name: common::BankName) -> Site {
        let bank = Bank::init(name);
        let options = UpOptions { args: vec!["--metrics-listen".into(), METRICS_LISTEN.into()], ..UpOptions::default() };
        let node = bank.up_with(&options);
        let addr = node.metrics_addr.clone().unwrap_or_else(|| panic!("{}: the ready line has no metrics_addr", name.handle));
        let token = std::fs::read_to_string(bank.dir.join("metrics-token")).expect("the node made metrics-token").trim().to_string();
        assert_ne!(token, node.token, "the metrics token is not the API's");
        Site { metrics: Api::new(&addr, &token), node, bank, handle: name.handle }
    }

    /// A scrape with the metrics token, which must answer 200 in the text format.
    #[track_caller]
    fn scrape(&self) -> Scrape {
        let a = self.metrics.get("/metrics");
        assert_eq!(a.status, 200, "{}: GET /metrics: {}", self.handle, a.text);
        assert!(a.content_type.starts_with("application/openmetrics-text"), "{}: content-type {}", self.handle, a.content_type);
        Scrape::parse(&a.text)
    }

    fn status(&self) -> Value {
        let a = self.node.api().get("/api/v1/status");
        assert_eq!(a.status, 200, "{}: status: {}", self.handle, a.text);
        a.body
    }

    /// `amser peer add` here for `other`, which must be accepted.
    fn admit(&self, other: &Site) {
        let v = self.bank.json(&["peer", "add", &other.node.bank_id, &other.node.p2p_listen[0], "--trust-hours", TRUST_HOURS]);
        assert_eq!(v["bank_id"], json!(other.node.bank_id), "{v}");
    }

    fn connected_to(&self, other: &Site) -> bool {
        self.node
            .api()
            .get_all("/api/v1/peers")
            .iter()
            .any(|p| p["bank_id"] == json!(other.node.bank_id) && p["connected"] == json!(true) && p["handle"] == json!(other.handle))
    }

    /// `amser member add` of a person with a contact; their code.
    fn member(&self, name: &str, contact: &str) -> String {
        let v = self.bank.json(&["member", "add", "--name", name, "--contact", contact]);
        v["code"].as_str().unwrap_or_else(|| panic!("no code in {v}")).to_string()
    }
}

/// One scrape: every sample as `name{labels}` → value, and the text.
struct Scrape {
    text: String,
    samples: BTreeMap<String, f64>,
}

impl Scrape {
    /// Parses the text format: `# ...` lines, `name{labels} value` lines, `# EOF` last.
    #[track_caller]
    fn parse(text: &str) -> Scrape {
        assert!(text.ends_with("# EOF\n"), "a scrape ends with # EOF:\n{text}");
        let mut samples = BTreeMap::new();
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let (key, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("not a sample: {line}"));
            let value: f64 = value.parse().unwrap_or_else(|e| panic!("not a number ({e}): {line}"));
            assert!(samples.insert(key.to_string(), value).is_none(), "{key} twice in\n{text}");
        }
        Scrape { text: text.to_string(), samples }
    }

    /// The value of `key` (`name` or `name{labels}`), which must be there.
    #[track_caller]
    fn at(&self, key: &str) -> f64 {
        *self.samples.get(key).unwrap_or_else(|| panic!("no {key} in the scrape:\n{}", self.text))
    }

    #[track_caller]
    fn transfers(&self, route: &str, state: &str) -> f64 {
        self.at(&format!("amser_transfers_total{{route=\"{route}\",state=\"{state}\"}}"))
    }
}

fn logs(sites: &[&Site]) -> String {
    sites.iter().map(|s| log_tail(&s.bank, s.handle)).collect()
}

#[test]
fn metrics_count_what_the_banks_recorded_and_show_no_members_data() {
    let (rhymney, gwynedd) = (Site::up(RHYMNEY), Site::up(GWYNEDD));
    let context = || logs(&[&rhymney, &gwynedd]);
    rhymney.admit(&gwynedd);
    gwynedd.admit(&rhymney);
    wait_for(
        "the two banks connected, each knowing the other's handle",
        WAIT,
        POLL,
        || (rhymney.connected_to(&gwynedd) && gwynedd.connected_to(&rhymney)).then_some(()),
        context,
    );

    let people = [("Mair Jones", "01685 000111"), ("Gwen Davies", "gwen@example.org")];
    let mair = rhymney.member(people[0].0, people[0].1);
    let gwen = rhymney.member(people[1].0, people[1].1);
    let (gwilym_name, gwilym_contact) = ("Gwilym Owen", "07700 900123");
    let gwilym = gwynedd.member(gwilym_name, gwilym_contact);
    let before = (rhymney.scrape(), gwynedd.scrape());

    // Two exchanges within Rhymney, and Gwilym (Gwynedd) helping Mair: a transfer.
    rhymney.bank.record(&[
        "--provider",
        &mair,
        "--receiver",
        &gwen,
        "--hours",
        "1.5",
        "--category",
        "gardening",
        "--note",
        "Weeded the garden",
    ]);
    rhymney.bank.record(&["--provider", &gwen, "--receiver", &mair, "--hours", "2", "--category", "transport", "--note", "A lift to town"]);
    let crossing = json!({"providers": [gwilym], "receivers": [mair], "hours": "2", "note": "Fixed the bike"});
    let answer = rhymney.node.api().post("/api/v1/exchanges", &crossing);
    assert_eq!(answer.status, 202, "a cross-bank exchange: {}", answer.text);
    let id = answer.body["id"].as_str().expect("transfer id").to_string();
    let settled = wait_for(
        "the transfer to settle at Rhymney",
        WAIT,
        POLL,
        || {
            let t = rhymney.node.api().get(&format!("/api/v1/transfers/{id}")).body;
            (t["state"] != json!("pending")).then_some(t)
        },
        context,
    );
    assert_eq!(settled["state"], json!("accepted"), "{settled}");

    // Counters moved by what was recorded: at Rhymney the exchanges, the
    // transfer sent (pending) and then settled (accepted); at Gwynedd the
    // same transfer, decided there as the payee's bank.
    let (r0, g0) = &before;
    let r = rhymney.scrape();
    assert_eq!(r.at("amser_exchanges_recorded_total") - r0.at("amser_exchanges_recorded_total"), 2.0);
    assert_eq!(r.at("amser_exchanges_reversed_total"), r0.at("amser_exchanges_reversed_total"));
    assert_eq!(r.transfers("direct", "pending") - r0.transfers("direct", "pending"), 1.0);
    assert_eq!(r.transfers("direct", "accepted") - r0.transfers("direct", "accepted"), 1.0);
    assert_eq!(r.transfers("direct", "rejected"), r0.transfers("direct", "rejected"));
    assert_eq!(r.transfers("routed", "pending"), 0.0);
    assert_eq!(r.at("amser_transfers_pending{route=\"direct\"}"), 0.0, "settled: nothing waits");
    // Every recorded change was one fdatasync or shared one: at least one, at most one each.
    let syncs = r.at("amser_journal_fdatasync_seconds_count") - r0.at("amser_journal_fdatasync_seconds_count");
    assert!(syncs >= 1.0, "the journal was synced since the first scrape: {syncs}");
    assert_eq!(r.at("amser_journal_fdatasync_seconds_bucket{le=\"+Inf\"}"), r.at("amser_journal_fdatasync_seconds_count"));
    assert!(r.at("amser_journal_fdatasync_seconds_sum") > 0.0);
    assert_eq!(r.at("amser_peers_connected"), 1.0);
    assert_eq!(r.at("amser_peers_admitted"), 1.0);
    assert_eq!(r.at("amser_ledger_halted"), 0.0);
    let g = wait_for(
        "Gwynedd to count the transfer it decided",
        WAIT,
        POLL,
        || {
            let g = gwynedd.scrape();
            (g.transfers("direct", "accepted") > g0.transfers("direct", "accepted")).then_some(g)
        },
        context,
    );
    assert_eq!(g.transfers("direct", "accepted") - g0.transfers("direct", "accepted"), 1.0);
    assert_eq!(g.transfers("direct", "pending"), g0.transfers("direct", "pending"), "the payee's bank decides at once");
    assert_eq!(g.at("amser_exchanges_recorded_total"), g0.at("amser_exchanges_recorded_total"));

    // Gossip both ways: each bank publishes its heads and statements, and hears the other's.
    wait_for(
        "gossip heard at Rhymney from Gwynedd",
        WAIT,
        POLL,
        || {
            let r = rhymney.scrape();
            (r.at("amser_gossip_received_total{verdict=\"accepted\"}") > 0.0 && r.at("amser_gossip_published_total") > 0.0).then_some(())
        },
        context,
    );
    assert_eq!(rhymney.scrape().at("amser_gossip_received_total{verdict=\"rejected\"}"), 0.0, "an honest peer sends nothing bad");

    // The journal's figures are the node's own: its head and the file's length,
    // read while nothing new is written (a peer's handle, a gossiped head can still come in).
    let journal = rhymney.bank.journal();
    let (entries, lag) = wait_for(
        "Rhymney's journal figures to match its status and file",
        WAIT,
        POLL,
        || {
            let seq = rhymney.status()["journal_seq"].as_u64()?;
            let s = rhymney.scrape();
            let bytes = std::fs::metadata(&journal).ok()?.len();
            let still = rhymney.status()["journal_seq"].as_u64()? == seq;
            (still && s.at("amser_journal_entries") == seq as f64 && s.at("amser_journal_bytes") == bytes as f64)
                .then(|| (seq, s.at("amser_state_lag_entries")))
        },
        context,
    );
    assert!(entries > r0.at("amser_journal_entries") as u64, "the journal grew: {entries}");
    assert!((0.0..=entries as f64).contains(&lag), "sled's lag is a count of entries: {lag}");

    // Numbers only: no name, code or contact the test typed, nor a bank's id.
    for text in [&r.text, &g.text] {
        for needle in [people[0].0, people[0].1, people[1].0, people[1].1, gwilym_name, gwilym_contact]
            .into_iter()
            .chain([mair.as_str(), gwen.as_str(), gwilym.as_str(), &rhymney.node.bank_id, &gwynedd.node.bank_id])
            .chain(["Weeded", "A lift", "Fixed the bike", "rhymney:", "gwynedd:"])
        {
            assert!(!text.contains(needle), "the scrape shows '{needle}':\n{text}");
        }
    }

    // Only its own token opens it, and only on its own listener.
    let metrics = &rhymney.metrics;
    let refused = |token: Option<&str>, code: &str| {
        let a = metrics.send(reqwest::Method::GET, "/metrics", token, None);
        a.expect_error(401, code);
        assert!(!a.text.contains("amser_"), "a refusal shows no figure: {}", a.text);
    };
    refused(None, "missing_token");
    refused(Some(&rhymney.node.token), "wrong_token");
    refused(Some("not-the-token"), "wrong_token");
    let on_api = rhymney.node.api().get("/metrics");
    assert_eq!(on_api.status, 404, "the API's listener serves no /metrics: {}", on_api.text);
    assert!(!on_api.text.contains("amser_exchanges"), "{}", on_api.text);
    metrics.send(reqwest::Method::GET, "/api/v1/status", Some(&rhymney.node.token), None).expect_error(404, "no_such_route");
}

/// Without `--metrics-listen` or `[metrics] enabled`, nothing listens and no token is made.
#[test]
fn metrics_are_off_unless_asked_for() {
    let bank = Bank::init(RHYMNEY);
    let node = bank.up();
    assert_eq!(node.metrics_addr, None);
    assert!(!bank.dir.join("metrics-token").exists(), "no metrics token without metrics");
    let status = bank.json(&["status"]);
    assert!(status["journal_seq"].is_u64(), "{status}");
}
