//! Evidence against an admitted bank: two different journal heads it signed
//! with one seq, or two decisions it signed on one transfer with different
//! verdicts (the rule itself is `amser_protocol::federation::Evidence::check`,
//! which the federation also runs before it tells anyone). Recording it
//! freezes that bank's trust line.

use amser_protocol::journal::EntryBody;

use super::decide::{Context, Ruling};
use super::transfer::bad;
use super::{Command, LedgerError, LedgerRead};

/// Decides whether `RecordEvidence` holds real evidence, and records it.
pub fn decide(view: &impl LedgerRead, command: Command, ctx: &Context) -> Result<Ruling, LedgerError> {
    match command {
        Command::RecordEvidence { against, evidence } => {
            let (bank, _) = evidence.check(ctx.federation).map_err(|e| bad(format!("this is not evidence: {e}")))?;
            if bank != against {
                return Err(bad("this is not evidence against that bank: another bank signed it"));
            }
            if view.peer(&against)?.is_some_and(|p| p.frozen) {
                return Err(LedgerError::PeerFrozen(against.to_string()));
            }
            Ok(Ruling::Append(EntryBody::EvidenceRecorded { against, evidence }))
        }
        _ => Err(LedgerError::Storage("not an evidence command".into())),
    }
}
