//! Members' names as the console shows them: one member's (an erased one's
//! as "erased member CODE"), and the bank's active members by name, for the
//! forms that pick a member. Names are sealed in the register, so each is
//! opened with the member's key.

use amser_protocol::{MemberCode, MemberStatus};

use super::i18n::Tr;
use crate::api::{ApiError, AppState};
use crate::ledger::privacy::MemberKeys;
use crate::ledger::LedgerRead;
use crate::model::member::details_of;
use crate::storage::store::Store;

/// A member's name as the visitor reads it.
pub fn name_of(store: &Store, keys: &dyn MemberKeys, tr: Tr, code: &MemberCode) -> Result<String, ApiError> {
    Ok(match store.member(code)? {
        Some(m) if m.is_erased() => tr.t1("erased-member", "code", code.as_str()),
        Some(m) => details_of(&m, keys)?.name,
        None => code.to_string(),
    })
}

/// The bank's active members other than `except`, as (code, name), by name.
pub async fn active_members(state: &AppState, except: Option<MemberCode>) -> Result<Vec<(MemberCode, String)>, ApiError> {
    let keys = state.keys();
    state
        .read(move |store| {
            let mut out = Vec::new();
            let mut failed = None;
            store.for_each_member(|m| {
                if m.status != MemberStatus::Active || m.is_erased() || except.as_ref() == Some(&m.code) {
                    return;
                }
                match details_of(&m, &*keys) {
                    Ok(d) => out.push((m.code, d.name)),
                    Err(e) => failed = Some(e),
                }
            })?;
            if let Some(e) = failed {
                return Err(e.into());
            }
            out.sort_by_key(|(_, name)| name.to_lowercase());
            Ok(out)
        })
        .await
}
