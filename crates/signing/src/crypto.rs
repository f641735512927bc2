//! Digests and public-key signature verification (RSA PKCS#1 v1.5 / PSS, ECDSA P-256/384/521,
//! DSA) over keys taken from an X.509 SubjectPublicKeyInfo, with the size limits the Java
//! providers used by apksig enforce.

use crate::der::{self, Reader};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

/// RSA moduli Java accepts for signature verification.
const RSA_MIN_BITS: usize = 512;
const RSA_MAX_BITS: usize = 16384;
/// DSA primes bigger than this are refused (Java's provider stops at 3072; a margin for safety
/// without letting a hostile key make us do enormous modular exponentiations).
const DSA_MAX_P_BITS: usize = 4096;
/// DSA subgroup orders are 160, 224 or 256 bits; a bigger q only serves to make us slow.
const DSA_MAX_Q_BITS: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlg {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlg {
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Md5 => Md5::digest(data).to_vec(),
            HashAlg::Sha1 => Sha1::digest(data).to_vec(),
            HashAlg::Sha224 => Sha224::digest(data).to_vec(),
            HashAlg::Sha256 => Sha256::digest(data).to_vec(),
            HashAlg::Sha384 => Sha384::digest(data).to_vec(),
            HashAlg::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    /// Java's name as used in JAR manifests ("SHA-256") and in messages.
    pub fn java_name(self) -> &'static str {
        match self {
            HashAlg::Md5 => "MD5",
            HashAlg::Sha1 => "SHA-1",
            HashAlg::Sha224 => "SHA-224",
            HashAlg::Sha256 => "SHA-256",
            HashAlg::Sha384 => "SHA-384",
            HashAlg::Sha512 => "SHA-512",
        }
    }

    fn pkcs1_prefix(self) -> &'static [u8] {
        match self {
            HashAlg::Md5 => &[
                0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05,
                0x05, 0x00, 0x04, 0x10,
            ],
            HashAlg::Sha1 => &[
                0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
                0x14,
            ],
            HashAlg::Sha224 => &[
                0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x04, 0x05, 0x00, 0x04, 0x1c,
            ],
            HashAlg::Sha256 => &[
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x01, 0x05, 0x00, 0x04, 0x20,
            ],
            HashAlg::Sha384 => &[
                0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x02, 0x05, 0x00, 0x04, 0x30,
            ],
            HashAlg::Sha512 => &[
                0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x03, 0x05, 0x00, 0x04, 0x40,
            ],
        }
    }

    pub fn from_oid(oid: &str) -> Option<HashAlg> {
        Some(match oid {
            "1.2.840.113549.2.5" => HashAlg::Md5,
            "1.3.14.3.2.26" => HashAlg::Sha1,
            "2.16.840.1.101.3.4.2.4" => HashAlg::Sha224,
            "2.16.840.1.101.3.4.2.1" => HashAlg::Sha256,
            "2.16.840.1.101.3.4.2.2" => HashAlg::Sha384,
            "2.16.840.1.101.3.4.2.3" => HashAlg::Sha512,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlg {
    Rsa,
    Ec,
    Dsa,
}

impl KeyAlg {
    pub fn name(self) -> &'static str {
        match self {
            KeyAlg::Rsa => "RSA",
            KeyAlg::Ec => "EC",
            KeyAlg::Dsa => "DSA",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigAlg {
    RsaPkcs1(HashAlg),
    RsaPss(HashAlg),
    Ecdsa(HashAlg),
    Dsa(HashAlg),
}

impl SigAlg {
    pub fn key_alg(self) -> KeyAlg {
        match self {
            SigAlg::RsaPkcs1(_) | SigAlg::RsaPss(_) => KeyAlg::Rsa,
            SigAlg::Ecdsa(_) => KeyAlg::Ec,
            SigAlg::Dsa(_) => KeyAlg::Dsa,
        }
    }
}

/// EC curves we can verify on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
    P521,
}

/// A public key decoded from a SubjectPublicKeyInfo, borrowing the key material.
#[derive(Debug, Clone, Copy)]
pub enum PublicKey<'a> {
    Rsa {
        n: &'a [u8],
        e: &'a [u8],
    },
    Ec {
        curve: Option<Curve>,
        point: &'a [u8],
    },
    Dsa {
        p: &'a [u8],
        q: &'a [u8],
        g: &'a [u8],
        y: &'a [u8],
    },
}

impl PublicKey<'_> {
    pub fn alg(&self) -> KeyAlg {
        match self {
            PublicKey::Rsa { .. } => KeyAlg::Rsa,
            PublicKey::Ec { .. } => KeyAlg::Ec,
            PublicKey::Dsa { .. } => KeyAlg::Dsa,
        }
    }

    pub fn size_bits(&self) -> u32 {
        match self {
            PublicKey::Rsa { n, .. } => bit_len(n),
            PublicKey::Ec { curve, .. } => match curve {
                Some(Curve::P256) => 256,
                Some(Curve::P384) => 384,
                Some(Curve::P521) => 521,
                None => 0,
            },
            PublicKey::Dsa { p, .. } => bit_len(p),
        }
    }
}

fn bit_len(v: &[u8]) -> u32 {
    let v = der::unsigned(v);
    match v.first() {
        None | Some(0) => 0,
        Some(b) => (v.len() as u32 - 1) * 8 + (8 - b.leading_zeros()),
    }
}

/// Decodes a DER SubjectPublicKeyInfo.
pub fn parse_spki(spki: &[u8]) -> Option<PublicKey<'_>> {
    let (outer, _) = der::read(spki)?;
    let mut r = Reader::new(outer.value);
    let alg = r.expect(der::SEQUENCE)?;
    let bits = r.expect(der::BIT_STRING)?;
    let key = bits.value.get(1..)?;
    let mut ar = Reader::new(alg.value);
    let oid = ar.expect(der::OID)?;
    match der::oid_string(oid.value).as_str() {
        "1.2.840.113549.1.1.1" => {
            let (seq, _) = der::read(key)?;
            let mut kr = Reader::new(seq.value);
            let n = kr.expect(der::INTEGER)?.value;
            let e = kr.expect(der::INTEGER)?.value;
            Some(PublicKey::Rsa { n, e })
        }
        "1.2.840.10045.2.1" => {
            let curve =
                ar.optional(der::OID)
                    .and_then(|c| match der::oid_string(c.value).as_str() {
                        "1.2.840.10045.3.1.7" => Some(Curve::P256),
                        "1.3.132.0.34" => Some(Curve::P384),
                        "1.3.132.0.35" => Some(Curve::P521),
                        _ => None,
                    });
            Some(PublicKey::Ec { curve, point: key })
        }
        "1.2.840.10040.4.1" => {
            let params = ar.expect(der::SEQUENCE)?;
            let mut pr = Reader::new(params.value);
            let p = pr.expect(der::INTEGER)?.value;
            let q = pr.expect(der::INTEGER)?.value;
            let g = pr.expect(der::INTEGER)?.value;
            let (y, _) = der::read(key)?;
            if y.tag != der::INTEGER {
                return None;
            }
            Some(PublicKey::Dsa {
                p,
                q,
                g,
                y: y.value,
            })
        }
        _ => None,
    }
}

/// Why a signature could not be checked at all (as opposed to checked and found bad).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("public key algorithm {key} does not match signature algorithm {sig:?}")]
    KeyMismatch { key: &'static str, sig: SigAlg },
    #[error("malformed or unsupported public key")]
    BadKey,
}

/// Verifies `sig` over `message` with `key`. `Ok(false)` means the signature does not verify.
pub fn verify(
    key: &PublicKey<'_>,
    alg: SigAlg,
    message: &[u8],
    sig: &[u8],
) -> Result<bool, CryptoError> {
    if key.alg() != alg.key_alg() {
        return Err(CryptoError::KeyMismatch {
            key: key.alg().name(),
            sig: alg,
        });
    }
    match (key, alg) {
        (PublicKey::Rsa { n, e }, SigAlg::RsaPkcs1(h)) => {
            let k = rsa_key(n, e)?;
            let scheme = rsa::Pkcs1v15Sign {
                hash_len: Some(h.digest(b"").len()),
                prefix: h.pkcs1_prefix().into(),
            };
            Ok(k.verify(scheme, &h.digest(message), sig).is_ok())
        }
        (PublicKey::Rsa { n, e }, SigAlg::RsaPss(h)) => {
            let k = rsa_key(n, e)?;
            let hashed = h.digest(message);
            let ok = match h {
                HashAlg::Sha256 => k
                    .verify(rsa::pss::Pss::<Sha256>::new(), &hashed, sig)
                    .is_ok(),
                HashAlg::Sha512 => k
                    .verify(rsa::pss::Pss::<Sha512>::new(), &hashed, sig)
                    .is_ok(),
                HashAlg::Sha384 => k
                    .verify(rsa::pss::Pss::<Sha384>::new(), &hashed, sig)
                    .is_ok(),
                HashAlg::Sha224 => k
                    .verify(rsa::pss::Pss::<Sha224>::new(), &hashed, sig)
                    .is_ok(),
                HashAlg::Sha1 => k.verify(rsa::pss::Pss::<Sha1>::new(), &hashed, sig).is_ok(),
                HashAlg::Md5 => false,
            };
            Ok(ok)
        }
        (PublicKey::Ec { curve, point }, SigAlg::Ecdsa(h)) => {
            use p256::ecdsa::signature::hazmat::PrehashVerifier;
            let hashed = h.digest(message);
            match curve.ok_or(CryptoError::BadKey)? {
                Curve::P256 => {
                    let k = p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                        .map_err(|_| CryptoError::BadKey)?;
                    let Ok(s) = p256::ecdsa::Signature::from_der(sig) else {
                        return Ok(false);
                    };
                    Ok(k.verify_prehash(&hashed, &s).is_ok())
                }
                Curve::P384 => {
                    let k = p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
                        .map_err(|_| CryptoError::BadKey)?;
                    let Ok(s) = p384::ecdsa::Signature::from_der(sig) else {
                        return Ok(false);
                    };
                    Ok(k.verify_prehash(&hashed, &s).is_ok())
                }
                Curve::P521 => {
                    let k = p521::ecdsa::VerifyingKey::from_sec1_bytes(point)
                        .map_err(|_| CryptoError::BadKey)?;
                    let Ok(s) = p521::ecdsa::Signature::from_der(sig) else {
                        return Ok(false);
                    };
                    Ok(k.verify_prehash(&hashed, &s).is_ok())
                }
            }
        }
        (PublicKey::Dsa { p, q, g, y }, SigAlg::Dsa(h)) => {
            use dsa::signature::hazmat::PrehashVerifier;
            let p = der::unsigned(p);
            if p.is_empty()
                || p.len() * 8 > DSA_MAX_P_BITS
                || der::unsigned(q).len() * 8 > DSA_MAX_Q_BITS
            {
                return Err(CryptoError::BadKey);
            }
            let prec = (p.len() * 8) as u32;
            let big = |v: &[u8]| {
                let v = der::unsigned(v);
                if v.len() > p.len() {
                    return None;
                }
                rsa::BoxedUint::from_be_slice(v, prec).ok()
            };
            let (Some(pp), Some(qq), Some(gg), Some(yy)) = (big(p), big(q), big(g), big(y)) else {
                return Err(CryptoError::BadKey);
            };
            let comps = dsa::Components::from_components_unchecked(pp, qq, gg)
                .map_err(|_| CryptoError::BadKey)?;
            let k =
                dsa::VerifyingKey::from_components(comps, yy).map_err(|_| CryptoError::BadKey)?;
            // DSA signature: SEQUENCE { r INTEGER, s INTEGER }.
            let Some((seq, _)) = der::read(sig) else {
                return Ok(false);
            };
            let mut sr = Reader::new(seq.value);
            let (Some(r), Some(s)) = (sr.expect(der::INTEGER), sr.expect(der::INTEGER)) else {
                return Ok(false);
            };
            let qlen = der::unsigned(q).len() as u32 * 8;
            let (r, s) = (der::unsigned(r.value), der::unsigned(s.value));
            if r.len() * 8 > qlen as usize || s.len() * 8 > qlen as usize {
                return Ok(false);
            }
            let (Ok(r), Ok(s)) = (
                rsa::BoxedUint::from_be_slice(r, qlen),
                rsa::BoxedUint::from_be_slice(s, qlen),
            ) else {
                return Ok(false);
            };
            let Some(signature) = dsa::Signature::from_components(r, s) else {
                return Ok(false);
            };
            Ok(k.verify_prehash(&h.digest(message), &signature).is_ok())
        }
        _ => Err(CryptoError::BadKey),
    }
}

fn rsa_key(n: &[u8], e: &[u8]) -> Result<rsa::PublicKey, CryptoError> {
    let n = der::unsigned(n);
    let e = der::unsigned(e);
    if n.is_empty() || e.is_empty() || n.len() * 8 > RSA_MAX_BITS || e.len() > n.len() {
        return Err(CryptoError::BadKey);
    }
    let prec = (n.len() * 8) as u32;
    let nn = rsa::BoxedUint::from_be_slice(n, prec).map_err(|_| CryptoError::BadKey)?;
    let ee = rsa::BoxedUint::from_be_slice(e, prec).map_err(|_| CryptoError::BadKey)?;
    rsa::PublicKey::new_with_size_limits(nn, ee, RSA_MIN_BITS..=RSA_MAX_BITS)
        .map_err(|_| CryptoError::BadKey)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ec_spki_and_rejects_mismatch() {
        // SEQUENCE { SEQUENCE { ecPublicKey, prime256v1 }, BIT STRING { 04 || x || y } }
        let alg = [
            0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
            0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
        ];
        let mut bits = vec![0x03, 66, 0x00, 0x04];
        bits.extend([1u8; 64]);
        let mut body = alg.to_vec();
        body.extend(bits);
        let mut spki = vec![0x30, body.len() as u8];
        spki.extend(body);
        let k = parse_spki(&spki).unwrap();
        assert_eq!(k.alg(), KeyAlg::Ec);
        assert_eq!(k.size_bits(), 256);
        // Not a point on the curve: a key error, not a panic.
        assert_eq!(
            verify(&k, SigAlg::Ecdsa(HashAlg::Sha256), b"m", b"s"),
            Err(CryptoError::BadKey)
        );
        assert!(matches!(
            verify(&k, SigAlg::RsaPkcs1(HashAlg::Sha256), b"m", b"s"),
            Err(CryptoError::KeyMismatch { .. })
        ));
        assert!(parse_spki(&[0x30, 0x00]).is_none());
    }

    #[test]
    fn digest_lengths_and_prefixes() {
        for h in [
            HashAlg::Md5,
            HashAlg::Sha1,
            HashAlg::Sha224,
            HashAlg::Sha256,
            HashAlg::Sha384,
            HashAlg::Sha512,
        ] {
            let d = h.digest(b"abc");
            assert_eq!(*h.pkcs1_prefix().last().unwrap() as usize, d.len());
        }
        assert_eq!(
            HashAlg::from_oid("2.16.840.1.101.3.4.2.1"),
            Some(HashAlg::Sha256)
        );
    }
}
