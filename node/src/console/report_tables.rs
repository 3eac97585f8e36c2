//! The reports page's five tables, made from one [`PeriodReport`]: hours
//! by month, by category and by agency, active members and new members by
//! month. Each is shown as a chart and a table in the visitor's language,
//! and downloaded as CSV (`/reports/<slug>.csv`) with its header row in
//! that language.

use amser_protocol::Minutes;

use super::chart::{self, Caption, Column};
use super::i18n::Tr;
use crate::model::PeriodReport;

/// One of the reports page's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    HoursByMonth,
    HoursByCategory,
    HoursByAgency,
    ActiveMembers,
    NewMembers,
}

/// Every table, in the order the page shows them.
pub const TABLES: [Table; 5] = [Table::HoursByMonth, Table::HoursByCategory, Table::HoursByAgency, Table::ActiveMembers, Table::NewMembers];

/// The file name ending of a table's download.
const CSV_SUFFIX: &str = ".csv";
/// Written first in every CSV file, so that spreadsheets read it as UTF-8
/// (Welsh letters such as ŵ and ŷ come out whole).
const UTF8_BOM: &str = "\u{feff}";

/// A table as the page shows it.
pub struct Shown {
    pub slug: &'static str,
    pub title: String,
    pub description: String,
    pub header: Vec<String>,
    /// Cells from this column on are figures (aligned right).
    pub figures_from: usize,
    pub rows: Vec<Vec<String>>,
    pub chart: String,
}

impl Shown {
    /// Whether a cell (by column) is a figure.
    pub fn is_figure(&self, column: &usize) -> bool {
        *column >= self.figures_from
    }
}

/// Whether a table is for people reading it or a spreadsheet.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    Page,
    Spreadsheet,
}

impl Table {
    /// Its name in links and file names.
    pub fn slug(self) -> &'static str {
        match self {
            Table::HoursByMonth => "hours-by-month",
            Table::HoursByCategory => "hours-by-category",
            Table::HoursByAgency => "hours-by-agency",
            Table::ActiveMembers => "active-members",
            Table::NewMembers => "new-members",
        }
    }

    /// The table a download's file name (`hours-by-month.csv`) names.
    pub fn of_csv_file(file: &str) -> Option<Table> {
        let slug = file.strip_suffix(CSV_SUFFIX)?;
        TABLES.into_iter().find(|t| t.slug() == slug)
    }

    /// The ids of its title and of its chart's description.
    fn message_ids(self) -> (&'static str, &'static str) {
        match self {
            Table::HoursByMonth => ("report-hours-by-month", "report-hours-by-month-desc"),
            Table::HoursByCategory => ("report-hours-by-category", "report-hours-by-category-desc"),
            Table::HoursByAgency => ("report-hours-by-agency", "report-hours-by-agency-desc"),
            Table::ActiveMembers => ("report-active-members", "report-active-members-desc"),
            Table::NewMembers => ("report-new-members", "report-new-members-desc"),
        }
    }

    /// Its header (message ids) and the column its figures start at.
    fn header_ids(self, reader: Reader) -> (Vec<&'static str>, usize) {
        let spreadsheet = reader == Reader::Spreadsheet;
        match self {
            Table::HoursByMonth if spreadsheet => (vec!["month", "hours", "report-minutes", "exchanges"], 1),
            Table::HoursByMonth => (vec!["month", "hours", "exchanges"], 1),
            Table::HoursByCategory if spreadsheet => (vec!["report-category", "hours", "report-minutes", "exchanges"], 1),
            Table::HoursByCategory => (vec!["report-category", "hours", "exchanges"], 1),
            Table::HoursByAgency if spreadsheet => (
                vec![
                    "report-agency",
                    "member-code",
                    "report-hours-given",
                    "report-minutes-given",
                    "report-hours-received",
                    "report-minutes-received",
                    "exchanges",
                ],
                2,
            ),
            Table::HoursByAgency => (vec!["report-agency", "member-code", "report-hours-given", "report-hours-received", "exchanges"], 2),
            Table::ActiveMembers => (vec!["month", "active-members"], 1),
            Table::NewMembers => (vec!["month", "report-new-members-column"], 1),
        }
    }

    /// Its rows, and a bar for each (label, full label, value, value shown).
    fn rows(self, report: &PeriodReport, tr: Tr, reader: Reader) -> (Vec<Vec<String>>, Vec<Column>) {
        let spreadsheet = reader == Reader::Spreadsheet;
        let month = |key: &str| if spreadsheet { key.to_string() } else { tr.month(key) };
        let hours = |minutes: i64| {
            let shown = Minutes(minutes).to_string();
            if spreadsheet {
                vec![shown, minutes.to_string()]
            } else {
                vec![shown]
            }
        };
        let text = |t: &str| if spreadsheet { spreadsheet_text(t) } else { t.to_string() };
        let mut rows = Vec::new();
        let mut bars = Vec::new();
        let mut bar = |label: String, full_label: String, value: i64, shown: String| bars.push(Column { label, full_label, value, shown });
        match self {
            Table::HoursByMonth => {
                for m in &report.months {
                    let mut row = vec![month(&m.month)];
                    row.extend(hours(m.given.minutes));
                    row.push(m.given.exchanges.to_string());
                    rows.push(row);
                    bar(tr.short_month(&m.month), tr.month(&m.month), m.given.minutes, Minutes(m.given.minutes).to_string());
                }
            }
            Table::HoursByCategory => {
                let mut categories: Vec<_> = report.by_category.iter().collect();
                // Most hours first; equal hours by name.
                categories.sort_by(|a, b| b.1.minutes.cmp(&a.1.minutes).then(a.0.cmp(b.0)));
                for (category, tally) in categories {
                    let mut row = vec![text(category)];
                    row.extend(hours(tally.minutes));
                    row.push(tally.exchanges.to_string());
                    rows.push(row);
                    bar(category.clone(), category.clone(), tally.minutes, Minutes(tally.minutes).to_string());
                }
            }
            Table::HoursByAgency => {
                let mut agencies: Vec<_> = report.by_agency.iter().collect();
                agencies.sort_by(|a, b| {
                    (b.minutes_given + b.minutes_received).cmp(&(a.minutes_given + a.minutes_received)).then(a.name.cmp(&b.name))
                });
                for a in agencies {
                    let mut row = vec![text(&a.name), a.code.to_string()];
                    row.extend(hours(a.minutes_given));
                    row.extend(hours(a.minutes_received));
                    row.push(a.exchanges.to_string());
                    rows.push(row);
                    let both = a.minutes_given + a.minutes_received;
                    let shown = tr.with(
                        "report-given-received",
                        &[
                            ("given", super::i18n::Arg::Text(&Minutes(a.minutes_given).to_string())),
                            ("received", super::i18n::Arg::Text(&Minutes(a.minutes_received).to_string())),
                        ],
                    );
                    bar(a.name.clone(), a.name.clone(), both, shown);
                }
            }
            Table::ActiveMembers | Table::NewMembers => {
                for m in &report.months {
                    let count = if self == Table::ActiveMembers { m.active_members } else { m.new_members };
                    rows.push(vec![month(&m.month), count.to_string()]);
                    bar(tr.short_month(&m.month), tr.month(&m.month), count as i64, count.to_string());
                }
            }
        }
        (rows, bars)
    }

    /// The table for the page, with its chart.
    pub fn shown(self, report: &PeriodReport, tr: Tr) -> Shown {
        let (title_id, description_id) = self.message_ids();
        let (title, description) = (tr.t(title_id), tr.t(description_id));
        let (header, figures_from) = self.header_ids(Reader::Page);
        let (rows, bars) = self.rows(report, tr, Reader::Page);
        let caption = Caption { id: self.slug(), title: &title, description: &description };
        let chart = match self {
            Table::HoursByCategory | Table::HoursByAgency => chart::row_chart(&caption, &bars),
            _ => chart::column_chart(&caption, &bars),
        };
        Shown { slug: self.slug(), header: header.into_iter().map(|id| tr.t(id)).collect(), figures_from, rows, chart, title, description }
    }

    /// The table as a CSV file: its header row in the visitor's language,
    /// then one row a line, escaped by the `csv` crate.
    pub fn csv(self, report: &PeriodReport, tr: Tr) -> Result<Vec<u8>, csv::Error> {
        let mut out = csv::Writer::from_writer(UTF8_BOM.as_bytes().to_vec());
        let (header, _) = self.header_ids(Reader::Spreadsheet);
        out.write_record(header.into_iter().map(|id| tr.t(id)))?;
        for row in self.rows(report, tr, Reader::Spreadsheet).0 {
            out.write_record(&row)?;
        }
        out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }

    /// The download's file name: `hours-by-month-2025-01-2025-12.csv`.
    pub fn file_name(self, report: &PeriodReport) -> String {
        format!("{}-{}-{}{CSV_SUFFIX}", self.slug(), report.from, report.to)
    }
}

/// Text a coordinator typed, made safe for a spreadsheet: a cell that
/// starts like a formula (`=`, `+`, `-`, `@`) is kept as text.
fn spreadsheet_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_found_by_its_file_name_and_formulas_stay_text() {
        for t in TABLES {
            assert_eq!(Table::of_csv_file(&format!("{}.csv", t.slug())), Some(t));
        }
        assert_eq!(Table::of_csv_file("hours-by-month"), None);
        assert_eq!(Table::of_csv_file("secrets.csv"), None);
        assert_eq!(spreadsheet_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_text("gardening"), "gardening");
    }

    #[test]
    fn every_title_and_heading_has_words_in_both_languages() {
        for t in TABLES {
            let (title, description) = t.message_ids();
            let (page, _) = t.header_ids(Reader::Page);
            let (sheet, _) = t.header_ids(Reader::Spreadsheet);
            for id in [title, description].into_iter().chain(page).chain(sheet) {
                for language in crate::accounts::Language::ALL {
                    assert_ne!(Tr::new(language).t(id), id, "{id} in {language:?}");
                }
            }
        }
    }
}
