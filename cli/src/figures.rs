//! `amser federation stats`: the regional network's figures for a month,
//! summed from the figures each bank signed, as a table, CSV or JSON.

use amser_node::api::client::Client;
use amser_node::model::FederationStatsView;
use amser_protocol::Minutes;

use crate::args::FederationCmd;
use crate::output::Out;

pub async fn run(cmd: FederationCmd, client: &Client, out: &Out) -> anyhow::Result<()> {
    let FederationCmd::Stats { month, format } = cmd;
    let stats = client.federation_stats(month.as_deref()).await?;
    match format.as_str() {
        "json" => Out { json: true }.print(&stats, |_| String::new()),
        "csv" if !out.json => print!("{}", csv(&stats)?),
        _ => out.print(&stats, table),
    }
    Ok(())
}

/// One row a bank, then the network's total; hours as decimals.
fn csv(stats: &FederationStatsView) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "month",
        "bank",
        "handle",
        "exchanges",
        "hours",
        "active_members",
        "hours_in_from_other_banks",
        "hours_out_to_other_banks",
    ])?;
    let hours = |m: i64| format!("{:.2}", m as f64 / 60.0);
    for b in &stats.banks {
        w.write_record([
            stats.month.clone(),
            b.bank.bank.clone(),
            b.bank.handle.clone().unwrap_or_default(),
            b.exchanges.to_string(),
            hours(b.minutes),
            b.active_members.to_string(),
            hours(b.across_banks_in_minutes),
            hours(b.across_banks_out_minutes),
        ])?;
    }
    w.write_record([
        stats.month.clone(),
        "total".into(),
        String::new(),
        stats.exchanges.to_string(),
        hours(stats.minutes),
        stats.active_members.to_string(),
        hours(stats.across_banks_minutes),
        hours(stats.across_banks_minutes),
    ])?;
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn table(stats: &FederationStatsView) -> String {
    let mut out = format!("Figures for {}, as each bank signed them:\n", stats.month);
    out.push_str(&format!("{:<14} {:>10} {:>10} {:>8}\n", "bank", "exchanges", "hours", "active"));
    for b in &stats.banks {
        let name = b.bank.handle.as_deref().unwrap_or(&b.bank.bank);
        out.push_str(&format!("{:<14} {:>10} {:>10} {:>8}\n", name, b.exchanges, Minutes(b.minutes).to_string(), b.active_members));
    }
    out.push_str(&format!(
        "{:<14} {:>10} {:>10} {:>8}\n",
        "total",
        stats.exchanges,
        Minutes(stats.minutes).to_string(),
        stats.active_members
    ));
    out.push_str(&format!("Hours moved between banks: {}\n", Minutes(stats.across_banks_minutes)));
    if !stats.missing.is_empty() {
        let names: Vec<&str> = stats.missing.iter().map(|b| b.handle.as_deref().unwrap_or(&b.bank)).collect();
        out.push_str(&format!("Missing (no signed figures held for the month): {}\n", names.join(", ")));
    }
    if stats.refused > 0 {
        out.push_str(&format!("Refused and not counted: {} figures that did not verify\n", stats.refused));
    }
    out.trim_end().to_string()
}
