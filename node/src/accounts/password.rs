//! Passwords: argon2id with the crate's default parameters (19 MiB, two
//! passes), a random salt each, stored as PHC strings. Hashing is slow on
//! purpose, so callers run it off the async threads.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;

use super::AccountError;

/// The shortest password accepted (NCSC guidance: length over rules).
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest (argon2 takes any length; this bounds the work per attempt).
pub const MAX_PASSWORD_CHARS: usize = 200;

/// Checks a new password's length.
pub fn check_new(password: &str) -> Result<(), AccountError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AccountError::PasswordTooShort { min: MIN_PASSWORD_CHARS });
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AccountError::PasswordTooLong { max: MAX_PASSWORD_CHARS });
    }
    Ok(())
}

/// The PHC string of `password` (argon2id, random salt).
pub fn hash(password: &str) -> Result<String, AccountError> {
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| AccountError::Hashing(e.to_string()))
}

/// Whether `password` is the one `phc` was made from.
pub fn verify(password: &str, phc: &str) -> bool {
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return false;
    }
    PasswordHash::new(phc).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let phc = hash("cwm rhondda hymn").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify("cwm rhondda hymn", &phc));
        assert!(!verify("cwm rhondda hymN", &phc));
        assert!(!verify("cwm rhondda hymn", "not a hash"));
        assert_ne!(hash("cwm rhondda hymn").unwrap(), phc, "a fresh salt each time");
        assert!(matches!(check_new("short"), Err(AccountError::PasswordTooShort { .. })));
    }
}
