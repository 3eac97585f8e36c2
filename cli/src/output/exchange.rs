//! Exchanges for people: a table of them, one in full, and what recording one did.

use amser_node::model::{ExchangeView, Recorded};
use amser_protocol::MemberCode;

use super::{hm, short};

fn codes(list: &[MemberCode]) -> String {
    list.iter().map(MemberCode::as_str).collect::<Vec<_>>().join(",")
}

fn exchange_line(x: &ExchangeView) -> String {
    format!(
        "{}  {}  {:>6}  {} -> {}  [{}]{}",
        short(&x.id, 12),
        x.date,
        hm(x.minutes_each),
        codes(&x.providers),
        codes(&x.receivers),
        x.category,
        if x.reversed { "  (reversed)" } else { "" }
    )
}

pub fn exchanges(list: &[ExchangeView]) -> String {
    if list.is_empty() {
        return "  (none)".into();
    }
    list.iter().map(exchange_line).collect::<Vec<_>>().join("\n")
}

pub fn exchange(v: &ExchangeView) -> String {
    let mut out = format!("Exchange {}\nDate: {}  Category: {}  Journal entry: {}\n", v.id, v.date, v.category, v.seq);
    if !v.note.is_empty() {
        out.push_str(&format!("Note: {}\n", v.note));
    }
    for p in &v.postings {
        let m = p.minutes;
        out.push_str(&format!("  {:<18} {}{}:{:02}\n", p.member.as_str(), if m < 0 { "-" } else { "+" }, m.abs() / 60, m.abs() % 60));
    }
    if v.reversed {
        out.push_str(&format!("Reversed: {}\n", v.reversal_reason.as_deref().unwrap_or("")));
    }
    out.trim_end().to_string()
}

/// `amser exchange record`: the exchange, or the transfer sent to another bank.
pub fn recorded(v: &Recorded) -> String {
    match v {
        Recorded::Transfer(t) => {
            format!("Sent transfer {} to the other bank; it is {} until that bank answers\n{}", t.id, t.state, super::peer::transfer(t))
        }
        Recorded::Exchange(x) => format!("Recorded exchange {}\n{}", x.id, exchange(x)),
    }
}

/// `amser exchange reverse`.
pub fn reversed(x: &ExchangeView) -> String {
    format!("Reversed exchange {} ({} minutes each); the balances are restored", x.id, x.minutes_each)
}
