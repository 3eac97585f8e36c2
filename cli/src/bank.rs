//! The bank itself: `amser init` creates it, `amser up` runs its node (in
//! this process, until Ctrl-C or SIGTERM), `amser status` asks the node.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use amser_node::api::client::Client;
use amser_node::clock::SystemClock;
use amser_node::{DataDir, Node, NodeOptions};
use serde::Serialize;

use crate::output::{self, Out};

/// What `amser init --json` prints.
#[derive(Serialize)]
struct Created {
    bank_id: String,
    handle: String,
    data: PathBuf,
    config: PathBuf,
    token_file: PathBuf,
}

pub async fn init(dir: &DataDir, name: String, handle: String, region: String, out: &Out) -> anyhow::Result<()> {
    let d = dir.clone();
    let created = tokio::task::spawn_blocking(move || amser_node::init(&d, &name, &handle, &region, Arc::new(SystemClock))).await??;
    let shown = Created {
        bank_id: created.bank.to_string(),
        handle: created.handle.to_string(),
        data: dir.root().to_path_buf(),
        config: dir.config(),
        token_file: dir.token(),
    };
    out.print(&shown, |_| {
        format!(
            "Created the bank '{}' in {}.\nBank id: {}\nSettings: {} (edit limits there)\nStart it with: amser up --data {}",
            created.handle,
            dir.root().display(),
            created.bank,
            dir.config().display(),
            dir.root().display()
        )
    });
    Ok(())
}

/// The line `amser up --json` prints when the node is ready.
#[derive(Serialize)]
struct Ready {
    bank_id: String,
    /// `http://ADDR`.
    api: String,
    api_addr: String,
    p2p_listen: Vec<String>,
    /// Where `GET /metrics` is served (`host:port`), when it is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    metrics_addr: Option<String>,
    data: PathBuf,
}

/// `amser up`'s addresses, each overriding config.toml.
pub struct Listen {
    pub api: Option<SocketAddr>,
    pub p2p: Option<String>,
    /// Turns `/metrics` on here.
    pub metrics: Option<SocketAddr>,
}

pub async fn up(dir: DataDir, listen: Listen, accept_restore: bool, out: &Out) -> anyhow::Result<()> {
    init_logging();
    let options = NodeOptions {
        api_listen: listen.api,
        p2p_listen: listen.p2p,
        metrics_listen: listen.metrics,
        clock: Arc::new(SystemClock),
        accept_restore,
    };
    let node = Node::start(dir.clone(), options).await?;
    let addr = node.api_addr;
    let p2p = node.federation.listen_addrs();
    let ready = Ready {
        bank_id: node.bank.to_string(),
        api: format!("http://{addr}"),
        api_addr: addr.to_string(),
        p2p_listen: p2p.clone(),
        metrics_addr: node.metrics_addr.map(|a| a.to_string()),
        data: dir.root().to_path_buf(),
    };
    let metrics = match node.metrics_addr {
        Some(m) => format!("\nMetrics for Prometheus: http://{m}/metrics (token in {})", dir.metrics_token().display()),
        None => String::new(),
    };
    // One line, flushed, so a supervisor or test can read it as the "ready" signal.
    out.print_line(&ready, |_| {
        format!(
            "The node is up. API: http://{addr}/api/v1 (token in {})\nBank id: {}\nPeer banks reach it at: {}{metrics}\nStop it with Ctrl-C.",
            dir.token().display(),
            node.bank,
            p2p.join(", ")
        )
    });
    wait_for_stop().await;
    node.shutdown().await;
    Ok(())
}

pub async fn status(client: &Client, out: &Out) -> anyhow::Result<()> {
    out.print(&client.status().await?, output::bank::status);
    Ok(())
}

/// Logs to stderr, filtered by AMSER_LOG (default: info, and sled's warnings).
pub fn init_logging() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("AMSER_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sled=warn"));
    use std::io::IsTerminal;
    // Colours only for a person at a terminal, not in log files or journald.
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).try_init();
}

/// Until Ctrl-C, or SIGTERM on Unix.
pub async fn wait_for_stop() {
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
