//! Evidence against an admitted bank: two different journal heads it signed
//! with one seq. Recording it freezes that bank's trust line; the same
//! evidence (by `evidence_id`) is recorded once, so once the coordinator has
//! unfrozen the line it does not freeze it again.

use amser_protocol::journal::{EntryBody, JournalHead};
use amser_protocol::limits::MAX_JOURNAL_HEAD_BYTES;
use amser_protocol::signing::MessageKind;

use super::decide::{Context, Ruling};
use super::transfer::{bad, verify};
use super::{Command, EvidenceId, LedgerError, LedgerRead};
use amser_protocol::federation::Evidence;

/// Decides whether `RecordEvidence` holds real evidence, and records it.
pub fn decide(view: &impl LedgerRead, command: Command, ctx: &Context) -> Result<Ruling, LedgerError> {
    match command {
        Command::RecordEvidence { against, evidence } => {
            let first = verify(&evidence.first, ctx, MessageKind::JournalHead)?;
            let second = verify(&evidence.second, ctx, MessageKind::JournalHead)?;
            let a: JournalHead = amser_protocol::encoding::decode("journal head", &first.body, MAX_JOURNAL_HEAD_BYTES).map_err(bad)?;
            let b: JournalHead = amser_protocol::encoding::decode("journal head", &second.body, MAX_JOURNAL_HEAD_BYTES).map_err(bad)?;
            let equivocation = first.signer == against
                && second.signer == against
                && a.bank == against
                && b.bank == against
                && a.seq == b.seq
                && a.hash != b.hash;
            if !equivocation {
                return Err(bad("this is not evidence: it must be two heads signed by one bank with one seq and different hashes"));
            }
            if view.peer(&against)?.is_some_and(|p| p.frozen) {
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
