//! `amser transfer`: transfers with other banks, the positions between banks, and the path
//! a transfer would take.

use amser_node::api::client::Client;

use crate::args::TransferCmd;
use crate::output::{self, Out};

pub async fn run(cmd: TransferCmd, client: &Client, out: &Out) -> anyhow::Result<()> {
    match cmd {
        TransferCmd::List { page } => {
            let query = page.query();
            if page.one_page() {
                out.print_page(&client.transfers(&query).await?, output::peer::transfers);
            } else {
                out.print(&client.all_transfers(&query).await?, |list| output::peer::transfers(list));
            }
        }
        TransferCmd::Show { id } => out.print(&client.transfer(&id).await?, output::peer::transfer),
        TransferCmd::Positions => out.print(&client.positions().await?, |list| output::peer::positions(list)),
        TransferCmd::Path { to, hours } => out.print(&client.path(&to, &hours).await?, output::peer::path),
    }
    Ok(())
}
