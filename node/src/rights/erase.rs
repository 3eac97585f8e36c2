//! Erasing a member: first the journal entry (`MemberErased`, durable like
//! every entry), then their key destroyed in the key file. A crash between
//! the two leaves the member erased in the ledger with a key still on disk;
//! [`reconcile`] destroys it at the next start, so a member is either whole
//! or erased, never half. A journal restored from before an erasure meets a
//! key file that already holds the member's tombstone: [`reconcile`] records
//! the erasure again, so an erasure outlives a restore wherever the node can
//! know of it.

use amser_protocol::MemberCode;

use crate::ledger::privacy::MemberKeys;
use crate::ledger::{Command, LedgerError, LedgerRead};
use crate::storage::writer::{LedgerHandle, Reply};

/// The reason recorded when an erasure is re-applied after a restore.
pub const REAPPLIED_REASON: &str = "erased before this bank's data was restored from an older copy; re-applied from the key file";

/// Erases `code`'s personal data, durably; returns once their key is destroyed.
pub async fn erase(ledger: &LedgerHandle, code: &MemberCode, reason: &str) -> Result<(), LedgerError> {
    match ledger.submit(Command::EraseMember { code: code.clone(), reason: reason.to_string() }).await? {
        Reply::Recorded { .. } | Reply::Member(_) => {}
        other => return Err(LedgerError::Storage(format!("unexpected reply to an erasure: {other:?}"))),
    }
    destroy_key(ledger, code.clone()).await
}

async fn destroy_key(ledger: &LedgerHandle, code: MemberCode) -> Result<(), LedgerError> {
    let keys = ledger.keys().clone();
    tokio::task::spawn_blocking(move || keys.destroy(&code))
        .await
        .map_err(|e| LedgerError::Storage(format!("the erasure's key destruction stopped: {e}")))?
        .map_err(LedgerError::from)
}

/// At start-up: destroys the keys of members the journal says are erased,
/// and records the erasure of members whose keys the key file says were
/// destroyed but whose erasure the journal lacks (it was restored from
/// before it). Returns how many of each it put right.
pub async fn reconcile(ledger: &LedgerHandle) -> Result<(usize, usize), LedgerError> {
    let keys = ledger.keys().clone();
    let (erased_with_key, destroyed_not_erased) = ledger
        .read(move |store| -> Result<_, LedgerError> {
            let mut erased_with_key = Vec::new();
            store.for_each_member(|m| {
                if m.is_erased() && MemberKeys::key(&*keys, &m.code).is_some() {
                    erased_with_key.push(m.code);
                }
            })?;
            let mut destroyed_not_erased = Vec::new();
            for code in keys.destroyed() {
                if store.member(&code)?.is_some_and(|m| !m.is_erased()) {
                    destroyed_not_erased.push(code);
                }
            }
            Ok((erased_with_key, destroyed_not_erased))
        })
        .await??;
    for code in &erased_with_key {
        tracing::info!(member = %code, "destroying the key of a member erased before the node stopped");
        destroy_key(ledger, code.clone()).await?;
    }
    for code in &destroyed_not_erased {
        tracing::warn!(member = %code, "re-applying an erasure the restored journal did not have");
        match ledger.submit(Command::EraseMember { code: code.clone(), reason: REAPPLIED_REASON.to_string() }).await {
            Ok(_) | Err(LedgerError::MemberErased(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok((erased_with_key.len(), destroyed_not_erased.len()))
}
