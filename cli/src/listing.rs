//! `amser listing`: offers and requests (post, list, close).

use amser_node::api::client::Client;
use amser_node::model::{ListingQuery, NewListing};
use amser_protocol::listing::ListingKind;

use crate::args::ListingCmd;
use crate::output::{self, Out};

pub async fn run(cmd: ListingCmd, client: &Client, out: &Out) -> anyhow::Result<()> {
    match cmd {
        ListingCmd::Add { kind, member, category, description } => {
            let kind = match kind.as_str() {
                "offer" => ListingKind::Offer,
                "request" => ListingKind::Request,
                other => anyhow::bail!("'{other}' is not a kind of listing; use offer or request"),
            };
            out.print(&client.post_listing(&NewListing { kind, member, category, description }).await?, output::listing::posted);
        }
        ListingCmd::List { category } => {
            let list = client.listings(&ListingQuery { category, ..ListingQuery::default() }).await?;
            out.print(&list, |list| output::listing::listings(list));
        }
        ListingCmd::Close { id } => out.print(&client.close_listing(&id).await?, output::listing::closed),
    }
    Ok(())
}
