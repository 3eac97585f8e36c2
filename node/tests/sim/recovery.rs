//! A lost disk and the recovery from peers (DESIGN.md §2, "Recovery from
//! peers"; the node's `head_check.rs` and `recall.rs` over the ledger's
//! `Recover` and `Recall`):
//!
//! ```text
//!  lose_disk: the journal cut back to an older copy; the bank restarts from it,
//!             everything on the wire to or from it gone with its connections
//!  recover (each step, once every other bank is reachable):
//!     newest head of ours each bank holds, signed by us ─► past our journal? Recover { peers_saw }
//!     every bank's decided transfers with us, durable there ─► Recall (those we lack, or hold pending)
//!     takes new work again once what it wrote is durable
//!  recall_again: now and then (the node reads back on every connection), and while settling
//!  read_back_before: a routed transfer it holds no record of, delivered again ─► the banks before
//!     it on the way (but the deliverer) read back first; until then no answer (the deliverer retries)
//! ```
//!
//! Where the simulator is stricter than the node: the node asks the peers
//! connected when it starts and takes local work until they answer; here
//! the bank waits for every other bank, and it reads back before deciding
//! again from every bank before it on a routed transfer's way, where the
//! node can read only the banks it has a line with (DESIGN.md §2c, "A bank
//! that lost its disk"). A read counts only when the bank read had nothing
//! unsynced: the node answers a page from what it has synced, and the few
//! milliseconds of its group commit are here any number of steps. So the node's two gaps (work taken
//! before the answers; the hash at a seq we still have, not compared with a
//! peer's head) cannot show here as evidence against an honest bank.

use std::path::Path;

use amser_node::ledger::{Command, TransferRecord, TransferRole};
use amser_protocol::encoding::decode;
use amser_protocol::journal::JournalHead;
use amser_protocol::limits::MAX_JOURNAL_HEAD_BYTES;
use amser_protocol::route::RoutedTransfer;
use amser_protocol::signing::{MessageKind, SignedMessage};
use rand::RngExt;

use super::bank::{Mutation, Recorded, Submitted};
use super::World;

/// Per step, per bank that lost a disk: the chance it reads back from every reachable bank again.
const RECALL_AGAIN_CHANCE: f64 = 0.05;

impl World {
    /// Bank `b`'s disk is lost and yesterday's copy put back.
    pub(super) fn lose_disk(&mut self, b: usize, scratch: &Path) -> Result<(), String> {
        let (setup, durable) = (self.banks[b].setup_entries, self.banks[b].disk.durable_entries());
        if durable <= setup {
            return Ok(());
        }
        let keep = self.rng.random_range(setup..durable);
        let unanswered = self.banks[b].lose_disk(keep, scratch, self.mutation).map_err(|e| format!("bank {b}: {e}"))?;
        self.retries.extend(unanswered.into_iter().filter_map(|a| a.retry.map(|c| (b, c))));
        self.net.forget_links_of(b);
        self.banks[b].unread = (0..self.banks.len()).filter(|o| *o != b).collect();
        // What only this bank held after the copy is lost for good (DESIGN.md §2): its users were told, and it is gone.
        let state = &self.banks[b].state;
        self.acknowledged[b].retain(|r| match r {
            Recorded::Exchange(id) => state.exchanges.contains_key(id),
            Recorded::Transfer(id) => state.transfers.contains_key(id),
        });
        let down = self.rng.random_range(0..=self.faults.max_down_steps);
        self.banks[b].down_until = self.step + down;
        self.tally.lost_disks += 1;
        let head = self.banks[b].state.head.0;
        self.note(|| format!("bank {b} lost its disk: {durable} entries, {keep} put back (to entry {head}), down for {down} steps"));
        Ok(())
    }

    /// Whether bank `b` can reach bank `o` now.
    fn reaches(&self, b: usize, o: usize) -> bool {
        self.up(o) && !self.net.partitioned(b, o, self.step)
    }

    /// Every recovering bank that is up and reaches every other bank
    /// recovers; one whose recovery is durable takes new work again.
    pub(super) fn recover(&mut self) -> Result<(), String> {
        for b in 0..self.banks.len() {
            if !self.banks[b].recovering || !self.up(b) {
                continue;
            }
            if let Some(written) = self.banks[b].recovery_written {
                if self.banks[b].disk.durable_seq() >= written {
                    self.banks[b].recovering = false;
                    self.note(|| format!("bank {b} recovered and takes new work again"));
                }
                continue;
            }
            if !(0..self.banks.len()).all(|o| o == b || self.reaches(b, o)) {
                continue;
            }
            let peers_saw = (0..self.banks.len()).filter(|o| *o != b).filter_map(|o| self.newest_head_of(b, o)).max().unwrap_or(0);
            let journal_ended = self.banks[b].state.head.0;
            if peers_saw > journal_ended && self.mutation != Mutation::SkipRecovery {
                let now = self.bank_now(b);
                match self.banks[b].submit(Command::Recover { peers_saw }, now, self.mutation) {
                    Ok(_) => {
                        self.tally.recoveries += 1;
                        self.note(|| format!("bank {b}'s journal ends at {journal_ended}, peers saw {peers_saw}: recovered past it"));
                    }
                    Err(e) => return Err(format!("bank {b} could not recover past the heads its peers hold: {e}")),
                }
            }
            for o in (0..self.banks.len()).filter(|o| *o != b) {
                self.recall(b, o)?;
            }
            self.banks[b].recovery_written = Some(self.banks[b].state.head.0);
        }
        Ok(())
    }

    /// The newest head of bank `b` that bank `o` holds, if signed by `b` (a
    /// peer cannot halt a bank with a forgery: `head_check::judge`).
    fn newest_head_of(&self, b: usize, o: usize) -> Option<u64> {
        let bank = self.banks[b].id;
        let signed = self.banks[o].heads.newest(&bank)?;
        let verified = signed.verify(self.federation).ok()?;
        if verified.signer != bank || verified.kind != MessageKind::JournalHead {
            return None;
        }
        let head: JournalHead = decode("journal head", &verified.body, MAX_JOURNAL_HEAD_BYTES).ok()?;
        (head.bank == bank).then_some(head.seq)
    }

    /// What bank `o` holds durably of the transfers between it and bank `b`
    /// (direct, or routed with `b` on its way up to the bank that decided it),
    /// decided, that `b` lacks or holds pending; and the routed transfers `b`
    /// passed on to `o` that `o` holds undecided and `b` lacks (no decision):
    /// the node's recall page, less what the ledger would find known, in
    /// `o`'s journal order.
    pub(super) fn to_recall(&self, b: usize, o: usize) -> Vec<(SignedMessage, Option<SignedMessage>)> {
        let (bank, theirs, ours) = (self.banks[b].id, &self.banks[o], &self.banks[b].state);
        let durable = theirs.disk.durable_seq();
        let lacking = |r: &TransferRecord| match ours.transfers.get(&r.id) {
            None => true,
            Some(mine) => mine.role != TransferRole::Incoming && mine.is_pending(),
        };
        let mut pairs: Vec<(u64, SignedMessage, Option<SignedMessage>)> = theirs
            .state
            .transfers
            .values()
            .filter(|r| r.reached(&bank))
            .filter(|r| r.settled_seq.is_some_and(|s| s <= durable) && lacking(r))
            .filter_map(|r| Some((r.settled_seq?, r.signed.clone(), Some(r.signed_decision.clone()?))))
            .collect();
        pairs.extend(
            theirs
                .state
                .transfers
                .values()
                .filter(|r| r.is_pending() && !r.path.is_empty() && r.before(&theirs.id) == Some(bank))
                .filter(|r| r.seq <= durable && !ours.transfers.contains_key(&r.id))
                .map(|r| (r.seq, r.signed.clone(), None)),
        );
        pairs.sort_unstable_by_key(|(seq, _, _)| *seq);
        pairs.into_iter().map(|(_, t, d)| (t, d)).collect()
    }

    /// Bank `b` reads back from bank `o` what it lacks of the transfers between them.
    fn recall(&mut self, b: usize, o: usize) -> Result<(), String> {
        for (transfer, decision) in self.to_recall(b, o) {
            let routed = transfer.verify(self.federation).is_ok_and(|v| v.kind == MessageKind::RoutedTransfer);
            let now = self.bank_now(b);
            let from = self.banks[o].id;
            match self.banks[b].submit(Command::Recall { transfer, decision, from }, now, self.mutation) {
                Ok(Submitted::Wrote(entry)) => {
                    self.tally.transfers_recalled += 1;
                    self.tally.routed_recalled += u64::from(routed);
                    self.note(|| format!("bank {b} read back from bank {o}: entry {} ({})", entry.seq, entry.body.kind()));
                }
                Ok(Submitted::Known { .. }) => {}
                Err(e) => self.refused(b, e)?,
            }
        }
        if self.banks[o].disk.unsynced_entries() == 0 {
            self.banks[b].unread.remove(&o);
        }
        Ok(())
    }

    /// Before deciding again (the node's `recall::unread_before`): bank
    /// `to`, delivered by `from` a routed transfer it holds no record of,
    /// first reads back from each bank before it on the way (but `from`)
    /// not yet read since its disk was lost, when it reaches it. Whether it
    /// may take the transfer now: each of those banks has been read.
    pub(super) fn read_back_before(&mut self, from: usize, to: usize, signed: &SignedMessage) -> Result<bool, String> {
        if self.banks[to].unread.is_empty() {
            return Ok(true);
        }
        let Ok(verified) = signed.verify(self.federation) else { return Ok(true) };
        let Some(routed) = (verified.kind == MessageKind::RoutedTransfer).then(|| RoutedTransfer::decode(&verified.body).ok()).flatten()
        else {
            return Ok(true);
        };
        let Ok(id) = routed.id() else { return Ok(true) };
        if self.banks[to].state.transfers.contains_key(&id) {
            return Ok(true);
        }
        let us = self.banks[to].id;
        let before: Vec<usize> = routed.path.iter().take_while(|b| **b != us).map(|b| self.index_of(b)).filter(|o| *o != from).collect();
        for &o in &before {
            if self.banks[to].unread.contains(&o) && self.reaches(to, o) {
                self.recall(to, o)?;
            }
        }
        let waiting: Vec<usize> = before.into_iter().filter(|o| self.banks[to].unread.contains(o)).collect();
        if waiting.is_empty() {
            return Ok(true);
        }
        self.tally.waits_for_read_back += 1;
        self.note(|| format!("bank {to} takes routed transfer {id:?} only once banks {waiting:?} are read back"));
        Ok(false)
    }

    /// Banks that lost a disk read back again from every bank they reach,
    /// now and then (or always, while settling), as the node does on every connection.
    pub(super) fn recall_again(&mut self, always: bool) -> Result<(), String> {
        for b in 0..self.banks.len() {
            if self.banks[b].lost_disks == 0 || self.banks[b].recovering || !self.up(b) {
                continue;
            }
            if !always && !self.rng.random_bool(RECALL_AGAIN_CHANCE) {
                continue;
            }
            let reached: Vec<usize> = (0..self.banks.len()).filter(|o| *o != b && self.reaches(b, *o)).collect();
            for o in reached {
                self.recall(b, o)?;
            }
        }
        Ok(())
    }

    /// Whether some bank that lost a disk has yet to read back what another holds.
    pub(super) fn recall_due(&self) -> bool {
        (0..self.banks.len())
            .filter(|b| self.banks[*b].lost_disks > 0)
            .any(|b| self.banks[b].recovering || (0..self.banks.len()).any(|o| o != b && !self.to_recall(b, o).is_empty()))
    }
}
