//! Members for people: the register, and one member with recent exchanges.

use amser_node::model::{ExchangeView, MemberView};
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

/// `amser member add`.
pub fn added(m: &MemberView) -> String {
    format!("Added {} ({}) with code {}", m.name, m.kind, m.code)
}

/// `amser member set`.
pub fn updated(m: &MemberView) -> String {
    format!("Updated {} ({}), status {}", m.code, m.name, m.status)
}
