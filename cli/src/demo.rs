//! `amser demo`: a local demo federation of three banks (Rhymney, Gwynedd,
//! Cardiff) in one process, on loopback, each with its own data directory,
//! members, an agency, a group event and listings; the banks admit each other
//! and exchange time across their borders.

use amser_node::model::member::details_of;
use amser_node::model::NewAccount;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use amser_node::api::client::Client;
use amser_node::clock::{Clock, SystemClock};
use amser_node::ledger::{Command, LedgerRead};
use amser_node::storage::writer::{LedgerHandle, Reply};
use amser_node::{DataDir, Node, NodeOptions};
use amser_protocol::listing::ListingKind;
use amser_protocol::member::MemberProfile;
use amser_protocol::{MemberCode, MemberKind, Minutes};
use anyhow::Context;
use serde::Serialize;

use crate::bank::{init_logging, wait_for_stop};
use crate::output::Out;

/// A demo member: name, kind, the skill they offer.
type Person = (&'static str, MemberKind, &'static str);
/// A demo bank: name, handle, region, and its people.
type DemoBank = (&'static str, &'static str, &'static str, [Person; 4]);

/// The demo's banks.
const BANKS: [DemoBank; 3] = [
    (
        "Rhymney Time Bank",
        "rhymney",
        "Caerphilly",
        [
            ("Mair Jones", MemberKind::Person, "gardening"),
            ("Dafydd Evans", MemberKind::Person, "computer help"),
            ("Rhymney Youth Centre", MemberKind::Agency, "meeting room"),
            ("Cwm Jazz Band", MemberKind::Group, "live music"),
        ],
    ),
    (
        "Gwynedd Time Bank",
        "gwynedd",
        "Gwynedd",
        [
            ("Gwen Davies", MemberKind::Person, "lifts to town"),
            ("Huw Roberts", MemberKind::Person, "welsh lessons"),
            ("Meddygfa Bala (GP surgery)", MemberKind::Agency, "health walks"),
            ("Côr Gwynedd", MemberKind::Group, "choir"),
        ],
    ),
    (
        "Cardiff Time Bank",
        "cardiff",
        "Cardiff",
        [
            ("Ceri Thomas", MemberKind::Person, "dog walking"),
            ("Aled Price", MemberKind::Person, "bike repair"),
            ("Splott Community Centre", MemberKind::Agency, "kitchen"),
            ("Cardiff Community Pot", MemberKind::Group, "funds"),
        ],
    ),
];

/// Trust each demo bank extends to the others, in hours.
const DEMO_TRUST_HOURS: i64 = 50;
/// The name of each demo bank's coordinator account.
const DEMO_COORDINATOR: &str = "Demo coordinator";

fn profile(name: &str, kind: MemberKind, skill: &str) -> MemberProfile {
    MemberProfile { skills_offered: vec![skill.into()], availability: "weekday mornings".into(), ..MemberProfile::new(name, kind) }
}

/// The codes of the demo's people, in the order they are listed above.
async fn members(ledger: &LedgerHandle, people: &[Person; 4]) -> anyhow::Result<Vec<MemberCode>> {
    let list = ledger.read(|s| s.members()).await??;
    let keys = ledger.keys();
    let named = |m: &&amser_protocol::Member| details_of(m, &**keys).map(|d| d.name);
    people
        .iter()
        .map(|(name, _, _)| {
            list.iter()
                .find(|m| named(m).is_ok_and(|n| n == *name))
                .map(|m| m.code.clone())
                .ok_or_else(|| anyhow::anyhow!("the demo member {name} is missing"))
        })
        .collect()
}

async fn record(
    ledger: &LedgerHandle,
    from: &[&MemberCode],
    to: &[&MemberCode],
    minutes: i64,
    category: &str,
    note: &str,
) -> anyhow::Result<()> {
    record_on(ledger, from, to, minutes, category, note, None).await
}

/// The same, on a date in the past (`None`: today).
async fn record_on(
    ledger: &LedgerHandle,
    from: &[&MemberCode],
    to: &[&MemberCode],
    minutes: i64,
    category: &str,
    note: &str,
    date: Option<amser_protocol::ServiceDate>,
) -> anyhow::Result<()> {
    ledger
        .submit(Command::RecordExchange {
            providers: from.iter().map(|c| (*c).clone()).collect(),
            receivers: to.iter().map(|c| (*c).clone()).collect(),
            minutes_each: Minutes(minutes),
            category: category.into(),
            note: note.into(),
            date,
            recorded_by: "coordinator".into(),
            // The same demo exchange is recorded once however often the demo starts.
            client_ref: Some(format!("demo-{}", &blake3_hex(&format!("{category}{from:?}{to:?}{date:?}"))[..24])),
        })
        .await?;
    Ok(())
}

fn blake3_hex(text: &str) -> String {
    amser_protocol::ids::hash_with("amser/v1 demo-ref", text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Months of past exchanges each demo bank starts with.
const DEMO_HISTORY_MONTHS: i32 = 6;

/// Adds a bank's members, local exchanges and listings, once.
async fn seed_bank(ledger: &LedgerHandle, people: &[Person; 4]) -> anyhow::Result<Vec<MemberCode>> {
    if ledger.read(|s| s.member_count()).await?? == 0 {
        for (name, kind, skill) in people {
            match ledger.submit(Command::AddMember { profile: profile(name, *kind, skill), joined: None }).await? {
                Reply::Member(_) => {}
                other => anyhow::bail!("unexpected reply {other:?}"),
            }
        }
        let m = members(ledger, people).await?;
        let (a, b, agency, group) = (&m[0], &m[1], &m[2], &m[3]);
        record(ledger, &[a], &[b], 120, people[0].2, "").await?;
        record(ledger, &[b], &[a], 60, people[1].2, "").await?;
        record(ledger, &[a, b], &[agency], 180, "volunteering", "").await?;
        record(ledger, &[group], &[a, b], 90, people[3].2, "An afternoon at the centre").await?;
        // Some history, so the console's charts and reports have months to show.
        let today = amser_protocol::ServiceDate::today(SystemClock.now_ms());
        for month in 1..=DEMO_HISTORY_MONTHS {
            let date = Some(amser_protocol::ServiceDate(today.0 - 30 * month));
            record_on(ledger, &[a], &[b], 30 + 15 * i64::from(month % 4), people[0].2, "", date).await?;
            record_on(ledger, &[b], &[agency], 60, "volunteering", "", date).await?;
        }
        ledger
            .submit(Command::PostListing {
                kind: ListingKind::Offer,
                member: a.clone(),
                category: people[0].2.into(),
                description: format!("Can help with {}", people[0].2),
            })
            .await?;
        ledger
            .submit(Command::PostListing {
                kind: ListingKind::Request,
                member: agency.clone(),
                category: "volunteering".into(),
                description: "Volunteers wanted".into(),
            })
            .await?;
    }
    members(ledger, people).await
}

/// `amser demo`: starts the federation, says where each bank is, and runs
/// until Ctrl-C or SIGTERM.
pub async fn command(dir: &DataDir, base_port: u16, out: &Out) -> anyhow::Result<()> {
    init_logging();
    let (nodes, ready) = run(dir.root(), base_port).await.context("starting the demo federation")?;
    out.print_line(&ready, |ready| {
        let mut s = String::from("The demo federation is up: three time banks on this machine, admitting each other.\n");
        for b in &ready.banks {
            s.push_str(&format!("  {:<20} API {}  data {}\n", b.name, b.api, b.data.display()));
        }
        s.push_str("Open a bank's web console in a browser: each link signs in its demo coordinator once (choose a password there):\n");
        for b in &ready.banks {
            s.push_str(&format!("  {:<20} {}\n", b.name, b.console));
        }
        let d = dir.root().display();
        s.push_str(&format!(
            "Try, in another terminal:\n  amser --data {d}/rhymney member list\n  amser --data {d}/rhymney transfer list\n  amser --data {d}/gwynedd peer list\n  amser --data {d}/cardiff report\nStop it with Ctrl-C."
        ));
        s
    });
    wait_for_stop().await;
    for node in nodes {
        node.shutdown().await;
    }
    Ok(())
}

/// The line `amser demo --json` prints when the federation is up.
#[derive(Serialize)]
struct Ready {
    banks: Vec<ReadyBank>,
}

/// Where one demo bank is.
#[derive(Serialize)]
struct ReadyBank {
    name: &'static str,
    handle: &'static str,
    bank_id: String,
    /// `http://ADDR`.
    api: String,
    p2p_listen: Vec<String>,
    data: std::path::PathBuf,
    /// A one-time sign-in link for the bank's demo coordinator.
    console: String,
}

/// The demo coordinator's account at the bank in `dir`: made on the first
/// run, given a fresh one-time sign-in link on every run. The whole link.
async fn coordinator_link(dir: &DataDir) -> anyhow::Result<String> {
    let client = Client::for_dir(dir)?;
    let new = NewAccount { name: DEMO_COORDINATOR.into(), role: "coordinator".into(), member: None };
    let link = match client.add_account(&new).await {
        Ok(link) => link,
        Err(_) => client.account_link(DEMO_COORDINATOR).await?,
    };
    Ok(client.console_url(&link.link_path))
}

/// Starts the demo federation under `root`, with APIs on `base_port`,
/// `base_port + 10`, ... and peers on the next port up (0: any free ports).
async fn run(root: &Path, base_port: u16) -> anyhow::Result<(Vec<Node>, Ready)> {
    let mut nodes = Vec::new();
    for (i, (name, handle, region, _)) in BANKS.iter().enumerate() {
        let dir = DataDir::new(root.join(handle));
        if !dir.is_initialised() {
            let (d, name, handle, region) = (dir.clone(), name.to_string(), handle.to_string(), region.to_string());
            tokio::task::spawn_blocking(move || amser_node::init(&d, &name, &handle, &region, Arc::new(SystemClock))).await??;
        }
        let port = |offset: u16| if base_port == 0 { 0 } else { base_port + 10 * i as u16 + offset };
        let options = NodeOptions {
            accept_restore: false,
            api_listen: Some(SocketAddr::from(([127, 0, 0, 1], port(0)))),
            p2p_listen: Some(format!("/ip4/127.0.0.1/tcp/{}", port(1))),
            metrics_listen: None,
            clock: Arc::new(SystemClock),
        };
        nodes.push(Node::start(dir, options).await?);
    }
    // On a second run each bank first asks the others what they hold of its journal.
    for node in &nodes {
        node.opened().await;
    }
    // Every bank admits the other two (again on each start: addresses may change).
    // Handles are given, not left to be learnt on connection, so the first
    // cross-border exchange below cannot race the banks' first hello.
    for a in &nodes {
        for (b, (_, handle, _, _)) in nodes.iter().zip(BANKS.iter()).filter(|(b, _)| b.bank != a.bank) {
            let command = Command::AdmitPeer {
                bank: b.bank,
                handle: Some(handle.parse()?),
                addrs: b.federation.listen_addrs(),
                trust: Minutes::from_hours(DEMO_TRUST_HOURS),
                max_transfer: None,
            };
            a.ledger().submit(command).await?;
        }
        a.federation.poke();
    }
    let mut codes = Vec::new();
    for (node, (_, _, _, people)) in nodes.iter().zip(BANKS.iter()) {
        codes.push(seed_bank(node.ledger(), people).await?);
    }
    // Across borders: each bank's first member was helped by the next bank's first member.
    for i in 0..nodes.len() {
        let none_yet = nodes[i].ledger().read(|s| s.transfers(false, 1)).await??.is_empty();
        if none_yet {
            let helper = &codes[(i + 1) % nodes.len()][0];
            record(nodes[i].ledger(), &[helper], &[&codes[i][0]], 90, "shopping", "Visiting family; helped with shopping").await?;
        }
    }
    let mut banks = Vec::new();
    for (n, (name, handle, _, _)) in nodes.iter().zip(BANKS.iter()) {
        let console = coordinator_link(&DataDir::new(root.join(handle))).await?;
        banks.push(ReadyBank {
            name,
            handle,
            bank_id: n.bank.to_string(),
            api: format!("http://{}", n.api_addr),
            p2p_listen: n.federation.listen_addrs(),
            data: root.join(handle),
            console,
        });
    }
    Ok((nodes, Ready { banks }))
}
