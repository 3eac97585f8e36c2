//! `amser exchange`: record, list, show and reverse exchanges.

use amser_node::api::client::Client;
use amser_node::model::{ExchangeQuery, NewExchange, ReverseRequest};
use amser_protocol::Minutes;

use crate::args::ExchangeCmd;
use crate::output::{self, Out};

pub async fn run(cmd: ExchangeCmd, client: &Client, out: &Out) -> anyhow::Result<()> {
    match cmd {
        ExchangeCmd::Record { provider, receiver, hours, category, note, date, client_ref } => {
            // Check the amount here too, so a typing mistake is caught before the request.
            Minutes::parse_hours(&hours)?;
            let client_ref = match client_ref {
                Some(r) => r,
                None => {
                    let mut b = [0u8; 12];
                    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
                    format!("cli-{}", hex::encode(b))
                }
            };
            let new = NewExchange {
                providers: provider,
                receivers: receiver,
                hours: Some(hours.into()),
                minutes: None,
                category,
                note,
                date,
                client_ref: Some(client_ref),
            };
            out.print(&client.record_exchange(&new).await?, output::exchange::recorded);
        }
        ExchangeCmd::List { page } => {
            let one_page = page.one_page();
            let query = ExchangeQuery { limit: page.limit, order: None, cursor: page.cursor };
            if one_page {
                out.print_page(&client.exchanges(&query).await?, output::exchange::exchanges);
            } else {
                out.print(&client.all_exchanges(&query).await?, |list| output::exchange::exchanges(list));
            }
        }
        ExchangeCmd::Show { id } => out.print(&client.exchange(&id).await?, output::exchange::exchange),
        ExchangeCmd::Reverse { id, reason } => {
            out.print(&client.reverse_exchange(&id, &ReverseRequest { reason }).await?, output::exchange::reversed);
        }
    }
    Ok(())
}
