//! Catch-up: reading each connected peer's public log for what gossip
//! missed (after a restart or a partition), checking whole pages before
//! keeping any of it, and settling our own transfers from the decisions found.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use amser_protocol::federation::{PeerRequest, PeerResponse, PublicMessage, MAX_LOG_BATCH};
use amser_protocol::signing::{FederationId, SignedMessage};
use amser_protocol::BankId;

use super::driver::Driver;
use super::pairing::Pairing;
use super::swarm::{peer_of, NetworkHandle};
use crate::ledger::{Command, LedgerError, LedgerRead, TransferRole};
use crate::storage::store::Store;
use crate::storage::writer::LedgerHandle;

/// How often each connected peer's public log is read for what gossip missed
/// (also at once whenever the peer connects: after a restart or a partition).
pub const CATCH_UP_INTERVAL: Duration = Duration::from_secs(30);
/// Wait before reading a peer's public log again after a failed attempt.
pub const CATCH_UP_RETRY: Duration = Duration::from_secs(2);
/// Most pages of one peer's public log read in one catch-up round.
pub const MAX_CATCH_UP_PAGES: usize = 32;

pub(super) struct CatchUp {
    pub(super) running: bool,
    pub(super) next: Instant,
}

impl Driver {
    /// Starts reading the public log of each connected peer not read lately.
    pub(super) fn catch_up_due(&mut self) {
        let now = Instant::now();
        let Ok(mut catch_ups) = self.catch_ups.lock() else { return };
        for (bank, line) in &self.peers {
            let state = catch_ups.entry(*bank).or_insert(CatchUp { running: false, next: now });
            if line.removed || state.running || state.next > now || !self.handle.presence(bank).connected {
                continue;
            }
            state.running = true;
            let (net, ledger, federation, bank, catch_ups, pairing) =
                (self.net.clone(), self.ledger.clone(), self.federation, *bank, self.catch_ups.clone(), self.pairing.clone());
            self.tasks.spawn(async move {
                let wait = match catch_up(&net, &ledger, &pairing, federation, bank).await {
                    Ok(n) => {
                        if n > 0 {
                            tracing::info!(%bank, statements = n, "caught up with a peer's public log");
                        }
                        CATCH_UP_INTERVAL
                    }
                    Err(e) => {
                        tracing::info!(%bank, error = %e, "could not read a peer's public log; will try again");
                        CATCH_UP_RETRY
                    }
                };
                if let Ok(mut c) = catch_ups.lock() {
                    c.insert(bank, CatchUp { running: false, next: Instant::now() + wait });
                }
            });
        }
    }
}

/// Reads `bank`'s public log from where we left off, keeps what it says, and
/// settles our transfers it has decided. Returns how many statements were new.
async fn catch_up(
    net: &NetworkHandle,
    ledger: &LedgerHandle,
    pairing: &Mutex<Pairing>,
    federation: FederationId,
    bank: BankId,
) -> Result<usize, String> {
    let mut learnt = 0;
    for _ in 0..MAX_CATCH_UP_PAGES {
        let from_seq = on_store(ledger, move |s| s.log_cursor(&bank)).await?;
        let answer = net.request(peer_of(&bank), PeerRequest::Log { from_seq, max: MAX_LOG_BATCH }).await.map_err(|e| e.to_string())?;
        let (entries, next_seq, head_seq) = match answer {
            PeerResponse::Log { entries, next_seq, head_seq } => (entries, next_seq, head_seq),
            PeerResponse::Refused { reason } => return Err(format!("the bank refused: {reason}")),
            _ => return Err("the bank gave an answer that is not part of its log".into()),
        };
        if entries.len() > MAX_LOG_BATCH as usize || next_seq < from_seq || (!entries.is_empty() && next_seq == from_seq) {
            return Err(format!("a log page that does not move on (from {from_seq} to {next_seq}, {} entries)", entries.len()));
        }
        // Check the whole page before keeping any of it.
        let mut page = Vec::with_capacity(entries.len());
        for signed in entries {
            let said = PublicMessage::check(&signed, federation).map_err(|e| format!("a log entry does not check: {e}"))?;
            let its_own = said.signer() == bank || matches!(&said, PublicMessage::Transfer { transfer, .. } if transfer.to == bank);
            if !its_own {
                return Err("a log entry that is not about the bank's own transfers".into());
            }
            page.push((said, signed));
        }
        for (said, signed) in page {
            if learn(ledger, pairing, said, signed).await? {
                learnt += 1;
            }
        }
        on_store(ledger, move |s| s.set_log_cursor(&bank, next_seq)).await?;
        if next_seq > head_seq || next_seq == from_seq {
            break;
        }
    }
    Ok(learnt)
}

/// Takes a checked public statement: a decision on one of our own pending
/// transfers settles it here and now (the payee's bank signed it, so it is
/// as good as the answer to a delivery); a transfer and its decision, once
/// both are here, are kept. Returns whether that kept something new.
pub(super) async fn learn(
    ledger: &LedgerHandle,
    pairing: &Mutex<Pairing>,
    said: PublicMessage,
    signed: SignedMessage,
) -> Result<bool, String> {
    if let PublicMessage::Decision(decision) = &said {
        let id = decision.transfer;
        let ours = on_store(ledger, move |s| s.transfer(&id)).await?;
        if ours.is_some_and(|r| r.role == TransferRole::Outgoing && r.is_pending() && r.transfer.to == decision.by) {
            match ledger.submit(Command::ApplyDecision { signed: signed.clone() }).await {
                Ok(_) => tracing::debug!(transfer = %id, "settled (or already settled) from the other bank's public statement"),
                Err(e) => tracing::warn!(transfer = %id, error = %e, "the other bank's decision was refused"),
            }
        }
    }
    let pair = pairing.lock().map_err(|_| "the pairing lock is poisoned".to_string())?.offer(&said, signed);
    match pair {
        Some(pair) => on_store(ledger, move |s| s.remember_pair(&pair)).await,
        None => Ok(false),
    }
}

/// Runs `f` on the state database (see [`LedgerHandle::with_store`]): reads,
/// and the federation view's own writes (log cursors, kept pairs), with any
/// error as text for the catch-up's log line.
async fn on_store<T: Send + 'static, E: Into<LedgerError>>(
    ledger: &LedgerHandle,
    f: impl FnOnce(&Store) -> Result<T, E> + Send + 'static,
) -> Result<T, String> {
    ledger.with_store(move |s| f(s).map_err(Into::into)).await.and_then(|r| r).map_err(|e| e.to_string())
}
