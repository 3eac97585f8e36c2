//! `amser peer`: the banks this one admits (add, list, freeze, unfreeze, remove),
//! and the room adverts held about every bank's lines.

use amser_node::api::client::Client;
use amser_node::model::NewPeer;

use crate::args::PeerCmd;
use crate::output::{self, Out};

pub async fn run(cmd: PeerCmd, client: &Client, out: &Out) -> anyhow::Result<()> {
    match cmd {
        PeerCmd::Add { bank_id, multiaddr, trust_hours, max_transfer_hours, handle } => {
            // Hours as text, as typed: the node reads them and says what is wrong with them.
            let new = NewPeer {
                bank_id,
                addr: multiaddr,
                trust_hours: trust_hours.into(),
                max_transfer_hours: max_transfer_hours.map(Into::into),
                handle,
            };
            out.print(&client.add_peer(&new).await?, output::peer::admitted);
        }
        PeerCmd::List { page } => {
            let query = page.query();
            if page.one_page() {
                out.print_page(&client.peers(&query).await?, output::peer::peers);
            } else {
                out.print(&client.all_peers().await?, |list| output::peer::peers(list));
            }
        }
        PeerCmd::Rooms => out.print(&client.rooms().await?, |list| output::peer::rooms(list)),
        PeerCmd::Freeze { bank_id } => out.print(&client.freeze_peer(&bank_id).await?, output::peer::froze),
        PeerCmd::Unfreeze { bank_id } => out.print(&client.unfreeze_peer(&bank_id).await?, output::peer::unfroze),
        PeerCmd::Remove { bank_id, force } => out.print(&client.remove_peer(&bank_id, force).await?, output::peer::removed),
    }
    Ok(())
}
