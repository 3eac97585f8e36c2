//! The members' key file in a backup: checked against the journal it goes
//! with, and merged with the erasures of the key file a restore replaces.
//!
//! A backup is only as good as its key file: the journal holds every
//! member's details sealed under their key, so a backup whose key file did
//! not open them would restore a bank with no names. Every member the
//! journal registers must have their key in the file, and their details
//! must open with it, unless the file says their key was destroyed (an
//! erasure the journal does not hold yet, which the node finishes at its
//! next start).

use std::collections::HashSet;

use amser_protocol::member::MemberDetails;
use amser_protocol::sealed::{open, Purpose};
use amser_protocol::MemberCode;

use super::chain::JournalSummary;
use crate::storage::keys::{with_erased, KeyRecords};

/// Why a key file does not go with a journal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeysProblem {
    #[error("its members' key file is not a key file")]
    NotAKeyFile,
    #[error("its members' key file has no key for member {0}, whom its journal registers")]
    Missing(MemberCode),
    #[error("member {0}'s details do not open with their key in its members' key file")]
    DoesNotOpen(MemberCode),
}

/// What a key file holds for the journal summarised in `journal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeysChecked {
    /// Members whose details open with their key.
    pub open: usize,
    /// Members erased: by the journal, or by the key file only.
    pub erased: usize,
}

/// Checks that `bytes`, a members' key file, opens every member's details
/// in `journal` (see the module's rule).
pub fn check(bytes: &[u8], journal: &JournalSummary) -> Result<KeysChecked, KeysProblem> {
    check_records(&KeyRecords::read(bytes).ok_or(KeysProblem::NotAKeyFile)?, journal)
}

/// [`check`] of a key file already read.
pub fn check_records(records: &KeyRecords, journal: &JournalSummary) -> Result<KeysChecked, KeysProblem> {
    let mut checked = KeysChecked { open: 0, erased: 0 };
    for (code, details) in &journal.members {
        let Some(sealed) = details else {
            checked.erased += 1;
            continue;
        };
        match records.live.get(code) {
            Some(key) => {
                open::<MemberDetails>(sealed, Purpose::MemberDetails, std::slice::from_ref(key))
                    .map_err(|_| KeysProblem::DoesNotOpen(code.clone()))?;
                checked.open += 1;
            }
            None if records.destroyed.contains(code) => checked.erased += 1,
            None => return Err(KeysProblem::Missing(code.clone())),
        }
    }
    Ok(checked)
}

/// The backup's key file `bytes` with every erasure that `current` (the key
/// file being replaced, if any) holds applied to it, so restoring an older
/// backup never brings back a member erased since. Returns the bytes and
/// how many members it erased; `None` if `bytes` is not a key file.
pub fn keep_erasures(bytes: &[u8], current: Option<&KeyRecords>) -> Option<(Vec<u8>, usize)> {
    let erased: HashSet<MemberCode> = current.map(|c| c.destroyed.clone()).unwrap_or_default();
    with_erased(bytes, &erased)
}
