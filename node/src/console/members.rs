//! The register in the console: search by name or skill, one member's
//! page, and a member's own page. What each shows depends on the visitor's
//! role: contacts, availability, special-needs notes and exchange notes
//! only to the coordinator; a viewer sees names, kinds, skills and
//! balances; a member sees only their own record.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use amser_protocol::{MemberCode, Minutes};

use super::i18n::Tr;
use super::web::{error_page, page, Chrome, Visitor};
use crate::accounts::Role;
use crate::api::AppState;
use crate::ledger::LedgerRead;
use crate::model::exchange::ERASED_TEXT;
use crate::model::{ExchangeView, MemberView};

/// Members one search shows at most (a bank has tens to hundreds).
pub const MAX_MEMBERS_SHOWN: usize = 500;
/// Exchanges a member's page shows.
pub const RECENT_EXCHANGES: usize = 20;
/// Longest search text taken.
const MAX_QUERY_CHARS: usize = 100;

/// A member as a console row: everything already in the visitor's language,
/// the personal fields empty when the visitor may not see them.
pub struct MemberRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub balance: String,
    pub skills: String,
    pub needs: String,
    pub contact: String,
    pub availability: String,
    pub special_needs: String,
    pub joined: String,
    pub erased: bool,
}

impl MemberRow {
    /// `personal`: contact and availability shown; `safeguarding`: special needs shown.
    pub fn new(m: &MemberView, tr: Tr, personal: bool, safeguarding: bool) -> MemberRow {
        let name = if m.erased { tr.t1("erased-member", "code", m.code.as_str()) } else { m.name.clone() };
        let joined =
            amser_protocol::ServiceDate::parse(&m.joined).ok().and_then(|d| d.to_date()).map(|d| tr.date(d)).unwrap_or(m.joined.clone());
        let shown = |text: &str| if personal { text.to_string() } else { String::new() };
        MemberRow {
            code: m.code.to_string(),
            name,
            kind: tr.t(&format!("kind-{}", m.kind)),
            status: tr.t(&format!("status-{}", m.status)),
            balance: m.balance.clone(),
            skills: m.skills_offered.join(", "),
            needs: m.needs.join(", "),
            contact: shown(&m.contact),
            availability: shown(&m.availability),
            special_needs: if safeguarding { m.special_needs.clone() } else { String::new() },
            joined,
            erased: m.erased,
        }
    }
}

/// An exchange as a row of a member's page.
pub struct ExchangeRow {
    /// The exchange's full id, for the link to reverse it.
    pub id: String,
    /// "Reversed", with the reason when the visitor may read it.
    pub reversed: Option<String>,
    pub date: String,
    pub providers: String,
    pub receivers: String,
    pub hours: String,
    pub category: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "members.html")]
pub struct MembersPage {
    pub chrome: Chrome,
    pub query: String,
    pub none_found: String,
    pub count: String,
    pub rows: Vec<MemberRow>,
    pub personal: bool,
}

#[derive(Template)]
#[template(path = "member.html")]
pub struct MemberPage {
    pub chrome: Chrome,
    pub m: MemberRow,
    pub personal: bool,
    pub safeguarding: bool,
    pub own: bool,
    pub exchanges: Vec<ExchangeRow>,
    /// Exchanges members recorded that wait for confirmation, with this member.
    pub waiting: Vec<super::proposals::WaitingRow>,
    /// Whether to offer "record an exchange" to the member themselves.
    pub may_propose: bool,
    pub problem: Option<String>,
}

#[derive(Deserialize)]
pub struct Search {
    pub q: Option<String>,
}

/// `GET /members?q=`: the coordinator's and viewers' register.
pub async fn list(State(state): State<AppState>, visitor: Visitor, Query(search): Query<Search>) -> Response {
    if visitor.role() == Role::Member {
        return error_page(&state, &visitor, StatusCode::FORBIDDEN, "error-forbidden").await;
    }
    let query: String = search.q.unwrap_or_default().trim().chars().take(MAX_QUERY_CHARS).collect();
    let needle = query.to_lowercase();
    let keys = state.keys();
    let found = state
        .read(move |store| {
            let mut all = Vec::new();
            let mut failed = None;
            store.for_each_member(|m| {
                let code = m.code.clone();
                match store.balance(&code).and_then(|b| MemberView::new(m, b, &*keys)) {
                    Ok(v) => all.push(v),
                    Err(e) => failed = Some(e),
                }
            })?;
            if let Some(e) = failed {
                return Err(e.into());
            }
            Ok(all)
        })
        .await;
    let Ok(mut members) = found else { return error_page(&state, &visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await };
    if !needle.is_empty() {
        members.retain(|m| {
            m.name.to_lowercase().contains(&needle)
                || m.skills_offered.iter().any(|s| s.to_lowercase().contains(&needle))
                || m.code.as_str().to_lowercase().contains(&needle)
        });
    }
    members.sort_by_key(|m| (m.erased, m.name.to_lowercase()));
    members.truncate(MAX_MEMBERS_SHOWN);
    let personal = visitor.role().sees_personal_details();
    let rows = members.iter().map(|m| MemberRow::new(m, visitor.tr, personal, personal)).collect();
    let chrome = Chrome::of(&state, &visitor, "members").await;
    let (none_found, count) = (visitor.tr.t1("members-none-found", "query", &query), visitor.tr.n("members-count", members.len()));
    page(StatusCode::OK, &MembersPage { chrome, query, none_found, count, rows, personal })
}

/// `GET /members/{code}`.
pub async fn show(State(state): State<AppState>, visitor: Visitor, Path(code): Path<String>) -> Response {
    let Ok(code) = code.parse::<MemberCode>() else {
        return error_page(&state, &visitor, StatusCode::NOT_FOUND, "error-unknown-member").await;
    };
    if visitor.role() == Role::Member && visitor.account.member.as_ref() != Some(&code) {
        return error_page(&state, &visitor, StatusCode::FORBIDDEN, "error-forbidden").await;
    }
    member_page(&state, &visitor, code, "members", StatusCode::OK, None).await
}

/// A member's own page, their dashboard.
pub async fn own_page(state: &AppState, visitor: &Visitor) -> Response {
    own_page_with(state, visitor, StatusCode::OK, None).await
}

/// The same, answering `status` and saying `problem` (an answer refused).
pub async fn own_page_with(state: &AppState, visitor: &Visitor, status: StatusCode, problem: Option<String>) -> Response {
    match visitor.account.member.clone() {
        Some(code) => member_page(state, visitor, code, "mine", status, problem).await,
        None => error_page(state, visitor, StatusCode::FORBIDDEN, "error-forbidden").await,
    }
}

async fn member_page(
    state: &AppState,
    visitor: &Visitor,
    code: MemberCode,
    here: &'static str,
    status: StatusCode,
    problem: Option<String>,
) -> Response {
    let keys = state.keys();
    let read = state
        .read(move |store| {
            let Some(m) = store.member(&code)? else { return Ok(None) };
            let view = MemberView::new(m, store.balance(&code)?, &*keys)?;
            let records = store.member_exchanges_page(&code, None, RECENT_EXCHANGES)?.items;
            let mut exchanges = Vec::with_capacity(records.len());
            for r in records {
                let e = ExchangeView::new(r, &*keys)?;
                let names = |codes: &[MemberCode]| -> Result<String, crate::api::ApiError> {
                    let mut out = Vec::new();
                    for c in codes {
                        out.push(match store.member(c)? {
                            Some(other) => {
                                let v = MemberView::new(other, Minutes(0), &*keys)?;
                                if v.erased {
                                    format!("({})", v.code)
                                } else {
                                    v.name
                                }
                            }
                            None => c.to_string(),
                        });
                    }
                    Ok(out.join(", "))
                };
                exchanges.push((names(&e.providers)?, names(&e.receivers)?, e));
            }
            Ok(Some((view, exchanges)))
        })
        .await;
    let (view, exchanges) = match read {
        Ok(Some(found)) => found,
        Ok(None) => return error_page(state, visitor, StatusCode::NOT_FOUND, "error-unknown-member").await,
        Err(e) => {
            tracing::error!(error = %e.message, "a member's page could not be read");
            return error_page(state, visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await;
        }
    };
    let tr = visitor.tr;
    let own = visitor.account.member.as_ref() == Some(&view.code);
    let personal = visitor.role().sees_personal_details();
    let exchanges = exchanges
        .into_iter()
        .map(|(providers, receivers, e)| ExchangeRow {
            id: e.id.clone(),
            reversed: e.reversed.then(|| match (personal || own, e.reversal_reason.as_deref()) {
                (true, Some(why)) if why != ERASED_TEXT => tr.t1("reversed-because", "reason", why),
                _ => tr.t("reversed"),
            }),
            date: amser_protocol::ServiceDate::parse(&e.date).ok().and_then(|d| d.to_date()).map(|d| tr.date(d)).unwrap_or(e.date.clone()),
            providers,
            receivers,
            hours: Minutes(e.minutes_each).to_string(),
            category: e.category,
            note: match (personal || own, e.note.as_str()) {
                (false, _) => String::new(),
                (true, ERASED_TEXT) => tr.t("erased-text"),
                (true, note) => note.to_string(),
            },
        })
        .collect();
    // A member sees their own contact and exchange notes, no one else's;
    // special-needs and safeguarding notes only the coordinator sees.
    let m = MemberRow::new(&view, tr, personal || own, personal);
    // Viewers see no one's waiting exchanges: who asked whom is the members' and the coordinator's.
    let waiting = if own || visitor.role() == Role::Coordinator {
        super::proposals::rows(state, visitor, state.proposals.of_member(&view.code)).await
    } else {
        Vec::new()
    };
    let may_propose = own && state.who_records == crate::model::WhoRecords::EitherParty;
    let chrome = Chrome::of(state, visitor, here).await;
    page(
        status,
        &MemberPage { chrome, m, personal: personal || own, safeguarding: personal, own, exchanges, waiting, may_propose, problem },
    )
}
