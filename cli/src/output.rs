//! Printing: one JSON document with `--json`, plain text for people otherwise.

use serde_json::Value;

pub struct Out {
    pub json: bool,
}

impl Out {
    /// Prints `value` as JSON, or as the text `human` makes of it.
    pub fn print(&self, value: &Value, human: impl FnOnce(&Value) -> String) {
        let text = if self.json { serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()) } else { human(value) };
        write_out(&text);
    }

    /// Like `print`, but JSON on one line, and flushed at once.
    pub fn print_line(&self, value: &Value, human: impl FnOnce(&Value) -> String) {
        let text = if self.json { value.to_string() } else { human(value) };
        write_out(&text);
    }

    /// Prints an error: as `{"error": {...}}` on stdout with `--json`, as a sentence on stderr otherwise.
    pub fn error(&self, e: &anyhow::Error) {
        if self.json && e.downcast_ref::<crate::AuditFailed>().is_some() {
            // The audit report (with ok: false) was the one JSON document.
            return;
        }
        // Each cause once: a message that already contains its cause's text is not repeated.
        let mut parts: Vec<String> = Vec::new();
        for cause in e.chain().map(|c| c.to_string()) {
            if !parts.iter().any(|p| p.contains(&cause)) {
                parts.push(cause);
            }
        }
        let message = parts.join(": ");
        if self.json {
            write_out(&serde_json::json!({"error": {"code": crate::failure_code(e), "message": message}}).to_string());
        } else {
            eprintln!("error: {message}");
        }
    }
}

/// Writes a line to stdout; a reader that went away (`| head`) is not an error.
fn write_out(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|_| out.flush());
}

/// Hours for tables: "1:30".
fn hm(v: &Value) -> String {
    amser_protocol::Minutes(v.as_i64().unwrap_or(0)).to_string()
}

fn plural(n: &Value, one: &str, many: &str) -> String {
    if n.as_u64() == Some(1) {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or("")
}

pub fn status(v: &Value) -> String {
    let p2p = v["p2p_listen"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join("\n          "))
        .unwrap_or_default();
    format!(
        "{} ({})\nBank id:  {}\nRegion:   {}\nMembers:  {}\nJournal:  entry {} ({})\nVersion:  {}\nFederation: {}\nPeers reach it at: {}",
        s(v, "name"),
        s(v, "handle"),
        s(v, "bank_id"),
        s(v, "region"),
        v["members"],
        v["journal_seq"],
        &s(v, "journal_head")[..s(v, "journal_head").len().min(16)],
        s(v, "version"),
        s(v, "federation"),
        p2p
    )
}

pub fn members(v: &Value) -> String {
    let list = v.as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        return "No members yet. Add one with `amser member add --name \"...\"`.".into();
    }
    let mut out = format!("{:<18} {:<28} {:<7} {:<7} {:>9}  skills\n", "code", "name", "kind", "status", "balance");
    for m in &list {
        let skills: Vec<&str> = m["skills_offered"].as_array().map(|a| a.iter().filter_map(|x| x.as_str()).collect()).unwrap_or_default();
        out.push_str(&format!(
            "{:<18} {:<28} {:<7} {:<7} {:>9}  {}\n",
            s(m, "code"),
            truncate(s(m, "name"), 28),
            s(m, "kind"),
            s(m, "status"),
            s(m, "balance"),
            skills.join(", ")
        ));
    }
    out.push_str(&format!("{} members", list.len()));
    out
}

fn truncate(t: &str, n: usize) -> String {
    if t.chars().count() <= n {
        t.to_string()
    } else {
        format!("{}…", t.chars().take(n - 1).collect::<String>())
    }
}

pub fn member(v: &Value) -> String {
    let m = &v["member"];
    let list = |k: &str| m[k].as_array().map(|a| a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", ")).unwrap_or_default();
    let mut out = format!(
        "{} ({}, {})\nCode:          {}\nStatus:        {}\nJoined:        {}\nBalance:       {} hours\nContact:       {}\nOffers:        {}\nNeeds:         {}\nAvailability:  {}\n",
        s(m, "name"),
        s(m, "kind"),
        s(m, "code"),
        s(m, "code"),
        s(m, "status"),
        s(m, "joined"),
        s(m, "balance"),
        s(m, "contact"),
        list("skills_offered"),
        list("needs"),
        s(m, "availability"),
    );
    if !s(m, "special_needs").is_empty() {
        out.push_str(&format!("Special needs: {}\n", s(m, "special_needs")));
    }
    out.push_str("Recent exchanges:\n");
    out.push_str(&exchanges(&v["recent_exchanges"]));
    out
}

fn exchange_line(x: &Value) -> String {
    let codes = |k: &str| x[k].as_array().map(|a| a.iter().filter_map(|c| c.as_str()).collect::<Vec<_>>().join(",")).unwrap_or_default();
    format!(
        "{}  {}  {:>6}  {} -> {}  [{}]{}",
        &s(x, "id")[..s(x, "id").len().min(12)],
        s(x, "date"),
        hm(&x["minutes_each"]),
        codes("providers"),
        codes("receivers"),
        s(x, "category"),
        if x["reversed"] == Value::Bool(true) { "  (reversed)" } else { "" }
    )
}

pub fn exchanges(v: &Value) -> String {
    let list = v.as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        return "  (none)".into();
    }
    list.iter().map(exchange_line).collect::<Vec<_>>().join("\n")
}

pub fn exchange(v: &Value) -> String {
    let mut out = format!("Exchange {}\nDate: {}  Category: {}  Journal entry: {}\n", s(v, "id"), s(v, "date"), s(v, "category"), v["seq"]);
    if !s(v, "note").is_empty() {
        out.push_str(&format!("Note: {}\n", s(v, "note")));
    }
    for p in v["postings"].as_array().cloned().unwrap_or_default() {
        let m = p["minutes"].as_i64().unwrap_or(0);
        out.push_str(&format!("  {:<18} {}{}:{:02}\n", s(&p, "member"), if m < 0 { "-" } else { "+" }, m.abs() / 60, m.abs() % 60));
    }
    if v["reversed"] == Value::Bool(true) {
        out.push_str(&format!("Reversed: {}\n", s(v, "reversal_reason")));
    }
    out.trim_end().to_string()
}

pub fn exchange_recorded(v: &Value) -> String {
    if s(v, "kind") == "transfer" {
        return format!("Sent transfer {} to the other bank; it is {} until that bank answers\n{}", s(v, "id"), s(v, "state"), transfer(v));
    }
    format!("Recorded exchange {}\n{}", s(v, "id"), exchange(v))
}

pub fn peers(v: &Value) -> String {
    let list = v.as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        return "No peer banks yet. Admit one with `amser peer add BANK_ID ADDRESS --trust-hours N`.".into();
    }
    let mut out =
        format!("{:<12} {:<54} {:<10} {:>8} {:>10} {:>7}  state\n", "handle", "bank id", "connected", "trust h", "clearing", "pending");
    for p in &list {
        let state = if p["removed"] == Value::Bool(true) {
            "removed"
        } else if p["frozen"] == Value::Bool(true) {
            "frozen"
        } else {
            "admitted"
        };
        let clearing = p["clearing_minutes"].as_i64().unwrap_or(0);
        out.push_str(&format!(
            "{:<12} {:<54} {:<10} {:>8} {:>10} {:>7}  {}\n",
            p["handle"].as_str().unwrap_or("?"),
            s(p, "bank_id"),
            if p["connected"] == Value::Bool(true) { "yes" } else { "no" },
            p["trust_hours"],
            amser_protocol::Minutes(clearing).to_string(),
            p["pending_transfers"],
            state
        ));
    }
    out.trim_end().to_string()
}

pub fn positions(v: &Value) -> String {
    let list = v.as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        return "No transfers between banks seen yet.".into();
    }
    let name = |p: &Value, handle: &str, bank: &str| p[handle].as_str().unwrap_or(s(p, bank)).to_string();
    let mut out =
        format!("{:<14} {:<14} {:>10} {:>9} {:>9} {:>10}\n", "members of", "helped by", "hours", "accepted", "rejected", "undecided");
    for p in &list {
        out.push_str(&format!(
            "{:<14} {:<14} {:>10} {:>9} {:>9} {:>10}\n",
            name(p, "from_handle", "from_bank"),
            name(p, "to_handle", "to_bank"),
            amser_protocol::Minutes(p["accepted_minutes"].as_i64().unwrap_or(0)).to_string(),
            p["accepted"],
            p["rejected"],
            p["undecided"],
        ));
    }
    out.trim_end().to_string()
}

pub fn transfer(v: &Value) -> String {
    let mut out = format!(
        "Transfer {}\nState: {}{}\n{} ({}) pays {} ({}) {} hours for {} on {}\nSigned by the payer's bank: {}…",
        s(v, "id"),
        s(v, "state"),
        v["reject_reason"].as_str().map(|r| format!(" ({r})")).unwrap_or_default(),
        s(v, "payer"),
        s(v, "from_bank"),
        s(v, "payee"),
        s(v, "to_bank"),
        v["hours"],
        s(v, "category"),
        s(v, "date"),
        &s(v, "transfer_signature")[..16.min(s(v, "transfer_signature").len())]
    );
    if let Some(sig) = v["decision_signature"].as_str() {
        out.push_str(&format!("\nDecision signed by the payee's bank: {}…", &sig[..16.min(sig.len())]));
    }
    out
}

pub fn transfers(v: &Value) -> String {
    let list = v.as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        return "No transfers with other banks yet.".into();
    }
    list.iter()
        .map(|t| {
            format!(
                "{}  {:<8} {:<8} {} -> {}  {}  {}",
                &s(t, "id")[..12.min(s(t, "id").len())],
                s(t, "role"),
                s(t, "state"),
                s(t, "payer"),
                s(t, "payee"),
                hm(&t["minutes"]),
                s(t, "date")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn balances(v: &Value) -> String {
    let mut out = String::new();
    for a in v["accounts"].as_array().cloned().unwrap_or_default() {
        out.push_str(&format!("{:<18} {:<28} {:>9}\n", s(&a, "code"), truncate(s(&a, "name"), 28), s(&a, "balance")));
    }
    for c in v["clearing"].as_array().cloned().unwrap_or_default() {
        let who = c["handle"].as_str().map(str::to_string).unwrap_or_else(|| s(&c, "bank_id").to_string());
        out.push_str(&format!("{:<18} {:<28} {:>9}\n", format!("clearing:{who}"), "(clearing account)", s(&c, "balance")));
    }
    out.push_str(&format!("Sum of all balances: {} minutes (always 0)", v["sum_minutes"]));
    out
}

pub fn listings(v: &Value) -> String {
    let list = v.as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        return "No open offers or requests.".into();
    }
    list.iter()
        .map(|l| {
            format!(
                "{}  {:<7} {:<16} {:<18} {}",
                &s(l, "id")[..12.min(s(l, "id").len())],
                s(l, "kind"),
                s(l, "category"),
                s(l, "member"),
                s(l, "description")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn report(v: &Value) -> String {
    let mut out = format!(
        "{} — report as of {}\nHours given: {:.2} in {}\nActive members (since {}): {} of {}\n",
        s(v, "bank"),
        s(v, "as_of"),
        v["total"]["hours"].as_f64().unwrap_or(0.0),
        plural(&v["total"]["exchanges"], "exchange", "exchanges"),
        s(v, "active_since"),
        v["active_members"],
        v["members"]
    );
    for (title, key) in [("By category", "by_category"), ("By month", "by_month")] {
        out.push_str(&format!("{title}:\n"));
        if let Some(map) = v[key].as_object() {
            for (k, t) in map {
                out.push_str(&format!(
                    "  {:<20} {:>8.2} h  {}\n",
                    k,
                    t["hours"].as_f64().unwrap_or(0.0),
                    plural(&t["exchanges"], "exchange", "exchanges")
                ));
            }
        }
    }
    if let Some(agencies) = v["by_agency"].as_array().filter(|a| !a.is_empty()) {
        out.push_str("By agency:\n");
        for a in agencies {
            out.push_str(&format!(
                "  {:<28} gave {:.2} h, received {:.2} h\n",
                truncate(s(a, "name"), 28),
                a["minutes_given"].as_f64().unwrap_or(0.0) / 60.0,
                a["minutes_received"].as_f64().unwrap_or(0.0) / 60.0
            ));
        }
    }
    out.trim_end().to_string()
}

pub fn audit(v: &Value) -> String {
    let mut out = if v["ok"] == Value::Bool(true) {
        format!(
            "Audit passed: {} journal entries verified (head {} …{}), {} members, {} exchanges, balances sum to {}.",
            v["entries"],
            v["head_seq"],
            &s(v, "head_hash")[..16.min(s(v, "head_hash").len())],
            v["members"],
            v["exchanges"],
            v["balance_sum_minutes"]
        )
    } else {
        format!("Audit FAILED after {} good journal entries:", v["entries"])
    };
    for p in v["problems"].as_array().cloned().unwrap_or_default() {
        out.push_str(&format!("\n  problem: {}", p.as_str().unwrap_or("")));
    }
    for n in v["notes"].as_array().cloned().unwrap_or_default() {
        out.push_str(&format!("\n  note: {}", n.as_str().unwrap_or("")));
    }
    out
}
