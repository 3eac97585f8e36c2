//! What a federation directory search found, for people: each listing
//! with its bank, region and member code, and the command that records an
//! exchange with that member; then the banks that did not answer.

use amser_node::model::{DirectoryAnswer, DirectoryResult, DirectoryView};
use amser_protocol::listing::ListingKind;

use super::listing::kind_word;

/// Who helps whom in the exchange a result starts: an offer's member gives
/// the hours to ours, a request's member receives them from ours.
fn record_command(r: &DirectoryResult, ours: &str) -> String {
    let theirs = r.member.as_str();
    let (provider, receiver) = match r.kind {
        ListingKind::Offer => (theirs, ours),
        ListingKind::Request => (ours, theirs),
    };
    format!("amser exchange record --provider {provider} --receiver {receiver} --hours N")
}

fn bank_name(r: &DirectoryResult) -> &str {
    r.bank.handle.as_deref().unwrap_or(&r.bank.bank)
}

/// `amser directory search`: `ours` is the member the commands are for.
pub fn found(view: &DirectoryView, ours: Option<&str>) -> String {
    let ours = ours.unwrap_or("YOUR_MEMBER");
    let mut lines = Vec::new();
    if view.results.is_empty() {
        lines.push("No shared offers or requests match at the banks that answered.".to_string());
    }
    for r in &view.results {
        let title = if r.title.is_empty() { String::new() } else { format!(": {}", r.title) };
        lines.push(format!(
            "{:<7} {}{}  ({} member {}, {}, posted {})",
            kind_word(r.kind),
            r.category,
            title,
            bank_name(r),
            r.member,
            r.region,
            r.posted
        ));
        lines.push(format!("        {}", record_command(r, ours)));
    }
    for b in view.banks.iter().filter(|b| b.answer != DirectoryAnswer::Listings) {
        let name = b.bank.handle.as_deref().unwrap_or(&b.bank.bank);
        let why = match b.answer {
            DirectoryAnswer::NotSharing => "does not share its directory".to_string(),
            DirectoryAnswer::NotConnected => "is not connected now".to_string(),
            _ => format!("did not answer ({})", b.reason.as_deref().unwrap_or("no reason given")),
        };
        lines.push(format!("{name} {why}"));
    }
    lines.join("\n")
}
