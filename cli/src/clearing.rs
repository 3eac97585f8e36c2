//! `amser clearing`: rings of debt between banks that clearing could
//! cancel (`rings`), proposing them (`run`) and what was cleared (`list`).

use amser_node::api::client::Client;

use crate::args::ClearingCmd;
use crate::output::{self, Out};

pub async fn run(cmd: ClearingCmd, client: &Client, out: &Out) -> anyhow::Result<()> {
    match cmd {
        ClearingCmd::Rings => out.print(&client.clearing_rings().await?, |list| output::peer::rings(list)),
        ClearingCmd::Run => out.print(&client.run_clearing().await?, |list| output::peer::clearings(list, true)),
        ClearingCmd::List => out.print(&client.clearings().await?, |list| output::peer::clearings(list, false)),
    }
    Ok(())
}
