//! The signer: an ECDSA P-256 key and its self-signed X.509 v3 certificate (ecdsa-with-SHA256),
//! both derived deterministically from a 32-byte seed.

use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use sha2::{Digest, Sha256};

use crate::der::{self, seq, tlv, SEQUENCE, SET};
use crate::GenError;

/// The certificate's subject (and issuer: it is self-signed), printed by Java as
/// `CN=…, O=…, C=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub common_name: String,
    pub organization: String,
    /// Two-letter country code.
    pub country: String,
}

impl Subject {
    /// A subject in China (`C=CN`).
    pub fn new(common_name: &str, organization: &str) -> Subject {
        Subject {
            common_name: common_name.to_owned(),
            organization: organization.to_owned(),
            country: "CN".to_owned(),
        }
    }
}

/// Certificate validity, in seconds since the Unix epoch (UTC). No clock is read here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub not_before: i64,
    pub not_after: i64,
}

impl Default for Validity {
    /// 2024-01-01T00:00:00Z for 30 years, like a long-lived release key.
    fn default() -> Validity {
        let start = 1_704_067_200;
        Validity {
            not_before: start,
            not_after: start + 30 * 365 * 86_400 + 7 * 86_400,
        }
    }
}

/// A signing key with its certificate.
#[derive(Clone)]
pub struct SignerKey {
    key: SigningKey,
    spki: Vec<u8>,
    certificate: Vec<u8>,
}

impl std::fmt::Debug for SignerKey {
    // The private key stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignerKey")
            .field("certificate_sha256", &self.certificate_sha256())
            .finish_non_exhaustive()
    }
}

const OID_EC_PUBLIC_KEY: &[u64] = &[1, 2, 840, 10045, 2, 1];
const OID_PRIME256V1: &[u64] = &[1, 2, 840, 10045, 3, 1, 7];
const OID_ECDSA_SHA256: &[u64] = &[1, 2, 840, 10045, 4, 3, 2];
const OID_COUNTRY: &[u64] = &[2, 5, 4, 6];
const OID_ORGANIZATION: &[u64] = &[2, 5, 4, 10];
const OID_COMMON_NAME: &[u64] = &[2, 5, 4, 3];
const OID_SUBJECT_KEY_ID: &[u64] = &[2, 5, 29, 14];
/// Longest subject attribute accepted (X.520's upper bound for CN and O).
const MAX_NAME_CHARS: usize = 64;

/// `days` since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// RFC 5280 time: UTCTime for 1950–2049, GeneralizedTime otherwise.
fn x509_time(secs: i64) -> Result<Vec<u8>, GenError> {
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let (h, mi, se) = (s / 3600, (s / 60) % 60, s % 60);
    if !(1950..=9999).contains(&y) {
        return Err(GenError::InvalidSpec(format!(
            "certificate date in year {y} cannot be encoded"
        )));
    }
    Ok(if y < 2050 {
        let t = format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{se:02}Z", y % 100);
        tlv(der::UTC_TIME, t.as_bytes())
    } else {
        let t = format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{se:02}Z");
        tlv(der::GENERALIZED_TIME, t.as_bytes())
    })
}

fn rdn(oid: &[u64], tag: u8, value: &str) -> Vec<u8> {
    seq(
        SET,
        &[&seq(
            SEQUENCE,
            &[&der::oid(oid), &tlv(tag, value.as_bytes())],
        )],
    )
}

fn name(s: &Subject) -> Result<Vec<u8>, GenError> {
    let bad = |m: &str| GenError::InvalidSpec(format!("certificate subject: {m}"));
    if s.country.len() != 2 || !s.country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(bad("country must be two upper-case letters"));
    }
    for v in [&s.common_name, &s.organization] {
        if v.is_empty() || v.chars().count() > MAX_NAME_CHARS {
            return Err(bad("CN and O must have 1 to 64 characters"));
        }
    }
    // Most general first, so that Java prints "CN=…, O=…, C=CN".
    Ok(seq(
        SEQUENCE,
        &[
            &rdn(OID_COUNTRY, der::PRINTABLE_STRING, &s.country),
            &rdn(OID_ORGANIZATION, der::UTF8_STRING, &s.organization),
            &rdn(OID_COMMON_NAME, der::UTF8_STRING, &s.common_name),
        ],
    ))
}

impl SignerKey {
    /// A key and certificate from `seed`, valid for [`Validity::default`].
    pub fn generate(subject: &Subject, seed: &[u8; 32]) -> Result<SignerKey, GenError> {
        SignerKey::generate_with_validity(subject, Validity::default(), seed)
    }

    /// A key and certificate from `seed` with an explicit validity.
    pub fn generate_with_validity(
        subject: &Subject,
        validity: Validity,
        seed: &[u8; 32],
    ) -> Result<SignerKey, GenError> {
        if validity.not_after < validity.not_before {
            return Err(GenError::InvalidSpec(
                "certificate not_after before not_before".into(),
            ));
        }
        // Hash the seed into a scalar; retry in the (astronomically unlikely) case it is zero or
        // not below the group order.
        let mut key = None;
        for counter in 0u8..=255 {
            let mut h = Sha256::new();
            h.update(b"medshield-apkgen signer key");
            h.update(seed);
            h.update([counter]);
            if let Ok(k) = SigningKey::from_slice(&h.finalize()) {
                key = Some(k);
                break;
            }
        }
        let key = key.ok_or_else(|| GenError::Crypto("no valid scalar from seed".into()))?;
        // Uncompressed (0x04 || X || Y), as Android's keystore writes it.
        let point = key.verifying_key().to_sec1_point(false);
        let point = point.as_bytes();
        let mut bits = vec![0u8];
        bits.extend_from_slice(point);
        let spki = seq(
            SEQUENCE,
            &[
                &seq(
                    SEQUENCE,
                    &[&der::oid(OID_EC_PUBLIC_KEY), &der::oid(OID_PRIME256V1)],
                ),
                &tlv(der::BIT_STRING, &bits),
            ],
        );
        // Serial: 8 bytes derived from the seed, positive and non-zero.
        let mut serial = Sha256::new();
        serial.update(b"medshield-apkgen serial");
        serial.update(seed);
        let serial = serial.finalize();
        let mut serial_bytes = [0u8; 8];
        serial_bytes.copy_from_slice(&serial[..8]);
        serial_bytes[0] = (serial_bytes[0] & 0x7f) | 0x01;
        let key_id = sha1::Sha1::digest(point);
        let extensions = tlv(
            0xa3,
            &seq(
                SEQUENCE,
                &[&seq(
                    SEQUENCE,
                    &[
                        &der::oid(OID_SUBJECT_KEY_ID),
                        &tlv(der::OCTET_STRING, &tlv(der::OCTET_STRING, &key_id)),
                    ],
                )],
            ),
        );
        let alg = seq(SEQUENCE, &[&der::oid(OID_ECDSA_SHA256)]);
        let dn = name(subject)?;
        let tbs = seq(
            SEQUENCE,
            &[
                &tlv(0xa0, &der::uint(&[2])), // version v3
                &der::uint(&serial_bytes),
                &alg,
                &dn,
                &seq(
                    SEQUENCE,
                    &[
                        &x509_time(validity.not_before)?,
                        &x509_time(validity.not_after)?,
                    ],
                ),
                &dn,
                &spki,
                &extensions,
            ],
        );
        let sig: Signature = key.sign(&tbs);
        let mut sig_bits = vec![0u8];
        sig_bits.extend_from_slice(sig.to_der().as_bytes());
        let certificate = seq(SEQUENCE, &[&tbs, &alg, &tlv(der::BIT_STRING, &sig_bits)]);
        Ok(SignerKey {
            key,
            spki,
            certificate,
        })
    }

    /// The certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }

    /// SHA-256 of the certificate, lowercase hex (what `apksigner` prints as the signer digest).
    pub fn certificate_sha256(&self) -> String {
        Sha256::digest(&self.certificate)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The public key as SubjectPublicKeyInfo DER.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki
    }

    /// ECDSA-SHA256 over `data`, DER-encoded (deterministic, RFC 6979).
    pub fn sign(&self, data: &[u8]) -> Vec<u8> {
        let sig: Signature = self.key.sign(data);
        sig.to_der().as_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(x509_time(1_704_067_200).unwrap()[2..], *b"240101000000Z");
        assert_eq!(x509_time(2_556_144_000).unwrap()[2..], *b"20510101000000Z");
        assert!(x509_time(-1_000_000_000_000).is_err());
    }

    #[test]
    fn subject_checked() {
        let mut s = Subject::new("x", "y");
        s.country = "China".into();
        assert!(SignerKey::generate(&s, &[0; 32]).is_err());
        assert!(SignerKey::generate(&Subject::new("", "y"), &[0; 32]).is_err());
    }
}
