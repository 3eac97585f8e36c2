//! Signing in and out, and setting a password from a one-time sign-in link.
//!
//! The sign-in form is protected by a double-submit token (a random value
//! in an HttpOnly cookie and in the form), so another site cannot sign a
//! visitor in as someone else. Failed sign-ins are throttled per account
//! name and per address ([`crate::accounts::Throttle`]); a password is
//! checked with argon2id even when no account has that name, so the
//! answer's timing does not tell which names exist.

use std::net::SocketAddr;
use std::sync::LazyLock;

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::i18n::{Arg, Tr};
use super::web::{self, cookie, csrf_ok, page, set_cookie, Chrome, Visitor, FORM_COOKIE, SESSION_COOKIE};
use crate::accounts::password::{self, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::accounts::sessions::random_token;
use crate::accounts::{AccountError, Language};
use crate::api::AppState;

/// A hash no password matches, checked when no account has the name given.
static NO_ACCOUNT: LazyLock<String> = LazyLock::new(|| password::hash(&random_token()).unwrap_or_default());

#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignInPage {
    pub chrome: Chrome,
    pub title: String,
    pub csrf: String,
    pub name: String,
    pub problem: Option<String>,
    pub notice: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInQuery {
    pub lang: Option<String>,
    pub signed_out: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInForm {
    pub csrf: String,
    pub name: String,
    pub password: String,
}

/// The sign-in page with a fresh form token.
async fn sign_in_page(
    state: &AppState,
    tr: Tr,
    status: StatusCode,
    name: String,
    problem: Option<String>,
    notice: Option<String>,
) -> Response {
    let csrf = random_token();
    let chrome = Chrome::public(state, tr).await;
    let title = tr.t1("sign-in-title", "bank", &chrome.bank);
    let mut response = page(status, &SignInPage { chrome, title, csrf: csrf.clone(), name, problem, notice });
    response.headers_mut().append(header::SET_COOKIE, set_cookie(state, FORM_COOKIE, &csrf, None, true));
    response
}

/// `GET /sign-in` (`?lang=cy` chooses the language and remembers it).
pub async fn form(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<SignInQuery>) -> Response {
    let chosen = q.lang.as_deref().and_then(Language::from_tag);
    let tr = Tr::new(chosen.unwrap_or_else(|| web::language_of(&headers)));
    let notice = q.signed_out.map(|_| tr.t("signed-out"));
    let mut response = sign_in_page(&state, tr, StatusCode::OK, String::new(), None, notice).await;
    if let Some(language) = chosen {
        response.headers_mut().append(header::SET_COOKIE, web::language_cookie(&state, language));
    }
    response
}

/// `POST /sign-in`.
pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let tr = Tr::new(web::language_of(&headers));
    if !web::form_token_ok(&headers, &form.csrf) {
        return sign_in_page(&state, tr, StatusCode::FORBIDDEN, form.name, Some(tr.t("form-expired")), None).await;
    }
    let address = from.ip().to_string();
    let now = state.clock.now_ms();
    if let Some(wait) = state.throttle.wait_ms(&form.name, &address, now) {
        let minutes = wait.div_ceil(60_000) as i64;
        let problem = tr.with("sign-in-throttled", &[("minutes", Arg::Number(minutes))]);
        return sign_in_page(&state, tr, StatusCode::TOO_MANY_REQUESTS, form.name, Some(problem), None).await;
    }
    let account = state.accounts.find(&form.name);
    let phc = account.as_ref().and_then(|a| a.password_hash().map(str::to_string)).unwrap_or_else(|| NO_ACCOUNT.clone());
    let given = form.password.clone();
    let matches = tokio::task::spawn_blocking(move || password::verify(&given, &phc)).await.unwrap_or(false);
    let Some(account) = account.filter(|_| matches) else {
        state.throttle.failed(&form.name, &address, now);
        tracing::info!(%address, "a sign-in to the console failed");
        return sign_in_page(&state, tr, StatusCode::UNAUTHORIZED, form.name, Some(tr.t("sign-in-failed")), None).await;
    };
    if account.disabled {
        return sign_in_page(&state, tr, StatusCode::FORBIDDEN, form.name, Some(tr.t("sign-in-disabled")), None).await;
    }
    state.throttle.succeeded(&account.name);
    // The language chosen on the sign-in page becomes the account's, if it had none.
    if account.language.is_none() {
        if let Some(language) = cookie(&headers, web::LANGUAGE_COOKIE).and_then(|t| Language::from_tag(&t)) {
            let (accounts, name) = (state.accounts.clone(), account.name.clone());
            let _ = tokio::task::spawn_blocking(move || accounts.set_language(&name, language)).await;
        }
    }
    signed_in(&state, &account)
}

/// Starts a session for `account` and goes to the dashboard.
fn signed_in(state: &AppState, account: &crate::accounts::Account) -> Response {
    let token = state.sessions.start(account, state.clock.now_ms());
    tracing::info!(account = %account.name, role = %account.role, "signed in to the console");
    let mut response = Redirect::to("/").into_response();
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, set_cookie(state, SESSION_COOKIE, &token, None, true));
    headers.append(header::SET_COOKIE, set_cookie(state, FORM_COOKIE, "", Some(0), true));
    response
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

/// `POST /sign-out`.
pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap, visitor: Visitor, Form(form): Form<CsrfForm>) -> Response {
    if !csrf_ok(&visitor, &form.csrf) {
        return web::error_page(&state, &visitor, StatusCode::FORBIDDEN, "form-expired").await;
    }
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.sessions.end(&token);
    }
    let mut response = Redirect::to(&format!("/sign-in?signed_out=1&lang={}", visitor.tr.language.tag())).into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(&state, SESSION_COOKIE, "", Some(0), true));
    response
}

#[derive(Template)]
#[template(path = "welcome.html")]
pub struct WelcomePage {
    pub chrome: Chrome,
    pub title: String,
    pub intro: String,
    pub hint: String,
    pub csrf: String,
    pub token: String,
    pub min: usize,
    pub problem: Option<String>,
}

#[derive(Deserialize)]
pub struct WelcomeForm {
    pub csrf: String,
    pub password: String,
    pub confirm: String,
}

async fn welcome_page(state: &AppState, tr: Tr, status: StatusCode, token: String, name: String, problem: Option<String>) -> Response {
    let csrf = random_token();
    let chrome = Chrome::public(state, tr).await;
    let title = tr.t1("welcome-title", "bank", &chrome.bank);
    let intro = tr.t1("welcome-intro", "name", &name);
    let hint = tr.with("welcome-password-hint", &[("min", Arg::Number(MIN_PASSWORD_CHARS as i64))]);
    let page_data = WelcomePage { chrome, title, intro, hint, csrf: csrf.clone(), token, min: MIN_PASSWORD_CHARS, problem };
    let mut response = page(status, &page_data);
    response.headers_mut().append(header::SET_COOKIE, set_cookie(state, FORM_COOKIE, &csrf, None, true));
    response
}

/// The error page for a link that has been used or has expired.
async fn link_gone(state: &AppState, tr: Tr) -> Response {
    let chrome = Chrome::public(state, tr).await;
    page(StatusCode::NOT_FOUND, &web::ErrorPage { chrome, message: tr.t("welcome-link-gone") })
}

/// `GET /welcome/{token}`: the link's person chooses a password.
pub async fn welcome_form(State(state): State<AppState>, headers: HeaderMap, Path(token): Path<String>) -> Response {
    let tr = Tr::new(web::language_of(&headers));
    match state.accounts.invited(&token, state.clock.now_ms()) {
        Ok(account) => welcome_page(&state, tr, StatusCode::OK, token, account.name, None).await,
        Err(_) => link_gone(&state, tr).await,
    }
}

/// `POST /welcome/{token}`.
pub async fn welcome_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<WelcomeForm>,
) -> Response {
    let tr = Tr::new(web::language_of(&headers));
    let Ok(account) = state.accounts.invited(&token, state.clock.now_ms()) else { return link_gone(&state, tr).await };
    let problem = if !web::form_token_ok(&headers, &form.csrf) {
        Some(tr.t("form-expired"))
    } else if form.password != form.confirm {
        Some(tr.t("welcome-mismatch"))
    } else {
        match password::check_new(&form.password) {
            Err(AccountError::PasswordTooShort { .. }) => {
                Some(tr.with("welcome-too-short", &[("min", Arg::Number(MIN_PASSWORD_CHARS as i64))]))
            }
            Err(_) => Some(tr.with("welcome-too-long", &[("max", Arg::Number(MAX_PASSWORD_CHARS as i64))])),
            Ok(()) => None,
        }
    };
    if let Some(problem) = problem {
        return welcome_page(&state, tr, StatusCode::UNPROCESSABLE_ENTITY, token, account.name, Some(problem)).await;
    }
    let (accounts, now) = (state.accounts.clone(), state.clock.now_ms());
    let chosen = form.password;
    let saved = tokio::task::spawn_blocking(move || {
        let phc = password::hash(&chosen)?;
        accounts.accept(&token, phc, now)
    })
    .await;
    match saved {
        Ok(Ok(account)) => {
            state.sessions.end_all_of(&account.name);
            signed_in(&state, &account)
        }
        Ok(Err(AccountError::NoSuchInvitation)) => link_gone(&state, tr).await,
        _ => {
            let chrome = Chrome::public(&state, tr).await;
            page(StatusCode::SERVICE_UNAVAILABLE, &web::ErrorPage { chrome, message: tr.t("error-storage") })
        }
    }
}
