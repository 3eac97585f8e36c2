//! Members for people: the register, and one member with recent exchanges.

use amser_node::model::{ExchangeView, MemberExport, MemberView};
use serde::Serialize;

use super::truncate;

/// `amser member show`: the member, and their latest exchanges (one JSON document).
#[derive(Serialize)]
pub struct MemberShown {
    pub member: MemberView,
    pub recent_exchanges: Vec<ExchangeView>,
}

pub fn members(list: &[MemberView]) -> String {
    if list.is_empty() {
        return "No members yet. Add one with `amser member add --name \"...\"`.".into();
    }
    let mut out = format!("{:<18} {:<28} {:<7} {:<7} {:>9}  skills\n", "code", "name", "kind", "status", "balance");
    for m in list {
        out.push_str(&format!(
            "{:<18} {:<28} {:<7} {:<7} {:>9}  {}\n",
            m.code.as_str(),
            truncate(&m.name, 28),
            m.kind,
            m.status,
            m.balance,
            m.skills_offered.join(", ")
        ));
    }
    out.push_str(&format!("{} members", list.len()));
    out
}

pub fn member(v: &MemberShown) -> String {
    let m = &v.member;
    let mut out = format!(
        "{} ({}, {})\nCode:          {}\nStatus:        {}\nJoined:        {}\nBalance:       {} hours\nContact:       {}\nOffers:        {}\nNeeds:         {}\nAvailability:  {}\n",
        m.name,
        m.kind,
        m.code,
        m.code,
        m.status,
        m.joined,
        m.balance,
        m.contact,
        m.skills_offered.join(", "),
        m.needs.join(", "),
        m.availability,
    );
    if !m.special_needs.is_empty() {
        out.push_str(&format!("Special needs: {}\n", m.special_needs));
    }
    out.push_str("Recent exchanges:\n");
    out.push_str(&super::exchange::exchanges(&v.recent_exchanges));
    out
}

/// `amser member export`: a statement to print and hand to the member.
pub fn export(x: &MemberExport) -> String {
    let m = &x.member;
    let mut out = format!(
        "Everything {} ({}) holds about {}\nMade {} (journal entry {})\n\n",
        x.bank.name, x.bank.handle, m.code, x.made_at, x.head_seq
    );
    out.push_str(&member(&MemberShown { member: m.clone(), recent_exchanges: Vec::new() }).replace("Recent exchanges:\n", ""));
    out.push_str(&format!("\nExchanges ({}), recorded by the account named:\n", x.exchanges.len()));
    for e in &x.exchanges {
        let gave = e.providers.iter().any(|p| p == &m.code);
        out.push_str(&format!(
            "  {}  {} {} h  {:<14} recorded by {}{}{}\n",
            e.date,
            if gave { "gave    " } else { "received" },
            e.hours_each,
            e.category,
            e.recorded_by,
            if e.note.is_empty() { String::new() } else { format!("  note: {}", e.note) },
            if e.reversed { "  (reversed)" } else { "" },
        ));
    }
    out.push_str(&format!("\nTransfers with other banks ({}):\n", x.transfers.len()));
    for t in &x.transfers {
        out.push_str(&format!("  {}  {} -> {}  {} h  {}  {}\n", t.date, t.payer, t.payee, t.hours, t.category, t.state));
    }
    out.push_str(&format!("\nOffers and requests ({}):\n", x.listings.len()));
    for l in &x.listings {
        out.push_str(&format!(
            "  {}  {:?}  {}  {}{}\n",
            l.posted,
            l.kind,
            l.category,
            l.description,
            if l.open { "" } else { "  (closed)" }
        ));
    }
    out.push_str(&format!("\nOther banks hold {}.\n", x.other_banks_hold));
    out
}

/// `amser member erase`.
pub fn erased(m: &MemberView) -> String {
    format!("Erased the personal data of {}; their balance of {} hours stays", m.code, m.balance)
}

/// `amser member move`.
pub fn moved(m: &amser_node::model::MoveView) -> String {
    let to = m.member.moved_to.as_deref().unwrap_or("?");
    match &m.transfer {
        Some(t) => format!(
            "Moved {} to {to}: their {} hours go with them as transfer {} ({}; `amser transfer show {}` follows it)",
            m.member.code,
            amser_protocol::Minutes(t.minutes),
            &t.id[..12],
            t.state,
            &t.id[..12]
        ),
        None => format!("Moved {} to {to}, with no hours to take along", m.member.code),
    }
}

/// `amser member add`.
pub fn added(m: &MemberView) -> String {
    format!("Added {} ({}) with code {}", m.name, m.kind, m.code)
}

/// `amser member set`.
pub fn updated(m: &MemberView) -> String {
    format!("Updated {} ({}), status {}", m.code, m.name, m.status)
}
