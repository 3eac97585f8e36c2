//! Catch-up: reading each connected peer's public log for what gossip
//! missed (after a restart or a partition), checking whole pages before
//! taking any of it in (`statements`: settling our own transfers from the
//! decisions found, comparing decisions, keeping what is vouched for).

use std::time::{Duration, Instant};

use amser_protocol::federation::{PeerRequest, PeerResponse, PublicMessage, MAX_LOG_BATCH};
use amser_protocol::BankId;

use super::driver::Driver;
use super::statements::{on_store, Statements};
use super::swarm::peer_of;

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
            let (statements, bank, catch_ups) = (self.statements(), *bank, self.catch_ups.clone());
            self.tasks.spawn(async move {
                let wait = match catch_up(&statements, bank).await {
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
async fn catch_up(statements: &Statements, bank: BankId) -> Result<usize, String> {
    let (net, ledger, federation) = (&statements.net, &statements.ledger, statements.federation);
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
            if statements.learn(said, signed).await? {
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
