//! MedShield authorization codes (授权码): compact, URL-safe, SM2-signed tokens that tell a
//! protected app which registered app, package, signing certificate, version, unit and region it
//! was licensed for, and for how long.
//!
//! # Format
//!
//! ```text
//! MSAC1.<base64url(payload)>.<base64url(signature)>
//! ```
//!
//! * `MSAC1` names the format and its version. A future format gets a new prefix instead of
//!   optional fields, so a verifier never has to guess how to read a token.
//! * `payload` is canonical JSON of [`Claims`]: keys in sorted order, no whitespace, no other
//!   fields. [`Claims`] declares its fields alphabetically so serde writes them sorted, and
//!   [`verify`] re-serializes the claims and rejects a payload that differs byte for byte: every
//!   claim set has exactly one valid encoding, which keeps tokens comparable and leaves no
//!   parser-disagreement tricks (duplicate keys, odd escapes) for anyone to play with.
//! * `signature` is SM2 (GB/T 32918.2) over the ASCII bytes `MSAC1.<payload_b64>` — the exact
//!   text of the first two parts, so the verifier checks what it received, not a re-encoding —
//!   with distinguishing ID [`DISTID`], in the fixed 64-byte `r || s` form (86 base64url
//!   characters; DER would vary in length and add bytes for nothing).
//!
//! Base64url is unpadded and strict (non-zero trailing bits are rejected), so a token has
//! exactly one spelling; the whole token is at most [`MAX_TOKEN_LEN`] bytes and longer input is
//! rejected before any decoding.
//!
//! # Keys and rotation
//!
//! `kid` inside the payload is the signer's key id ([`medshield_gm::VerifyingKey::key_id`]: the
//! first 8 bytes of SM3 over its SubjectPublicKeyInfo). A [`Keyring`] holds every public key the
//! platform has signed with, including retired ones: after a rotation, codes issued under the old
//! key keep working until they expire, and the verifier picks the right key by `kid` instead of
//! trying them all. Drop a retired key from the keyring once the longest-lived code it signed
//! has expired (or at once, if the key is compromised — that invalidates all its codes).
//!
//! # Revocation is not in the token
//!
//! A signed token cannot un-sign itself. Revoking a code before `exp` (refund, leaked code,
//! unit decommissioned) is the platform's job: it keeps a revocation list of `jti` values (or of
//! `app_id`/`unit` pairs) and checks it after [`verify`] succeeds. `jti` is random per code for
//! exactly that purpose. [`verify`] answers only "did our key sign this, and is it within its
//! validity window now".
//!
//! # Example
//!
//! ```
//! use medshield_authcode::{issue, verify, Claims, Keyring};
//! use medshield_gm::SigningKey;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = SigningKey::generate()?;
//! let claims = Claims {
//!     app_id: "app-1".into(),
//!     cert_sha256: "00".repeat(32),
//!     exp: 1_800_000_000,
//!     iat: 1_700_000_000,
//!     jti: Claims::new_jti()?,
//!     kid: key.key_id().to_owned(),
//!     package: "com.example.app".into(),
//!     region: "440100".into(),
//!     unit: "unit-1".into(),
//!     version: "1.0".into(),
//! };
//! let token = issue(&claims, &key)?;
//!
//! let mut keyring = Keyring::new();
//! keyring.insert(key.verifying_key().clone());
//! assert_eq!(verify(&token, &keyring, 1_750_000_000)?, claims);
//! # Ok(())
//! # }
//! ```
//!
//! # Time
//!
//! A code is valid for `iat <= now < exp` (unix seconds). The caller passes `now`, so tests and
//! offline verifiers control the clock; a verifier that must tolerate clock skew adjusts `now`
//! itself.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use medshield_gm::{GmError, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Token prefix: format name and version.
pub const PREFIX: &str = "MSAC1";

/// SM2 distinguishing ID for authorization-code signatures. A signature made for any other
/// protocol (with another ID) can never verify as an authorization code, even under the same key.
pub const DISTID: &str = "MedShield-AuthCode";

/// Longest token accepted (8 KiB). Real codes are around 500 bytes; the cap bounds the work an
/// attacker can make a verifier do.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

/// Length of an SM2 `r || s` signature.
const SIG_LEN: usize = 64;

/// The signed claims of an authorization code.
///
/// Fields are declared in alphabetical order on purpose: serde serializes struct fields in
/// declaration order, and the canonical payload needs sorted keys. Do not reorder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    /// Platform id of the registered app.
    pub app_id: String,
    /// SHA-256 of the app's signing certificate, 64 lowercase hex digits: binds the code to the
    /// developer's signing key, not just the package name (which anyone can reuse).
    pub cert_sha256: String,
    /// Expiry, unix seconds (exclusive).
    pub exp: i64,
    /// Issued-at / not-before, unix seconds (inclusive).
    pub iat: i64,
    /// Random unique id of this code, for the platform's revocation list.
    pub jti: String,
    /// Key id of the signing key.
    pub kid: String,
    /// Android package name.
    pub package: String,
    /// Region code where the code applies.
    pub region: String,
    /// Id of the unit (hospital/department) the code was issued to.
    pub unit: String,
    /// Registered version, `major.minor`.
    pub version: String,
}

/// Why a token was not accepted (or could not be issued).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthCodeError {
    /// Not a well-formed `MSAC1` token (wrong shape, bad base64 or JSON, non-canonical payload,
    /// invalid claim values, too long). The reason is for logs, not for end users.
    #[error("malformed authorization code: {0}")]
    Malformed(&'static str),
    /// Well-formed, but signed by a key id this keyring does not hold.
    #[error("authorization code signed by unknown key {0:?}")]
    UnknownKey(String),
    /// The signature does not verify under the key named by `kid`.
    #[error("authorization code signature does not verify")]
    BadSignature,
    /// Signature valid, but `now >= exp`.
    #[error("authorization code expired at {exp} (now {now})")]
    Expired {
        /// The code's `exp`.
        exp: i64,
        /// The time it was checked at.
        now: i64,
    },
    /// Signature valid, but `now < iat`.
    #[error("authorization code not valid before {iat} (now {now})")]
    NotYetValid {
        /// The code's `iat`.
        iat: i64,
        /// The time it was checked at.
        now: i64,
    },
    /// [`issue`] was given claims it would not be able to verify later.
    #[error("cannot issue authorization code: {0}")]
    InvalidClaims(&'static str),
    /// [`issue`]: `claims.kid` is not the signing key's id.
    #[error("claims name key {claims_kid:?} but the signing key is {key_kid:?}")]
    KeyMismatch {
        /// `kid` in the claims.
        claims_kid: String,
        /// Id of the key passed to `issue`.
        key_kid: String,
    },
    /// The cryptography layer failed (system RNG).
    #[error(transparent)]
    Crypto(#[from] GmError),
}

impl Claims {
    /// A fresh random `jti`: 16 bytes from the system RNG, base64url (22 characters).
    pub fn new_jti() -> Result<String, AuthCodeError> {
        Ok(URL_SAFE_NO_PAD.encode(medshield_gm::random_bytes::<16>()?))
    }

    /// Check the claim values themselves (formats and window), independent of any key.
    pub fn validate(&self) -> Result<(), &'static str> {
        for (value, what) in [
            (&self.app_id, "app_id is empty"),
            (&self.package, "package is empty"),
            (&self.unit, "unit is empty"),
            (&self.region, "region is empty"),
            (&self.jti, "jti is empty"),
            (&self.kid, "kid is empty"),
        ] {
            if value.is_empty() {
                return Err(what);
            }
        }
        let hex_ok = self.cert_sha256.len() == 64
            && self
                .cert_sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !hex_ok {
            return Err("cert_sha256 is not 64 lowercase hex digits");
        }
        if !is_major_minor(&self.version) {
            return Err("version is not \"major.minor\"");
        }
        if self.exp <= self.iat {
            return Err("exp is not after iat");
        }
        Ok(())
    }
}

/// `x.y` with both parts non-empty decimal digits.
fn is_major_minor(v: &str) -> bool {
    match v.split_once('.') {
        Some((major, minor)) => [major, minor]
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit())),
        None => false,
    }
}

/// Sign `claims` with `key` and return the token.
///
/// Refuses claims that [`verify`] would reject as malformed, a `kid` that is not `key`'s id,
/// and results longer than [`MAX_TOKEN_LEN`]: mistakes surface here, at the issuer, rather
/// than as codes that silently never work.
pub fn issue(claims: &Claims, key: &SigningKey) -> Result<String, AuthCodeError> {
    claims.validate().map_err(AuthCodeError::InvalidClaims)?;
    if claims.kid != key.key_id() {
        return Err(AuthCodeError::KeyMismatch {
            claims_kid: claims.kid.clone(),
            key_kid: key.key_id().to_owned(),
        });
    }
    let payload = serde_json::to_vec(claims)
        .map_err(|_| AuthCodeError::InvalidClaims("claims do not serialize"))?;
    let mut token = format!("{PREFIX}.{}", URL_SAFE_NO_PAD.encode(payload));
    let sig = key.sign(token.as_bytes(), DISTID)?;
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(sig));
    if token.len() > MAX_TOKEN_LEN {
        return Err(AuthCodeError::InvalidClaims(
            "token would exceed MAX_TOKEN_LEN",
        ));
    }
    Ok(token)
}

/// The public keys an authorization code may be signed with, by key id: the current signing
/// key and every retired one whose codes may still be unexpired.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    keys: BTreeMap<String, VerifyingKey>,
}

impl Keyring {
    /// An empty keyring.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a key under its own key id; returns the key previously held under that id, if any.
    pub fn insert(&mut self, key: VerifyingKey) -> Option<VerifyingKey> {
        self.keys.insert(key.key_id().to_owned(), key)
    }

    /// Add a key from SPKI PEM; returns its key id.
    pub fn insert_pem(&mut self, pem: &str) -> Result<String, GmError> {
        let key = VerifyingKey::from_public_key_pem(pem)?;
        let kid = key.key_id().to_owned();
        self.insert(key);
        Ok(kid)
    }

    /// Remove the key with id `kid` (all its codes stop verifying).
    pub fn remove(&mut self, kid: &str) -> Option<VerifyingKey> {
        self.keys.remove(kid)
    }

    /// The key with id `kid`.
    pub fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.get(kid)
    }

    /// Key ids held, sorted.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the keyring holds no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl FromIterator<VerifyingKey> for Keyring {
    fn from_iter<I: IntoIterator<Item = VerifyingKey>>(iter: I) -> Self {
        let mut ring = Self::new();
        for key in iter {
            ring.insert(key);
        }
        ring
    }
}

/// Check a token's format, signature and validity window at unix time `now`; on success return
/// its claims. Revocation (the platform's `jti` list) is for the caller to check afterwards.
pub fn verify(token: &str, keyring: &Keyring, now: i64) -> Result<Claims, AuthCodeError> {
    use AuthCodeError::Malformed;

    // Size first, before any allocation or decoding proportional to the input.
    if token.len() > MAX_TOKEN_LEN {
        return Err(Malformed("longer than MAX_TOKEN_LEN"));
    }
    let mut parts = token.split('.');
    let (Some(prefix), Some(payload_b64), Some(sig_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Malformed("not three dot-separated parts"));
    };
    if prefix != PREFIX {
        return Err(Malformed("unknown prefix"));
    }
    let payload = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .map_err(|_| Malformed("payload is not base64url"))?;
    let sig = URL_SAFE_NO_PAD
        .decode(sig_b64)
        .map_err(|_| Malformed("signature is not base64url"))?;
    if sig.len() != SIG_LEN {
        return Err(Malformed("signature is not 64 bytes"));
    }
    // The payload has to be read before the signature is checked, to learn which key to check
    // it with; serde_json is bounded by the size cap above and does not panic on bad input.
    let claims: Claims =
        serde_json::from_slice(&payload).map_err(|_| Malformed("payload is not claims JSON"))?;
    let key = keyring
        .get(&claims.kid)
        .ok_or_else(|| AuthCodeError::UnknownKey(claims.kid.clone()))?;
    let signed = &token[..prefix.len() + 1 + payload_b64.len()];
    key.verify(signed.as_bytes(), DISTID, &sig)
        .map_err(|_| AuthCodeError::BadSignature)?;

    // Authentic from here on; still insist on the one canonical encoding and valid values, so
    // an issuer bug cannot create a second dialect of tokens that the field then depends on.
    let canonical =
        serde_json::to_vec(&claims).map_err(|_| Malformed("claims do not re-serialize"))?;
    if canonical != payload {
        return Err(Malformed("payload is not canonical JSON"));
    }
    claims.validate().map_err(Malformed)?;

    if now < claims.iat {
        return Err(AuthCodeError::NotYetValid {
            iat: claims.iat,
            now,
        });
    }
    if now >= claims.exp {
        return Err(AuthCodeError::Expired {
            exp: claims.exp,
            now,
        });
    }
    Ok(claims)
}
