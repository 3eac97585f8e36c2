//! The `federation_view` tree: what other banks said in public and what we
//! keep of it (decided pairs), how far we have read each bank's public log
//! and what it holds of ours (recall cursors), the newest head each bank
//! signed that we hold, the heads we signed ourselves lately (what a peer
//! can hold of ours, for the head check), and, after a recovery, the banks
//! not yet read back since (`vq:`). Not derived from our journal:
//! if lost, catching up and recalling refill it, and the head check reads
//! the journal instead.

use amser_protocol::federation::TransferId;
use amser_protocol::signing::SignedMessage;
use amser_protocol::{BankId, EntryHash};

use super::{dec, enc, key, seq_of, DecidedPair, Store, StoreError};

/// Our own signed heads are kept for this many journal entries back: a
/// peer's newest head of ours is nearly always this recent, and an older one
/// is looked up in the journal itself.
pub const OUR_HEADS_KEPT_ENTRIES: u64 = 100_000;

impl Store {
    /// Keeps the hash of a head we signed at `seq`, forgetting those more
    /// than [`OUR_HEADS_KEPT_ENTRIES`] before it.
    pub fn keep_our_head(&self, seq: u64, hash: &EntryHash) -> Result<(), StoreError> {
        self.view.insert(key("oh:", &seq.to_be_bytes()), hash.0.to_vec())?;
        let below = key("oh:", &seq.saturating_sub(OUR_HEADS_KEPT_ENTRIES).to_be_bytes());
        for old in self.view.range(key("oh:", &0u64.to_be_bytes())..below) {
            self.view.remove(old?.0)?;
        }
        Ok(())
    }

    /// The hash of the head we signed at `seq`, if we did lately.
    pub fn our_head_at(&self, seq: u64) -> Result<Option<EntryHash>, StoreError> {
        match self.view.get(key("oh:", &seq.to_be_bytes()))? {
            Some(v) => Ok(Some(EntryHash(<[u8; 32]>::try_from(v.as_ref()).map_err(|_| StoreError::Damaged("one of our heads".into()))?))),
            None => Ok(None),
        }
    }

    /// Keeps a transfer between other banks with the payee bank's decision
    /// (paired by the federation's pairing). Returns whether it was new.
    pub fn remember_pair(&self, pair: &DecidedPair) -> Result<bool, StoreError> {
        let previous =
            self.view.compare_and_swap(key("vt:", &pair.id.0), None as Option<&[u8]>, Some(enc(&(&pair.transfer, &pair.decision))))?;
        Ok(previous.is_ok())
    }

    /// Every decided transfer other banks told us of: (transfer, decision).
    pub fn public_transfers(&self) -> Result<Vec<(SignedMessage, SignedMessage)>, StoreError> {
        self.view.scan_prefix("vt:").map(|kv| dec("transfer seen", &kv?.1)).collect()
    }

    /// Every kept pair, with its transfer id.
    pub fn kept_pairs(&self) -> Result<Vec<DecidedPair>, StoreError> {
        self.view
            .scan_prefix("vt:")
            .map(|kv| {
                let (k, v) = kv?;
                let id =
                    k.get(3..).and_then(|b| <[u8; 32]>::try_from(b).ok()).ok_or_else(|| StoreError::Damaged("a kept pair's key".into()))?;
                let (transfer, decision) = dec("transfer seen", &v)?;
                Ok(DecidedPair { id: TransferId(id), transfer, decision })
            })
            .collect()
    }

    /// The kept pair on one transfer, if any: (transfer, decision).
    pub fn kept_pair(&self, id: &TransferId) -> Result<Option<(SignedMessage, SignedMessage)>, StoreError> {
        match self.view.get(key("vt:", &id.0))? {
            Some(v) => Ok(Some(dec("transfer seen", &v)?)),
            None => Ok(None),
        }
    }

    /// Forgets a kept pair (its banks no longer vouched for).
    pub fn forget_pair(&self, id: &TransferId) -> Result<(), StoreError> {
        self.view.remove(key("vt:", &id.0))?;
        Ok(())
    }

    /// The newest journal head `bank` signed that we hold: (its seq, the signed message).
    pub fn newest_head(&self, bank: &BankId) -> Result<Option<(u64, SignedMessage)>, StoreError> {
        match self.view.get(key("vh:", &bank.0))? {
            Some(v) => Ok(Some(dec("newest head", &v)?)),
            None => Ok(None),
        }
    }

    /// Keeps `signed` (a verified head of `bank` at `seq`) if it is newer
    /// than the one held. Returns whether it was kept.
    pub fn keep_newest_head(&self, bank: &BankId, seq: u64, signed: &SignedMessage) -> Result<bool, StoreError> {
        let newer = enc(&(seq, signed));
        let mut kept = false;
        // Atomic, so two heads arriving at once cannot leave the older one.
        self.view.fetch_and_update(key("vh:", &bank.0), |held| {
            let held_seq = held.and_then(|v| dec::<(u64, SignedMessage)>("newest head", v).ok()).map(|(s, _)| s);
            kept = held_seq.is_none_or(|h| h < seq);
            if kept {
                Some(newer.clone())
            } else {
                held.map(<[u8]>::to_vec)
            }
        })?;
        Ok(kept)
    }

    /// The next seq of `bank`'s journal to ask it to recall from (transfers between us).
    pub fn recall_cursor(&self, bank: &BankId) -> Result<u64, StoreError> {
        match self.view.get(key("vr:", &bank.0))? {
            Some(v) => seq_of("recall cursor", &v),
            None => Ok(0),
        }
    }

    pub fn set_recall_cursor(&self, bank: &BankId, next_seq: u64) -> Result<(), StoreError> {
        self.view.insert(key("vr:", &bank.0), next_seq.to_be_bytes().to_vec())?;
        Ok(())
    }

    /// A recovery began: every bank in `banks` is to be read back from the
    /// start of its journal, and until it has been, we decide no routed
    /// transfer it is on the way of (recall.rs, "before deciding again").
    pub fn begin_reading_back(&self, banks: &[BankId]) -> Result<(), StoreError> {
        for bank in banks {
            self.view.insert(key("vr:", &bank.0), 0u64.to_be_bytes().to_vec())?;
            self.view.insert(key("vq:", &bank.0), Vec::new())?;
        }
        Ok(())
    }

    /// `bank` was read back to the end of its journal since the recovery.
    pub fn read_back(&self, bank: &BankId) -> Result<(), StoreError> {
        self.view.remove(key("vq:", &bank.0))?;
        Ok(())
    }

    /// The banks not yet read back to their end since a recovery began.
    pub fn unread_banks(&self) -> Result<Vec<BankId>, StoreError> {
        self.view
            .scan_prefix("vq:")
            .map(|kv| {
                let (k, _) = kv?;
                k.get(3..)
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .map(BankId)
                    .ok_or_else(|| StoreError::Damaged("a bank to read back".into()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rhymney_keeps_the_heads_it_signed_lately_and_forgets_the_old_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("state")).unwrap();
        let hash = |b: u8| EntryHash([b; 32]);
        store.keep_our_head(10, &hash(1)).unwrap();
        store.keep_our_head(12, &hash(2)).unwrap();
        assert_eq!(store.our_head_at(10).unwrap(), Some(hash(1)));
        assert_eq!(store.our_head_at(11).unwrap(), None, "never signed at 11");
        store.keep_our_head(12 + OUR_HEADS_KEPT_ENTRIES, &hash(3)).unwrap();
        assert_eq!(store.our_head_at(10).unwrap(), None, "too old: the journal is read instead");
        assert_eq!(store.our_head_at(12).unwrap(), Some(hash(2)), "just within the window");
        store.keep_our_head(12, &hash(4)).unwrap();
        assert_eq!(store.our_head_at(12).unwrap(), Some(hash(4)), "a journal gone on from an older copy signs anew at a seq");
    }

    #[test]
    fn after_a_recovery_gwynedd_reads_every_peer_back_from_the_start_and_crosses_each_off_once_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("state")).unwrap();
        let (rhymney, cardiff) = (BankId([1; 32]), BankId([2; 32]));
        store.set_recall_cursor(&rhymney, 40).unwrap();
        assert!(store.unread_banks().unwrap().is_empty(), "no recovery yet");
        store.begin_reading_back(&[rhymney, cardiff]).unwrap();
        assert_eq!(store.recall_cursor(&rhymney).unwrap(), 0, "a page past the cursor may hold what the lost journal had");
        assert_eq!(store.unread_banks().unwrap(), vec![rhymney, cardiff]);
        store.read_back(&rhymney).unwrap();
        assert_eq!(store.unread_banks().unwrap(), vec![cardiff]);
        drop(store);
        let store = Store::open(&dir.path().join("state")).unwrap();
        assert_eq!(store.unread_banks().unwrap(), vec![cardiff], "kept across a restart");
    }
}
