//! Admitting another bank to the federation and changing its trust line:
//! who this bank trades with, how far, and whether the line is frozen.

use amser_protocol::federation::PeerLine;
use amser_protocol::journal::{BankProfile, EntryBody};
use amser_protocol::limits::MAX_SHORT_TEXT_CHARS;
use amser_protocol::text::check;

use super::command::PeerChanges;
use super::decide::Ruling;
use super::{Command, LedgerError, LedgerRead};

/// Most addresses kept for one peer.
const MAX_PEER_ADDRS: usize = 8;

fn check_addrs(addrs: &[String]) -> Result<(), LedgerError> {
    if addrs.len() > MAX_PEER_ADDRS {
        return Err(LedgerError::BadPolicy(format!("at most {MAX_PEER_ADDRS} addresses per peer")));
    }
    for a in addrs {
        check("peer address", a, MAX_SHORT_TEXT_CHARS, false)?;
    }
    Ok(())
}

/// Decides a peer command: admit a bank, or change its line.
pub fn decide(view: &impl LedgerRead, profile: &BankProfile, command: Command) -> Result<Ruling, LedgerError> {
    match command {
        Command::AdmitPeer { bank, handle, addrs, trust, max_transfer } => {
            if bank == profile.bank {
                return Err(LedgerError::BadPolicy("a bank cannot admit itself".into()));
            }
            if trust.0 < 0 || max_transfer.is_some_and(|m| m.0 <= 0) {
                return Err(LedgerError::BadPolicy("the trust line must be 0 or more hours, and a transfer maximum more than 0".into()));
            }
            check_addrs(&addrs)?;
            if let Some(h) = &handle {
                if h == &profile.handle {
                    return Err(LedgerError::BadPolicy(format!("'{h}' is this bank's own handle")));
                }
                if let Some(other) = view.peer_by_handle(h.as_str())? {
                    if other.bank != bank {
                        return Err(LedgerError::BadPolicy(format!("another admitted bank already has the handle '{h}'")));
                    }
                }
            }
            let existing = view.peer(&bank)?;
            let peer = PeerLine {
                bank,
                handle: handle.or_else(|| existing.as_ref().and_then(|p| p.handle.clone())),
                addrs,
                trust,
                max_transfer,
                frozen: existing.as_ref().is_some_and(|p| p.frozen),
                removed: false,
            };
            Ok(Ruling::Append(EntryBody::PeerLineSet { peer }))
        }
        Command::UpdatePeer { bank, changes } => {
            let mut peer = view.peer(&bank)?.ok_or_else(|| LedgerError::UnknownPeer(bank.to_string()))?;
            let PeerChanges { handle, addrs, trust, max_transfer, frozen, removed } = changes;
            if let Some(h) = handle {
                if h == profile.handle {
                    return Err(LedgerError::BadPolicy(format!("'{h}' is this bank's own handle")));
                }
                if view.peer_by_handle(h.as_str())?.is_some_and(|other| other.bank != bank) {
                    return Err(LedgerError::BadPolicy(format!("another admitted bank already has the handle '{h}'")));
                }
                peer.handle = Some(h);
            }
            if let Some(a) = addrs {
                check_addrs(&a)?;
                peer.addrs = a;
            }
            if let Some(t) = trust {
                peer.trust = t;
            }
            if let Some(m) = max_transfer {
                peer.max_transfer = m;
            }
            if let Some(f) = frozen {
                peer.frozen = f;
            }
            if let Some(r) = removed {
                peer.removed = r;
            }
            Ok(Ruling::Append(EntryBody::PeerLineSet { peer }))
        }
        _ => Err(LedgerError::Storage("not a peer command".into())),
    }
}
