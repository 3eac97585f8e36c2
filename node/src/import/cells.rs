//! Reading one cell: a date as TimeOverflow or a spreadsheet writes it, an
//! amount of hours, a bounded piece of text. Each failure is the
//! [`Reason`] the person will read.

use amser_protocol::text::{check, TextError};
use amser_protocol::{Minutes, ServiceDate};

use super::problem::{Column, Reason};
use amser_protocol::minutes::HoursError;

/// A date: `2023-04-05`, with or without a time and zone after it (Rails'
/// `2023-04-05 10:23:45 +0200`, ISO's `2023-04-05T10:23:45Z`), or
/// `05/04/2023` (day first, as TimeOverflow shows dates in Europe), with or
/// without a time after it. The date is taken as written, in the bank's own time.
pub fn date(column: Column, value: &str) -> Result<ServiceDate, Reason> {
    let bad = || Reason::BadDate { column, value: value.to_string() };
    let day_part = value.trim().split([' ', 'T']).next().unwrap_or("");
    let (year, month, day) = if let Some((d, rest)) = day_part.split_once('/') {
        let (m, y) = rest.split_once('/').ok_or_else(bad)?;
        (y, m, d)
    } else {
        let mut parts = day_part.splitn(3, '-');
        (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""))
    };
    let number = |s: &str, len: std::ops::RangeInclusive<usize>| len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !(number(year, 4..=4) && number(month, 1..=2) && number(day, 1..=2)) {
        return Err(bad());
    }
    let (y, m, d) = (year, month, day);
    let iso = format!("{y}-{m:0>2}-{d:0>2}");
    ServiceDate::parse(&iso).map_err(|_| bad())
}

/// An amount of hours (`1.5`, `0.25`, `2`, `1:30`; a decimal comma as a
/// spreadsheet in Spain writes it, `1,5`, too), rounded to whole minutes.
pub fn hours(value: &str) -> Result<Minutes, Reason> {
    let text = value.trim();
    let text = if text.contains(',') && !text.contains('.') { text.replace(',', ".") } else { text.to_string() };
    Minutes::parse_hours(&text).map_err(|e| match e {
        HoursError::TooPrecise(_) => Reason::TooPrecise { value: value.to_string() },
        HoursError::NotPositive => Reason::NotPositive { value: value.to_string() },
        _ => Reason::BadHours { value: value.to_string() },
    })
}

/// A text cell of at most `max` characters (empty allowed or not).
pub fn text(column: Column, value: &str, max: usize, allow_empty: bool) -> Result<String, Reason> {
    check("cell", value, max, allow_empty).map_err(|e| match e {
        TextError::TooLong { chars, max, .. } => Reason::TooLong { column, chars, max },
        TextError::Empty { .. } => Reason::Missing { column },
        _ => Reason::ControlCharacter { column },
    })?;
    Ok(value.to_string())
}

/// Whether `value` is a whole number (an id as TimeOverflow writes them).
pub fn is_number(value: &str) -> bool {
    !value.is_empty() && value.len() <= 18 && value.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_taken_as_rails_iso_and_day_first_write_them() {
        let want = ServiceDate::parse("2023-04-05").unwrap();
        for v in
            ["2023-04-05", "2023-04-05 10:23:45 +0200", "2023-04-05 22:00:00 UTC", "2023-04-05T10:23:45Z", "05/04/2023", "5/4/2023 10:00"]
        {
            assert_eq!(date(Column::Date, v), Ok(want), "{v}");
        }
    }

    #[test]
    fn a_bad_date_says_which_two_ways_to_write_it() {
        for v in ["2023-13-01", "31/02/2023", "yesterday", "04-05-23", "", "2023/04"] {
            let e = date(Column::Date, v).unwrap_err();
            assert_eq!(e, Reason::BadDate { column: Column::Date, value: v.to_string() });
            let said = e.to_string();
            assert!(said.contains("YYYY-MM-DD") && said.contains("DD/MM/YYYY"), "{said}");
        }
    }

    #[test]
    fn hours_take_two_decimals_and_a_decimal_comma_and_refuse_zero_negative_and_three_decimals() {
        assert_eq!(hours("1.5"), Ok(Minutes(90)));
        assert_eq!(hours("0.33"), Ok(Minutes(20)), "TimeOverflow rounds 20 minutes to 0.33 hours");
        assert_eq!(hours("1,25"), Ok(Minutes(75)));
        assert_eq!(hours("2.0"), Ok(Minutes(120)));
        assert_eq!(hours("0"), Err(Reason::NotPositive { value: "0".into() }));
        assert_eq!(hours("0.0"), Err(Reason::NotPositive { value: "0.0".into() }));
        assert_eq!(hours("-1.5"), Err(Reason::NotPositive { value: "-1.5".into() }));
        assert_eq!(hours("1.255"), Err(Reason::TooPrecise { value: "1.255".into() }));
        assert_eq!(hours("lots"), Err(Reason::BadHours { value: "lots".into() }));
    }
}
