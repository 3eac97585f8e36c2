//! `amser user`: accounts for the web console (add with a one-time sign-in
//! link, list, a new link, disable).

use amser_node::api::client::Client;
use amser_node::model::{AccountLink, AccountView, NewAccount};
use serde::Serialize;

use crate::args::UserCmd;
use crate::output::Out;

/// What `amser user add` and `amser user link` print.
#[derive(Serialize)]
struct LinkShown {
    account: AccountView,
    /// The whole sign-in address, for the account's person only.
    link: String,
    expires_ms: u64,
}

fn shown(client: &Client, l: AccountLink) -> LinkShown {
    LinkShown { link: client.console_url(&l.link_path), account: l.account, expires_ms: l.expires_ms }
}

fn link_text(s: &LinkShown) -> String {
    let days = amser_node::accounts::book::INVITATION_MS / (24 * 60 * 60 * 1000);
    format!(
        "Account '{}' ({}) is ready. Give this sign-in link to {} only; it works once, for {days} days, to choose a password:\n{}\n(On another machine, use the address the node is reached at instead of this one.)",
        s.account.name, s.account.role, s.account.name, s.link
    )
}

fn list_text(list: &[AccountView]) -> String {
    if list.is_empty() {
        return "No console accounts yet; add one with `amser user add --name NAME --role coordinator`.".into();
    }
    list.iter()
        .map(|a| {
            let state = if a.disabled {
                "disabled"
            } else if a.has_password {
                "active"
            } else {
                "link not used yet"
            };
            let member = a.member.as_ref().map(|m| format!(" for {m}")).unwrap_or_default();
            format!("{:<28} {:<12} {state}{member}", a.name, a.role)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub async fn run(cmd: UserCmd, client: &Client, out: &Out) -> anyhow::Result<()> {
    match cmd {
        UserCmd::Add { name, role, member } => {
            let link = client.add_account(&NewAccount { name, role, member }).await?;
            out.print(&shown(client, link), link_text);
        }
        UserCmd::List => out.print(&client.accounts().await?, |l| list_text(l)),
        UserCmd::Link { name } => {
            let link = client.account_link(&name).await?;
            out.print(&shown(client, link), link_text);
        }
        UserCmd::Disable { name, enable } => {
            let account = client.disable_account(&name, !enable).await?;
            out.print(&account, |a| {
                if a.disabled {
                    format!("Account '{}' is disabled: it is signed out and cannot sign in.", a.name)
                } else {
                    format!("Account '{}' can sign in again.", a.name)
                }
            });
        }
    }
    Ok(())
}
