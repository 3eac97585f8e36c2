//! `amser import members|exchanges FILE [--format timeoverflow|generic]
//! [--dry-run]`: sends the file to the node's `POST /import/*` and prints
//! its report. A file with problems is listed line by line and the command
//! fails (`import_problems`); nothing was written. The file's size is
//! checked here first, so a file too large is refused before it is sent.

use amser_node::api::client::Client;
use amser_node::import::{Format, Kind, MAX_IMPORT_BYTES};
use amser_node::model::ImportQuery;

use crate::args::{ImportArgs, ImportCmd};
use crate::failure::ImportProblems;
use crate::output::{self, Out};

pub async fn run(cmd: ImportCmd, client: &Client, out: &Out) -> anyhow::Result<()> {
    let (kind, args) = match cmd {
        ImportCmd::Members(a) => (Kind::Members, a),
        ImportCmd::Exchanges(a) => (Kind::Exchanges, a),
    };
    let ImportArgs { file, format, dry_run } = args;
    let format: Format = format.parse().map_err(anyhow::Error::msg)?;
    let shown = file.display().to_string();
    let size = std::fs::metadata(&file).map_err(|e| anyhow::anyhow!("cannot read {shown}: {e}"))?.len();
    if size > MAX_IMPORT_BYTES as u64 {
        anyhow::bail!(
            "{shown} is {size} bytes, more than the {MAX_IMPORT_BYTES} taken at once: split it into smaller files and import each"
        );
    }
    let csv = std::fs::read(&file).map_err(|e| anyhow::anyhow!("cannot read {shown}: {e}"))?;
    let report = client.import(kind, &ImportQuery { format: Some(format), dry_run }, csv).await?;
    out.print(&report, |r| output::import::report(r, &shown));
    let problems = report.problems.len() + report.more_problems;
    if problems > 0 {
        return Err(ImportProblems(problems).into());
    }
    Ok(())
}
