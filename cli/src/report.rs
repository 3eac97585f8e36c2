//! Reading the bank for coordinators and funders: `amser balance`,
//! `amser report`, `amser audit` (through the node, or straight from the
//! files of a stopped one) and `amser export`.

use std::io::Write;
use std::path::PathBuf;

use amser_node::api::client::{check_moved, Client};
use amser_node::model::{AuditReport, PageQuery, ReportQuery, MAX_PAGE_ITEMS};
use amser_node::DataDir;
use anyhow::Context;
use serde::Serialize;

use crate::args::PageArgs;
use crate::failure::AuditFailed;
use crate::output::export::JsonExportWriter;
use crate::output::{self, Out};

pub async fn balance(code: Option<String>, page: PageArgs, client: &Client, out: &Out) -> anyhow::Result<()> {
    match code {
        Some(code) => out.print(&client.balance(&code).await?, output::bank::balance),
        None if page.one_page() => out.print(&client.balances(&page.query()).await?, output::bank::balances),
        None => out.print(&client.all_balances(&PageQuery::default()).await?, output::bank::balances),
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

/// Writes the export a page at a time, to `output` or standard output.
pub async fn export(format: &str, output: Option<PathBuf>, client: &Client, out: &Out) -> anyhow::Result<()> {
    let mut sink: Box<dyn Write> = match &output {
        Some(path) => Box::new(
            std::fs::File::create(path).map(std::io::BufWriter::new).with_context(|| format!("could not write {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let written = match format {
        "csv" => export_csv(client, &mut sink).await,
        "json" => export_json(client, &mut sink).await,
        other => anyhow::bail!("'{other}' is not an export format; use csv or json"),
    };
    let bytes = match written {
        Ok(bytes) => bytes,
        // A reader that went away (`| head`) is not an error.
        Err(e) if output.is_none() && e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) => {
            return Ok(())
        }
        Err(e) => return Err(e),
    };
    sink.flush()?;
    drop(sink);
    if let Some(path) = output {
        let path_text = path.display().to_string();
        out.print(&Written { written: path, bytes }, |_| format!("Wrote {bytes} bytes to {path_text}"));
    }
    Ok(())
}

/// Every page of the CSV export, one after another; the bytes written.
async fn export_csv(client: &Client, sink: &mut dyn Write) -> anyhow::Result<usize> {
    let mut query = PageQuery::first(MAX_PAGE_ITEMS);
    let mut bytes = 0;
    loop {
        let (page, next) = client.export_csv(&query).await?;
        sink.write_all(&page)?;
        bytes += page.len();
        let Some(next) = next else { return Ok(bytes) };
        check_moved("/export", query.cursor.as_deref(), &next)?;
        query.cursor = Some(next);
    }
}

/// Every page of the JSON export, joined into one document as they come.
async fn export_json(client: &Client, sink: &mut dyn Write) -> anyhow::Result<usize> {
    let mut query = PageQuery::first(MAX_PAGE_ITEMS);
    let mut doc = JsonExportWriter::new(Counted { out: sink, bytes: 0 });
    loop {
        let page = client.export_json(&query).await?;
        doc.page(&page)?;
        let Some(next) = page.next else { break };
        check_moved("/export", query.cursor.as_deref(), &next)?;
        query.cursor = Some(next);
    }
    Ok(doc.finish()?.bytes)
}

/// A writer that counts what passes through it.
struct Counted<'a> {
    out: &'a mut dyn Write,
    bytes: usize,
}

impl Write for Counted<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.bytes += n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
