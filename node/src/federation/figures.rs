//! Signing our monthly figures and taking other banks' (`figures_book`
//! holds them): what the driver gossips, what a peer's `Figures` request
//! is answered with, and what `GET /federation/stats` sums.

use std::sync::{Arc, RwLock};

use amser_protocol::figures::{FiguresError, MonthlyTotals};
use amser_protocol::signing::{sign, FederationId, MessageKind, SignedMessage};
use amser_protocol::BankId;
use ed25519_dalek::SigningKey;

use super::figures_book::{FiguresBook, HeldFigures};
use super::vouching::Vouching;
use crate::clock::Clock;
use crate::ledger::{LedgerError, LedgerRead};
use crate::storage::writer::LedgerHandle;

/// What signs our figures and keeps everyone's; cheap to clone.
#[derive(Clone)]
pub struct Figures {
    ledger: LedgerHandle,
    key: SigningKey,
    federation: FederationId,
    vouching: Arc<RwLock<Vouching>>,
    clock: Arc<dyn Clock>,
    pub book: Arc<RwLock<FiguresBook>>,
}

/// Our figures for a month: signed already at this journal head, or read afresh at `head`.
enum Ours {
    Held(HeldFigures),
    Read(u64, MonthlyTotals),
}

/// Why other banks' figures were not taken.
#[derive(Debug, thiserror::Error)]
pub enum NotTaken {
    #[error(transparent)]
    Refused(#[from] FiguresError),
    #[error("signed by a bank the federation does not know")]
    Stranger,
}

impl Figures {
    pub(super) fn new(
        ledger: LedgerHandle,
        key: SigningKey,
        federation: FederationId,
        vouching: Arc<RwLock<Vouching>>,
        clock: Arc<dyn Clock>,
    ) -> Figures {
        Figures { ledger, key, federation, vouching, clock, book: Arc::default() }
    }

    /// This month and the one before, `YYYY-MM`, by our clock.
    pub fn this_and_last_month(&self) -> [String; 2] {
        let months = crate::model::Months::last(amser_protocol::ServiceDate::today(self.clock.now_ms()), 2);
        [months.last_month(), months.first()]
    }

    pub fn bank(&self) -> BankId {
        amser_protocol::signing::bank_id(&self.key)
    }

    /// Our figures for `month`, signed afresh when the journal moved since
    /// we last signed them; and whether they were signed now.
    pub async fn ours(&self, month: &str) -> Result<(HeldFigures, bool), LedgerError> {
        let (bank, owned, now_ms) = (self.bank(), month.to_string(), self.clock.now_ms());
        // The figures cost a pass over every exchange: none when those signed at this head are held.
        let book = self.book.clone();
        let read = self
            .ledger
            .with_store(move |s| -> Result<_, LedgerError> {
                let head = s.head()?.0;
                if let Some(held) = book.read().ok().and_then(|b| b.ours_at(&owned, head)) {
                    return Ok(Ours::Held(held));
                }
                Ok(Ours::Read(head, crate::reading::figures::monthly_totals(s, bank, &owned, now_ms)?))
            })
            .await??;
        let (head, totals) = match read {
            Ours::Held(held) => return Ok((held, false)),
            Ours::Read(head, totals) => (head, totals),
        };
        let body = totals.encode().map_err(|e| LedgerError::Storage(e.to_string()))?;
        let signed = sign(&self.key, MessageKind::MonthlyTotals, self.federation, body).map_err(|e| LedgerError::Storage(e.to_string()))?;
        let held = HeldFigures { totals, signed };
        if let Ok(mut book) = self.book.write() {
            book.keep_ours(head, held.clone());
        }
        Ok((held, true))
    }

    /// Takes another bank's signed figures: verified, signed by the bank
    /// they are about, which the federation knows. Whether they were newer.
    pub fn take(&self, signed: SignedMessage) -> Result<bool, NotTaken> {
        let totals = MonthlyTotals::check(&signed, self.federation)?;
        if totals.bank == self.bank() {
            return Ok(false);
        }
        if !self.vouching.read().is_ok_and(|v| v.knows(&totals.bank)) {
            return Err(NotTaken::Stranger);
        }
        Ok(self.book.write().map(|mut b| b.offer(totals, signed)).unwrap_or(false))
    }

    /// The banks the federation knows, ourselves left out.
    pub fn known(&self) -> Vec<BankId> {
        let mut known: Vec<BankId> = self.vouching.read().map(|v| v.known().into_iter().collect()).unwrap_or_default();
        known.retain(|b| *b != self.bank());
        known.sort();
        known
    }

    /// What a peer asking for `month` is answered with: ours, then other banks' held, at most `max`.
    pub async fn answer(&self, month: &str, max: usize) -> Vec<SignedMessage> {
        if !amser_protocol::figures::is_month(month) {
            return Vec::new();
        }
        let mut out: Vec<SignedMessage> = self.ours(month).await.map(|(h, _)| vec![h.signed]).unwrap_or_default();
        let ours = self.bank();
        let held = self.book.read().map(|b| b.month(month)).unwrap_or_default();
        out.extend(held.into_iter().filter(|h| h.totals.bank != ours).map(|h| h.signed));
        out.truncate(max);
        out
    }
}
