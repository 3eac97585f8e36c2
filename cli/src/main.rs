//! # amser
//!
//! The command people use: `amser init` creates a bank, `amser up` runs its
//! node, and every other command talks to the running node's local API
//! (address and token from the data directory) through the node crate's
//! typed client (`amser_node::api::client`).
//!
//! Modules:
//!
//! - `args`: every command and option (clap derive).
//! - `bank`: `init`, `up` (runs the node here) and `status`.
//! - `backup`: `backup` (of a running or a stopped node) and `restore` (on a stopped one).
//! - `demo`: `demo`, a local federation of three sample banks.
//! - `member`: `member add|list|show|set`.
//! - `exchange`: `exchange record|list|show|reverse`.
//! - `listing`: `listing add|list|close|share|unshare`.
//! - `directory`: `directory search`: other banks' shared offers and requests.
//! - `peer`: `peer add|list|freeze|unfreeze|remove|rooms`.
//! - `transfer`: `transfer list|show|positions|path`.
//! - `clearing`: `clearing rings|run|list`.
//! - `figures`: `federation stats`, the network's signed figures for a month.
//! - `user`: `user add|list|link|disable`: the web console's accounts.
//! - `import`: `import members|exchanges FILE`, from TimeOverflow or the generic layout.
//! - `report`: `balance`, `report`, `audit` (of a running or a stopped node) and `export`.
//! - `output`: printing, as JSON (`--json`) or as text for people, per noun.
//! - `failure`: the stable code of each failure, for scripts.

mod args;
mod backup;
mod bank;
mod clearing;
mod demo;
mod directory;
mod exchange;
mod failure;
mod figures;
mod import;
mod listing;
mod member;
mod output;
mod peer;
mod report;
mod transfer;
mod user;

use std::process::ExitCode;

use amser_node::api::client::Client;
use clap::Parser;

use crate::args::{Cli, Command};
use crate::output::Out;

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

async fn run(cli: Cli) -> anyhow::Result<()> {
    let out = Out { json: cli.json };
    let dir = cli.data_dir();
    match cli.command {
        Command::Init { name, handle, region } => bank::init(&dir, name, handle, region, &out).await,
        Command::Up { api_listen, p2p_listen, metrics_listen, accept_restore } => {
            bank::up(dir, bank::Listen { api: api_listen, p2p: p2p_listen, metrics: metrics_listen }, accept_restore, &out).await
        }
        Command::Backup { file } => backup::backup(&dir, &file, &out).await,
        Command::Restore { file } => backup::restore(&dir, &file, &out).await,
        Command::Demo { base_port } => demo::command(&dir, base_port, &out).await,
        Command::Audit if !report::node_answers(&dir).await => report::offline_audit(&dir, &out).await,
        other => {
            let client = Client::for_dir(&dir)?;
            run_client(other, &client, &out).await
        }
    }
}

/// The commands that talk to the running node.
async fn run_client(command: Command, client: &Client, out: &Out) -> anyhow::Result<()> {
    match command {
        Command::Init { .. } | Command::Up { .. } | Command::Demo { .. } | Command::Backup { .. } | Command::Restore { .. } => {
            unreachable!("handled before connecting")
        }
        Command::Status => bank::status(client, out).await,
        Command::Member(cmd) => member::run(cmd, client, out).await,
        Command::Exchange(cmd) => exchange::run(cmd, client, out).await,
        Command::Balance { code, page } => report::balance(code, page, client, out).await,
        Command::Listing(cmd) => listing::run(cmd, client, out).await,
        Command::Directory(cmd) => directory::run(cmd, client, out).await,
        Command::Report { active_months } => report::report(active_months, client, out).await,
        Command::Audit => report::audit(client, out).await,
        Command::Peer(cmd) => peer::run(cmd, client, out).await,
        Command::Transfer(cmd) => transfer::run(cmd, client, out).await,
        Command::Clearing(cmd) => clearing::run(cmd, client, out).await,
        Command::Federation(cmd) => figures::run(cmd, client, out).await,
        Command::User(cmd) => user::run(cmd, client, out).await,
        Command::Import(cmd) => import::run(cmd, client, out).await,
        Command::Export { format, output } => report::export(&format, output, client, out).await,
    }
}
