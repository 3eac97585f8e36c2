//! Signing and verifying: a message signed by a key the fuzzer picks, for a
//! federation and kind it picks, then changed the way the fuzzer says.
//! Properties: the untouched message verifies, with its signer, kind and
//! body; it survives its wire encoding; and after any change (a byte of the
//! wire bytes, of the envelope or of the signature; bytes cut off or added;
//! another federation; another key's signature; another kind) it never
//! verifies for the federation it was signed for.
#![no_main]

use amser_protocol::signing::{bank_id, sign, FederationId, MessageKind, SignedMessage};
use ed25519_dalek::{Signer, SigningKey};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Change {
    /// XOR one byte of the wire encoding (the position wraps).
    WireByte { at: usize, xor: u8 },
    /// XOR one byte of the envelope.
    EnvelopeByte { at: usize, xor: u8 },
    /// XOR one byte of the signature.
    SignatureByte { at: usize, xor: u8 },
    /// Insert bytes into the wire encoding.
    WireInsert { at: usize, bytes: Vec<u8> },
    /// Cut the wire encoding short.
    WireTruncate { keep: usize },
    /// Verify for another federation.
    Federation { name: String },
    /// Another key signs the same envelope bytes (the signer field still names the first key).
    OtherKey { seed: [u8; 32] },
    /// The same envelope, signed for another kind's domain prefix.
    OtherKindSignature { kind: u8 },
}

#[derive(Debug, Arbitrary)]
struct Input {
    seed: [u8; 32],
    kind: u8,
    federation: String,
    body: Vec<u8>,
    change: Change,
}

fn xor_at(bytes: &mut [u8], at: usize, xor: u8) -> bool {
    if bytes.is_empty() || xor == 0 {
        return false;
    }
    let n = bytes.len();
    bytes[at % n] ^= xor;
    true
}

/// The bytes a signature covers (as `signing.rs` builds them; checked against it above).
fn domain(kind: MessageKind, envelope: &[u8]) -> Vec<u8> {
    let mut out = format!("amser/v1/{}\0", kind.name()).into_bytes();
    out.extend_from_slice(envelope);
    out
}

fn refused(message: &SignedMessage, federation: FederationId, what: &str) {
    assert!(message.verify(federation).is_err(), "a message verified after {what}: {message:?}");
}

fn refused_wire(wire: &[u8], federation: FederationId, what: &str) {
    if let Ok(message) = SignedMessage::from_bytes(wire) {
        refused(&message, federation, what);
    }
}

fuzz_target!(|input: Input| {
    let Some(kind) = MessageKind::from_byte(input.kind % 4 + 1) else { unreachable!() };
    let key = SigningKey::from_bytes(&input.seed);
    let federation = FederationId::from_name(&input.federation);
    let message = sign(&key, kind, federation, input.body.clone()).expect("any body signs");
    let verified = message.verify(federation).expect("a message verifies as signed");
    assert_eq!((verified.kind, verified.signer, &verified.body), (kind, bank_id(&key), &input.body));
    let wire = message.to_bytes().expect("a signed message encodes");
    assert_eq!(SignedMessage::from_bytes(&wire).as_ref(), Ok(&message));

    match input.change {
        Change::WireByte { at, xor } => {
            let mut wire = wire;
            if xor_at(&mut wire, at, xor) {
                refused_wire(&wire, federation, "a changed wire byte");
            }
        }
        Change::EnvelopeByte { at, xor } => {
            let mut changed = message.clone();
            if xor_at(&mut changed.envelope, at, xor) {
                refused(&changed, federation, "a changed envelope byte");
            }
        }
        Change::SignatureByte { at, xor } => {
            let mut changed = message.clone();
            if xor_at(&mut changed.signature, at, xor) {
                refused(&changed, federation, "a changed signature byte");
            }
        }
        Change::WireInsert { at, bytes } => {
            if !bytes.is_empty() {
                let mut wire = wire;
                let at = at % (wire.len() + 1);
                wire.splice(at..at, bytes);
                refused_wire(&wire, federation, "bytes inserted");
            }
        }
        Change::WireTruncate { keep } => {
            let keep = keep % wire.len();
            refused_wire(&wire[..keep], federation, "cutting the message short");
        }
        Change::Federation { name } => {
            if name != input.federation {
                refused(&message, FederationId::from_name(&name), "a change of federation");
            }
        }
        Change::OtherKey { seed } => {
            let other = SigningKey::from_bytes(&seed);
            if other.verifying_key() != key.verifying_key() {
                let prefixed = domain(kind, &message.envelope);
                let genuine = SignedMessage { envelope: message.envelope.clone(), signature: key.sign(&prefixed).to_bytes().to_vec() };
                assert!(genuine.verify(federation).is_ok(), "the test's signed bytes are not the protocol's");
                let forged = SignedMessage { envelope: message.envelope.clone(), signature: other.sign(&prefixed).to_bytes().to_vec() };
                refused(&forged, federation, "a signature by another key");
            }
        }
        Change::OtherKindSignature { kind: other } => {
            let Some(other) = MessageKind::from_byte(other % 4 + 1) else { unreachable!() };
            if other != kind {
                let forged = SignedMessage {
                    envelope: message.envelope.clone(),
                    signature: key.sign(&domain(other, &message.envelope)).to_bytes().to_vec(),
                };
                refused(&forged, federation, "a signature over another kind's domain");
            }
        }
    }
});
