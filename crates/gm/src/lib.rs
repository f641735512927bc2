//! China's national ("ShangMi", 商密) cryptography for MedShield: SM2 signatures, SM3 hashing and
//! SM4-GCM authenticated encryption.
//!
//! The platform must use GM algorithms for anything it signs or encrypts for Chinese deployments,
//! so this crate is the single place that touches them. It is a thin, opinionated layer over the
//! RustCrypto implementations (`sm2`, `sm3`, `sm4`, and `aes-gcm`'s generic GCM mode), chosen so
//! that callers cannot pick a wrong parameter:
//!
//! * **SM3** ([`sm3()`], [`Sm3Hasher`], [`hmac_sm3`]) — GB/T 32905-2016.
//! * **SM2 signatures** ([`SigningKey`], [`VerifyingKey`]) — GB/T 32918.2-2016. Signatures are the
//!   fixed 64-byte `r || s` form (each a 32-byte big-endian integer), not ASN.1 DER: it is always
//!   the same length (DER is 70–72 bytes and varies), has exactly one encoding per signature (no
//!   DER leniency questions), and keeps tokens such as authorization codes short.
//!   [`signature_to_der`]/[`signature_from_der`] convert for tools that speak DER (OpenSSL).
//!   Every call takes the signer's distinguishing ID explicitly because SM2 hashes it into the
//!   signed digest (the `Z_A` value): a signature only verifies under the same ID, so protocols
//!   should fix their own ID rather than rely on [`DEFAULT_DISTID`].
//!   Signing is deterministic (RFC 6979-style nonce from an SM3 HMAC-DRBG over key and message),
//!   so a weak system RNG can never leak the private key through a repeated nonce.
//! * **Key identifiers** ([`VerifyingKey::key_id`]) — the first 8 bytes of SM3 over the public
//!   key's SubjectPublicKeyInfo DER, as 16 lowercase hex digits. Tokens carry it so a verifier
//!   holding several keys (current and retired ones, during rotation) picks the right one without
//!   trying each; 64 bits is plenty to tell a handful of platform keys apart, and it is derived from
//!   the key itself, so nobody has to keep a separate numbering in sync.
//! * **SM4-GCM** ([`Sm4GcmKey`]) — SM4 (GB/T 32907-2016) in GCM mode with a 96-bit nonce and a
//!   128-bit tag, as in RFC 8998. Sealed output is `nonce(12) || ciphertext || tag(16)` with a fresh
//!   random nonce per message, so callers never manage nonces.
//!
//! Keys travel as PEM: private keys as PKCS#8 (`-----BEGIN PRIVATE KEY-----`), public keys as
//! SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`), both with the `id-ecPublicKey` algorithm
//! and the SM2 curve OID 1.2.156.10197.1.301 — the form OpenSSL 3 reads and writes.
//!
//! Randomness comes from the operating system (getrandom) and its failure is reported as
//! [`GmError::Rng`] rather than a panic. No function here panics on malformed input.

mod hash;
mod sig;
mod sm4gcm;

pub use hash::{hmac_sm3, sm3, Sm3Hasher};
pub use sig::{
    signature_from_der, signature_to_der, SigningKey, VerifyingKey, DEFAULT_DISTID, SIGNATURE_LEN,
};
pub use sm4gcm::{Sm4GcmKey, SM4_GCM_NONCE_LEN, SM4_GCM_OVERHEAD, SM4_GCM_TAG_LEN};

/// Errors from GM operations. The variants are deliberately coarse where finer detail would help
/// an attacker (a failed decryption never says whether the key, the AAD or the data was wrong).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GmError {
    /// The operating system's random number generator failed.
    #[error("system random number generator failed")]
    Rng,
    /// A private key could not be parsed or is not an SM2 key.
    #[error("invalid SM2 private key")]
    PrivateKey,
    /// A public key could not be parsed, is not an SM2 key, or is not a valid curve point.
    #[error("invalid SM2 public key")]
    PublicKey,
    /// Encoding a key as PKCS#8/SPKI failed.
    #[error("key encoding failed")]
    Encoding,
    /// SM2 hashes the distinguishing ID's length in bits into 16 bits, so at most 8191 bytes.
    #[error("SM2 distinguishing ID is {0} bytes; at most 8191 are allowed")]
    DistIdTooLong(usize),
    /// A signature is not 64 bytes, not valid DER, or has r or s outside `[1, n-1]`.
    #[error("malformed SM2 signature")]
    MalformedSignature,
    /// The signature is well-formed but does not verify for this key, ID and message.
    #[error("SM2 signature does not verify")]
    BadSignature,
    /// A sealed SM4-GCM message is shorter than nonce plus tag.
    #[error("sealed message too short ({0} bytes)")]
    SealedTooShort(usize),
    /// SM4-GCM authentication failed: wrong key, wrong AAD, or tampered data.
    #[error("SM4-GCM authentication failed")]
    Decrypt,
    /// The plaintext or AAD is beyond GCM's length limits.
    #[error("input too long for SM4-GCM")]
    Encrypt,
}

/// Fill an array with bytes from the operating system's RNG (for ids, salts, keys).
pub fn random_bytes<const N: usize>() -> Result<[u8; N], GmError> {
    use sm2::elliptic_curve::Generate;
    <[u8; N]>::try_generate().map_err(|_| GmError::Rng)
}

/// Lowercase hex, used for key ids and digests in logs and tokens.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}
