//! The console's accounts (`/api/v1/users`): made, listed, given a new
//! sign-in link and disabled by the bank's volunteer with the API token
//! (`amser user ...`). Every change is durable before the answer.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use amser_protocol::MemberCode;

use super::{ApiError, AppState, Body};
use crate::accounts::{Account, AccountError, Invitation, Role};
use crate::ledger::LedgerRead;
use crate::model::{AccountLink, AccountView, DisableAccount, NewAccount};

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> ApiError {
        let (status, code) = match &e {
            AccountError::UnknownRole(_) | AccountError::BadName | AccountError::MemberRequired | AccountError::MemberNotAllowed(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "bad_account")
            }
            AccountError::NameTaken(_) => (StatusCode::CONFLICT, "account_exists"),
            AccountError::UnknownAccount(_) => (StatusCode::NOT_FOUND, "unknown_account"),
            AccountError::NoSuchInvitation => (StatusCode::NOT_FOUND, "link_gone"),
            AccountError::PasswordTooShort { .. } | AccountError::PasswordTooLong { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "bad_password")
            }
            AccountError::TooMany => (StatusCode::CONFLICT, "too_many_accounts"),
            AccountError::Hashing(_) | AccountError::Io { .. } | AccountError::Damaged { .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, "accounts_unavailable")
            }
        };
        ApiError::new(status, code, e.to_string())
    }
}

fn view(a: &Account) -> AccountView {
    AccountView {
        name: a.name.clone(),
        role: a.role.to_string(),
        member: a.member.clone(),
        disabled: a.disabled,
        has_password: a.password_hash().is_some(),
        language: a.language.map(|l| l.tag().to_string()),
    }
}

fn link(account: &Account, invitation: &Invitation) -> AccountLink {
    AccountLink { account: view(account), link_path: format!("/welcome/{}", invitation.token), expires_ms: invitation.expires_ms }
}

/// Runs an accounts change off the async threads (it syncs a file).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, AccountError> + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ApiError::internal(format!("an accounts change stopped: {e}")))?.map_err(Into::into)
}

/// `POST /users`: a new account and its one-time sign-in link.
pub async fn add(State(state): State<AppState>, Body(new): Body<NewAccount>) -> Result<(StatusCode, Json<AccountLink>), ApiError> {
    let role: Role = new.role.parse()?;
    let member = match new.member.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        None => None,
        Some(text) => {
            let code: MemberCode =
                text.parse().map_err(|e: amser_protocol::ids::IdError| ApiError::bad_request("bad_member_code", e.to_string()))?;
            let known = code.clone();
            if state.read(move |s| Ok(s.member(&known)?)).await?.is_none() {
                return Err(ApiError::from(crate::ledger::LedgerError::UnknownMember(code)));
            }
            Some(code)
        }
    };
    let (accounts, now) = (state.accounts.clone(), state.clock.now_ms());
    let name = new.name.clone();
    let invitation = blocking(move || accounts.add(&name, role, member, now)).await?;
    let account = state.accounts.find(&invitation.account).ok_or_else(|| ApiError::internal("the new account is not there"))?;
    tracing::info!(account = %account.name, role = %account.role, "added a console account");
    Ok((StatusCode::CREATED, Json(link(&account, &invitation))))
}

/// `GET /users`.
pub async fn list(State(state): State<AppState>) -> Json<Vec<AccountView>> {
    Json(state.accounts.list().iter().map(view).collect())
}

/// `POST /users/{name}/link`: a new sign-in link (a forgotten password): the old link and password stop working.
pub async fn new_link(State(state): State<AppState>, Path(name): Path<String>) -> Result<Json<AccountLink>, ApiError> {
    let (accounts, now) = (state.accounts.clone(), state.clock.now_ms());
    let invitation = blocking(move || accounts.invite_again(&name, now)).await?;
    state.sessions.end_all_of(&invitation.account);
    let account = state.accounts.find(&invitation.account).ok_or_else(|| ApiError::internal("the account is not there"))?;
    Ok(Json(link(&account, &invitation)))
}

/// `POST /users/{name}/disable`: `{"disabled": true}` disables an account and ends its sessions.
pub async fn disable(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Body(req): Body<DisableAccount>,
) -> Result<Json<AccountView>, ApiError> {
    let accounts = state.accounts.clone();
    let account = blocking(move || accounts.set_disabled(&name, req.disabled)).await?;
    if account.disabled {
        state.sessions.end_all_of(&account.name);
    }
    Ok(Json(view(&account)))
}
