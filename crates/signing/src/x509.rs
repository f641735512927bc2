//! X.509 certificate decoding: only the fields apksig and `apksigner --print-certs` look at.
//! Parsing is tolerant (BER accepted) because Android accepts certificates that are not strict
//! DER and keeps their original bytes for identity: fingerprints are over the bytes as found.

use crate::crypto::{self, HashAlg, PublicKey};
use crate::der::{self, Reader};
use serde::Serialize;
use sha2::Digest;

/// A certificate decoded enough for verification and reporting; borrows the original bytes.
#[derive(Debug, Clone)]
pub(crate) struct Cert<'a> {
    pub raw: &'a [u8],
    pub spki: &'a [u8],
    pub key: Option<PublicKey<'a>>,
    serial: &'a [u8],
    issuer: &'a [u8],
    subject: &'a [u8],
    not_before: Option<String>,
    not_after: Option<String>,
    sig_alg_oid: String,
    extensions: Option<&'a [u8]>,
}

impl<'a> Cert<'a> {
    pub fn issuer_raw(&self) -> &'a [u8] {
        self.issuer
    }
    pub fn subject_raw(&self) -> &'a [u8] {
        self.subject
    }
    pub fn serial_raw(&self) -> &'a [u8] {
        der::unsigned(self.serial)
    }
    /// First octet of the keyUsage bits (digitalSignature = 0x80, nonRepudiation = 0x40), if the
    /// extension is present.
    pub fn key_usage(&self) -> Option<u8> {
        let (seq, _) = der::read(self.extensions?)?;
        let mut r = Reader::new(seq.value);
        while let Some(ext) = r.next() {
            let mut e = Reader::new(ext.value);
            let oid = e.expect(der::OID)?;
            if oid.value != [0x55, 0x1d, 0x0f] {
                continue;
            }
            e.optional(0x01);
            let os = e.expect(der::OCTET_STRING)?;
            let (bits, _) = der::read(os.value)?;
            return Some(bits.value.get(1).copied().unwrap_or(0));
        }
        None
    }
}

/// Parses one certificate from the front of `data` (trailing bytes are ignored).
pub(crate) fn parse(data: &[u8]) -> Option<Cert<'_>> {
    let (cert, _) = der::read(data)?;
    if cert.tag != der::SEQUENCE {
        return None;
    }
    let mut cr = Reader::new(cert.value);
    let tbs = cr.expect(der::SEQUENCE)?;
    let sig_alg = cr.expect(der::SEQUENCE)?;
    cr.expect(der::BIT_STRING)?;
    let mut t = Reader::new(tbs.value);
    t.optional(0xa0);
    let serial = t.expect(der::INTEGER)?.value;
    t.expect(der::SEQUENCE)?;
    let issuer = t.expect(der::SEQUENCE)?;
    let validity = t.expect(der::SEQUENCE)?;
    let subject = t.expect(der::SEQUENCE)?;
    let spki = t.expect(der::SEQUENCE)?;
    t.optional(0x81);
    t.optional(0x82);
    let extensions = t.optional(0xa3).map(|x| x.value);
    let mut v = Reader::new(validity.value);
    let not_before = v.next().and_then(|x| time(x.tag, x.value));
    let not_after = v.next().and_then(|x| time(x.tag, x.value));
    let sig_alg_oid = Reader::new(sig_alg.value)
        .expect(der::OID)
        .map(|o| der::oid_string(o.value))
        .unwrap_or_default();
    Some(Cert {
        raw: cert.raw,
        spki: spki.raw,
        key: crypto::parse_spki(spki.raw),
        serial,
        issuer: issuer.value,
        subject: subject.value,
        not_before,
        not_after,
        sig_alg_oid,
        extensions,
    })
}

fn time(tag: u8, v: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(v).ok()?;
    let s = s.strip_suffix('Z').unwrap_or(s);
    let (year, rest) = match tag {
        0x17 => {
            let yy: u32 = s.get(0..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        0x18 => (s.get(0..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    let f = |a: usize| -> Option<u32> { rest.get(a..a + 2)?.parse().ok() };
    let sec = if rest.len() >= 10 { f(8)? } else { 0 };
    Some(format!(
        "{year:04}-{:02}-{:02}T{:02}:{:02}:{sec:02}Z",
        f(0)?,
        f(2)?,
        f(4)?,
        f(6)?
    ))
}

/// Formats a Name the way Java's `X500Principal`/`X500Name.toString()` does for apksigner:
/// RDNs most-specific first, "KEY=value" joined with ", ".
pub(crate) fn format_name(name: &[u8]) -> String {
    let mut rdns = Vec::new();
    let mut r = Reader::new(name);
    let mut guard = 0;
    while let Some(set) = r.next() {
        guard += 1;
        if guard > 256 {
            break;
        }
        let mut avas = Vec::new();
        let mut sr = Reader::new(set.value);
        while let Some(ava) = sr.next() {
            let mut ar = Reader::new(ava.value);
            let (Some(oid), Some(val)) = (ar.expect(der::OID), ar.next()) else {
                continue;
            };
            let oid = der::oid_string(oid.value);
            let key = match oid.as_str() {
                "2.5.4.3" => "CN".to_string(),
                "2.5.4.6" => "C".to_string(),
                "2.5.4.7" => "L".to_string(),
                "2.5.4.8" => "ST".to_string(),
                "2.5.4.10" => "O".to_string(),
                "2.5.4.11" => "OU".to_string(),
                "2.5.4.12" => "T".to_string(),
                "2.5.4.9" => "STREET".to_string(),
                "2.5.4.5" => "SERIALNUMBER".to_string(),
                "2.5.4.4" => "SURNAME".to_string(),
                "2.5.4.42" => "GIVENNAME".to_string(),
                "2.5.4.43" => "INITIALS".to_string(),
                "2.5.4.44" => "GENERATION".to_string(),
                "2.5.4.46" => "DNQUALIFIER".to_string(),
                "0.9.2342.19200300.100.1.25" => "DC".to_string(),
                "0.9.2342.19200300.100.1.1" => "UID".to_string(),
                "1.2.840.113549.1.9.1" => "EMAILADDRESS".to_string(),
                _ => format!("OID.{oid}"),
            };
            let text = match val.tag {
                // UTF8String, PrintableString, T61String, IA5String, VisibleString
                0x0c | 0x13 | 0x14 | 0x16 | 0x1a => {
                    Some(String::from_utf8_lossy(val.value).into_owned())
                }
                // BMPString (UTF-16BE)
                0x1e => {
                    let u: Vec<u16> = val
                        .value
                        .chunks_exact(2)
                        .map(|c| u16::from_be_bytes([c[0], c[1]]))
                        .collect();
                    Some(String::from_utf16_lossy(&u))
                }
                0x1c => None,
                _ => None,
            };
            let value = match text {
                Some(t) => quote_value(&t),
                None => format!("#{}", hex(val.raw)),
            };
            avas.push(format!("{key}={value}"));
        }
        rdns.push(avas.join(" + "));
    }
    rdns.reverse();
    rdns.join(", ")
}

fn quote_value(v: &str) -> String {
    let needs = v.is_empty()
        || v.starts_with(' ')
        || v.ends_with(' ')
        || v.chars().any(|c| ",+=\n<>#;\\\"".contains(c));
    if needs {
        let mut s = String::from("\"");
        for c in v.chars() {
            if c == '"' || c == '\\' {
                s.push('\\');
            }
            s.push(c);
        }
        s.push('"');
        s
    } else {
        v.to_string()
    }
}

pub(crate) fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    s
}

/// Facts about one certificate, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    /// SHA-256 of the certificate bytes as found (lowercase hex).
    pub sha256: String,
    pub sha1: String,
    pub md5: String,
    /// Subject DN formatted like Java's `X500Principal` ("CN=Android Debug, O=Android, C=US").
    pub subject: String,
    pub issuer: String,
    /// Serial number, hex of its two's-complement bytes.
    pub serial: String,
    /// RFC 3339 UTC.
    pub not_before: Option<String>,
    pub not_after: Option<String>,
    /// "RSA", "EC", "DSA" or "unknown".
    pub key_algorithm: String,
    pub key_size: u32,
    /// Java name of the certificate's own signature algorithm, e.g. "SHA256withRSA".
    pub signature_algorithm: String,
    /// Android debug certificate or one of AOSP's well-known test keys.
    pub debug: bool,
}

impl Cert<'_> {
    pub fn info(&self) -> CertificateInfo {
        let subject = format_name(self.subject);
        let debug = subject.contains("CN=Android Debug")
            || subject
                == "EMAILADDRESS=android@android.com, CN=Android, OU=Android, O=Android, L=Mountain View, ST=California, C=US";
        CertificateInfo {
            sha256: hex(&sha2::Sha256::digest(self.raw)),
            sha1: hex(&HashAlg::Sha1.digest(self.raw)),
            md5: hex(&HashAlg::Md5.digest(self.raw)),
            subject,
            issuer: format_name(self.issuer),
            serial: hex(der::unsigned(self.serial)),
            not_before: self.not_before.clone(),
            not_after: self.not_after.clone(),
            key_algorithm: self
                .key
                .map(|k| k.alg().name())
                .unwrap_or("unknown")
                .to_string(),
            key_size: self.key.map(|k| k.size_bits()).unwrap_or(0),
            signature_algorithm: sig_alg_name(&self.sig_alg_oid),
            debug,
        }
    }
}

fn sig_alg_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.4" => "MD5withRSA",
        "1.2.840.113549.1.1.5" => "SHA1withRSA",
        "1.2.840.113549.1.1.14" => "SHA224withRSA",
        "1.2.840.113549.1.1.11" => "SHA256withRSA",
        "1.2.840.113549.1.1.12" => "SHA384withRSA",
        "1.2.840.113549.1.1.13" => "SHA512withRSA",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.10045.4.1" => "SHA1withECDSA",
        "1.2.840.10045.4.3.1" => "SHA224withECDSA",
        "1.2.840.10045.4.3.2" => "SHA256withECDSA",
        "1.2.840.10045.4.3.3" => "SHA384withECDSA",
        "1.2.840.10045.4.3.4" => "SHA512withECDSA",
        "1.2.840.10040.4.3" => "SHA1withDSA",
        "2.16.840.1.101.3.4.3.1" => "SHA224withDSA",
        "2.16.840.1.101.3.4.3.2" => "SHA256withDSA",
        other => return other.to_string(),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: u8, v: &[u8]) -> Vec<u8> {
        let mut o = vec![tag, v.len() as u8];
        o.extend_from_slice(v);
        o
    }

    fn ava(oid: &[u8], tag: u8, val: &str) -> Vec<u8> {
        let mut seq = tlv(der::OID, oid);
        seq.extend(tlv(tag, val.as_bytes()));
        tlv(der::SET, &tlv(der::SEQUENCE, &seq))
    }

    #[test]
    fn names_print_like_java() {
        let mut name = ava(&[0x55, 4, 6], 0x13, "US");
        name.extend(ava(&[0x55, 4, 10], 0x0c, "Android"));
        name.extend(ava(&[0x55, 4, 3], 0x0c, "Android Debug"));
        assert_eq!(format_name(&name), "CN=Android Debug, O=Android, C=US");
        let odd = ava(&[0x55, 4, 3], 0x0c, "a,b");
        assert_eq!(format_name(&odd), "CN=\"a,b\"");
        let unknown = ava(&[0x2a, 3], 0x0c, "x");
        assert_eq!(format_name(&unknown), "OID.1.2.3=x");
    }

    #[test]
    fn times_are_rfc3339() {
        assert_eq!(
            time(0x17, b"491231235959Z").unwrap(),
            "2049-12-31T23:59:59Z"
        );
        assert_eq!(
            time(0x17, b"500101000000Z").unwrap(),
            "1950-01-01T00:00:00Z"
        );
        assert_eq!(
            time(0x18, b"20991231120000Z").unwrap(),
            "2099-12-31T12:00:00Z"
        );
        assert!(time(0x17, b"zz").is_none());
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(parse(&[]).is_none());
        assert!(parse(&[0x30, 0x00]).is_none());
        assert!(parse(&[0x30, 0x03, 0x30, 0x01, 0x00]).is_none());
    }
}
