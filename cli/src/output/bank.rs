//! The whole bank for people: status, balances, the report, the audit.

use amser_node::model::{AuditReport, BalanceView, Balances, Report, Status};

use super::{plural, short, truncate};

pub fn status(v: &Status) -> String {
    let halted = match (&v.halted, v.opening) {
        (Some(why), _) => format!("\nRecording nothing new: {why}"),
        (None, true) => {
            "\nJust started: recording nothing new until its peers have said what they hold of its journal (a few seconds)".into()
        }
        (None, false) => String::new(),
    };
    let lines = format!(
        "{} ({})\nBank id:  {}\nRegion:   {}\nMembers:  {}\nJournal:  entry {} ({})\nVersion:  {}\nFederation: {}\nPeers reach it at: {}",
        v.name,
        v.handle,
        v.bank_id,
        v.region,
        v.members,
        v.journal_seq,
        short(&v.journal_head, 16),
        v.version,
        v.federation,
        v.p2p_listen.join("\n          ")
    );
    lines + &halted
}

/// `amser balance CODE`.
pub fn balance(v: &BalanceView) -> String {
    format!("{} ({}): {} hours", v.code, v.name, v.balance)
}

pub fn balances(v: &Balances) -> String {
    let mut out = String::new();
    for a in &v.accounts {
        out.push_str(&format!("{:<18} {:<28} {:>9}\n", a.code.as_str(), truncate(&a.name, 28), a.balance));
    }
    for c in &v.clearing {
        let who = c.handle.as_deref().unwrap_or(&c.bank_id);
        out.push_str(&format!("{:<18} {:<28} {:>9}\n", format!("clearing:{who}"), "(clearing account)", c.balance));
    }
    match v.sum_minutes {
        Some(sum) => out.push_str(&format!("Sum of all balances: {sum} minutes (always 0)")),
        // A later page (`--cursor`): the sum is on the first.
        None => out.truncate(out.trim_end().len()),
    }
    super::with_next(out, v.next.as_deref())
}

pub fn report(v: &Report) -> String {
    let mut out = format!(
        "{} — report as of {}\nHours given: {:.2} in {}\nActive members (since {}): {} of {}\n",
        v.bank,
        v.as_of,
        v.total.hours,
        plural(v.total.exchanges, "exchange", "exchanges"),
        v.active_since,
        v.active_members,
        v.members
    );
    for (title, tallies) in [("By category", &v.by_category), ("By month", &v.by_month)] {
        out.push_str(&format!("{title}:\n"));
        for (k, t) in tallies {
            out.push_str(&format!("  {:<20} {:>8.2} h  {}\n", k, t.hours, plural(t.exchanges, "exchange", "exchanges")));
        }
    }
    if !v.by_agency.is_empty() {
        out.push_str("By agency:\n");
        for a in &v.by_agency {
            out.push_str(&format!(
                "  {:<28} gave {:.2} h, received {:.2} h\n",
                truncate(&a.name, 28),
                a.minutes_given as f64 / 60.0,
                a.minutes_received as f64 / 60.0
            ));
        }
    }
    out.trim_end().to_string()
}

pub fn audit(v: &AuditReport) -> String {
    let mut out = if v.ok {
        format!(
            "Audit passed: {} journal entries verified (head {} …{}), {} members, {} exchanges, balances sum to {}.",
            v.entries,
            v.head_seq,
            short(&v.head_hash, 16),
            v.members,
            v.exchanges,
            v.balance_sum_minutes
        )
    } else {
        format!("Audit FAILED after {} good journal entries:", v.entries)
    };
    for p in &v.problems {
        out.push_str(&format!("\n  problem: {p}"));
    }
    if v.more_problems > 0 {
        out.push_str(&format!("\n  and {} more problems of the same kinds", v.more_problems));
    }
    for n in &v.notes {
        out.push_str(&format!("\n  note: {n}"));
    }
    out
}
