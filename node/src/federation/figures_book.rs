//! The signed monthly figures this bank holds (`protocol::figures`): its
//! own, signed afresh when its journal moved, and other banks', taken from
//! gossip and from peers' answers only when verified and signed by a bank
//! the federation knows. The newest figures of each bank for each month
//! win; a bank's oldest months go first past [`MAX_MONTHS_PER_BANK`].
//!
//! ```text
//!  gossip / Figures answer ─► MonthlyTotals::check ─► known signer? ─► offer (newest wins)
//!  every FIGURES_INTERVAL, or asked: our month, signed if the journal moved ─► gossip
//!  GET /federation/stats ─► ours + each connected peer's answer + held ─► sum, banks missing
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use amser_protocol::figures::MonthlyTotals;
use amser_protocol::signing::SignedMessage;
use amser_protocol::BankId;

/// Most months of one bank's figures held (three years).
pub const MAX_MONTHS_PER_BANK: usize = 36;
/// How often this bank signs and gossips its figures for this month and
/// the last (when its journal moved since).
pub const FIGURES_INTERVAL: Duration = Duration::from_secs(300);
/// How long `GET /federation/stats` waits for each connected peer's answer.
pub const FIGURES_ASK_TIMEOUT: Duration = Duration::from_secs(5);

/// One bank's figures for one month, as signed.
#[derive(Debug, Clone)]
pub struct HeldFigures {
    pub totals: MonthlyTotals,
    pub signed: SignedMessage,
}

/// Figures by (bank, month).
#[derive(Debug, Clone, Default)]
pub struct FiguresBook {
    held: BTreeMap<(BankId, String), HeldFigures>,
    /// Our own last signed figures for a month, and the journal head they were read at.
    ours: BTreeMap<String, (u64, HeldFigures)>,
}

impl FiguresBook {
    /// Takes checked figures; whether they were newer than what was held.
    pub fn offer(&mut self, totals: MonthlyTotals, signed: SignedMessage) -> bool {
        let key = (totals.bank, totals.month.clone());
        if self.held.get(&key).is_some_and(|h| h.totals.signed_ms >= totals.signed_ms) {
            return false;
        }
        let bank = totals.bank;
        self.held.insert(key, HeldFigures { totals, signed });
        let months: Vec<String> = self.held.keys().filter(|(b, _)| *b == bank).map(|(_, m)| m.clone()).collect();
        for old in months.iter().take(months.len().saturating_sub(MAX_MONTHS_PER_BANK)) {
            self.held.remove(&(bank, old.clone()));
        }
        true
    }

    /// Every bank's figures held for `month`.
    pub fn month(&self, month: &str) -> Vec<HeldFigures> {
        self.held.iter().filter(|((_, m), _)| m == month).map(|(_, h)| h.clone()).collect()
    }

    /// Forgets the figures of banks the federation no longer knows.
    pub fn retain_banks(&mut self, known: &BTreeSet<BankId>) {
        self.held.retain(|(bank, _), _| known.contains(bank));
    }

    /// Our figures for `month` signed at journal head `head`, if held.
    pub fn ours_at(&self, month: &str, head: u64) -> Option<HeldFigures> {
        self.ours.get(month).filter(|(at, _)| *at == head).map(|(_, h)| h.clone())
    }

    /// Keeps our own figures for a month, read at journal head `head`.
    pub fn keep_ours(&mut self, head: u64, held: HeldFigures) {
        self.ours.insert(held.totals.month.clone(), (head, held.clone()));
        while self.ours.len() > MAX_MONTHS_PER_BANK {
            self.ours.pop_first();
        }
        self.offer(held.totals, held.signed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amser_protocol::signing::{sign, FederationId, MessageKind};
    use amser_protocol::Minutes;

    fn figures(bank: BankId, month: &str, signed_ms: u64) -> (MonthlyTotals, SignedMessage) {
        let totals = MonthlyTotals {
            bank,
            month: month.into(),
            exchanges: 1,
            minutes: Minutes(60),
            active_members: 2,
            by_category: vec![],
            across_banks_in: Minutes(0),
            across_banks_out: Minutes(0),
            signed_ms,
        };
        let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
        let signed = sign(&key, MessageKind::MonthlyTotals, FederationId::from_name("wales"), totals.encode().unwrap()).unwrap();
        (totals, signed)
    }

    #[test]
    fn the_newest_figures_of_a_month_win_and_a_bank_keeps_three_years_of_them() {
        let mut book = FiguresBook::default();
        let gwynedd = BankId([2; 32]);
        let (t, s) = figures(gwynedd, "2026-11", 5);
        assert!(book.offer(t, s));
        let (t, s) = figures(gwynedd, "2026-11", 4);
        assert!(!book.offer(t, s), "an older signing changes nothing");
        assert_eq!(book.month("2026-11")[0].totals.signed_ms, 5);
        for m in 1..=40u32 {
            let (t, s) = figures(gwynedd, &format!("{:04}-{:02}", 2020 + (m - 1) / 12, (m - 1) % 12 + 1), 1);
            book.offer(t, s);
        }
        assert!(book.month("2020-01").is_empty(), "the oldest months go first");
        assert_eq!(book.held.len(), MAX_MONTHS_PER_BANK);
        book.retain_banks(&BTreeSet::new());
        assert!(book.held.is_empty());
    }
}
