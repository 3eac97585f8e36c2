//! `amser backup FILE` and `amser restore FILE`. The work is the node
//! crate's (`amser_node::backup`); this module finds the head to back up
//! to (the running node's acknowledged head, from its status), and prints.

use std::path::{Path, PathBuf};

use amser_node::api::client::Client;
use amser_node::backup;
use amser_node::clock::{Clock, SystemClock};
use amser_node::DataDir;
use amser_protocol::EntryHash;
use serde::Serialize;

use crate::output::Out;
use crate::report::node_answers;

/// Said after every backup, on stderr, and in the JSON.
const SECRET_WARNING: &str = "the backup holds the bank's secret key (whoever has it can sign as the bank) and members' details: keep it where only you can read it, and never send it by e-mail";

/// What `amser backup --json` prints.
#[derive(Serialize)]
struct BackedUp {
    file: PathBuf,
    bank_id: String,
    handle: String,
    journal_seq: u64,
    journal_head: String,
    /// Whether the node was running (the head is one it acknowledged).
    node_running: bool,
    bytes: u64,
    warning: &'static str,
}

pub async fn backup(dir: &DataDir, file: &Path, out: &Out) -> anyhow::Result<()> {
    dir.require_initialised()?;
    let acknowledged = if node_answers(dir).await {
        let status = Client::for_dir(dir)?.status().await?;
        let hash: EntryHash = status.journal_head.parse()?;
        Some((status.journal_seq, hash))
    } else {
        None
    };
    let (d, f) = (dir.clone(), file.to_path_buf());
    let taken = tokio::task::spawn_blocking(move || backup::take(&d, acknowledged, &f, SystemClock.now_ms())).await??;
    let m = &taken.manifest;
    let shown = BackedUp {
        file: taken.path.clone(),
        bank_id: m.bank_id.clone(),
        handle: m.handle.clone(),
        journal_seq: m.journal_seq,
        journal_head: m.journal_head.clone(),
        node_running: m.node_running,
        bytes: taken.bytes,
        warning: SECRET_WARNING,
    };
    out.print(&shown, |s| {
        format!(
            "Backed up {} ({}) to {}: the journal to entry {} (head {}), config.toml and bank.key; {} bytes, read back and verified.{}",
            m.name,
            s.handle,
            s.file.display(),
            s.journal_seq,
            s.journal_head,
            s.bytes,
            if s.node_running { " The node went on running; what it records from now on is in the next backup." } else { "" }
        )
    });
    eprintln!("warning: {SECRET_WARNING}.");
    Ok(())
}

/// What `amser restore --json` prints.
#[derive(Serialize)]
struct RestoredShown {
    data: PathBuf,
    bank_id: String,
    handle: String,
    journal_seq: u64,
    journal_head: String,
    /// The head of the journal it replaced, if there was one that read.
    replaced_seq: Option<u64>,
    /// Where the replaced files are: each under its name + this suffix.
    kept_aside: Option<String>,
    /// The bank has peers: the node waits for `amser up --accept-restore`.
    federated: bool,
    /// Members whose details open with the restored members' keys.
    members: usize,
    /// Members erased since the backup, whose erasure the restore kept.
    erased_since: usize,
    /// The console's accounts and waiting exchanges put back (only where the directory had none).
    accounts_restored: bool,
    proposals_restored: bool,
}

pub async fn restore(dir: &DataDir, file: &Path, out: &Out) -> anyhow::Result<()> {
    let (d, f) = (dir.clone(), file.to_path_buf());
    let r = tokio::task::spawn_blocking(move || backup::restore(&d, &f, SystemClock.now_ms())).await??;
    let shown = RestoredShown {
        data: dir.root().to_path_buf(),
        bank_id: r.bank_id.to_string(),
        handle: r.handle.clone(),
        journal_seq: r.record.journal_seq,
        journal_head: r.record.journal_head.clone(),
        replaced_seq: r.record.replaced_seq,
        kept_aside: r.kept_aside.clone(),
        federated: r.record.federated,
        members: r.members,
        erased_since: r.erased_since,
        accounts_restored: r.accounts_restored,
        proposals_restored: r.proposals_restored,
    };
    out.print(&shown, |s| {
        let mut text = format!(
            "Restored {} ({}) into {}: the journal to entry {} (head {}), config.toml, bank.key and the members' keys (every member's details open), all verified first.",
            r.name,
            s.handle,
            s.data.display(),
            s.journal_seq,
            s.journal_head
        );
        match s.replaced_seq {
            Some(seq) if seq > s.journal_seq => text.push_str(&format!(
                "\nThe journal it replaced went on to entry {seq}: entries {} to {seq} are not in this backup.",
                s.journal_seq + 1
            )),
            _ => {}
        }
        if s.erased_since > 0 {
            text.push_str(&format!(
                "\n{} member(s) erased since this backup was taken stay erased: their keys are destroyed in the restored key file, and the node records their erasure again when it starts.",
                s.erased_since
            ));
        }
        match (s.accounts_restored, s.proposals_restored) {
            (true, true) => text.push_str("\nThe web console's accounts and the exchanges waiting for confirmation are back too."),
            (true, false) => text.push_str("\nThe web console's accounts are back too."),
            (false, true) => text.push_str("\nThe exchanges waiting for confirmation are back too."),
            (false, false) => {}
        }
        if let Some(suffix) = &s.kept_aside {
            text.push_str(&format!("\nThe files it replaced are kept beside them, named *.{suffix}; remove them once the bank runs well."));
        }
        text.push_str("\nThe next `amser up` rebuilds the state from the restored journal; run `amser audit` after it.");
        if s.federated {
            text.push_str(
                "\nThis bank has peer banks, which may hold heads it signed after this backup: the node will not start until you run `amser up --accept-restore`. Do that only if you know this backup holds the bank's last entry (README, \"Backups\").",
            );
        }
        text
    });
    Ok(())
}
