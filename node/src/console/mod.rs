//! The coordinator's web console, served by the node on the API's listener
//! (DESIGN.md §1c): server-rendered HTML (askama templates, auto-escaped,
//! under `node/templates`), every page usable without JavaScript, in Welsh
//! and English, for the bank's accounts (coordinator, viewer, member).
//!
//! ```text
//! GET  /                 → the dashboard, or the sign-in page
//! GET  /sign-in          POST /sign-in        POST /sign-out
//! GET  /welcome/{token}  POST /welcome/{token}   (set a password from a one-time link)
//! POST /language         (the signed-in person's language)
//! GET  /members          GET  /members/{code}
//! GET  /members/new      POST /members        (coordinators)
//! GET  /exchanges/new    POST /exchanges      (coordinators)
//! GET  /import           POST /import         (coordinators: a CSV from TimeOverflow or the generic layout)
//! GET  /assets/console.css
//! ```
//!
//! - `i18n`: the Fluent messages and the translator templates use.
//! - `web`: cookies, the signed-in person ([`web::Visitor`]), CSRF checks,
//!   the language of a request, and turning a template into a response.
//! - `sign_in`: signing in and out, and setting a password from a link.
//! - `dashboard`: the bank at a glance; `chart` draws its SVG bar chart.
//! - `exchanges`: recording an exchange, and saying a refusal for people.
//! - `register`: adding a member, once however often the form is sent.
//! - `import`: bringing members and exchanges over from TimeOverflow or a
//!   spreadsheet: check the file (every problem by line), then import.
//! - `members`: the register: search, and one member's page, each showing
//!   only what the visitor's role may see.

pub mod chart;
pub mod dashboard;
pub mod exchanges;
pub mod i18n;
pub mod import;
pub mod members;
pub mod register;
pub mod sign_in;
pub mod web;

use axum::routing::{get, post};
use axum::Router;

use crate::api::AppState;

/// The console's stylesheet, compiled into the binary.
const CONSOLE_CSS: &str = include_str!("../../assets/console.css");

/// The console's routes (the API's are under `/api/v1`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::show))
        .route("/sign-in", get(sign_in::form).post(sign_in::submit))
        .route("/sign-out", post(sign_in::sign_out))
        .route("/welcome/{token}", get(sign_in::welcome_form).post(sign_in::welcome_submit))
        .route("/language", post(web::set_language))
        .route("/members", get(members::list).post(register::add))
        .route("/members/new", get(register::new))
        .route("/members/{code}", get(members::show))
        .route("/exchanges/new", get(exchanges::new))
        .route("/exchanges", post(exchanges::record))
        .route("/import", get(import::show).post(import::submit).layer(axum::extract::DefaultBodyLimit::max(import::MAX_IMPORT_FORM_BYTES)))
        .route("/assets/console.css", get(stylesheet))
}

async fn stylesheet() -> impl axum::response::IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"), (axum::http::header::CACHE_CONTROL, "max-age=3600")], CONSOLE_CSS)
}

/// A page the console does not have: a plain 404 in the visitor's language.
pub async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    let tr = i18n::Tr::new(web::language_of(&headers));
    let chrome = web::Chrome::public(&state, tr).await;
    web::page(axum::http::StatusCode::NOT_FOUND, &web::ErrorPage { chrome, message: tr.t("error-not-found") })
}
