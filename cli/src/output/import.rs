//! What an import found and did, for people: what it adds, what was there
//! already, each problem by line, and whose balance the history leaves
//! beyond today's limits.

use amser_node::import::{Format, Kind};
use amser_node::model::ImportReport;

pub fn report(r: &ImportReport, file: &str) -> String {
    let layout = match r.format {
        Format::Timeoverflow => "TimeOverflow",
        Format::Generic => "generic",
    };
    let what = match r.kind {
        Kind::Members => "members",
        Kind::Exchanges => "exchanges",
    };
    let mut out = String::new();
    let written = if r.written { "" } else { " Nothing was written." };
    if r.dry_run {
        out.push_str(&format!("Dry run of {file} ({layout} {what}).{written}\n"));
    } else if r.problems.is_empty() {
        out.push_str(&format!("Imported {file} ({layout} {what}).\n"));
    } else {
        out.push_str(&format!("{file} ({layout} {what}) has problems.{written}\n"));
    }
    let (new, there) = match (r.kind, r.dry_run || !r.problems.is_empty()) {
        (Kind::Members, true) => ("members to add", "already in the register"),
        (Kind::Members, false) => ("members added", "already in the register"),
        (Kind::Exchanges, true) => ("exchanges to record", "already recorded"),
        (Kind::Exchanges, false) => ("exchanges recorded", "already recorded"),
    };
    out.push_str(&format!("{} {new}, {} {there}.\n", r.new, r.already));
    if let Some(f) = &r.fund {
        let code = f.code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
        let how = if f.new { "a new fund for the bank's own account" } else { "the fund for the bank's own account" };
        out.push_str(&format!("{}{code}: {how} (TimeOverflow's ID 0).\n", f.name));
    }
    if !r.problems.is_empty() {
        out.push_str(&format!("\nProblems ({}):\n", r.problems.len() + r.more_problems));
        for p in &r.problems {
            out.push_str(&format!("  {p}\n"));
        }
        if r.more_problems > 0 {
            out.push_str(&format!("  ... and {} more\n", r.more_problems));
        }
    }
    if !r.beyond_limits.is_empty() {
        out.push_str("\nBeyond today's limits after this history (imported as it happened, not refused):\n");
        for b in &r.beyond_limits {
            let code = b.code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
            out.push_str(&format!(
                "  {}{code}: {} h, limits {} h to {} h\n",
                b.name,
                hours(b.balance_minutes),
                hours(b.floor_minutes),
                hours(b.ceiling_minutes)
            ));
        }
    }
    if r.kind == Kind::Members && r.written {
        out.push_str("\nMembers:\n");
        for m in r.members.iter().filter(|m| !m.source.is_empty()) {
            out.push_str(&format!("  line {}  {}  {}  {}\n", m.line, m.source, m.code.as_deref().unwrap_or("-"), m.name));
        }
    }
    out
}

/// Minutes as hours to two decimals (`-23.00`).
fn hours(minutes: i64) -> String {
    format!("{:.2}", minutes as f64 / 60.0)
}
