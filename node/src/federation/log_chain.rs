//! Our public log's chained pages, signed for the banks that ask
//! (`PeerRequest::ChainedLog`), and the reading of another bank's: each page
//! checked against where we stand in its chain (`public_log::check_page`)
//! before catch-up takes any of it in.
//!
//! ```text
//!   asker: Cursor { position p, hash h_p, signed head at p }  ──ChainedLog { after: p }──►
//!   bank:  statements p+1..q, signed LogHead at p and at q     ◄── ChainedPage
//!   asker: start head == h_p?  (no: rewritten; both signed: evidence)
//!          h_p chained over the statements == signed head at q?  (no: left out or changed)
//! ```

use amser_protocol::federation::{PeerResponse, MAX_LOG_BATCH};
use amser_protocol::public_log::{ChainedPage, LogHead};
use amser_protocol::signing::{sign, FederationId, MessageKind, SignedMessage};
use amser_protocol::{BankId, EntryHash};
use ed25519_dalek::SigningKey;

use super::inbound::{refused, Answerer};
use crate::ledger::LedgerError;
use crate::storage::store::LogPage;

/// Signs our log head at `position`.
fn signed_head(
    key: &SigningKey,
    federation: FederationId,
    bank: BankId,
    position: u64,
    hash: EntryHash,
) -> Result<SignedMessage, LedgerError> {
    let body = LogHead { bank, position, hash }.encode().map_err(|e| LedgerError::Storage(e.to_string()))?;
    sign(key, MessageKind::LogHead, federation, body).map_err(|e| LedgerError::Storage(e.to_string()))
}

/// A page of our log as it travels: its two ends signed (position 0 needs no
/// signature); a page after a restart starts from the signed restart head.
pub(super) fn sign_page(key: &SigningKey, federation: FederationId, bank: BankId, page: LogPage) -> Result<ChainedPage, LedgerError> {
    let start = match (page.restart, page.after_hash) {
        (Some((position, hash)), _) => Some(signed_head(key, federation, bank, position, hash)?),
        (None, Some(hash)) if page.after > 0 => Some(signed_head(key, federation, bank, page.after, hash)?),
        _ => None,
    };
    let (end_position, end_hash) = page.end;
    let end = match (end_position > 0, page.restart.is_some() || page.after_hash.is_some() || !page.statements.is_empty()) {
        (true, true) => Some(signed_head(key, federation, bank, end_position, end_hash)?),
        _ => None,
    };
    Ok(ChainedPage { after: page.after, start, statements: page.statements, end, length: page.length })
}

impl Answerer {
    /// The answer to `ChainedLog { after, max }`: at most `max` (and
    /// [`MAX_LOG_BATCH`]) statements, signed at both ends.
    pub(super) async fn chained_log(&self, after: u64, max: u32) -> PeerResponse {
        let max = max.clamp(1, MAX_LOG_BATCH) as usize;
        let page = match self.ledger.read(move |s| s.chained_log(after, max)).await {
            Ok(Ok(page)) => page,
            Ok(Err(e)) => return refused(&e.into()),
            Err(e) => return refused(&e),
        };
        match sign_page(&self.key, self.federation, self.profile.bank, page) {
            Ok(page) => PeerResponse::ChainedLog { page },
            Err(e) => refused(&e),
        }
    }
}
