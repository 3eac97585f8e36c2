//! Printing: one JSON document with `--json`, plain text for people
//! otherwise. The text for each noun is in its own file here, made from the
//! node's typed answers ([`amser_node::model`]).
//!
//! - [`bank`]: status, balances, the report, the audit.
//! - [`member`]: the register and one member.
//! - [`exchange`]: exchanges, one or many, and what recording one did.
//! - [`listing`]: offers and requests.
//! - [`directory`]: what a federation directory search found, and how to record an exchange from it.
//! - [`peer`]: peer banks, transfers, positions.
//! - [`export`]: the export, written a page at a time as it comes.
//! - [`import`]: what an import found and did.

pub mod bank;
pub mod directory;
pub mod exchange;
pub mod export;
pub mod import;
pub mod listing;
pub mod member;
pub mod peer;

use serde::Serialize;

pub struct Out {
    pub json: bool,
}

impl Out {
    /// Prints `value` as JSON, or as the text `human` makes of it.
    pub fn print<T: Serialize + ?Sized>(&self, value: &T, human: impl FnOnce(&T) -> String) {
        let text = if self.json { json_text(value, true) } else { human(value) };
        write_out(&text);
    }

    /// One page of a list (`--limit`, `--cursor`): the page itself with
    /// `--json`; for people, its rows and how to ask for the next page.
    pub fn print_page<T: Serialize>(&self, page: &amser_node::model::Page<T>, human: impl FnOnce(&[T]) -> String) {
        self.print(page, |p| with_next(human(&p.items), p.next.as_deref()));
    }

    /// Like `print`, but JSON on one line, and flushed at once.
    pub fn print_line<T: Serialize + ?Sized>(&self, value: &T, human: impl FnOnce(&T) -> String) {
        let text = if self.json { json_text(value, false) } else { human(value) };
        write_out(&text);
    }

    /// Prints an error: as `{"error": {...}}` on stdout with `--json`, as a sentence on stderr otherwise.
    pub fn error(&self, e: &anyhow::Error) {
        let reported =
            e.downcast_ref::<crate::failure::AuditFailed>().is_some() || e.downcast_ref::<crate::failure::ImportProblems>().is_some();
        if self.json && reported {
            // The audit report (with ok: false), or the import's report with its problems, was the one JSON document.
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
            let body = amser_node::model::ErrorBody {
                error: amser_node::model::ErrorDetail { code: crate::failure::failure_code(e).to_string(), message },
            };
            write_out(&json_text(&body, false));
        } else {
            eprintln!("error: {message}");
        }
    }
}

/// `value` as JSON text. Through a `serde_json::Value`, whose keys are in
/// order, as `--json` has always printed them.
fn json_text<T: Serialize + ?Sized>(value: &T, pretty: bool) -> String {
    match serde_json::to_value(value) {
        Ok(v) if pretty => serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string()),
        Ok(v) => v.to_string(),
        Err(e) => {
            serde_json::json!({"error": {"code": "internal", "message": format!("could not print the answer as JSON: {e}")}}).to_string()
        }
    }
}

/// A page's text, then the cursor of the next page, if there is one.
pub fn with_next(text: String, next: Option<&str>) -> String {
    match next {
        Some(cursor) => format!("{text}\nMore: give --cursor {cursor} for the next page"),
        None => text,
    }
}

/// Writes a line to stdout; a reader that went away (`| head`) is not an error.
fn write_out(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|_| out.flush());
}

/// Hours for tables: "1:30".
fn hm(minutes: i64) -> String {
    amser_protocol::Minutes(minutes).to_string()
}

/// A number of hours as JSON writes it ("10.0", "1.5"): the text has always been made from the JSON.
fn number(x: f64) -> String {
    serde_json::Number::from_f64(x).map_or_else(|| "null".to_string(), |n| n.to_string())
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The first `n` characters of an id, hash or signature.
fn short(id: &str, n: usize) -> &str {
    id.get(..n).unwrap_or(id)
}

fn truncate(t: &str, n: usize) -> String {
    if t.chars().count() <= n {
        t.to_string()
    } else {
        format!("{}…", t.chars().take(n - 1).collect::<String>())
    }
}
