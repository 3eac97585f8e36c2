//! Reading the bank for coordinators and funders: `amser balance`,
//! `amser report`, `amser audit` (through the node, or straight from the
//! files of a stopped one) and `amser export`.

use std::path::PathBuf;

use amser_node::api::client::Client;
use amser_node::model::{AuditReport, ReportQuery};
use amser_node::DataDir;
use anyhow::Context;
use serde::Serialize;

use crate::failure::AuditFailed;
use crate::output::{self, Out};

pub async fn balance(code: Option<String>, client: &Client, out: &Out) -> anyhow::Result<()> {
    match code {
        Some(code) => out.print(&client.balance(&code).await?, output::bank::balance),
        None => out.print(&client.balances().await?, output::bank::balances),
    }
    Ok(())
}

pub async fn report(active_months: Option<u32>, client: &Client, out: &Out) -> anyhow::Result<()> {
    out.print(&client.report(&ReportQuery { active_months }).await?, output::bank::report);
    Ok(())
}

/// `amser audit` of a running node: it audits itself.
pub async fn audit(client: &Client, out: &Out) -> anyhow::Result<()> {
    let report = client.audit().await?;
    out.print(&report, output::bank::audit);
    failed_unless_ok(&report)
}

/// Whether a node is running on `dir` and answering.
pub async fn node_answers(dir: &DataDir) -> bool {
    match dir.read_api_addr() {
        Some(addr) => tokio::net::TcpStream::connect(addr).await.is_ok(),
        None => false,
    }
}

/// Audits a stopped node's journal directly from its files.
pub async fn offline_audit(dir: &DataDir, out: &Out) -> anyhow::Result<()> {
    dir.require_initialised()?;
    let d = dir.clone();
    let report = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let _lock = d.lock()?;
        let store = amser_node::storage::store::Store::open(&d.state()).ok();
        Ok(amser_node::reading::audit::audit(&d.journal(), None, store.as_ref()))
    })
    .await??;
    out.print(&report, |r| format!("(the node is not running: audited its files directly)\n{}", output::bank::audit(r)));
    failed_unless_ok(&report)
}

fn failed_unless_ok(report: &AuditReport) -> anyhow::Result<()> {
    if !report.ok {
        anyhow::bail!(AuditFailed);
    }
    Ok(())
}

/// What `amser export --output FILE --json` prints.
#[derive(Serialize)]
struct Written {
    written: PathBuf,
    bytes: usize,
}

pub async fn export(format: &str, output: Option<PathBuf>, client: &Client, out: &Out) -> anyhow::Result<()> {
    let bytes = match format {
        "csv" => client.export_csv().await?,
        // Pretty, for people who open the file.
        "json" => serde_json::to_vec_pretty(&client.export_json().await?)?,
        other => anyhow::bail!("'{other}' is not an export format; use csv or json"),
    };
    match output {
        Some(path) => {
            std::fs::write(&path, &bytes).with_context(|| format!("could not write {}", path.display()))?;
            out.print(&Written { written: path.clone(), bytes: bytes.len() }, |_| {
                format!("Wrote {} bytes to {}", bytes.len(), path.display())
            });
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
    }
    Ok(())
}
