//! What every console page shares: cookies, the signed-in visitor, CSRF
//! checks, the language a page is written in, the page's frame, and turning
//! a template into a response (or a plain error page).

use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::i18n::{Arg, Tr};
use crate::accounts::{Account, Language, Role, Session};
use crate::api::AppState;
use crate::ledger::LedgerRead;

/// The session cookie: a random token, HttpOnly, SameSite=Strict.
pub const SESSION_COOKIE: &str = "amser_session";
/// Before signing in: the double-submit token of the sign-in form.
pub const FORM_COOKIE: &str = "amser_form";
/// Before signing in: the language chosen on the sign-in page.
pub const LANGUAGE_COOKIE: &str = "amser_lang";
/// How long the language cookie is kept: a year.
const LANGUAGE_COOKIE_SECONDS: u64 = 365 * 24 * 60 * 60;

/// The value of cookie `name` in a request's headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then(|| v.trim().to_string())
    })
}

/// A `Set-Cookie` value for the console's cookies.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_seconds: Option<u64>, http_only: bool) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; SameSite=Strict");
    if http_only {
        text.push_str("; HttpOnly");
    }
    if state.secure_cookies {
        text.push_str("; Secure");
    }
    if let Some(age) = max_age_seconds {
        text.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("amser_invalid=; Path=/"))
}

/// The language of a request from someone not signed in: the sign-in
/// page's choice, else their browser's.
pub fn language_of(headers: &HeaderMap) -> Language {
    cookie(headers, LANGUAGE_COOKIE)
        .and_then(|tag| Language::from_tag(&tag))
        .unwrap_or_else(|| Language::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("")))
}

/// The signed-in person making a request.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub session: Session,
    pub account: Account,
    pub tr: Tr,
}

impl Visitor {
    pub fn role(&self) -> Role {
        self.account.role
    }
}

/// Not signed in (or the session ended): to the sign-in page.
pub struct SignInFirst;

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        Redirect::to("/sign-in").into_response()
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = SignInFirst;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Visitor, SignInFirst> {
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(SignInFirst)?;
        let session = state.sessions.get(&token, state.clock.now_ms()).ok_or(SignInFirst)?;
        // The account as it is now: disabled since, or gone, ends the session.
        let account = state.accounts.find(&session.account).filter(|a| !a.disabled && a.role == session.role).ok_or_else(|| {
            state.sessions.end(&token);
            SignInFirst
        })?;
        let language = account.language.unwrap_or_else(|| language_of(&parts.headers));
        Ok(Visitor { session, account, tr: Tr::new(language) })
    }
}

/// `Option<Visitor>`: the signed-in person, or `None` (never a redirect), for
/// pages anyone may see.
impl axum::extract::OptionalFromRequestParts<AppState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Visitor>, Self::Rejection> {
        Ok(<Visitor as FromRequestParts<AppState>>::from_request_parts(parts, state).await.ok())
    }
}

/// What the frame around every page needs: the language, the bank's name,
/// the navigation and who is signed in.
pub struct Chrome {
    pub tr: Tr,
    pub lang: &'static str,
    pub bank: String,
    /// "Signed in as NAME (ROLE)"; `None` on the sign-in pages.
    pub signed_in_as: Option<String>,
    pub csrf: String,
    pub is_member: bool,
    /// Whether to offer "record an exchange".
    pub may_record: bool,
    /// Whether members record exchanges (`[policy] who_records = "either_party"`).
    pub members_record: bool,
    /// Which navigation item is this page's.
    pub here: &'static str,
    /// A print view: the page without navigation or buttons (`?print=1`).
    pub print: bool,
}

impl Chrome {
    /// The frame for `visitor` on page `here`.
    pub async fn of(state: &AppState, visitor: &Visitor, here: &'static str) -> Chrome {
        let role = visitor.tr.t(match visitor.role() {
            Role::Coordinator => "role-coordinator",
            Role::Viewer => "role-viewer",
            Role::Member => "role-member",
        });
        Chrome {
            tr: visitor.tr,
            lang: visitor.tr.language.tag(),
            bank: bank_name(state).await,
            signed_in_as: Some(visitor.tr.with("signed-in-as", &[("name", Arg::Text(&visitor.account.name)), ("role", Arg::Text(&role))])),
            csrf: visitor.session.csrf.clone(),
            is_member: visitor.role() == Role::Member,
            may_record: visitor.role().may_record(),
            members_record: state.who_records == crate::model::WhoRecords::EitherParty,
            here,
            print: false,
        }
    }

    /// The frame for someone not signed in.
    pub async fn public(state: &AppState, tr: Tr) -> Chrome {
        Chrome {
            tr,
            lang: tr.language.tag(),
            bank: bank_name(state).await,
            signed_in_as: None,
            csrf: String::new(),
            is_member: false,
            may_record: false,
            members_record: false,
            here: "",
            print: false,
        }
    }

    /// The other language's tag, for the switch.
    pub fn other_lang(&self) -> &'static str {
        match self.tr.language {
            Language::En => "cy",
            Language::Cy => "en",
        }
    }
}

/// The bank's name as its journal opened it.
pub async fn bank_name(state: &AppState) -> String {
    state.read(|store| Ok(store.profile().ok().flatten().map(|p| p.name).unwrap_or_default())).await.unwrap_or_default()
}

/// A template rendered as a page, or a plain 500 if it will not render.
pub fn page(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a console page did not render");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page did not render; the node's log says why").into_response()
        }
    }
}

/// A plain error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub message: String,
}

/// The error page saying message `id`, in the visitor's language.
pub async fn error_page(state: &AppState, visitor: &Visitor, status: StatusCode, id: &str) -> Response {
    let chrome = Chrome::of(state, visitor, "").await;
    let message = visitor.tr.t(id);
    page(status, &ErrorPage { chrome, message })
}

/// The refusal of a coordinator's page or form, if it must be refused:
/// the visitor may not record, or the form's CSRF token (`csrf`, for a
/// form) is not this session's.
pub async fn coordinators_only(state: &AppState, visitor: &Visitor, csrf: Option<&str>) -> Option<Response> {
    if !visitor.role().may_record() {
        return Some(error_page(state, visitor, StatusCode::FORBIDDEN, "error-forbidden").await);
    }
    if csrf.is_some_and(|given| !csrf_ok(visitor, given)) {
        return Some(error_page(state, visitor, StatusCode::FORBIDDEN, "form-expired").await);
    }
    None
}

/// Whether a form's CSRF token is this session's.
pub fn csrf_ok(visitor: &Visitor, given: &str) -> bool {
    tokens_match(&visitor.session.csrf, given)
}

/// Whether a pre-session form's token (`given`) is the one in its
/// [`FORM_COOKIE`] (the double submit of the sign-in and link forms).
pub fn form_token_ok(headers: &HeaderMap, given: &str) -> bool {
    tokens_match(&cookie(headers, FORM_COOKIE).unwrap_or_default(), given)
}

/// Whether two tokens are the same, neither empty; compared as blake3
/// hashes, whose `==` takes constant time.
fn tokens_match(expected: &str, given: &str) -> bool {
    !expected.is_empty() && !given.is_empty() && blake3::hash(expected.as_bytes()) == blake3::hash(given.as_bytes())
}

#[derive(Deserialize)]
pub struct LanguageForm {
    pub csrf: String,
    pub language: String,
}

/// `POST /language`: the signed-in person's language, remembered on their account.
pub async fn set_language(State(state): State<AppState>, visitor: Visitor, Form(form): Form<LanguageForm>) -> Response {
    if !csrf_ok(&visitor, &form.csrf) {
        return error_page(&state, &visitor, StatusCode::FORBIDDEN, "form-expired").await;
    }
    let Some(language) = Language::from_tag(&form.language) else {
        return Redirect::to("/").into_response();
    };
    let accounts = state.accounts.clone();
    let name = visitor.account.name.clone();
    match tokio::task::spawn_blocking(move || accounts.set_language(&name, language)).await {
        Ok(Ok(())) => Redirect::to("/").into_response(),
        _ => error_page(&state, &visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await,
    }
}

/// The language cookie for someone choosing a language before signing in.
pub fn language_cookie(state: &AppState, language: Language) -> HeaderValue {
    set_cookie(state, LANGUAGE_COOKIE, language.tag(), Some(LANGUAGE_COOKIE_SECONDS), false)
}
