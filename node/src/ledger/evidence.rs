//! Evidence against an admitted bank: two different journal heads it signed
//! with one seq. Recording it freezes that bank's trust line.

use amser_protocol::journal::{EntryBody, JournalHead};
use amser_protocol::limits::MAX_JOURNAL_HEAD_BYTES;
use amser_protocol::signing::MessageKind;

use super::decide::{Context, Ruling};
use super::transfer::{bad, verify};
use super::{Command, LedgerError, LedgerRead};

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
            Ok(Ruling::Append(EntryBody::EvidenceRecorded { against, evidence }))
        }
        _ => Err(LedgerError::Storage("not an evidence command".into())),
    }
}
