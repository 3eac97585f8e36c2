//! What can be wrong with an import file, each as a type: the line it is on
//! (0 for the file as a whole) and a [`Reason`] that says what to fix. The
//! CLI and the API print the English of `Display`; the console says each
//! reason in the visitor's language from its own Fluent messages.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// One problem, on one line of the file (line 0: the whole file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Error)]
#[error("line {line}: {reason}")]
pub struct Problem {
    pub line: u64,
    pub reason: Reason,
}

impl Problem {
    pub fn at(line: u64, reason: Reason) -> Problem {
        Problem { line, reason }
    }
}

/// Which column of a row a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Id,
    Name,
    Kind,
    Contact,
    Joined,
    Date,
    /// Who gave the time (TimeOverflow's `to`).
    Provider,
    /// Who received it (TimeOverflow's `from`).
    Receiver,
    Hours,
    Category,
    Note,
}

impl std::fmt::Display for Column {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Column::Id => "id",
            Column::Name => "name",
            Column::Kind => "kind",
            Column::Contact => "contact",
            Column::Joined => "joined",
            Column::Date => "date",
            Column::Provider => "the giver's id ('to ID')",
            Column::Receiver => "the receiver's id ('from ID')",
            Column::Hours => "hours ('quantity')",
            Column::Category => "category",
            Column::Note => "note",
        })
    }
}

/// Which layout a file was read as, to say what its columns should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    TimeoverflowMembers,
    TimeoverflowTransfers,
    GenericMembers,
    GenericExchanges,
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Layout::TimeoverflowMembers => {
                "TimeOverflow's members export has 5 columns (N, Username, Email, Phone, Alt. phone), or 9 or 16 in its longer forms"
            }
            Layout::TimeoverflowTransfers => {
                "TimeOverflow's transfers export has 9 columns: Date, from, from ID, to, to ID, post, post ID, Reason, quantity"
            }
            Layout::GenericMembers => "the generic members layout has 5 columns: id, name, kind, contact, joined",
            Layout::GenericExchanges => "the generic exchanges layout has 6 columns: date, giver, receiver, hours, category, note",
        })
    }
}

/// Why a line (or the file) cannot be imported, and so what to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Error)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    #[error("the file is empty: export it again from the old system")]
    Empty,
    #[error("the file holds a header row and nothing else: export it again with its rows")]
    NoRows,
    #[error("the file is {bytes} bytes, more than the {max} taken at once: split it into smaller files and import each")]
    TooLarge { bytes: usize, max: usize },
    #[error("the file has more than {max} rows: split it into smaller files and import each")]
    TooManyRows { max: usize },
    #[error("this line is not UTF-8 text: save the file as \"CSV UTF-8\" and try again")]
    NotUtf8,
    #[error("this line is not CSV ({detail}): check its quotes")]
    NotCsv { detail: String },
    #[error("this line has {found} columns where {expected} were expected: {layout}")]
    WrongColumns { found: usize, expected: usize, layout: Layout },
    #[error("'{value}' is not a date: write it as 2023-04-05 (YYYY-MM-DD, a time after it is fine) or as 05/04/2023 (DD/MM/YYYY)")]
    BadDate { column: Column, value: String },
    #[error("{value} is in the future: history can only be of days gone by")]
    FutureDate { value: String },
    #[error("'{value}' is not an amount of hours: write hours as a number above zero with at most 2 decimal places, like 1.5")]
    BadHours { value: String },
    #[error("'{value}' has more than 2 decimal places: write hours like 1.25")]
    TooPrecise { value: String },
    #[error("the hours must be more than zero (they are '{value}')")]
    NotPositive { value: String },
    #[error(
        "'{value}' is not a member id in {column}: write the old system's number, 0 for the bank's own account, or an Amser member code"
    )]
    BadId { column: Column, value: String },
    #[error("0 is the bank's own account in TimeOverflow, not a member: leave that row out of the members file")]
    BankAccountAsMember,
    #[error("TimeOverflow exported the member in {column} as '{value}', so who it was is not in the file: reactivate them in TimeOverflow and export again, or write their Amser member code there")]
    NoLongerThere { column: Column, value: String },
    #[error("member '{id}' ({column}) is not in the register: import the members file first, or write their Amser member code")]
    UnknownMember { column: Column, id: String },
    #[error("member {code} ({column}) belongs to another bank: history can only be imported between this bank's members")]
    OtherBank { column: Column, code: String },
    #[error("member {code} ({column}) is {status} now: make them active again before importing their history")]
    NotActive { column: Column, code: String, status: String },
    #[error("the same member gives and receives: '{id}' cannot pay themselves")]
    SameMember { id: String },
    #[error("id '{id}' is already on line {first_line}: each member once")]
    DuplicateId { id: String, first_line: u64 },
    #[error("{column} is empty: every member needs one")]
    Missing { column: Column },
    #[error("{column} is {chars} characters long, at most {max} are taken: shorten it")]
    TooLong { column: Column, chars: usize, max: usize },
    #[error("{column} holds a control character: use plain text")]
    ControlCharacter { column: Column },
    #[error("'{value}' is not a kind of member: use person, agency or group (or leave it empty for a person)")]
    BadKind { value: String },
}
