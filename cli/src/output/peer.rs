//! The federation for people: peer banks, transfers, positions.

use amser_node::model::{BankRef, ClearingRingView, PathView, PeerView, PositionView, RingClearingView, RoomAdvertView, TransferView};

use super::{hm, number, short};

pub fn peers(list: &[PeerView]) -> String {
    if list.is_empty() {
        return "No peer banks yet. Admit one with `amser peer add BANK_ID ADDRESS --trust-hours N`.".into();
    }
    let mut out =
        format!("{:<12} {:<54} {:<10} {:>8} {:>10} {:>7}  state\n", "handle", "bank id", "connected", "trust h", "clearing", "pending");
    for p in list {
        let state = if p.removed {
            "removed"
        } else if p.frozen {
            "frozen"
        } else {
            "admitted"
        };
        // The trust and pending figures are not padded to their columns, as
        // they never were (the text was made from JSON values, which ignore widths).
        out.push_str(&format!(
            "{:<12} {:<54} {:<10} {} {:>10} {}  {}\n",
            p.handle.as_deref().unwrap_or("?"),
            p.bank_id,
            if p.connected { "yes" } else { "no" },
            number(p.trust_hours),
            hm(p.clearing_minutes),
            p.pending_transfers,
            state
        ));
    }
    out.trim_end().to_string()
}

/// `amser peer add`.
pub fn admitted(p: &PeerView) -> String {
    format!("Admitted {} with a trust line of {} hours", p.bank_id, number(p.trust_hours))
}

/// `amser peer freeze`.
pub fn froze(p: &PeerView) -> String {
    format!("Froze the trust line with {}", p.bank_id)
}

/// `amser peer unfreeze`.
pub fn unfroze(p: &PeerView) -> String {
    format!("Unfroze the trust line with {}", p.bank_id)
}

/// `amser peer remove`.
pub fn removed(p: &PeerView) -> String {
    format!("Removed {} from the federation", p.bank_id)
}

pub fn positions(list: &[PositionView]) -> String {
    if list.is_empty() {
        return "No transfers between banks seen yet.".into();
    }
    let mut out =
        format!("{:<14} {:<14} {:>10} {:>9} {:>9} {:>10}\n", "members of", "helped by", "hours", "accepted", "rejected", "undecided");
    for p in list {
        // The counts are not padded to their columns, as they never were
        // (the text was made from JSON values, which ignore widths).
        out.push_str(&format!(
            "{:<14} {:<14} {:>10} {} {} {}\n",
            p.from_handle.as_deref().unwrap_or(&p.from_bank),
            p.to_handle.as_deref().unwrap_or(&p.to_bank),
            hm(p.accepted_minutes),
            p.accepted,
            p.rejected,
            p.undecided,
        ));
    }
    out.trim_end().to_string()
}

pub fn rings(list: &[ClearingRingView]) -> String {
    if list.is_empty() {
        return "No rings of debt between banks in the positions seen: nothing to clear.".into();
    }
    let mut out =
        String::from("Each bank's members owe the next bank's; clearing would take the hours shown off every debt on the ring.\n");
    for ring in list {
        let mut names: Vec<&str> = ring.banks.iter().map(|b| b.handle.as_deref().unwrap_or(&b.bank)).collect();
        if let Some(first) = names.first().copied() {
            names.push(first);
        }
        out.push_str(&format!(
            "{:>10}  {}{}\n",
            hm(ring.minutes),
            names.join(" -> "),
            if ring.ours { "" } else { "  (this bank is not on it)" }
        ));
    }
    out.trim_end().to_string()
}

/// Clearings as `amser clearing run` (just proposed) and `list` show them.
pub fn clearings(list: &[RingClearingView], just_proposed: bool) -> String {
    if list.is_empty() {
        return if just_proposed {
            "No ring of debts through this bank to clear (`amser clearing rings` shows the rings seen).".into()
        } else {
            "No clearings yet.".into()
        };
    }
    list.iter()
        .map(|c| {
            let mut names: Vec<&str> = c.banks.iter().map(name).collect();
            if let Some(first) = names.first().copied() {
                names.push(first);
            }
            let state = match (c.state.as_str(), &c.reject_reason) {
                ("accepted", _) => "cleared".to_string(),
                ("pending", _) => "going round".to_string(),
                (_, Some(why)) => format!("not cleared: {why}"),
                (other, None) => other.to_string(),
            };
            format!("{}  {:>8}  {}  {state}", short(&c.id, 12), hm(c.minutes), names.join(" -> "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn name(b: &BankRef) -> &str {
    b.handle.as_deref().unwrap_or(&b.bank)
}

pub fn rooms(list: &[RoomAdvertView]) -> String {
    if list.is_empty() {
        return "No room adverts yet: they come from admitted banks once connected, and from the banks they have lines with.".into();
    }
    let mut out = String::from("Each bank's advert: how many more hours each peer's members may spend there.\n");
    for advert in list {
        let age = if advert.fresh { format!("{} s old", advert.age_secs) } else { format!("{} s old, too old to use", advert.age_secs) };
        out.push_str(&format!("{} ({age})\n", name(&advert.bank)));
        if advert.lines.is_empty() {
            out.push_str("    no lines\n");
        }
        for line in &advert.lines {
            out.push_str(&format!("    {:>10}  from {}\n", hm(line.minutes), name(&line.peer)));
        }
    }
    out.trim_end().to_string()
}

pub fn path(v: &PathView) -> String {
    let names: Vec<&str> = v.banks.iter().map(name).collect();
    let how = if v.hops == 1 { "direct".to_string() } else { format!("{} trust lines", v.hops) };
    format!("{} ({how}; room for {} hours on the tightest line)", names.join(" -> "), hm(v.room_minutes))
}

pub fn transfer(v: &TransferView) -> String {
    let mut out = format!(
        "Transfer {}\nState: {}{}\n{} ({}) pays {} ({}) {} hours for {} on {}\nSigned by the payer's bank: {}…",
        v.id,
        v.state,
        v.reject_reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default(),
        v.payer,
        v.from_bank,
        v.payee,
        v.to_bank,
        number(v.hours),
        v.category,
        v.date,
        short(&v.transfer_signature, 16)
    );
    if let Some(sig) = &v.decision_signature {
        out.push_str(&format!("\nDecision signed by the payee's bank: {}…", short(sig, 16)));
    }
    if !v.path.is_empty() {
        out.push_str(&format!("\nPath ({} trust lines):", v.path.len() - 1));
        for hop in &v.path {
            out.push_str(&format!("\n  {}  {}", hop.bank, hop.state.replace('_', " ")));
        }
    }
    out
}

pub fn transfers(list: &[TransferView]) -> String {
    if list.is_empty() {
        return "No transfers with other banks yet.".into();
    }
    list.iter()
        .map(|t| format!("{}  {:<8} {:<8} {} -> {}  {}  {}", short(&t.id, 12), role(t), t.state, t.payer, t.payee, hm(t.minutes), t.date))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The word for the side we are on, as the API writes it.
fn role(t: &TransferView) -> &'static str {
    match t.role {
        amser_node::ledger::TransferRole::Outgoing => "outgoing",
        amser_node::ledger::TransferRole::Incoming => "incoming",
        amser_node::ledger::TransferRole::Forwarded => "forwarded",
    }
}
