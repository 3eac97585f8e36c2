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
//! GET  /members/{code}/edit   POST /members/{code}/edit   POST /members/{code}/status   (coordinators)
//! GET  /exchanges/new    POST /exchanges      (coordinators)
//! GET  /my/record        POST /my/record      (members, when they record)
//! GET  /proposals        POST /proposals/{id}/confirm|decline
//! GET  /exchanges/{id}/reverse   POST /exchanges/{id}/reverse   (coordinators)
//! GET  /listings         GET  /listings/new   POST /listings   (coordinators, members for themselves)
//! GET  /listings/{id}    POST /listings/{id}/close
//! GET  /reports          GET  /reports/{table}.csv   (coordinators, viewers; ?from=&to=&print=1)
//! GET  /members/{code}/statement   (coordinators; a member their own)
//! GET  /federation       (coordinators, viewers)
//! GET  /federation/{bank}/freeze|unfreeze   POST the same (coordinators)
//! GET  /import           POST /import         (coordinators: a CSV from TimeOverflow or the generic layout)
//! GET  /members/{code}/export[.json]   GET|POST /members/{code}/erase   (coordinators)
//! GET  /assets/console.css
//! ```
//!
//! - `i18n`: the Fluent messages and the translator templates use.
//! - `web`: cookies, the signed-in person ([`web::Visitor`]), CSRF checks,
//!   the language of a request, and turning a template into a response.
//! - `sign_in`: signing in and out, and setting a password from a link.
//! - `dashboard`: the bank at a glance; `chart` draws the SVG bar charts.
//! - `exchanges`: recording an exchange (one to one, or a group event), and
//!   saying a refusal for people.
//! - `reversal`: reversing an exchange, with a reason, after a confirmation page.
//! - `reports`: the reports page, its period, CSV downloads and print view;
//!   `report_tables` makes its five tables (page and CSV) from one report.
//! - `rights`: a member's data rights from their page: everything held
//!   about them (printable, JSON) and their erasure.
//! - `statement`: a member's printable statement with running balances.
//! - `federation`: the admitted banks, their trust lines and transfers;
//!   freezing and unfreezing a line.
//! - `register`: adding a member, once however often the form is sent.
//! - `member_edit`: changing a member's register fields, pausing them, or
//!   marking them as left.
//! - `listings`: offers and requests by category, posting and closing them.
//! - `matching`: who could help with a request, and why each matched.
//! - `import`: bringing members and exchanges over from TimeOverflow or a
//!   spreadsheet: check the file (every problem by line), then import.
//! - `members`: the register: search, and one member's page, each showing
//!   only what the visitor's role may see.
//! - `names`: members' names as pages show them, and the active members
//!   the forms pick from.
//! - `proposals`: members recording their own exchanges, which wait for the
//!   other member's (or a coordinator's) confirmation.

pub mod chart;
pub mod dashboard;
pub mod exchanges;
pub mod federation;
pub mod i18n;
pub mod import;
pub mod listings;
pub mod matching;
pub mod member_edit;
pub mod members;
pub mod names;
pub mod proposals;
pub mod register;
pub mod report_tables;
pub mod reports;
pub mod reversal;
pub mod rights;
pub mod sign_in;
pub mod statement;
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
        .route("/members/{code}/edit", get(member_edit::form).post(member_edit::save))
        .route("/members/{code}/status", post(member_edit::set_status))
        .route("/exchanges/new", get(exchanges::new))
        .route("/exchanges", post(exchanges::record))
        .route("/my/record", get(proposals::new).post(proposals::propose))
        .route("/proposals", get(proposals::list))
        .route("/proposals/{id}/confirm", post(proposals::confirm))
        .route("/proposals/{id}/decline", post(proposals::decline))
        .route("/exchanges/{id}/reverse", get(reversal::confirm).post(reversal::reverse))
        .route("/listings", get(listings::list).post(listings::post))
        .route("/listings/new", get(listings::new))
        .route("/listings/{id}", get(listings::show))
        .route("/listings/{id}/close", post(listings::close))
        .route("/reports", get(reports::show))
        .route("/reports/{file}", get(reports::csv))
        .route("/members/{code}/statement", get(statement::show))
        .route("/members/{code}/export", get(rights::printable))
        .route("/members/{code}/export.json", get(rights::json))
        .route("/members/{code}/erase", get(rights::confirm).post(rights::erase))
        .route("/federation", get(federation::show))
        .route("/federation/{bank}/{change}", get(federation::confirm).post(federation::change))
        .route("/import", get(import::show).post(import::submit).layer(axum::extract::DefaultBodyLimit::max(import::MAX_IMPORT_FORM_BYTES)))
        .route("/assets/console.css", get(stylesheet))
        .layer(axum::middleware::map_response(guarded))
}

/// What every console page may load and do: its own stylesheet and forms,
/// no script at all (none is served; inline SVG charts are markup, not
/// images), no framing by another site.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The console's security headers on every answer: the policy above, no
/// MIME sniffing, no framing, and no `Referer` (a sign-in link's token is in
/// its URL and must not travel to another site).
async fn guarded(mut response: axum::response::Response) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

async fn stylesheet() -> impl axum::response::IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"), (axum::http::header::CACHE_CONTROL, "max-age=3600")], CONSOLE_CSS)
}

/// A page the console does not have: a plain 404 in the visitor's language
/// (the account's, when someone is signed in), with their navigation.
pub async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    visitor: Option<web::Visitor>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    // The router's fallback, outside the console's layer: guarded here.
    guarded(match visitor {
        Some(visitor) => web::error_page(&state, &visitor, axum::http::StatusCode::NOT_FOUND, "error-not-found").await,
        None => {
            let tr = i18n::Tr::new(web::language_of(&headers));
            let chrome = web::Chrome::public(&state, tr).await;
            web::page(axum::http::StatusCode::NOT_FOUND, &web::ErrorPage { chrome, message: tr.t("error-not-found") })
        }
    })
    .await
}
