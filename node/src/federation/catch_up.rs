//! Catch-up: reading each connected peer's public log for what gossip
//! missed (after a restart or a partition), a chained page at a time
//! (`log_chain`): each page checked against where we stand in the bank's
//! chain and as public statements before taking any of it in
//! (`statements`: settling our own transfers from the decisions found,
//! comparing decisions, keeping what is vouched for).

use std::time::{Duration, Instant};

use amser_protocol::federation::{PeerRequest, PeerResponse, PublicMessage, MAX_LOG_BATCH};
use amser_protocol::public_log::{check_page, PageFault};
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
/// A page that does not chain to what we read of the log, or to its own
/// signed end, is refused whole (a statement left out or changed, a history
/// rewritten); two heads the bank signed at one position are evidence. A
/// log that restarted past where we stand (signed, after the bank's disk was
/// lost) is read on from its restart, and the log says so.
async fn catch_up(statements: &Statements, bank: BankId) -> Result<usize, String> {
    let (net, ledger, federation) = (&statements.net, &statements.ledger, statements.federation);
    let mut learnt = 0;
    for _ in 0..MAX_CATCH_UP_PAGES {
        let at = on_store(ledger, move |s| s.log_chain_cursor(&bank)).await?;
        let request = PeerRequest::ChainedLog { after: at.position, max: MAX_LOG_BATCH };
        let page = match net.request(peer_of(&bank), request).await.map_err(|e| e.to_string())? {
            PeerResponse::ChainedLog { page } => page,
            PeerResponse::Refused { reason } => return Err(format!("the bank refused: {reason}")),
            _ => return Err("the bank gave an answer that is not part of its log".into()),
        };
        let next = match check_page(&page, bank, federation, &at, MAX_LOG_BATCH as usize) {
            Ok(next) => next,
            Err(PageFault::Conflict { position, evidence }) => {
                tracing::error!(%bank, position, "a bank signed two different heads of its public log at one position: keeping the evidence and freezing its trust line");
                statements.tell(bank, *evidence).await;
                return Err(format!("the bank signed two different heads of its public log at {position}"));
            }
            Err(fault) => return Err(format!("a log page refused: {fault}")),
        };
        let restarted = next.position.saturating_sub(at.position) > page.statements.len() as u64;
        if restarted {
            let lost = next.position.saturating_sub(page.statements.len() as u64);
            tracing::warn!(%bank, read_to = at.position, restarted_at = lost, "a bank's public log restarted after its disk was lost: what it said between the two is lost to it, and to us");
        }
        // Check the whole page before keeping any of it.
        let mut checked = Vec::with_capacity(page.statements.len());
        for signed in page.statements {
            let said = PublicMessage::check(&signed, federation).map_err(|e| format!("a log entry does not check: {e}"))?;
            if !its_own(&said, &bank) {
                return Err("a log entry that is not about the bank's own transfers".into());
            }
            checked.push((said, signed));
        }
        let done = next.position == at.position || next.position >= page.length;
        for (said, signed) in checked {
            if statements.learn(said, signed).await? {
                learnt += 1;
            }
        }
        on_store(ledger, move |s| s.set_log_chain_cursor(&bank, &next)).await?;
        if done {
            break;
        }
    }
    Ok(learnt)
}

/// Whether a statement in `bank`'s public log is about its own transfers:
/// one it signed, a transfer to it, or a routed one it held on the way.
fn its_own(said: &PublicMessage, bank: &BankId) -> bool {
    said.signer() == *bank || matches!(said, PublicMessage::Transfer { transfer, path, .. } if transfer.to == *bank || path.contains(bank))
}

#[cfg(test)]
mod tests {
    use super::*;
    use amser_protocol::federation::Transfer;
    use amser_protocol::{Minutes, ServiceDate};

    #[test]
    fn gwynedds_log_may_hold_the_routed_transfer_it_carried_for_rhymney_but_not_another_banks_transfer() {
        let (rhymney, gwynedd, cardiff, powys) = (BankId([1; 32]), BankId([2; 32]), BankId([3; 32]), BankId([4; 32]));
        let transfer = Transfer {
            from: rhymney,
            to: cardiff,
            payer: "rhymney:AAAA-00".parse().unwrap(),
            payee: "cardiff:BBBB-11".parse().unwrap(),
            minutes: Minutes(60),
            category: "general".into(),
            date: ServiceDate(20_000),
            nonce: [0; 16],
        };
        let carried = PublicMessage::Transfer { id: Default::default(), transfer: transfer.clone(), path: vec![rhymney, gwynedd, cardiff] };
        assert!(its_own(&carried, &gwynedd) && its_own(&carried, &cardiff) && its_own(&carried, &rhymney));
        assert!(!its_own(&carried, &powys), "Powys was not on its way");
        let direct = PublicMessage::Transfer { id: Default::default(), transfer, path: vec![] };
        assert!(!its_own(&direct, &gwynedd), "a direct transfer between two other banks is not Gwynedd's to say");
    }
}
