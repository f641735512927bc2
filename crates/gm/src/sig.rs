//! SM2 digital signatures (GB/T 32918.2-2016) with 64-byte `r || s` signatures.

use crate::{hash::sm3, to_hex, GmError};
use sm2::dsa::signature::{Signer, Verifier};
use sm2::elliptic_curve::Generate;
use sm2::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};

/// The distinguishing ID GB/T 32918 and GM/T 0009 use when a protocol does not define its own
/// (`"1234567812345678"`). OpenSSL also defaults to it for SM2 certificates.
pub const DEFAULT_DISTID: &str = "1234567812345678";

/// Length of an encoded signature: `r` and `s`, 32 big-endian bytes each.
pub const SIGNATURE_LEN: usize = 64;

/// The ID length is hashed as a 16-bit count of bits (ENTL_A), which caps IDs at 8191 bytes.
const MAX_DISTID_LEN: usize = 8191;

fn check_distid(distid: &str) -> Result<(), GmError> {
    if distid.len() > MAX_DISTID_LEN {
        return Err(GmError::DistIdTooLong(distid.len()));
    }
    Ok(())
}

/// An SM2 private key. It does not bind a distinguishing ID: the ID is chosen per call because
/// it belongs to the protocol (authorization codes, packages, ...) rather than to the key.
#[derive(Clone)]
pub struct SigningKey {
    secret: sm2::SecretKey,
    verifying: VerifyingKey,
}

impl std::fmt::Debug for SigningKey {
    // Never print key material; the key id is enough to tell keys apart in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.verifying.key_id)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh key from the operating system's RNG.
    pub fn generate() -> Result<Self, GmError> {
        let secret = sm2::SecretKey::try_generate().map_err(|_| GmError::Rng)?;
        Self::from_secret(secret)
    }

    fn from_secret(secret: sm2::SecretKey) -> Result<Self, GmError> {
        let verifying = VerifyingKey::from_public(secret.public_key())?;
        Ok(Self { secret, verifying })
    }

    /// Load from a big-endian private scalar `d` (must be in `[1, n-1]`).
    pub fn from_bytes(d: &[u8; 32]) -> Result<Self, GmError> {
        let secret = sm2::SecretKey::from_slice(d).map_err(|_| GmError::PrivateKey)?;
        Self::from_secret(secret)
    }

    /// The big-endian private scalar. Key material: handle with care.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.secret.to_bytes().into()
    }

    /// Load a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) holding an SM2 key, as written by
    /// [`Self::to_pkcs8_pem`] or `openssl genpkey -algorithm SM2`.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, GmError> {
        let secret = sm2::SecretKey::from_pkcs8_pem(pem).map_err(|_| GmError::PrivateKey)?;
        Self::from_secret(secret)
    }

    /// Load a DER-encoded PKCS#8 private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, GmError> {
        let secret = sm2::SecretKey::from_pkcs8_der(der).map_err(|_| GmError::PrivateKey)?;
        Self::from_secret(secret)
    }

    /// Unencrypted PKCS#8 PEM with LF line endings. Protect the result like the key itself.
    pub fn to_pkcs8_pem(&self) -> Result<String, GmError> {
        let pem = self
            .secret
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|_| GmError::Encoding)?;
        Ok(pem.as_str().to_owned())
    }

    /// The matching public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.verifying
    }

    /// Key id of the public half (see [`VerifyingKey::key_id`]).
    pub fn key_id(&self) -> &str {
        self.verifying.key_id()
    }

    /// SPKI PEM of the public half.
    pub fn public_key_pem(&self) -> Result<String, GmError> {
        self.verifying.public_key_pem()
    }

    /// Sign `msg` for distinguishing ID `distid`; returns `r || s` (64 bytes).
    ///
    /// Fails only for an ID longer than 8191 bytes.
    pub fn sign(&self, msg: &[u8], distid: &str) -> Result<Vec<u8>, GmError> {
        check_distid(distid)?;
        let key = sm2::dsa::SigningKey::new(distid, &self.secret)
            .map_err(|_| GmError::DistIdTooLong(distid.len()))?;
        let sig: sm2::dsa::Signature = key.try_sign(msg).map_err(|_| GmError::PrivateKey)?;
        Ok(sig.to_vec())
    }
}

/// An SM2 public key with its cached SPKI encoding and key id.
#[derive(Clone)]
pub struct VerifyingKey {
    public: sm2::PublicKey,
    spki_der: Vec<u8>,
    key_id: String,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl PartialEq for VerifyingKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki_der == other.spki_der
    }
}
impl Eq for VerifyingKey {}

impl VerifyingKey {
    fn from_public(public: sm2::PublicKey) -> Result<Self, GmError> {
        let spki_der = public
            .to_public_key_der()
            .map_err(|_| GmError::Encoding)?
            .into_vec();
        // 8 bytes = 64 bits: collisions among the few keys a platform ever holds are negligible,
        // and 16 hex digits stay short inside tokens.
        let key_id = to_hex(&sm3(&spki_der)[..8]);
        Ok(Self {
            public,
            spki_der,
            key_id,
        })
    }

    /// Load an SPKI PEM (`-----BEGIN PUBLIC KEY-----`) holding an SM2 point.
    pub fn from_public_key_pem(pem: &str) -> Result<Self, GmError> {
        let public = sm2::PublicKey::from_public_key_pem(pem).map_err(|_| GmError::PublicKey)?;
        Self::from_public(public)
    }

    /// Load a DER-encoded SubjectPublicKeyInfo.
    pub fn from_public_key_der(der: &[u8]) -> Result<Self, GmError> {
        let public = sm2::PublicKey::from_public_key_der(der).map_err(|_| GmError::PublicKey)?;
        Self::from_public(public)
    }

    /// Load a SEC1 point (`04 || x || y`, or compressed `02/03 || x`).
    pub fn from_sec1_bytes(bytes: &[u8]) -> Result<Self, GmError> {
        let public = sm2::PublicKey::from_sec1_bytes(bytes).map_err(|_| GmError::PublicKey)?;
        Self::from_public(public)
    }

    /// Uncompressed SEC1 point `04 || x || y` (65 bytes).
    pub fn to_sec1_bytes(&self) -> Vec<u8> {
        self.public.to_sec1_bytes().into_vec()
    }

    /// SubjectPublicKeyInfo DER.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// SubjectPublicKeyInfo PEM with LF line endings.
    pub fn public_key_pem(&self) -> Result<String, GmError> {
        self.public
            .to_public_key_pem(LineEnding::LF)
            .map_err(|_| GmError::Encoding)
    }

    /// First 8 bytes of SM3(SPKI DER), lowercase hex (16 characters).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Check a 64-byte `r || s` signature over `msg` made for distinguishing ID `distid`.
    pub fn verify(&self, msg: &[u8], distid: &str, signature: &[u8]) -> Result<(), GmError> {
        check_distid(distid)?;
        let sig =
            sm2::dsa::Signature::from_slice(signature).map_err(|_| GmError::MalformedSignature)?;
        let key = sm2::dsa::VerifyingKey::new(distid, self.public)
            .map_err(|_| GmError::DistIdTooLong(distid.len()))?;
        key.verify(msg, &sig).map_err(|_| GmError::BadSignature)
    }
}

/// Convert a 64-byte `r || s` signature to ASN.1 DER (`SEQUENCE { r INTEGER, s INTEGER }`), the
/// form OpenSSL and X.509 use.
pub fn signature_to_der(signature: &[u8]) -> Result<Vec<u8>, GmError> {
    let sig =
        sm2::dsa::Signature::from_slice(signature).map_err(|_| GmError::MalformedSignature)?;
    Ok(sig.to_der().to_vec())
}

/// Convert an ASN.1 DER SM2 signature to the 64-byte `r || s` form.
pub fn signature_from_der(der: &[u8]) -> Result<[u8; 64], GmError> {
    let sig = sm2::dsa::Signature::from_der(der).map_err(|_| GmError::MalformedSignature)?;
    Ok(sig.to_bytes().into())
}
