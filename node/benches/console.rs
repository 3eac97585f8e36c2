//! Benchmark: how long the web console's pages take to render for a bank
//! of 2,000 members and 100,000 exchanges (issue 11), next to the API's
//! `GET /api/v1/status` measured in the same run as the reference (the
//! cheapest request the node answers: the HTTP and session cost alone).
//!
//! ```text
//! cargo bench -p amser-node --bench console
//! AMSER_BENCH_MEMBERS=200 AMSER_BENCH_EXCHANGES=5000 cargo bench -p amser-node --bench console   # smaller bank
//! ```
//!
//! The bank is built in process (members and exchanges submitted straight to
//! the ledger by 16 tasks, dated over the last year so every chart has
//! figures), a coordinator signs in over HTTP as a browser would (one-time
//! link, password form), then each page is fetched `REQUESTS` times on one
//! keep-alive connection. Prints p50 and p99 per page and their ratio to
//! the reference, then one JSON object as the last line. Timings on a shared
//! machine move from day to day: compare the ratios.

use std::sync::Arc;
use std::time::{Duration, Instant};

use amser_node::clock::{Clock, SystemClock};
use amser_node::ledger::Command;
use amser_node::storage::writer::{LedgerHandle, Reply};
use amser_node::{init, DataDir, Node, NodeOptions};
use amser_protocol::member::MemberProfile;
use amser_protocol::{Limits, MemberCode, MemberKind, Minutes, ServiceDate};
use serde_json::{json, Value};

const DEFAULT_MEMBERS: usize = 2_000;
const DEFAULT_EXCHANGES: usize = 100_000;
/// Tasks submitting the bank's history at once (the writer groups them).
const WRITERS: usize = 16;
/// Requests per page measured (after `WARM_UP`).
const REQUESTS: usize = 200;
const WARM_UP: usize = 10;
const PASSWORD: &str = "meincnod y consol gwe";
const SESSION_COOKIE: &str = "amser_session";

fn fail(why: impl std::fmt::Display) -> ! {
    eprintln!("console bench: {why}");
    std::process::exit(1);
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn add_members(ledger: &LedgerHandle, count: usize) -> Vec<MemberCode> {
    let mut codes = Vec::with_capacity(count);
    for i in 0..count {
        let profile = MemberProfile {
            name: format!("Aelod {i:04} Jones"),
            kind: if i % 50 == 0 { MemberKind::Agency } else { MemberKind::Person },
            contact: format!("01443 55{i:04}"),
            skills_offered: vec![["gardening", "shopping", "lifts", "computers", "bike repair"][i % 5].to_string()],
            needs: vec![],
            availability: "weekday mornings".into(),
            special_needs: String::new(),
            // Far from anything a random walk of the bench reaches, so no exchange is refused.
            own_limits: Some(Limits { floor: Minutes(-60_000_000), ceiling: Minutes(60_000_000) }),
        };
        match ledger.submit(Command::AddMember { profile, joined: None }).await {
            Ok(Reply::Member(m)) => codes.push(m.code),
            other => fail(format!("a member was refused: {other:?}")),
        }
    }
    codes
}

async fn add_exchanges(ledger: &LedgerHandle, members: &[MemberCode], count: usize, today: ServiceDate) {
    let members = Arc::new(members.to_vec());
    let tasks: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (ledger, members) = (ledger.clone(), members.clone());
            tokio::spawn(async move {
                let mut i = w;
                while i < count {
                    let n = members.len();
                    let (p, r) = (members[(i * 7919) % n].clone(), members[(i * 104_729 + 1) % n].clone());
                    if p != r {
                        let command = Command::RecordExchange {
                            providers: vec![p],
                            receivers: vec![r],
                            minutes_each: Minutes(15 * (1 + (i % 8) as i64)),
                            category: ["gardening", "shopping", "lifts", "computers", "company"][i % 5].into(),
                            note: String::new(),
                            date: Some(ServiceDate(today.0 - (i % 365) as i32)),
                            recorded_by: "bench".into(),
                            client_ref: None,
                        };
                        if let Err(e) = ledger.submit(command).await {
                            fail(format!("an exchange was refused: {e}"));
                        }
                    }
                    i += WRITERS;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap_or_else(|e| fail(format!("a writer task failed: {e}")));
    }
}

/// The cookies of a response's `Set-Cookie` headers, as `name=value`.
fn cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|c| c.split(';').next())
        .map(str::to_string)
        .collect()
}

/// The value of the hidden `csrf` field of a page.
fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let at = html.find(marker).unwrap_or_else(|| fail("no csrf field on the sign-in link's page")) + marker.len();
    html[at..].split('"').next().unwrap_or_default().to_string()
}

/// Signs a new coordinator in as a browser would; the session cookie.
async fn sign_in(http: &reqwest::Client, base: &str, token: &str) -> String {
    let link: Value = http
        .post(format!("{base}/api/v1/users"))
        .bearer_auth(token)
        .json(&json!({ "name": "Bench Coordinator", "role": "coordinator" }))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .unwrap_or_else(|e| fail(format!("cannot add the coordinator: {e}")))
        .json()
        .await
        .unwrap_or_else(|e| fail(format!("the account's answer: {e}")));
    let path = link["link_path"].as_str().unwrap_or_else(|| fail(format!("no link in {link}"))).to_string();
    let form = http.get(format!("{base}{path}")).send().await.unwrap_or_else(|e| fail(e));
    let jar = cookies(&form).join("; ");
    let csrf = csrf_of(&form.text().await.unwrap_or_default());
    let done = http
        .post(format!("{base}{path}"))
        .header("cookie", jar)
        .form(&[("csrf", csrf.as_str()), ("password", PASSWORD), ("confirm", PASSWORD)])
        .send()
        .await
        .unwrap_or_else(|e| fail(e));
    cookies(&done).into_iter().find(|c| c.starts_with(SESSION_COOKIE)).unwrap_or_else(|| fail("signing in set no session cookie"))
}

/// p50 and p99 (ms) of `REQUESTS` fetches of `path`, each answered 200.
async fn measure(http: &reqwest::Client, url: &str, header: (&str, &str)) -> (f64, f64, usize) {
    let mut ms = Vec::with_capacity(REQUESTS);
    let mut bytes = 0;
    for i in 0..WARM_UP + REQUESTS {
        let t = Instant::now();
        let r = http.get(url).header(header.0, header.1).send().await.unwrap_or_else(|e| fail(format!("{url}: {e}")));
        if r.status() != 200 {
            fail(format!("{url} answered {}", r.status()));
        }
        bytes = r.bytes().await.unwrap_or_else(|e| fail(e)).len();
        if i >= WARM_UP {
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    ms.sort_by(f64::total_cmp);
    (percentile(&ms, 0.5), percentile(&ms, 0.99), bytes)
}

fn main() {
    let (members, exchanges) = (env_or("AMSER_BENCH_MEMBERS", DEFAULT_MEMBERS), env_or("AMSER_BENCH_EXCHANGES", DEFAULT_EXCHANGES));
    // Under target/, not /tmp (which may be tmpfs): the disk a bank would use.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    std::fs::create_dir_all(&root).unwrap_or_else(|e| fail(e));
    let tmp = tempfile::Builder::new().prefix("console-bench-").tempdir_in(&root).unwrap_or_else(|e| fail(e));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap_or_else(|e| fail(e));
    let results = runtime.block_on(async {
        let dir = DataDir::new(tmp.path().join("bank"));
        let clock = Arc::new(SystemClock);
        let (d, c) = (dir.clone(), clock.clone());
        tokio::task::spawn_blocking(move || init(&d, "Bench Time Bank", "bench", "Benchland", c))
            .await
            .unwrap_or_else(|e| fail(e))
            .unwrap_or_else(|e| fail(format!("init failed: {e}")));
        let mut config = amser_node::config::Config::load(&dir.config()).unwrap_or_else(|e| fail(e));
        config.api.rate_per_second = 0;
        config.save(&dir.config()).unwrap_or_else(|e| fail(e));
        let token = dir.load_token().unwrap_or_else(|e| fail(e));
        let node = Node::start(dir, NodeOptions::loopback(clock.clone())).await.unwrap_or_else(|e| fail(format!("Node::start: {e}")));

        let built = Instant::now();
        let codes = add_members(node.ledger(), members).await;
        add_exchanges(node.ledger(), &codes, exchanges, ServiceDate::today(clock.now_ms())).await;
        println!("built a bank of {members} members and {exchanges} exchanges in {:.1} s", built.elapsed().as_secs_f64());

        let base = format!("http://{}", node.api_addr);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_else(|e| fail(e));
        let session = sign_in(&http, &base, &token).await;
        let bearer = format!("Bearer {token}");
        let reference = measure(&http, &format!("{base}/api/v1/status"), ("authorization", &bearer)).await;
        let mut pages = Vec::new();
        for (name, path) in [
            ("dashboard", "/".to_string()),
            ("members", "/members".to_string()),
            ("members search", "/members?q=gardening".to_string()),
            ("member page", format!("/members/{}", codes[1])),
            ("reports", "/reports".to_string()),
        ] {
            pages.push((name, measure(&http, &format!("{base}{path}"), ("cookie", &session)).await));
        }
        node.shutdown().await;
        (reference, pages)
    });
    let (reference, pages) = results;

    println!();
    println!("{:<36} {:>9} {:>9} {:>10} {:>12}", "measured now (one connection)", "p50 ms", "p99 ms", "bytes", "p50 / status");
    println!("{}", "-".repeat(80));
    println!("{:<36} {:>9.2} {:>9.2} {:>10} {:>12}", "reference: GET /api/v1/status", reference.0, reference.1, reference.2, "1.0");
    let mut out = serde_json::Map::new();
    out.insert("members".into(), json!(members));
    out.insert("exchanges".into(), json!(exchanges));
    out.insert("status_p50_ms".into(), json!(reference.0));
    for (name, (p50, p99, bytes)) in &pages {
        println!("{:<36} {:>9.2} {:>9.2} {:>10} {:>12.1}", format!("console: {name}"), p50, p99, bytes, p50 / reference.0);
        let key = name.replace(' ', "_");
        out.insert(format!("{key}_p50_ms"), json!(p50));
        out.insert(format!("{key}_p99_ms"), json!(p99));
    }
    println!("{}", Value::Object(out));
}
