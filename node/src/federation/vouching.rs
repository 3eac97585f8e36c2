//! Who the federation is, as this bank may know it: the banks it admitted,
//! third parties an admitted bank vouched for by accepting a transfer from
//! them, and the banks reached through room adverts (each bank's advert
//! lists the banks it has lines with; up to [`MAX_ADVERT_DEPTH`] lines from
//! us, at most [`MAX_REACHED_PER_BANK`] banks through each admitted one).
//! Gossip is accepted (and so forwarded) only from these banks,
//! and other banks' statements are kept only as pairs these rules allow,
//! each admitted bank vouching for a bounded number of third parties and
//! pairs (DESIGN.md §2, "Who the federation knows").
//!
//! Pure: no I/O. The driver tells it the admitted banks and the pairs kept
//! (from the state database at start), and asks it before keeping a pair.

use std::collections::{HashMap, HashSet};

use amser_protocol::federation::Verdict;
use amser_protocol::BankId;

/// Most third parties one admitted bank may vouch for.
pub const MAX_VOUCHED_PER_BANK: usize = 16;
/// Most pairs about third parties kept on one admitted bank's word.
pub const MAX_THIRD_PARTY_PAIRS_PER_BANK: usize = 16_384;

/// How many lines from us a bank reached through room adverts may be: a
/// path crosses at most `region::paths::MAX_HOPS` lines.
pub const MAX_ADVERT_DEPTH: usize = crate::region::paths::MAX_HOPS;
/// Most banks known through the adverts reached from one admitted bank: a
/// hostile admitted bank that invents banks fills only its own share.
pub const MAX_REACHED_PER_BANK: usize = 128;

/// The bounds, as fields so the rules' tests can use small ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub vouched_per_bank: usize,
    pub pairs_per_bank: usize,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds { vouched_per_bank: MAX_VOUCHED_PER_BANK, pairs_per_bank: MAX_THIRD_PARTY_PAIRS_PER_BANK }
    }
}

/// A decided pair as the rules see it: who paid, who decided, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairSummary {
    /// The payer's bank (signed the transfer).
    pub from: BankId,
    /// The payee's bank (signed the decision).
    pub by: BankId,
    pub accepted: bool,
}

impl PairSummary {
    pub fn new(from: BankId, by: BankId, verdict: &Verdict) -> Self {
        PairSummary { from, by, accepted: *verdict == Verdict::Accept }
    }
}

/// Whether a pair may be kept, and on whose word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Both banks are ourselves or admitted by us.
    Admitted,
    /// The payer is a third party the deciding bank vouches for.
    Vouched,
    /// Neither: not kept (or, if kept before, forgotten).
    No,
}

/// The federation as this bank knows it.
#[derive(Debug, Clone)]
pub struct Vouching {
    ourselves: BankId,
    bounds: Bounds,
    /// Banks we admitted and have not removed.
    admitted: HashSet<BankId>,
    /// For each admitted bank, the third parties it vouched for, first come.
    vouched: HashMap<BankId, Vec<BankId>>,
    /// For each admitted bank, how many pairs about third parties we keep on its word.
    pairs: HashMap<BankId, usize>,
    /// The banks each held room advert lists.
    listed: HashMap<BankId, Vec<BankId>>,
    /// Banks reached through those adverts from an admitted bank.
    reached: HashSet<BankId>,
}

impl Vouching {
    pub fn new(ourselves: BankId, bounds: Bounds) -> Self {
        Vouching {
            ourselves,
            bounds,
            admitted: HashSet::new(),
            vouched: HashMap::new(),
            pairs: HashMap::new(),
            listed: HashMap::new(),
            reached: HashSet::new(),
        }
    }

    /// Whether gossip signed by `bank` is accepted and forwarded.
    pub fn knows(&self, bank: &BankId) -> bool {
        self.admitted.contains(bank) || self.reached.contains(bank) || self.vouched.values().any(|v| v.contains(bank))
    }

    /// Takes the banks each held room advert lists and works out again which
    /// banks they reach: from each admitted bank, breadth first, through
    /// adverts' lists, at most [`MAX_ADVERT_DEPTH`] lines from us and
    /// [`MAX_REACHED_PER_BANK`] banks through that admitted bank. Returns
    /// whether the banks reached changed.
    pub fn set_listed(&mut self, listed: HashMap<BankId, Vec<BankId>>) -> bool {
        self.listed = listed;
        let mut reached = HashSet::new();
        let mut roots: Vec<BankId> = self.admitted.iter().copied().collect();
        roots.sort_unstable();
        for root in roots {
            let mut seen: HashSet<BankId> = HashSet::from([root, self.ourselves]);
            let mut queue = std::collections::VecDeque::from([(root, 1usize)]);
            let mut count = 0;
            while let Some((bank, depth)) = queue.pop_front() {
                if depth >= MAX_ADVERT_DEPTH {
                    continue;
                }
                for next in self.listed.get(&bank).into_iter().flatten() {
                    if count < MAX_REACHED_PER_BANK && seen.insert(*next) {
                        count += 1;
                        if !self.admitted.contains(next) {
                            reached.insert(*next);
                        }
                        queue.push_back((*next, depth + 1));
                    }
                }
            }
        }
        let changed = reached != self.reached;
        self.reached = reached;
        changed
    }

    /// This bank.
    pub fn ourselves(&self) -> BankId {
        self.ourselves
    }

    pub fn admitted(&self, bank: &BankId) -> bool {
        self.admitted.contains(bank)
    }

    /// Starts again from the banks admitted now and the pairs kept (in any
    /// order); returns which of those pairs now fall outside the rules and
    /// are to be forgotten, by their position in `kept`.
    pub fn rebuild<'a>(
        &mut self,
        admitted: impl IntoIterator<Item = BankId>,
        kept: impl IntoIterator<Item = &'a PairSummary>,
    ) -> Vec<usize> {
        self.admitted = admitted.into_iter().collect();
        let listed = std::mem::take(&mut self.listed);
        self.set_listed(listed);
        self.vouched.clear();
        self.pairs.clear();
        let kept: Vec<&PairSummary> = kept.into_iter().collect();
        let mut forget = Vec::new();
        // Accepts first: they are what vouches, whatever order the pairs come in.
        let order = (0..kept.len()).filter(|i| kept[*i].accepted).chain((0..kept.len()).filter(|i| !kept[*i].accepted));
        for i in order {
            if self.offer(kept[i]) == Keep::No {
                forget.push(i);
            }
        }
        forget.sort_unstable();
        forget
    }

    /// Whether a new pair may be kept; counts it if so.
    pub fn offer(&mut self, pair: &PairSummary) -> Keep {
        // Our own decisions are in our ledger; a third party's are no one's word.
        if !self.admitted.contains(&pair.by) {
            return Keep::No;
        }
        if pair.from == self.ourselves || self.admitted.contains(&pair.from) {
            return Keep::Admitted;
        }
        let count = self.pairs.get(&pair.by).copied().unwrap_or(0);
        if count >= self.bounds.pairs_per_bank {
            return Keep::No;
        }
        let vouched = self.vouched.entry(pair.by).or_default();
        if !vouched.contains(&pair.from) {
            // Only an accept vouches: the deciding bank took the credit risk.
            if !pair.accepted || vouched.len() >= self.bounds.vouched_per_bank {
                return Keep::No;
            }
            vouched.push(pair.from);
        }
        self.pairs.insert(pair.by, count + 1);
        Keep::Vouched
    }

    /// Banks known now (admitted and vouched for), for pruning maps kept per bank.
    pub fn known(&self) -> HashSet<BankId> {
        self.admitted.iter().chain(&self.reached).chain(self.vouched.values().flatten()).copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const US: BankId = BankId([1; 32]);
    const GWYNEDD: BankId = BankId([2; 32]);
    const MALLORY: BankId = BankId([66; 32]);

    fn stranger(n: u8) -> BankId {
        BankId([100 + n; 32])
    }

    fn accepted(from: BankId, by: BankId) -> PairSummary {
        PairSummary { from, by, accepted: true }
    }

    fn federation(bounds: Bounds) -> Vouching {
        let mut v = Vouching::new(US, bounds);
        v.rebuild([GWYNEDD, MALLORY], []);
        v
    }

    #[test]
    fn an_admitted_bank_vouches_for_a_bounded_number_of_strangers_by_accepting_them() {
        let mut v = federation(Bounds { vouched_per_bank: 3, pairs_per_bank: 100 });
        assert!(v.knows(&MALLORY) && !v.knows(&stranger(0)));
        for n in 0..10 {
            let keep = v.offer(&accepted(stranger(n), MALLORY));
            assert_eq!(keep, if n < 3 { Keep::Vouched } else { Keep::No }, "stranger {n}");
        }
        assert!(v.knows(&stranger(2)) && !v.knows(&stranger(3)));
        assert_eq!(v.offer(&accepted(stranger(0), MALLORY)), Keep::Vouched, "a vouched bank's next transfer");
        assert_eq!(v.offer(&accepted(MALLORY, GWYNEDD)), Keep::Admitted, "between two admitted banks, no bound");
    }

    #[test]
    fn a_reject_vouches_for_no_one_and_a_strangers_decision_keeps_nothing() {
        let mut v = federation(Bounds::default());
        assert_eq!(v.offer(&PairSummary { from: stranger(0), by: MALLORY, accepted: false }), Keep::No);
        assert!(!v.knows(&stranger(0)));
        assert_eq!(v.offer(&accepted(GWYNEDD, stranger(1))), Keep::No, "decided by a bank we never admitted");
        assert_eq!(v.offer(&accepted(stranger(0), MALLORY)), Keep::Vouched);
        assert_eq!(v.offer(&accepted(stranger(1), stranger(0))), Keep::No, "a vouched bank vouches for no one");
    }

    #[test]
    fn pairs_on_one_banks_word_stop_at_the_bound() {
        let mut v = federation(Bounds { vouched_per_bank: 2, pairs_per_bank: 5 });
        let kept = (0..20).filter(|n| v.offer(&accepted(stranger(n % 2), MALLORY)) == Keep::Vouched).count();
        assert_eq!(kept, 5);
        assert_eq!(v.offer(&accepted(stranger(0), GWYNEDD)), Keep::Vouched, "Gwynedd's word has its own bound");
    }

    #[test]
    fn room_adverts_reach_banks_up_to_four_lines_away_and_one_admitted_bank_fills_only_its_own_share() {
        let mut v = federation(Bounds::default());
        // Gwynedd lists Cardiff, Cardiff lists Swansea, Swansea lists Bangor, Bangor lists Wrexham.
        let chain = [GWYNEDD, stranger(1), stranger(2), stranger(3), stranger(4)];
        let listed: HashMap<BankId, Vec<BankId>> = chain.windows(2).map(|w| (w[0], vec![w[1], US])).collect();
        assert!(v.set_listed(listed.clone()));
        for (n, bank) in chain.iter().enumerate().skip(1) {
            assert_eq!(v.knows(bank), n < MAX_ADVERT_DEPTH, "the bank {n} lines past Gwynedd");
        }
        assert!(!v.set_listed(listed), "the same lists reach the same banks");
        // Mallory (admitted) invents a thousand banks: a share of them is known, no more.
        let invented: Vec<BankId> = (0..1000u32)
            .map(|n| {
                let mut id = [7; 32];
                id[..4].copy_from_slice(&n.to_le_bytes());
                BankId(id)
            })
            .collect();
        let mut listed: HashMap<BankId, Vec<BankId>> = HashMap::from([(MALLORY, invented.clone())]);
        listed.insert(GWYNEDD, vec![stranger(1)]);
        v.set_listed(listed);
        assert_eq!(invented.iter().filter(|b| v.knows(b)).count(), MAX_REACHED_PER_BANK);
        assert!(v.knows(&stranger(1)), "Gwynedd's own reach is untouched");
        // Removing the admitted bank forgets what was reached only through it.
        v.rebuild([MALLORY], []);
        assert!(!v.knows(&stranger(1)) && !v.knows(&GWYNEDD));
    }

    #[test]
    fn removing_the_bank_that_vouched_forgets_what_it_vouched_for() {
        let mut v = federation(Bounds::default());
        let pairs = [accepted(stranger(0), MALLORY), accepted(MALLORY, GWYNEDD), accepted(stranger(1), GWYNEDD)];
        assert_eq!(v.rebuild([GWYNEDD, MALLORY], &pairs), Vec::<usize>::new());
        assert_eq!(v.rebuild([GWYNEDD], &pairs), vec![0]);
        assert!(!v.knows(&stranger(0)) && v.knows(&stranger(1)));
        assert!(!v.admitted(&MALLORY) && v.knows(&MALLORY), "Mallory is now a third party Gwynedd vouched for");
    }
}
