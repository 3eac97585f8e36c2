//! # amser
//!
//! The command people use: `amser init` creates a bank, `amser up` runs its
//! node, and every other command talks to the running node's local API
//! (address and token from the data directory).
//!
//! Layout: `main.rs` parses commands (clap) and runs them; `client.rs` talks
//! to the node; `output.rs` prints for people or as JSON; `demo.rs` sets up
//! a sample bank for a first look.

mod client;
mod demo;
mod output;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use amser_node::clock::SystemClock;
use amser_node::{DataDir, Node, NodeOptions};
use amser_protocol::Minutes;
use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use serde_json::{json, Value};

use crate::client::{seg, ApiFailure, Client};
use crate::output::Out;

#[derive(Parser)]
#[command(
    name = "amser",
    version,
    about = "Amser: a time bank's own node, and the commands its coordinator uses",
    propagate_version = true
)]
struct Cli {
    /// The bank's data directory.
    #[arg(long, global = true, env = "AMSER_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
    /// Print one JSON document instead of text for people.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new bank: data directory, key pair, config file and API token.
    Init {
        /// The bank's name, like "Rhymney Time Bank".
        #[arg(long)]
        name: String,
        /// Short handle, the start of every member code, like rhymney.
        #[arg(long)]
        handle: String,
        #[arg(long, default_value = "")]
        region: String,
    },
    /// Run the node in the foreground until Ctrl-C or SIGTERM.
    Up {
        /// Address for the local API (overrides config.toml); port 0 picks a free one.
        #[arg(long, value_name = "ADDR")]
        api_listen: Option<SocketAddr>,
        /// Where peer banks connect (a libp2p multiaddr, overrides config.toml;
        /// default /ip4/0.0.0.0/tcp/7301); port 0 picks a free one.
        #[arg(long, value_name = "MULTIADDR")]
        p2p_listen: Option<String>,
    },
    /// Run a local demo federation: three banks (Rhymney, Gwynedd, Cardiff) with
    /// members and exchanges, on loopback, data under ./amser-demo (or --data).
    Demo {
        /// The first bank's API port; the others use +10 and +20, peers the next port up.
        /// 0 picks free ports.
        #[arg(long, default_value_t = 7300)]
        base_port: u16,
    },
    /// Show the bank's id, name, journal position and member count.
    Status,
    /// The register of members.
    #[command(subcommand)]
    Member(MemberCmd),
    /// Record, list, show and reverse exchanges.
    #[command(subcommand)]
    Exchange(ExchangeCmd),
    /// A member's balance, or every balance.
    Balance { code: Option<String> },
    /// Offers and requests, for matching.
    #[command(subcommand)]
    Listing(ListingCmd),
    /// Hours exchanged and active members, by category, month and agency.
    Report {
        /// Count members active within this many months (default: the policy's).
        #[arg(long)]
        active_months: Option<u32>,
    },
    /// Verify the whole journal and every balance.
    Audit,
    /// Peer banks: admit them with a trust line, list, freeze, remove.
    #[command(subcommand)]
    Peer(PeerCmd),
    /// Transfers with other banks and their signatures.
    #[command(subcommand)]
    Transfer(TransferCmd),
    /// Export exchanges (csv) or the whole register and ledger (json).
    Export {
        #[arg(long, value_parser = ["csv", "json"], default_value = "csv")]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Args)]
struct ProfileArgs {
    #[arg(long)]
    contact: Option<String>,
    /// Skills offered, comma-separated.
    #[arg(long, value_delimiter = ',')]
    skills: Option<Vec<String>>,
    /// Needs, comma-separated.
    #[arg(long, value_delimiter = ',')]
    needs: Option<Vec<String>>,
    #[arg(long)]
    availability: Option<String>,
    /// Special needs and safeguarding notes (never leave this node).
    #[arg(long)]
    special_needs: Option<String>,
}

#[derive(Subcommand)]
enum MemberCmd {
    /// Add a person, an agency or a group.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "person", value_parser = ["person", "agency", "group"])]
        kind: String,
        #[command(flatten)]
        profile: ProfileArgs,
        /// Date they joined (YYYY-MM-DD); today by default.
        #[arg(long)]
        joined: Option<String>,
    },
    /// List members.
    List {
        #[arg(long, value_parser = ["active", "paused", "left"])]
        status: Option<String>,
        #[arg(long, value_parser = ["person", "agency", "group"])]
        kind: Option<String>,
        /// Only members offering a skill containing this text.
        #[arg(long)]
        skill: Option<String>,
    },
    /// Show one member, with their balance and recent exchanges.
    Show { code: String },
    /// Change a member's details or status.
    Set {
        code: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_parser = ["active", "paused", "left"])]
        status: Option<String>,
        #[command(flatten)]
        profile: ProfileArgs,
    },
}

#[derive(Subcommand)]
enum ExchangeCmd {
    /// Record that provider(s) gave time to receiver(s).
    Record {
        /// Who gave time (member codes, comma-separated for several).
        #[arg(long, value_delimiter = ',', required = true)]
        provider: Vec<String>,
        /// Who received it (comma-separated for a group).
        #[arg(long, value_delimiter = ',', required = true)]
        receiver: Vec<String>,
        /// Hours each provider gave: 1.5 or 1:30.
        #[arg(long, allow_hyphen_values = true)]
        hours: String,
        #[arg(long, default_value = "")]
        category: String,
        #[arg(long, default_value = "")]
        note: String,
        /// When the help was given (YYYY-MM-DD); today by default.
        #[arg(long)]
        date: Option<String>,
        /// Your own reference; repeating a command with the same one records it once.
        #[arg(long = "ref")]
        client_ref: Option<String>,
    },
    /// List recent exchanges, newest first.
    List {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Show one exchange (full id or its first characters).
    Show { id: String },
    /// Undo an exchange with a reversing entry (the original stays on record).
    Reverse {
        id: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
enum PeerCmd {
    /// Admit a bank: its members may then spend here up to the trust line.
    Add {
        /// The other bank's id (12D3KooW..., from its `amser status`).
        bank_id: String,
        /// Where to reach it, like /ip4/192.0.2.7/tcp/7301.
        multiaddr: String,
        /// The most hours that bank's members may owe this bank in total.
        #[arg(long)]
        trust_hours: String,
        /// The most hours one transfer from that bank may carry.
        #[arg(long)]
        max_transfer_hours: Option<String>,
        /// Its handle (learnt from the bank itself when it connects, if not given).
        #[arg(long)]
        handle: Option<String>,
    },
    /// Admitted banks: connected or not, trust line, clearing position, pending transfers.
    List,
    /// Stop all transfers with a bank until unfrozen.
    Freeze {
        bank_id: String,
    },
    Unfreeze {
        bank_id: String,
    },
    /// Remove a bank from the federation (its record stays).
    Remove {
        bank_id: String,
    },
}

#[derive(Subcommand)]
enum TransferCmd {
    /// Recent transfers, newest first.
    List {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One transfer, with its state and signatures.
    Show { id: String },
    /// Hours moved between each pair of banks in the federation, as far as
    /// this bank has seen (its own transfers, gossip and peers' public logs).
    Positions,
}

#[derive(Subcommand)]
enum ListingCmd {
    /// Post an offer or a request.
    Add {
        #[arg(long, value_parser = ["offer", "request"])]
        kind: String,
        #[arg(long)]
        member: String,
        #[arg(long)]
        category: String,
        #[arg(long)]
        description: String,
    },
    /// List open offers and requests.
    List {
        #[arg(long)]
        category: Option<String>,
    },
    /// Close a listing.
    Close { id: String },
}

/// Where a bank lives unless --data or AMSER_DATA says otherwise.
fn default_data_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(x).join("amser");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".local/share/amser"),
        None => PathBuf::from("amser-data"),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Out { json: cli.json };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            out.error(&e);
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("AMSER_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sled=warn"));
    use std::io::IsTerminal;
    // Colours only for a person at a terminal, not in log files or journald.
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).try_init();
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let out = Out { json: cli.json };
    let demo = matches!(cli.command, Command::Demo { .. });
    let dir = DataDir::new(cli.data.clone().unwrap_or_else(|| if demo { PathBuf::from("amser-demo") } else { default_data_dir() }));
    match cli.command {
        Command::Init { name, handle, region } => {
            let d = dir.clone();
            let created =
                tokio::task::spawn_blocking(move || amser_node::init(&d, &name, &handle, &region, Arc::new(SystemClock))).await??;
            out.print(
                &json!({"bank_id": created.bank.to_string(), "handle": created.handle.to_string(), "data": dir.root(), "config": dir.config(), "token_file": dir.token()}),
                |_| {
                    format!(
                        "Created the bank '{}' in {}.\nBank id: {}\nSettings: {} (edit limits there)\nStart it with: amser up --data {}",
                        created.handle,
                        dir.root().display(),
                        created.bank,
                        dir.config().display(),
                        dir.root().display()
                    )
                },
            );
            Ok(())
        }
        Command::Up { api_listen, p2p_listen } => {
            init_logging();
            run_node(dir, api_listen, p2p_listen, &out).await
        }
        Command::Demo { base_port } => {
            init_logging();
            let (nodes, ready) = demo::run(dir.root(), base_port).await.context("starting the demo federation")?;
            out.print_line(&ready, |v| {
                let mut s = String::from("The demo federation is up: three time banks on this machine, admitting each other.\n");
                for b in v["banks"].as_array().into_iter().flatten() {
                    s.push_str(&format!("  {:<20} API {}  data {}\n", b["name"].as_str().unwrap_or(""), b["api"].as_str().unwrap_or(""), b["data"].as_str().unwrap_or("")));
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
        Command::Audit if !node_answers(&dir).await => offline_audit(&dir, &out).await,
        other => {
            let client = Client::for_dir(&dir)?;
            run_client(other, &client, &out).await
        }
    }
}

async fn run_node(dir: DataDir, api_listen: Option<SocketAddr>, p2p_listen: Option<String>, out: &Out) -> anyhow::Result<()> {
    let node = Node::start(dir.clone(), NodeOptions { api_listen, p2p_listen, clock: Arc::new(SystemClock) }).await?;
    let addr = node.api_addr;
    let p2p = node.federation.listen_addrs();
    let ready = json!({"bank_id": node.bank.to_string(), "api": format!("http://{addr}"), "api_addr": addr.to_string(), "p2p_listen": p2p, "data": dir.root()});
    // One line, flushed, so a supervisor or test can read it as the "ready" signal.
    out.print_line(&ready, |_| {
        format!(
            "The node is up. API: http://{addr}/api/v1 (token in {})\nBank id: {}\nPeer banks reach it at: {}\nStop it with Ctrl-C.",
            dir.token().display(),
            node.bank,
            p2p.join(", ")
        )
    });
    wait_for_stop().await;
    node.shutdown().await;
    Ok(())
}

async fn wait_for_stop() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Whether a node is running on `dir` and answering.
async fn node_answers(dir: &DataDir) -> bool {
    match dir.read_api_addr() {
        Some(addr) => tokio::net::TcpStream::connect(addr).await.is_ok(),
        None => false,
    }
}

/// Audits a stopped node's journal directly from its files.
async fn offline_audit(dir: &DataDir, out: &Out) -> anyhow::Result<()> {
    dir.require_initialised()?;
    let d = dir.clone();
    let report = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let _lock = d.lock()?;
        let store = amser_node::storage::store::Store::open(&d.state()).ok();
        Ok(amser_node::reading::audit::audit(&d.journal(), None, store.as_ref()))
    })
    .await??;
    let v = serde_json::to_value(&report)?;
    out.print(&v, |v| format!("(the node is not running: audited its files directly)\n{}", output::audit(v)));
    if !report.ok {
        bail!(AuditFailed);
    }
    Ok(())
}

fn profile_json(p: ProfileArgs, body: &mut serde_json::Map<String, Value>) {
    let ProfileArgs { contact, skills, needs, availability, special_needs } = p;
    let trim = |v: Vec<String>| v.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect::<Vec<_>>();
    if let Some(v) = contact {
        body.insert("contact".into(), json!(v));
    }
    if let Some(v) = skills {
        body.insert("skills_offered".into(), json!(trim(v)));
    }
    if let Some(v) = needs {
        body.insert("needs".into(), json!(trim(v)));
    }
    if let Some(v) = availability {
        body.insert("availability".into(), json!(v));
    }
    if let Some(v) = special_needs {
        body.insert("special_needs".into(), json!(v));
    }
}

async fn run_client(command: Command, client: &Client, out: &Out) -> anyhow::Result<()> {
    match command {
        Command::Init { .. } | Command::Up { .. } | Command::Demo { .. } => unreachable!("handled before connecting"),
        Command::Peer(cmd) => match cmd {
            PeerCmd::Add { bank_id, multiaddr, trust_hours, max_transfer_hours, handle } => {
                let mut body = json!({"bank_id": bank_id, "addr": multiaddr, "trust_hours": trust_hours});
                if let Some(m) = max_transfer_hours {
                    body["max_transfer_hours"] = json!(m);
                }
                if let Some(h) = handle {
                    body["handle"] = json!(h);
                }
                let v = client.post("/peers", &body).await?;
                out.print(&v, |v| {
                    format!("Admitted {} with a trust line of {} hours", v["bank_id"].as_str().unwrap_or(""), v["trust_hours"])
                });
            }
            PeerCmd::List => out.print(&client.get("/peers").await?, output::peers),
            PeerCmd::Freeze { bank_id } => {
                let v = client.post(&format!("/peers/{}/freeze", seg(&bank_id)), &json!({})).await?;
                out.print(&v, |v| format!("Froze the trust line with {}", v["bank_id"].as_str().unwrap_or("")));
            }
            PeerCmd::Unfreeze { bank_id } => {
                let v = client.post(&format!("/peers/{}/unfreeze", seg(&bank_id)), &json!({})).await?;
                out.print(&v, |v| format!("Unfroze the trust line with {}", v["bank_id"].as_str().unwrap_or("")));
            }
            PeerCmd::Remove { bank_id } => {
                let v = client.call(reqwest::Method::DELETE, &format!("/peers/{}", seg(&bank_id)), None).await?.json()?;
                out.print(&v, |v| format!("Removed {} from the federation", v["bank_id"].as_str().unwrap_or("")));
            }
        },
        Command::Transfer(cmd) => match cmd {
            TransferCmd::List { limit } => out.print(&client.get(&format!("/transfers?limit={limit}")).await?, output::transfers),
            TransferCmd::Show { id } => out.print(&client.get(&format!("/transfers/{}", seg(&id))).await?, output::transfer),
            TransferCmd::Positions => out.print(&client.get("/positions").await?, output::positions),
        },
        Command::Status => out.print(&client.get("/status").await?, output::status),
        Command::Member(cmd) => match cmd {
            MemberCmd::Add { name, kind, profile, joined } => {
                let mut body = serde_json::Map::new();
                body.insert("name".into(), json!(name));
                body.insert("kind".into(), json!(kind));
                if let Some(j) = joined {
                    body.insert("joined".into(), json!(j));
                }
                profile_json(profile, &mut body);
                let v = client.post("/members", &Value::Object(body)).await?;
                out.print(&v, |v| {
                    format!(
                        "Added {} ({}) with code {}",
                        v["name"].as_str().unwrap_or(""),
                        v["kind"].as_str().unwrap_or(""),
                        v["code"].as_str().unwrap_or("")
                    )
                });
            }
            MemberCmd::List { status, kind, skill } => {
                let mut q = vec![];
                for (k, v) in [("status", status), ("kind", kind), ("skill", skill)] {
                    if let Some(v) = v {
                        q.push(format!("{k}={}", seg(&v)));
                    }
                }
                let path = if q.is_empty() { "/members".to_string() } else { format!("/members?{}", q.join("&")) };
                out.print(&client.get(&path).await?, output::members);
            }
            MemberCmd::Show { code } => {
                let member = client.get(&format!("/members/{}", seg(&code))).await?;
                let recent = client.get(&format!("/members/{}/exchanges?limit=10", seg(&code))).await?;
                out.print(&json!({"member": member, "recent_exchanges": recent}), output::member);
            }
            MemberCmd::Set { code, name, status, profile } => {
                let mut body = serde_json::Map::new();
                if let Some(n) = name {
                    body.insert("name".into(), json!(n));
                }
                if let Some(s) = status {
                    body.insert("status".into(), json!(s));
                }
                profile_json(profile, &mut body);
                if body.is_empty() {
                    bail!("nothing to change: give at least one of --name, --status, --contact, --skills, --needs, --availability, --special-needs");
                }
                let v = client.patch(&format!("/members/{}", seg(&code)), &Value::Object(body)).await?;
                out.print(&v, |v| {
                    format!(
                        "Updated {} ({}), status {}",
                        v["code"].as_str().unwrap_or(""),
                        v["name"].as_str().unwrap_or(""),
                        v["status"].as_str().unwrap_or("")
                    )
                });
            }
        },
        Command::Exchange(cmd) => match cmd {
            ExchangeCmd::Record { provider, receiver, hours, category, note, date, client_ref } => {
                // Check the amount here too, so a typing mistake is caught before the request.
                Minutes::parse_hours(&hours)?;
                let client_ref = match client_ref {
                    Some(r) => r,
                    None => {
                        let mut b = [0u8; 12];
                        getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
                        format!("cli-{}", hex::encode(b))
                    }
                };
                let mut body = json!({"providers": provider, "receivers": receiver, "hours": hours, "category": category, "note": note, "client_ref": client_ref});
                if let Some(d) = date {
                    body["date"] = json!(d);
                }
                let v = client.post("/exchanges", &body).await?;
                out.print(&v, output::exchange_recorded);
            }
            ExchangeCmd::List { limit } => out.print(&client.get(&format!("/exchanges?limit={limit}")).await?, output::exchanges),
            ExchangeCmd::Show { id } => out.print(&client.get(&format!("/exchanges/{}", seg(&id))).await?, output::exchange),
            ExchangeCmd::Reverse { id, reason } => {
                let v = client.post(&format!("/exchanges/{}/reverse", seg(&id)), &json!({"reason": reason})).await?;
                out.print(&v, |v| {
                    format!(
                        "Reversed exchange {} ({} minutes each); the balances are restored",
                        v["id"].as_str().unwrap_or(""),
                        v["minutes_each"]
                    )
                });
            }
        },
        Command::Balance { code } => match code {
            Some(code) => out.print(&client.get(&format!("/balances/{}", seg(&code))).await?, |v| {
                format!(
                    "{} ({}): {} hours",
                    v["code"].as_str().unwrap_or(""),
                    v["name"].as_str().unwrap_or(""),
                    v["balance"].as_str().unwrap_or("")
                )
            }),
            None => out.print(&client.get("/balances").await?, output::balances),
        },
        Command::Listing(cmd) => match cmd {
            ListingCmd::Add { kind, member, category, description } => {
                let v = client
                    .post("/listings", &json!({"kind": kind, "member": member, "category": category, "description": description}))
                    .await?;
                out.print(&v, |v| {
                    format!(
                        "Posted {} {} in '{}'",
                        v["kind"].as_str().unwrap_or(""),
                        v["id"].as_str().unwrap_or(""),
                        v["category"].as_str().unwrap_or("")
                    )
                });
            }
            ListingCmd::List { category } => {
                let path = match category {
                    Some(c) => format!("/listings?category={}", seg(&c)),
                    None => "/listings".into(),
                };
                out.print(&client.get(&path).await?, output::listings);
            }
            ListingCmd::Close { id } => {
                let v = client.post(&format!("/listings/{}/close", seg(&id)), &json!({})).await?;
                out.print(&v, |v| format!("Closed listing {}", v["id"].as_str().unwrap_or("")));
            }
        },
        Command::Report { active_months } => {
            let path = match active_months {
                Some(m) => format!("/report?active_months={m}"),
                None => "/report".into(),
            };
            out.print(&client.get(&path).await?, output::report);
        }
        Command::Audit => {
            let v = client.get("/audit").await?;
            out.print(&v, output::audit);
            if v["ok"] != json!(true) {
                bail!(AuditFailed);
            }
        }
        Command::Export { format, output } => {
            let bytes = match client.call(reqwest::Method::GET, &format!("/export?format={format}"), None).await? {
                client::Response::Bytes(b) => b,
                client::Response::Json(v) => serde_json::to_vec_pretty(&v)?,
            };
            match output {
                Some(path) => {
                    std::fs::write(&path, &bytes).with_context(|| format!("could not write {}", path.display()))?;
                    out.print(&json!({"written": path, "bytes": bytes.len()}), |_| {
                        format!("Wrote {} bytes to {}", bytes.len(), path.display())
                    });
                }
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
        }
    }
    Ok(())
}

/// The audit found problems (already printed).
#[derive(Debug)]
pub struct AuditFailed;

impl std::fmt::Display for AuditFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the audit found problems (listed above)")
    }
}

impl std::error::Error for AuditFailed {}

/// For `output::error`: a stable code for the failure, for scripts.
pub fn failure_code(e: &anyhow::Error) -> &str {
    use amser_node::datadir::DataDirError;
    use amser_node::NodeError;
    if let Some(f) = e.downcast_ref::<ApiFailure>() {
        return &f.code;
    }
    if e.downcast_ref::<AuditFailed>().is_some() {
        return "audit_failed";
    }
    if e.downcast_ref::<amser_protocol::HoursError>().is_some() {
        return "bad_hours";
    }
    if e.downcast_ref::<client::NotRunning>().is_some() {
        return "node_not_running";
    }
    let dir_code = |d: &DataDirError| match d {
        DataDirError::AlreadyInitialised(_) => "already_initialised",
        DataDirError::NotInitialised(_) => "not_initialised",
        DataDirError::Locked(_) => "already_running",
        DataDirError::TooOpen { .. } => "file_too_open",
        DataDirError::Damaged(..) => "file_damaged",
        DataDirError::Io { .. } => "io_error",
    };
    if let Some(d) = e.downcast_ref::<DataDirError>() {
        return dir_code(d);
    }
    match e.downcast_ref::<NodeError>() {
        Some(NodeError::DataDir(d)) => dir_code(d),
        Some(NodeError::Journal(amser_node::storage::journal::JournalError::Damaged { .. })) => "journal_damaged",
        Some(NodeError::Journal(_)) => "journal_error",
        Some(NodeError::Config(_)) => "bad_config",
        Some(NodeError::Listen { .. }) => "cannot_listen",
        Some(NodeError::Invalid(_)) => "invalid",
        Some(_) => "node_error",
        None => "error",
    }
}
