//! The import page (`GET /import`, `POST /import`), for coordinators:
//! bring members, then exchanges, over from TimeOverflow or the generic
//! layout (DESIGN.md §1d). The file is uploaded (multipart) or its text
//! pasted; "Check the file" is the dry run and lists every problem by line
//! in the visitor's language; the text of the file comes back in the paste
//! box, so a line can be put right there and checked again; "Import" runs
//! the same checks and writes only when there is no problem. The work is
//! [`crate::api::import::run`], the API's own.

use askama::Template;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::i18n::{Arg, Tr};
use super::web::{coordinators_only, error_page, page, Chrome, Visitor};
use crate::api::AppState;
use crate::import::problem::{Column, Layout, Reason};
use crate::import::{Format, Kind, Problem, MAX_IMPORT_BYTES};
use crate::model::ImportReport;

/// The largest form the page takes: the file three times over (a pasted
/// file is URL-encoded), and room for the fields around it.
pub const MAX_IMPORT_FORM_BYTES: usize = 3 * MAX_IMPORT_BYTES + 64 * 1024;
/// Bytes in a megabyte, to say the file's limit to people.
const BYTES_PER_MB: usize = 1024 * 1024;

/// What the form was filled in with.
#[derive(Deserialize, Default, Clone)]
pub struct ImportForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub format: String,
    /// `check` (the dry run) or `import`.
    #[serde(default)]
    pub step: String,
    /// The file's text, pasted (or put back after a check).
    #[serde(default)]
    pub csv: String,
    /// The uploaded file, if one was chosen.
    #[serde(skip)]
    pub file: Vec<u8>,
}

/// One row of the "beyond today's limits" table.
pub struct BeyondRow {
    pub name: String,
    pub code: String,
    pub balance: String,
    pub limits: String,
}

/// One member of a members file, as the page lists them.
pub struct MemberRow {
    pub line: u64,
    pub number: String,
    pub name: String,
    pub code: String,
}

/// What a check or an import found, said for people.
pub struct Outcome {
    pub heading: String,
    pub summary: Vec<String>,
    pub problems_title: Option<String>,
    pub problems: Vec<String>,
    pub beyond: Vec<BeyondRow>,
    pub members: Vec<MemberRow>,
    /// The label of the import button, when a clean check offers it.
    pub import_label: Option<String>,
    pub imported: bool,
}

#[derive(Template)]
#[template(path = "import.html")]
pub struct ImportPage {
    pub chrome: Chrome,
    pub form: ImportForm,
    pub file_hint: String,
    pub problem: Option<String>,
    pub outcome: Option<Outcome>,
}

/// `GET /import`.
pub async fn show(State(state): State<AppState>, visitor: Visitor) -> Response {
    if let Some(refused) = coordinators_only(&state, &visitor, None).await {
        return refused;
    }
    let form = ImportForm { kind: "members".into(), format: "timeoverflow".into(), ..ImportForm::default() };
    render(&state, &visitor, StatusCode::OK, form, None, None).await
}

/// `POST /import`: a check or an import, from an upload or pasted text.
pub async fn submit(State(state): State<AppState>, visitor: Visitor, request: Request) -> Response {
    if let Some(refused) = coordinators_only(&state, &visitor, None).await {
        return refused;
    }
    let tr = visitor.tr;
    let Some(mut form) = read_form(&state, request).await else {
        let chrome = Chrome::of(&state, &visitor, "import").await;
        let problem = tr.with("import-too-large", &[("max", Arg::Number((MAX_IMPORT_BYTES / BYTES_PER_MB) as i64))]);
        return page(
            StatusCode::PAYLOAD_TOO_LARGE,
            &ImportPage { chrome, form: ImportForm::default(), file_hint: file_hint(tr), problem: Some(problem), outcome: None },
        );
    };
    if let Some(refused) = coordinators_only(&state, &visitor, Some(&form.csrf)).await {
        return refused;
    }
    let kind = if form.kind == "exchanges" { Kind::Exchanges } else { Kind::Members };
    let format = if form.format == "generic" { Format::Generic } else { Format::Timeoverflow };
    let bytes = if form.file.is_empty() { form.csv.clone().into_bytes() } else { std::mem::take(&mut form.file) };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return render(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, form, Some(tr.t("import-choose-file")), None).await;
    }
    // The file's text goes back in the paste box, to be put right there.
    if let Ok(text) = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes)) {
        form.csv = text.to_string();
    }
    let dry_run = form.step != "import";
    match crate::api::import::run(&state, kind, format, bytes, dry_run, &visitor.account.name).await {
        Ok(report) => {
            let status = if report.problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            let outcome = outcome(tr, &report);
            render(&state, &visitor, status, form, None, Some(outcome)).await
        }
        Err(e) if e.status.is_server_error() && e.code == "storage_failed" => {
            error_page(&state, &visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await
        }
        Err(e) => {
            let problem = tr.t1("import-stopped", "detail", e.code);
            render(&state, &visitor, e.status, form, Some(problem), None).await
        }
    }
}

/// "A CSV file of at most 4 MB", in the visitor's language.
fn file_hint(tr: Tr) -> String {
    tr.with("import-file-hint", &[("max", Arg::Number((MAX_IMPORT_BYTES / BYTES_PER_MB) as i64))])
}

async fn render(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    form: ImportForm,
    problem: Option<String>,
    outcome: Option<Outcome>,
) -> Response {
    let chrome = Chrome::of(state, visitor, "import").await;
    page(status, &ImportPage { chrome, form, file_hint: file_hint(visitor.tr), problem, outcome })
}

/// The form from a multipart upload or a URL-encoded post; `None` when it is too large.
async fn read_form(state: &AppState, request: Request) -> Option<ImportForm> {
    let multipart =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        return match Form::<ImportForm>::from_request(request, state).await {
            Ok(Form(form)) => Some(form),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => None,
            Err(_) => Some(ImportForm::default()),
        };
    }
    let mut form = ImportForm::default();
    let Ok(mut parts) = Multipart::from_request(request, state).await else { return Some(form) };
    loop {
        let field = match parts.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Some(form),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return None,
            Err(_) => return Some(form),
        };
        let name = field.name().unwrap_or("").to_string();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return None,
            Err(_) => return Some(form),
        };
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "csrf" => form.csrf = text(),
            "kind" => form.kind = text(),
            "format" => form.format = text(),
            "step" => form.step = text(),
            "csv" => form.csv = text(),
            "file" => form.file = bytes.to_vec(),
            _ => {}
        }
    }
}

/// Hours to two decimals, as the page shows them.
fn hours(minutes: i64) -> String {
    format!("{:.2}", minutes as f64 / 60.0)
}

/// A report said for people.
fn outcome(tr: Tr, r: &ImportReport) -> Outcome {
    let count = |id: &str, n: usize| tr.n(id, n);
    let checked = r.dry_run || !r.problems.is_empty();
    let mut summary = match (r.kind, checked) {
        (Kind::Members, true) => vec![count("import-new-members", r.new), count("import-already-members", r.already)],
        (Kind::Members, false) => vec![count("import-added-members", r.new), count("import-already-members", r.already)],
        (Kind::Exchanges, true) => vec![count("import-new-exchanges", r.new), count("import-already-exchanges", r.already)],
        (Kind::Exchanges, false) => vec![count("import-recorded-exchanges", r.new), count("import-already-exchanges", r.already)],
    };
    if let Some(f) = &r.fund {
        summary.push(match &f.code {
            Some(code) if !f.new || !checked => tr.with("import-fund", &[("name", Arg::Text(&f.name)), ("code", Arg::Text(code))]),
            _ => tr.t1("import-fund-new", "name", &f.name),
        });
    }
    let total = r.problems.len() + r.more_problems;
    let mut problems: Vec<String> = r.problems.iter().map(|p| problem(tr, p)).collect();
    if r.more_problems > 0 {
        problems.push(tr.n("import-more-problems", r.more_problems));
    }
    let beyond = r
        .beyond_limits
        .iter()
        .map(|b| BeyondRow {
            name: b.name.clone(),
            code: b.code.clone().unwrap_or_default(),
            balance: hours(b.balance_minutes),
            limits: tr
                .with("import-limits-value", &[("min", Arg::Text(&hours(b.floor_minutes))), ("max", Arg::Text(&hours(b.ceiling_minutes)))]),
        })
        .collect();
    let members = r
        .members
        .iter()
        .map(|m| MemberRow {
            line: m.line,
            number: m.source.split_once(':').map(|(_, n)| n.to_string()).unwrap_or_default(),
            name: m.name.clone(),
            code: m.code.clone().unwrap_or_default(),
        })
        .collect();
    let import_label = (r.dry_run && r.problems.is_empty() && r.new > 0).then(|| match r.kind {
        Kind::Members => tr.n("import-go-members", r.new),
        Kind::Exchanges => tr.n("import-go-exchanges", r.new),
    });
    Outcome {
        heading: tr.t(if checked { "import-checked" } else { "import-done" }),
        summary,
        problems_title: (total > 0).then(|| tr.n("import-problems-title", total)),
        problems,
        beyond,
        members,
        import_label,
        imported: !checked,
    }
}

/// One problem, with its line, in the visitor's language.
pub fn problem(tr: Tr, p: &Problem) -> String {
    let text = reason(tr, &p.reason);
    if p.line == 0 {
        tr.t1("import-whole-file", "detail", &text)
    } else {
        tr.with("import-line", &[("count", Arg::Number(p.line as i64)), ("detail", Arg::Text(&text))])
    }
}

fn column(tr: Tr, c: Column) -> String {
    tr.t(match c {
        Column::Id => "import-column-id",
        Column::Name => "import-column-name",
        Column::Kind => "import-column-kind",
        Column::Contact => "import-column-contact",
        Column::Joined => "import-column-joined",
        Column::Date => "import-column-date",
        Column::Provider => "import-column-provider",
        Column::Receiver => "import-column-receiver",
        Column::Hours => "import-column-hours",
        Column::Category => "import-column-category",
        Column::Note => "import-column-note",
    })
}

fn layout(tr: Tr, l: Layout) -> String {
    tr.t(match l {
        Layout::TimeoverflowMembers => "import-layout-timeoverflow-members",
        Layout::TimeoverflowTransfers => "import-layout-timeoverflow-transfers",
        Layout::GenericMembers => "import-layout-generic-members",
        Layout::GenericExchanges => "import-layout-generic-exchanges",
    })
}

/// Why a line cannot be imported, in the visitor's language.
pub fn reason(tr: Tr, r: &Reason) -> String {
    let n = |v: usize| Arg::Number(v as i64);
    let detail = |id: &str, value: &str| tr.t1(id, "detail", value);
    let in_column =
        |id: &str, key: &str, value: &str, c: Column| tr.with(id, &[(key, Arg::Text(value)), ("field", Arg::Text(&column(tr, c)))]);
    match r {
        Reason::Empty => tr.t("import-empty"),
        Reason::NoRows => tr.t("import-no-rows"),
        Reason::TooLarge { max, .. } => tr.with("import-too-large", &[("max", n(max / BYTES_PER_MB))]),
        Reason::TooManyRows { max } => tr.with("import-too-many-rows", &[("max", n(*max))]),
        Reason::NotUtf8 => tr.t("import-not-utf8"),
        Reason::NotCsv { .. } => tr.t("import-not-csv"),
        Reason::WrongColumns { found, expected, layout: l } => {
            tr.with("import-wrong-columns", &[("total", n(*found)), ("max", n(*expected)), ("detail", Arg::Text(&layout(tr, *l)))])
        }
        Reason::BadDate { column: c, value } => in_column("import-bad-date", "detail", value, *c),
        Reason::FutureDate { value } => detail("import-future-date", value),
        Reason::BadHours { value } => detail("import-bad-hours", value),
        Reason::TooPrecise { value } => detail("import-too-precise", value),
        Reason::NotPositive { value } => detail("import-not-positive", value),
        Reason::BadId { column: c, value } => in_column("import-bad-id", "detail", value, *c),
        Reason::BankAccountAsMember => tr.t("import-bank-account-as-member"),
        Reason::NoLongerThere { column: c, value } => in_column("import-no-longer-there", "detail", value, *c),
        Reason::UnknownMember { column: c, id } => in_column("import-unknown-member", "code", id, *c),
        Reason::OtherBank { column: c, code } => in_column("import-other-bank", "code", code, *c),
        Reason::NotActive { column: c, code, status } => {
            let status = tr.t(if status == "left" { "status-left" } else { "status-paused" });
            tr.with(
                "import-not-active",
                &[("code", Arg::Text(code)), ("field", Arg::Text(&column(tr, *c))), ("detail", Arg::Text(&status))],
            )
        }
        Reason::SameMember { id } => tr.t1("import-same-member", "code", id),
        Reason::DuplicateId { id, first_line } => {
            tr.with("import-duplicate-id", &[("code", Arg::Text(id)), ("count", Arg::Number(*first_line as i64))])
        }
        Reason::Missing { column: c } => tr.t1("import-missing", "field", &column(tr, *c)),
        Reason::TooLong { column: c, chars, max } => {
            tr.with("import-too-long", &[("field", Arg::Text(&column(tr, *c))), ("chars", n(*chars)), ("max", n(*max))])
        }
        Reason::ControlCharacter { column: c } => tr.t1("import-control-character", "field", &column(tr, *c)),
        Reason::BadKind { value } => detail("import-bad-kind", value),
    }
}
