//! Printing: one JSON document with `--json`, plain text for people otherwise.

use serde_json::Value;

pub struct Out {
    pub json: bool,
}

impl Out {
    /// Prints `value` as JSON, or as the text `human` makes of it.
    pub fn print(&self, value: &Value, human: impl FnOnce(&Value) -> String) {
        if self.json {
            println!("{}", serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()));
        } else {
            println!("{}", human(value));
        }
    }

    /// Like `print`, but JSON on one line, and flushed at once.
    pub fn print_line(&self, value: &Value, human: impl FnOnce(&Value) -> String) {
        use std::io::Write;
        if self.json {
            println!("{value}");
        } else {
            println!("{}", human(value));
        }
        let _ = std::io::stdout().flush();
    }

    /// Prints an error: as `{"error": {...}}` on stdout with `--json`, as a sentence on stderr otherwise.
    pub fn error(&self, e: &anyhow::Error) {
        if self.json && e.downcast_ref::<crate::AuditFailed>().is_some() {
            // The audit report (with ok: false) was the one JSON document.
            return;
        }
        let message = e.chain().map(|c| c.to_string()).collect::<Vec<_>>().join(": ");
        if self.json {
            println!("{}", serde_json::json!({"error": {"code": crate::failure_code(e), "message": message}}));
        } else {
            eprintln!("error: {message}");
        }
    }
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or("")
}

pub fn status(v: &Value) -> String {
    format!(
        "{} ({})\nBank id:  {}\nRegion:   {}\nMembers:  {}\nJournal:  entry {} ({})\nVersion:  {}",
        s(v, "name"),
        s(v, "handle"),
        s(v, "bank_id"),
        s(v, "region"),
        v["members"],
        v["journal_seq"],
        &s(v, "journal_head")[..s(v, "journal_head").len().min(16)],
        s(v, "version")
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
        "{}  {}  {:>6}h  {} -> {}  [{}]{}",
        &s(x, "id")[..s(x, "id").len().min(12)],
        s(x, "date"),
        x["hours_each"],
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
    format!("Recorded exchange {}\n{}", s(v, "id"), exchange(v))
}

pub fn balances(v: &Value) -> String {
    let mut out = String::new();
    for a in v["accounts"].as_array().cloned().unwrap_or_default() {
        out.push_str(&format!("{:<18} {:<28} {:>9}\n", s(&a, "code"), truncate(s(&a, "name"), 28), s(&a, "balance")));
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
        .map(|l| format!("{}  {:<7} {:<16} {:<18} {}", &s(l, "id")[..12.min(s(l, "id").len())], s(l, "kind"), s(l, "category"), s(l, "member"), s(l, "description")))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn report(v: &Value) -> String {
    let mut out = format!(
        "{} — report as of {}\nHours given: {:.2} in {} exchanges\nActive members (since {}): {} of {}\n",
        s(v, "bank"),
        s(v, "as_of"),
        v["total"]["hours"].as_f64().unwrap_or(0.0),
        v["total"]["exchanges"],
        s(v, "active_since"),
        v["active_members"],
        v["members"]
    );
    for (title, key) in [("By category", "by_category"), ("By month", "by_month")] {
        out.push_str(&format!("{title}:\n"));
        if let Some(map) = v[key].as_object() {
            for (k, t) in map {
                out.push_str(&format!("  {:<20} {:>8.2} h  {:>5} exchanges\n", k, t["hours"].as_f64().unwrap_or(0.0), t["exchanges"]));
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
