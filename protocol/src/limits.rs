//! Every size bound of the protocol, in one list. A value over a bound is
//! refused with an error that names the bound.

/// Most bytes one journal entry may take when encoded.
pub const MAX_ENTRY_BYTES: usize = 64 * 1024;
/// Most bytes of a signed journal head's body (bank, seq, hash, time).
pub const MAX_JOURNAL_HEAD_BYTES: usize = 1024;
/// How far past the newest head its peers hold a recovering bank numbers
/// its next entry: room for heads a peer that is away now may have seen
/// (a bank gossips at most a few heads a second), so that no seq is ever
/// signed with two contents.
pub const RECOVERY_SEQ_MARGIN: u64 = 1_000;
/// Most bytes of one signed message (envelope plus signature); matches
/// gossipsub's default `max_transmit_size` so nothing we sign is dropped there.
pub const MAX_SIGNED_MESSAGE_BYTES: usize = 64 * 1024;
/// Most characters in a member's or bank's display name.
pub const MAX_NAME_CHARS: usize = 200;
/// Most characters in a short free-text field (contact, availability, category, skill).
pub const MAX_SHORT_TEXT_CHARS: usize = 500;
/// Most characters in a long free-text field (note, special needs).
pub const MAX_LONG_TEXT_CHARS: usize = 4000;
/// Most skills or needs listed for one member.
pub const MAX_TAGS: usize = 50;
/// Most providers plus receivers in one exchange (a group event).
pub const MAX_PARTIES: usize = 500;
/// Most characters of a client's idempotency reference for an exchange.
pub const MAX_CLIENT_REF_CHARS: usize = 64;
/// Minutes in a day: the default most one person may give in one exchange.
pub const MINUTES_PER_DAY: i64 = 24 * 60;
/// The largest amount, in minutes, the parser accepts at all (a year of hours);
/// anything larger is certainly a typing mistake.
pub const MAX_PARSE_MINUTES: i64 = 366 * MINUTES_PER_DAY;
