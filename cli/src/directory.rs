//! `amser directory search "bike repair" [--region Gwynedd]`: offers and
//! requests other banks share in the federation directory, each printed
//! with the `amser exchange record` that starts a cross-bank exchange
//! with its member (the transfer goes directly or along a path).

use amser_node::api::client::Client;
use amser_node::model::DirectorySearch;

use crate::args::DirectoryCmd;
use crate::output::{self, Out};

pub async fn run(cmd: DirectoryCmd, client: &Client, out: &Out) -> anyhow::Result<()> {
    match cmd {
        DirectoryCmd::Search { words, region, member } => {
            let found = client.directory(&DirectorySearch { q: words, region }).await?;
            out.print(&found, |found| output::directory::found(found, member.as_deref()));
        }
    }
    Ok(())
}
