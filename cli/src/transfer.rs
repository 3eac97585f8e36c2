//! `amser transfer`: transfers with other banks, and the positions between banks.

use amser_node::api::client::Client;
use amser_node::model::LimitQuery;

use crate::args::TransferCmd;
use crate::output::{self, Out};

pub async fn run(cmd: TransferCmd, client: &Client, out: &Out) -> anyhow::Result<()> {
    match cmd {
        TransferCmd::List { limit } => {
            out.print(&client.transfers(&LimitQuery { limit: Some(limit) }).await?, |list| output::peer::transfers(list));
        }
        TransferCmd::Show { id } => out.print(&client.transfer(&id).await?, output::peer::transfer),
        TransferCmd::Positions => out.print(&client.positions().await?, |list| output::peer::positions(list)),
    }
    Ok(())
}
