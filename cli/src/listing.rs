//! `amser listing`: offers and requests (post, list, close, and share in
//! or withdraw from the federation directory).

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
        ListingCmd::List { category, page } => {
            let one_page = page.one_page();
            let query = ListingQuery { category, cursor: page.cursor, limit: page.limit, ..ListingQuery::default() };
            if one_page {
                out.print_page(&client.listings(&query).await?, output::listing::listings);
            } else {
                let mut list = client.all_listings(&query).await?;
                // The node pages in id order; people read them by category, oldest first.
                list.sort_by(|a, b| (&a.category, &a.posted).cmp(&(&b.category, &b.posted)));
                out.print(&list, |list| output::listing::listings(list));
            }
        }
        ListingCmd::Close { id } => out.print(&client.close_listing(&id).await?, output::listing::closed),
        ListingCmd::Share { id, title } => out.print(&client.share_listing(&id, &title).await?, output::listing::shared),
        ListingCmd::Unshare { id } => out.print(&client.unshare_listing(&id).await?, output::listing::shared),
    }
    Ok(())
}
