//! An import file as rows of trimmed cells, each with the line it starts on.
//! Takes what spreadsheets and TimeOverflow write: a UTF-8 byte order mark,
//! CRLF line ends, quoted cells with commas or line breaks in them, and `;`
//! between cells where a spreadsheet in a Spanish or Catalan locale saved
//! it. Blank lines are skipped. Bounded by [`MAX_IMPORT_BYTES`] and
//! [`MAX_IMPORT_ROWS`] before anything is kept.

use super::problem::{Problem, Reason};
use super::{MAX_IMPORT_BYTES, MAX_IMPORT_ROWS};

/// The byte order mark a spreadsheet puts before UTF-8 text.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One row of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The line of the file the row starts on, from 1.
    pub line: u64,
    pub cells: Vec<String>,
}

impl Row {
    /// Cell `i`, or "" past the row's end.
    pub fn cell(&self, i: usize) -> &str {
        self.cells.get(i).map(String::as_str).unwrap_or("")
    }
}

/// The rows of a file, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub rows: Vec<Row>,
}

/// Reads a file's bytes into rows, or the one problem that stops it being read.
pub fn read(bytes: &[u8]) -> Result<Table, Problem> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(Problem::at(0, Reason::TooLarge { bytes: bytes.len(), max: MAX_IMPORT_BYTES }));
    }
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::at(0, Reason::Empty));
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter(bytes)).from_reader(bytes);
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    // Lines are counted here from byte offsets: the csv crate counts records, not line ends.
    let mut lines = LineCounter { bytes, offset: 0, line: 1 };
    loop {
        let start = reader.position().byte();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let at = lines.at(e.position().map(|p| p.byte()).unwrap_or(start));
                return Err(Problem::at(at, Reason::NotCsv { detail: short_detail(&e) }));
            }
        }
        let line = lines.at(record.position().map(|p| p.byte()).unwrap_or(start));
        let mut cells = Vec::with_capacity(record.len());
        for field in record.iter() {
            let text = std::str::from_utf8(field).map_err(|_| Problem::at(line, Reason::NotUtf8))?;
            // A line break inside a quoted cell reads the same however it was sent (a form sends CRLF).
            cells.push(text.trim().replace("\r\n", "\n"));
        }
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        if rows.len() == MAX_IMPORT_ROWS {
            return Err(Problem::at(line, Reason::TooManyRows { max: MAX_IMPORT_ROWS }));
        }
        rows.push(Row { line, cells });
    }
    if rows.is_empty() {
        return Err(Problem::at(0, Reason::Empty));
    }
    Ok(Table { rows })
}

/// The line a byte offset is on, for offsets that only grow.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl LineCounter<'_> {
    fn at(&mut self, offset: u64) -> u64 {
        let mut offset = usize::try_from(offset).unwrap_or(usize::MAX).min(self.bytes.len());
        // A record's position may be on the line end before it (after a CR).
        while offset < self.bytes.len() && matches!(self.bytes[offset], b'\r' | b'\n') {
            offset += 1;
        }
        if offset > self.offset {
            self.line += self.bytes[self.offset..offset].iter().filter(|&&b| b == b'\n').count() as u64;
            self.offset = offset;
        }
        self.line
    }
}

/// `;` when the first line has more semicolons than commas outside quotes, else `,`.
fn delimiter(bytes: &[u8]) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0usize, 0usize, false);
    for &b in bytes.iter().take_while(|&&b| b != b'\n') {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas {
        b';'
    } else {
        b','
    }
}

/// The csv crate's words for what is wrong, without its position (we give the line).
fn short_detail(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not UTF-8".into(),
        _ => e.to_string().chars().take(120).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spreadsheets_bom_and_crlf_are_taken_and_quoted_commas_stay_in_their_cell() {
        let t = read(b"\xEF\xBB\xBFN,Username\r\n1,\"Jones, Mair\"\r\n\r\n2,Gwen\r\n").unwrap();
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[0].cells, ["N", "Username"]);
        assert_eq!((t.rows[1].line, t.rows[1].cell(1)), (2, "Jones, Mair"));
        assert_eq!(t.rows[2].line, 4, "the blank line is skipped but counted");
    }

    #[test]
    fn a_cell_over_two_lines_keeps_the_line_it_starts_on_and_the_next_row_its_own() {
        let t = read(b"1,\"two\nlines\"\n2,x\n").unwrap();
        assert_eq!((t.rows[0].line, t.rows[0].cell(1)), (1, "two\nlines"));
        assert_eq!(t.rows[1].line, 3);
    }

    #[test]
    fn semicolons_from_a_spanish_spreadsheet_are_taken_as_the_separator() {
        let t = read("Fecha;de;de ID\n05/04/2023;Ana, la del huerto;3\n".as_bytes()).unwrap();
        assert_eq!(t.rows[1].cells, ["05/04/2023", "Ana, la del huerto", "3"]);
    }

    #[test]
    fn an_empty_file_a_blank_one_and_a_bom_alone_are_each_empty() {
        for bytes in [&b""[..], b"\r\n \n", b"\xEF\xBB\xBF", b",,\n"] {
            assert_eq!(read(bytes).unwrap_err(), Problem::at(0, Reason::Empty), "{bytes:?}");
        }
    }

    #[test]
    fn an_oversized_file_is_refused_before_it_is_read() {
        let big = vec![b'a'; MAX_IMPORT_BYTES + 1];
        assert!(matches!(read(&big).unwrap_err().reason, Reason::TooLarge { max: MAX_IMPORT_BYTES, .. }));
    }

    #[test]
    fn too_many_rows_are_refused_naming_the_line_past_the_bound() {
        let text = "1\n".repeat(MAX_IMPORT_ROWS + 1);
        let p = read(text.as_bytes()).unwrap_err();
        assert_eq!(p, Problem::at(MAX_IMPORT_ROWS as u64 + 1, Reason::TooManyRows { max: MAX_IMPORT_ROWS }));
    }

    #[test]
    fn latin1_text_is_named_by_its_line() {
        let p = read(b"N,Username\n1,Jos\xe9\n").unwrap_err();
        assert_eq!(p, Problem::at(2, Reason::NotUtf8));
    }
}
