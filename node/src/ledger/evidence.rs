//! Evidence against an admitted bank: two different journal heads it signed
//! with one seq, or two decisions it signed on one transfer with different
//! verdicts (the rule itself is `amser_protocol::federation::Evidence::check`,
//! which the federation also runs before it tells anyone). Recording it
//! freezes that bank's trust line; the same evidence (by `evidence_id`) is
//! recorded once, so once the coordinator has unfrozen the line it does not
//! freeze it again. Only evidence against a bank this one admitted (and has
//! not removed) is kept: a key nobody admitted can make no bank store
//! anything, however true what it relays.

use amser_protocol::journal::EntryBody;

use super::decide::{Context, Ruling};
use super::transfer::bad;
use super::{Command, EvidenceId, LedgerError, LedgerRead};
use amser_protocol::federation::Evidence;

/// Decides whether `RecordEvidence` holds real evidence, and records it.
pub fn decide(view: &impl LedgerRead, command: Command, ctx: &Context) -> Result<Ruling, LedgerError> {
    match command {
        Command::RecordEvidence { against, evidence } => {
            let (bank, _) = evidence.check(ctx.federation).map_err(|e| bad(format!("this is not evidence: {e}")))?;
            if bank != against {
                return Err(bad("this is not evidence against that bank: another bank signed it"));
            }
            let peer = view.peer(&against)?.filter(|p| !p.removed).ok_or(LedgerError::NotAdmitted(against))?;
            if peer.frozen {
                return Err(LedgerError::PeerFrozen(against.to_string()));
            }
            // Evidence the coordinator has seen (it froze the line, and they unfroze
            // it since) does not freeze again, however often it is gossiped back.
            if view.evidence_recorded(&against, &evidence_id(&evidence))? {
                return Err(LedgerError::EvidenceHandled(against.to_string()));
            }
            Ok(Ruling::Append(EntryBody::EvidenceRecorded { against, evidence }))
        }
        _ => Err(LedgerError::Storage("not an evidence command".into())),
    }
}

/// blake3 context of evidence ids.
const EVIDENCE_CONTEXT: &str = "amser/v1 evidence-id";

/// The identity of a piece of evidence: its two signed messages' bytes, in
/// either order (the same two messages are the same evidence).
pub fn evidence_id(evidence: &Evidence) -> EvidenceId {
    let (a, b) = (evidence.first.to_bytes().unwrap_or_default(), evidence.second.to_bytes().unwrap_or_default());
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    let mut both = Vec::with_capacity(8 + low.len() + high.len());
    both.extend_from_slice(&(low.len() as u64).to_le_bytes());
    both.extend_from_slice(&low);
    both.extend_from_slice(&high);
    amser_protocol::ids::hash_with(EVIDENCE_CONTEXT, &both)
}
