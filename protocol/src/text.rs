//! Checks on free text that people type: bounded length, no control characters.

use thiserror::Error;

/// Free text that failed a check; the message names the field and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextError {
    #[error("{field} is too long: {chars} characters, at most {max} are allowed")]
    TooLong { field: &'static str, chars: usize, max: usize },
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} contains a control character; use plain text")]
    ControlCharacter { field: &'static str },
    #[error("too many {field}: {count}, at most {max} are allowed")]
    TooMany { field: &'static str, count: usize, max: usize },
}

/// Checks a text field: at most `max` characters, no control characters
/// except newline and tab in long fields.
pub fn check(field: &'static str, value: &str, max: usize, allow_empty: bool) -> Result<(), TextError> {
    let chars = value.chars().count();
    if chars > max {
        return Err(TextError::TooLong { field, chars, max });
    }
    if !allow_empty && value.trim().is_empty() {
        return Err(TextError::Empty { field });
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(TextError::ControlCharacter { field });
    }
    Ok(())
}

/// Checks a list of short tags (skills, needs).
pub fn check_tags(field: &'static str, tags: &[String], max_each: usize) -> Result<(), TextError> {
    if tags.len() > crate::limits::MAX_TAGS {
        return Err(TextError::TooMany { field, count: tags.len(), max: crate::limits::MAX_TAGS });
    }
    for tag in tags {
        check(field, tag, max_each, false)?;
    }
    Ok(())
}
