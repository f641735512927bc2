//! JAR signing (v1) verification as apksig's `V1SchemeVerifier` performs it: MANIFEST.MF,
//! signature files (.SF) and PKCS#7 signature blocks (.RSA/.DSA/.EC), per-entry digests.

use crate::crypto::{self, HashAlg, KeyAlg, SigAlg};
use crate::der::{self, Reader};
use crate::x509::{self, Cert};

use medshield_zip::{Archive, Entry};
use std::collections::{BTreeSet, HashMap};

const MANIFEST: &str = "META-INF/MANIFEST.MF";
/// Android 4.3: first release picking the strongest digest.
const JELLY_BEAN_MR2: u32 = 18;
const KITKAT: u32 = 19;
const N: u32 = 24;
/// JAR signers we are willing to check (each costs a public-key operation); real APKs have 1-3.
const MAX_V1_SIGNERS: usize = 64;
/// Bound on manifest sections/attributes we index.
const MAX_SECTIONS: usize = 1 << 20;

/// A certificate copied out of a (possibly compressed) signature block.
#[derive(Debug, Clone)]
pub(crate) struct OwnedCert {
    pub raw: Vec<u8>,
    pub info: x509::CertificateInfo,
}

/// Result of v1 verification.
#[derive(Debug, Default)]
pub(crate) struct V1Result {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// Verified signers' certificate chains (signer certificate first), in signer order.
    pub signers: Vec<(String, Vec<OwnedCert>)>,
    pub verified: bool,
}

/// One manifest-format section: attributes in order and the exact bytes it spans.
#[derive(Debug, Clone)]
struct Section<'a> {
    bytes: &'a [u8],
    attrs: Vec<(String, String)>,
}

impl Section<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Splits manifest-format bytes into sections (main first). Line ends: CRLF, LF or CR;
/// continuation lines start with a space; an empty line ends a section.
fn parse_manifest(data: &[u8]) -> Vec<Section<'_>> {
    let mut sections = Vec::new();
    let mut pos = 0usize;
    let n = data.len();
    let mut first = true;
    while pos < n && sections.len() < MAX_SECTIONS {
        // Skip blank lines before a section (not for the main section).
        if !first {
            loop {
                let (line, next) = read_line(data, pos);
                if line.is_empty() && next > pos && next <= n {
                    pos = next;
                    if pos >= n {
                        break;
                    }
                } else {
                    break;
                }
            }
            if pos >= n {
                break;
            }
        }
        let start = pos;
        let mut attrs: Vec<(String, String)> = Vec::new();
        loop {
            if pos >= n {
                break;
            }
            let (line, next) = read_line(data, pos);
            pos = next;
            if line.is_empty() {
                break;
            }
            if line[0] == b' ' {
                if let Some(last) = attrs.last_mut() {
                    last.1.push_str(&String::from_utf8_lossy(&line[1..]));
                }
                continue;
            }
            if let Some(colon) = line.windows(2).position(|w| w == b": ") {
                let k = String::from_utf8_lossy(&line[..colon]).into_owned();
                let v = String::from_utf8_lossy(&line[colon + 2..]).into_owned();
                attrs.push((k, v));
            }
        }
        sections.push(Section {
            bytes: &data[start..pos],
            attrs,
        });
        first = false;
    }
    if sections.is_empty() {
        sections.push(Section {
            bytes: &data[..0],
            attrs: Vec::new(),
        });
    }
    sections
}

fn read_line(data: &[u8], pos: usize) -> (&[u8], usize) {
    let rest = &data[pos.min(data.len())..];
    match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
        None => (rest, data.len()),
        Some(i) => {
            let mut next = pos + i + 1;
            if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') {
                next += 1;
            }
            (&rest[..i], next)
        }
    }
}

fn b64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.trim().bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

fn b64_encode(d: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in d.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                s.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// Digests named in `section` that Android versions `[min, max]` would check.
fn digests_to_verify(
    section: &Section<'_>,
    suffix: &str,
    min: u32,
    max: u32,
) -> Vec<(HashAlg, Vec<u8>)> {
    let mut out: Vec<(HashAlg, Vec<u8>)> = Vec::new();
    if min < JELLY_BEAN_MR2 {
        // Before Android 4.3 the platform only ever looks at the SHA-1 digest attribute.
        if let Some(v) = section.get(&format!("SHA1{suffix}")) {
            out.push((HashAlg::Sha1, b64(v).unwrap_or_default()));
        }
    }
    if max >= JELLY_BEAN_MR2 {
        for (alg, attr) in [
            (HashAlg::Sha512, "SHA-512"),
            (HashAlg::Sha384, "SHA-384"),
            (HashAlg::Sha256, "SHA-256"),
            (HashAlg::Sha1, "SHA1"),
        ] {
            let Some(v) = section.get(&format!("{attr}{suffix}")) else {
                continue;
            };
            let d = b64(v).unwrap_or_default();
            if !out.iter().any(|(a, x)| *a == alg && *x == d) {
                out.push((alg, d));
            }
            break;
        }
    }
    out
}

/// API levels on which Android accepts a (digest, signature algorithm) pair in a JAR signature
/// block, as inclusive ranges.
fn sig_alg_supported(digest: HashAlg, key: KeyAlg) -> (u32, u32) {
    use HashAlg::*;
    match (key, digest) {
        (KeyAlg::Rsa, Sha224) => (9, u32::MAX),
        (KeyAlg::Rsa, _) => (0, u32::MAX),
        (KeyAlg::Dsa, Sha1 | Md5) => (0, u32::MAX),
        (KeyAlg::Dsa, Sha224 | Sha256) => (9, u32::MAX),
        (KeyAlg::Dsa, Sha384 | Sha512) => (21, 22),
        (KeyAlg::Ec, _) => (18, u32::MAX),
    }
}

fn sig_oid_key(oid: &str) -> Option<KeyAlg> {
    Some(match oid {
        "1.2.840.113549.1.1.1"
        | "1.2.840.113549.1.1.4"
        | "1.2.840.113549.1.1.5"
        | "1.2.840.113549.1.1.14"
        | "1.2.840.113549.1.1.11"
        | "1.2.840.113549.1.1.12"
        | "1.2.840.113549.1.1.13" => KeyAlg::Rsa,
        "1.2.840.10040.4.1"
        | "1.2.840.10040.4.3"
        | "2.16.840.1.101.3.4.3.1"
        | "2.16.840.1.101.3.4.3.2"
        | "2.16.840.1.101.3.4.3.3"
        | "2.16.840.1.101.3.4.3.4" => KeyAlg::Dsa,
        "1.2.840.10045.2.1"
        | "1.2.840.10045.4.1"
        | "1.2.840.10045.4.3.1"
        | "1.2.840.10045.4.3.2"
        | "1.2.840.10045.4.3.3"
        | "1.2.840.10045.4.3.4" => KeyAlg::Ec,
        _ => return None,
    })
}

fn canonical_name(name: &[u8]) -> String {
    x509::format_name(name)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_digest_needed(name: &str) -> bool {
    if name.ends_with('/') {
        return false;
    }
    let Some(rest) = name.strip_prefix("META-INF/") else {
        return true;
    };
    if rest.contains('/') {
        return true;
    }
    let l = rest.to_ascii_lowercase();
    !(l == "manifest.mf"
        || l.ends_with(".sf")
        || l.ends_with(".rsa")
        || l.ends_with(".dsa")
        || l.ends_with(".ec")
        || l.starts_with("sig-"))
}

/// Outcome of checking one PKCS#7 block against its .SF.
enum BlockOutcome {
    Verified(Vec<OwnedCert>),
    Error(String),
}

fn verify_block(
    block: &[u8],
    sf: &[u8],
    name: &str,
    sf_name: &str,
    min: u32,
    max: u32,
) -> BlockOutcome {
    let parse_err =
        |m: &str| BlockOutcome::Error(format!("Failed to parse JAR signature {name}: {m}"));
    let Some((ci, _)) = der::read(block) else {
        return parse_err("malformed ContentInfo");
    };
    let mut r = Reader::new(ci.value);
    let (Some(_ct), Some(explicit)) = (r.expect(der::OID), r.expect(0xa0)) else {
        return parse_err("malformed ContentInfo");
    };
    let Some((sd, _)) = der::read(explicit.value) else {
        return parse_err("malformed SignedData");
    };
    let mut s = Reader::new(sd.value);
    let _version = s.expect(der::INTEGER);
    let _digest_algs = s.expect(der::SET);
    let Some(encap) = s.expect(der::SEQUENCE) else {
        return parse_err("malformed SignedData");
    };
    let encap_type = Reader::new(encap.value)
        .expect(der::OID)
        .map(|o| der::oid_string(o.value))
        .unwrap_or_default();
    let mut certs = Vec::new();
    if let Some(c) = s.optional(0xa0) {
        let mut cr = Reader::new(c.value);
        while let Some(t) = cr.next() {
            match x509::parse(t.raw) {
                Some(cert) => certs.push(cert),
                None => return parse_err("malformed certificate"),
            }
        }
    }
    s.optional(0xa1);
    let Some(infos) = s.expect(der::SET) else {
        return parse_err("malformed SignedData");
    };
    let mut infos_r = Reader::new(infos.value);
    let mut to_try = Vec::new();
    while let Some(i) = infos_r.next() {
        to_try.push(i);
        if min < N {
            // Before Android N only the first SignerInfo is considered.
            break;
        }
    }
    if to_try.is_empty() {
        return BlockOutcome::Error(format!(
            "JAR signature {name} did not verify against {sf_name}"
        ));
    }
    for info in to_try {
        match verify_signer_info(info.value, &certs, &encap_type, sf, name, sf_name, min, max) {
            Err(e) => return BlockOutcome::Error(e),
            Ok(Some(idx)) => {
                // Chain: signer certificate first, then issuers found in the bag.
                let mut chain = vec![certs[idx].clone()];
                let mut guard = 0;
                while guard < 16 {
                    guard += 1;
                    let last = chain.last().map(|c| c.issuer_raw());
                    let Some(next) = certs.iter().find(|c| {
                        Some(c.subject_raw()) == last && !chain.iter().any(|x| x.raw == c.raw)
                    }) else {
                        break;
                    };
                    chain.push(next.clone());
                }
                return BlockOutcome::Verified(
                    chain
                        .iter()
                        .map(|c| OwnedCert {
                            raw: c.raw.to_vec(),
                            info: c.info(),
                        })
                        .collect(),
                );
            }
            Ok(None) => {}
        }
    }
    BlockOutcome::Error(format!(
        "JAR signature {name} did not verify against {sf_name}"
    ))
}

/// `Ok(Some(cert index))` verified, `Ok(None)` did not verify, `Err` fatal for this signer.
#[allow(clippy::too_many_arguments)]
fn verify_signer_info(
    info: &[u8],
    certs: &[Cert<'_>],
    encap_type: &str,
    sf: &[u8],
    name: &str,
    sf_name: &str,
    min: u32,
    max: u32,
) -> Result<Option<usize>, String> {
    let perr = |m: &str| format!("Failed to parse JAR signature {name}: {m}");
    let verr = |m: &str| format!("Failed to verify JAR signature {name} against {sf_name}: {m}");
    let mut r = Reader::new(info);
    r.expect(der::INTEGER)
        .ok_or_else(|| perr("malformed SignerInfo"))?;
    let sid = r.next().ok_or_else(|| perr("malformed SignerInfo"))?;
    let dalg = r
        .expect(der::SEQUENCE)
        .ok_or_else(|| perr("malformed SignerInfo"))?;
    let signed_attrs = r.optional(0xa0);
    let salg = r
        .expect(der::SEQUENCE)
        .ok_or_else(|| perr("malformed SignerInfo"))?;
    let sig = r
        .expect(der::OCTET_STRING)
        .ok_or_else(|| perr("malformed SignerInfo"))?;
    let doid = Reader::new(dalg.value)
        .expect(der::OID)
        .map(|o| der::oid_string(o.value))
        .unwrap_or_default();
    let soid = Reader::new(salg.value)
        .expect(der::OID)
        .map(|o| der::oid_string(o.value))
        .unwrap_or_default();
    let (Some(hash), Some(key_alg)) = (HashAlg::from_oid(&doid), sig_oid_key(&soid)) else {
        return Err(format!(
            "JAR signature {name} uses digest algorithm {doid} and signature algorithm {soid} which is not supported"
        ));
    };
    let (lo, hi) = sig_alg_supported(hash, key_alg);
    if min < lo || max > hi {
        let from = if min < lo { min } else { hi.saturating_add(1) };
        return Err(format!(
            "JAR signature {name} uses digest algorithm {} and signature algorithm {} with {} which is not supported on API Level(s) {from}+ for which this APK is being verified",
            hash.java_name(),
            hash.java_name(),
            key_alg.name()
        ));
    }
    // Locate the signing certificate by issuer and serial number.
    let idx = if sid.tag == der::SEQUENCE {
        let mut ir = Reader::new(sid.value);
        // Java compares X500Principals canonically, not byte for byte.
        let issuer = ir.expect(der::SEQUENCE).map(|t| canonical_name(t.value));
        let serial = ir.expect(der::INTEGER).map(|t| der::unsigned(t.value));
        certs.iter().position(|c| {
            Some(c.serial_raw()) == serial && Some(canonical_name(c.issuer_raw())) == issuer
        })
    } else {
        None
    };
    let Some(idx) = idx else {
        return Err(verr("java.security.SignatureException: Signing certificate referenced in SignerInfo not found in SignedData"));
    };
    let cert = &certs[idx];
    if let Some(ku) = cert.key_usage() {
        if ku & 0xc0 == 0 {
            return Err(verr("java.security.SignatureException: Signing certificate not authorized for use in digital signatures: keyUsage extension missing digitalSignature and nonRepudiation"));
        }
    }
    let key = cert
        .key
        .ok_or_else(|| verr("java.security.InvalidKeyException: unsupported public key"))?;
    let sig_alg = match key_alg {
        KeyAlg::Rsa => SigAlg::RsaPkcs1(hash),
        KeyAlg::Dsa => SigAlg::Dsa(hash),
        KeyAlg::Ec => SigAlg::Ecdsa(hash),
    };
    let message: Vec<u8>;
    let msg: &[u8] = if let Some(attrs) = signed_attrs {
        if min < KITKAT {
            return Err(verr(&format!(
                "java.security.SignatureException: APKs with Signed Attributes broken on platforms with API Level < {KITKAT}"
            )));
        }
        let mut seen = BTreeSet::new();
        let mut content_type = None;
        let mut md = None;
        let mut ar = Reader::new(attrs.value);
        while let Some(a) = ar.next() {
            let mut x = Reader::new(a.value);
            let oid = x
                .expect(der::OID)
                .map(|o| der::oid_string(o.value))
                .ok_or_else(|| perr("malformed attribute"))?;
            let vals = x
                .expect(der::SET)
                .ok_or_else(|| perr("malformed attribute"))?;
            if !seen.insert(oid.clone()) {
                return Err(perr(&format!("com.android.apksig.internal.pkcs7.Pkcs7DecodingException: Duplicate signed attribute: {oid}")));
            }
            let mut vr = Reader::new(vals.value);
            let first = vr.next();
            let multi = vr.next().is_some();
            match oid.as_str() {
                "1.2.840.113549.1.9.3" => {
                    if multi {
                        return Err(verr(
                            "java.security.SignatureException: Duplicate content type values",
                        ));
                    }
                    content_type = first
                        .filter(|t| t.tag == der::OID)
                        .map(|t| der::oid_string(t.value));
                }
                "1.2.840.113549.1.9.4" => {
                    if multi {
                        return Err(verr(
                            "java.security.SignatureException: Duplicate message digest values",
                        ));
                    }
                    md = first
                        .filter(|t| t.tag == der::OCTET_STRING)
                        .map(|t| t.value);
                }
                _ => {}
            }
        }
        if max >= N {
            let Some(ct) = content_type else {
                return Err(verr(
                    "java.security.SignatureException: No Content Type in signed attributes",
                ));
            };
            if ct != encap_type {
                return Ok(None);
            }
        }
        let Some(md) = md else {
            return Err(verr(
                "java.security.SignatureException: No content digest in signed attributes",
            ));
        };
        if md != hash.digest(sf).as_slice() {
            return Ok(None);
        }
        let mut m = Vec::with_capacity(attrs.raw.len());
        m.push(0x31);
        m.extend_from_slice(attrs.raw.get(1..).unwrap_or_default());
        message = m;
        &message
    } else {
        sf
    };
    match crypto::verify(&key, sig_alg, msg, sig.value) {
        Ok(true) => Ok(Some(idx)),
        Ok(false) => Ok(None),
        Err(e) => Err(verr(&format!("java.security.InvalidKeyException: {e}"))),
    }
}

/// Largest entry we inflate ourselves for an unusual compression method.
const MAX_FALLBACK_INFLATE: u64 = 1 << 30;

/// Reads an entry the way apksig does: any method other than STORED is inflated as DEFLATE
/// (apksig does not reject unknown method numbers), and CRCs are not checked.
fn read_entry<'a>(
    archive: &Archive<'a>,
    e: &Entry<'a>,
) -> Result<std::borrow::Cow<'a, [u8]>, String> {
    match archive.read_unchecked(e) {
        Ok(d) => Ok(d),
        Err(err) if e.method != 0 && e.method != 8 => {
            let raw = archive.raw_data(e).map_err(|_| err.to_string())?;
            if e.uncompressed_size > MAX_FALLBACK_INFLATE {
                return Err(err.to_string());
            }
            let mut out = Vec::with_capacity(e.uncompressed_size as usize);
            let mut z = flate2::Decompress::new(false);
            loop {
                let before_in = z.total_in() as usize;
                if out.len() == out.capacity() {
                    if out.len() as u64 >= e.uncompressed_size.max(1) {
                        return Err("inflated data larger than declared".into());
                    }
                    out.reserve(4096);
                }
                let st = z
                    .decompress_vec(
                        &raw[before_in.min(raw.len())..],
                        &mut out,
                        flate2::FlushDecompress::Finish,
                    )
                    .map_err(|x| x.to_string())?;
                if st == flate2::Status::StreamEnd {
                    break;
                }
                if z.total_in() as usize == before_in && out.len() < out.capacity() {
                    return Err("truncated DEFLATE data".into());
                }
            }
            Ok(std::borrow::Cow::Owned(out))
        }
        Err(err) => Err(err.to_string()),
    }
}

/// Verifies the JAR signature. `found`: v2+/v3 scheme ids already verified; `supported`: ids
/// Android knows in the range (for X-Android-APK-Signed stripping protection).
pub(crate) fn verify<'a>(
    archive: &Archive<'a>,
    min: u32,
    max: u32,
    found: &BTreeSet<u32>,
    supported: &BTreeSet<u32>,
    on_entry: &mut dyn FnMut(&Entry<'_>, &[u8]),
) -> V1Result {
    let mut res = V1Result::default();
    let entries = archive.entries();
    let mut names: HashMap<String, usize> = HashMap::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let n = e.name().into_owned();
        if names.insert(n.clone(), i).is_some() {
            res.errors.push(format!("Duplicate entry: {n}"));
            return res;
        }
    }
    let mut manifest_idx = None;
    let mut sf_files: HashMap<String, usize> = HashMap::new();
    let mut blocks: Vec<usize> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let n = e.name();
        if !n.starts_with("META-INF/") {
            continue;
        }
        if manifest_idx.is_none() && n == MANIFEST {
            manifest_idx = Some(i);
            continue;
        }
        if n.ends_with(".SF") {
            sf_files.insert(n.into_owned(), i);
            continue;
        }
        if n.ends_with(".RSA") || n.ends_with(".DSA") || n.ends_with(".EC") {
            blocks.push(i);
        }
    }
    let Some(mi) = manifest_idx else {
        res.errors.push("Missing META-INF/MANIFEST.MF".into());
        return res;
    };
    let mut signers: Vec<(String, usize, usize)> = Vec::new();
    for &bi in &blocks {
        let n = entries[bi].name();
        let Some(dot) = n.rfind('.') else { continue };
        let sf = format!("{}.SF", &n[..dot]);
        if let Some(&si) = sf_files.get(&sf) {
            signers.push((n["META-INF/".len()..].to_string(), bi, si));
        }
    }
    if signers.is_empty() {
        res.errors.push("No JAR signatures".into());
        return res;
    }
    if signers.len() > MAX_V1_SIGNERS {
        res.errors.push(format!(
            "{} JAR signers: more than the {MAX_V1_SIGNERS} this verifier checks",
            signers.len()
        ));
        return res;
    }
    let read = |i: usize| read_entry(archive, &entries[i]);
    let Ok(manifest_bytes) = read(mi) else {
        res.errors
            .push("Failed to read META-INF/MANIFEST.MF".into());
        return res;
    };
    // Signature blocks against signature files.
    let mut sf_datas = Vec::new();
    let mut chains: Vec<Option<Vec<OwnedCert>>> = Vec::new();
    for (name, bi, si) in &signers {
        let bname = entries[*bi].name().into_owned();
        let sname = entries[*si].name().into_owned();
        let (Ok(block), Ok(sf)) = (read(*bi), read(*si)) else {
            res.errors.push(format!(
                "JAR signer {name}: failed to read {bname} or {sname}"
            ));
            chains.push(None);
            sf_datas.push(Vec::new());
            continue;
        };
        match verify_block(&block, &sf, &bname, &sname, min, max) {
            BlockOutcome::Verified(c) => chains.push(Some(c)),
            BlockOutcome::Error(e) => {
                res.errors.push(format!("JAR signer {name}: {e}"));
                chains.push(None);
            }
        }
        sf_datas.push(sf.into_owned());
    }
    if !res.errors.is_empty() {
        return res;
    }
    // Manifest.
    let sections = parse_manifest(&manifest_bytes);
    let main = &sections[0];
    let mut by_name: HashMap<String, &Section<'_>> = HashMap::new();
    for (i, s) in sections.iter().enumerate().skip(1) {
        match s.get("Name") {
            None => {
                res.errors.push(format!(
                    "Malformed META-INF/MANIFEST.MF: invidual section #{i} does not have a name"
                ));
                return res;
            }
            Some(n) => {
                if by_name.insert(n.to_string(), s).is_some() {
                    res.errors
                        .push(format!("Duplicate section in META-INF/MANIFEST.MF: {n}"));
                    return res;
                }
            }
        }
    }
    // Signature files against the manifest.
    let mut signer_entries: Vec<BTreeSet<String>> = Vec::new();
    for (k, (name, _, si)) in signers.iter().enumerate() {
        let sname = entries[*si].name().into_owned();
        let sf_sections = parse_manifest(&sf_datas[k]);
        let sf_main = &sf_sections[0];
        let mut errs = Vec::new();
        if max >= N {
            if let Some(v) = sf_main.get("X-Android-APK-Signed") {
                for id in v.split(',').filter_map(|t| t.trim().parse::<u32>().ok()) {
                    if supported.contains(&id) && !found.contains(&id) {
                        let sname_s = if id == 2 {
                            "APK Signature Scheme v2"
                        } else {
                            "APK Signature Scheme v3"
                        };
                        errs.push(format!("JAR signature {sname} indicates the APK is signed using {sname_s} but no such signature was found. Signature stripped?"));
                    }
                }
            }
        }
        let created_by_signtool = sf_main
            .get("Created-By")
            .is_some_and(|v| v.contains("signtool"));
        let suffix = if created_by_signtool {
            "-Digest"
        } else {
            "-Digest-Manifest"
        };
        let expected = digests_to_verify(sf_main, suffix, min, max);
        let mut whole_ok = !expected.is_empty();
        for (alg, d) in &expected {
            if alg.digest(&manifest_bytes) != *d {
                whole_ok = false;
            }
        }
        let mut entry_names = BTreeSet::new();
        for sec in sf_sections.iter().skip(1) {
            if let Some(n) = sec.get("Name") {
                entry_names.insert(n.to_string());
            }
        }
        if !whole_ok {
            for (alg, d) in digests_to_verify(sf_main, "-Digest-Manifest-Main-Attributes", min, max)
            {
                if alg.digest(main.bytes) != d {
                    errs.push(format!(
                        "{} digest of META-INF/MANIFEST.MF main section does not match the digest specified in {sname}",
                        alg.java_name()
                    ));
                }
            }
            for sec in sf_sections.iter().skip(1) {
                let Some(n) = sec.get("Name") else { continue };
                let Some(ms) = by_name.get(n) else {
                    errs.push(format!(
                        "{sname} has section {n} which is not in META-INF/MANIFEST.MF"
                    ));
                    continue;
                };
                let ds = digests_to_verify(sec, "-Digest", min, max);
                if ds.is_empty() {
                    errs.push(format!("No digest for {n} in {sname}"));
                }
                for (alg, d) in ds {
                    if alg.digest(ms.bytes) != d {
                        errs.push(format!(
                            "{} digest of META-INF/MANIFEST.MF section for {n} does not match the digest specified in {sname}",
                            alg.java_name()
                        ));
                    }
                }
            }
        }
        for e in errs {
            res.errors.push(format!("JAR signer {name}: {e}"));
        }
        signer_entries.push(entry_names);
    }
    if !res.errors.is_empty() {
        return res;
    }
    // Entries against the manifest, in local-header order like apksig.
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| entries[i].local_header_offset);
    let mut unreferenced: BTreeSet<&str> = by_name.keys().map(|s| s.as_str()).collect();
    let mut first_signers: Option<Vec<usize>> = None;
    let mut entry_buffer: Vec<u8> = Vec::new();
    for i in order {
        let e = &entries[i];
        let n = e.name();
        unreferenced.remove(n.as_ref());
        if !is_digest_needed(&n) {
            continue;
        }
        let Some(sec) = by_name.get(n.as_ref()) else {
            res.errors.push(format!(
                "No JAR entry digest in META-INF/MANIFEST.MF for {n}"
            ));
            continue;
        };
        let who: Vec<usize> = (0..signers.len())
            .filter(|&k| signer_entries[k].contains(n.as_ref()))
            .collect();
        if who.is_empty() {
            res.errors.push(format!("{n} entry not signed"));
            continue;
        }
        match &first_signers {
            None => first_signers = Some(who),
            Some(f) if *f != who => {
                res.errors
                    .push(format!("{n} entry is signed by a different set of signers"));
                continue;
            }
            _ => {}
        }
        let ds = digests_to_verify(sec, "-Digest", min, max);
        if ds.is_empty() {
            res.errors.push(format!(
                "No JAR entry digest in META-INF/MANIFEST.MF for {n}"
            ));
            continue;
        }
        // One buffer for all entries: a fresh allocation per entry costs page faults that show
        // up in the profile of a large package.
        if let Err(err) = archive.read_into_as_apksig(e, &mut entry_buffer) {
            res.errors.push(format!("Malformed ZIP entry: {n}: {err}"));
            continue;
        }
        let data = &entry_buffer;
        on_entry(e, data);
        for (alg, d) in ds {
            let actual = alg.digest(data);
            if actual != d {
                res.errors.push(format!(
                    "{} digest of {n} does not match the digest specified in META-INF/MANIFEST.MF. Expected: <{}>, actual: <{}>",
                    alg.java_name(),
                    b64_encode(&d),
                    b64_encode(&actual)
                ));
            }
        }
    }
    let Some(first) = first_signers else {
        res.errors
            .push("No JAR entries covered by JAR signatures".into());
        return res;
    };
    for n in unreferenced {
        res.errors.push(format!(
            "{n} entry referenced by META-INF/MANIFEST.MF not found in the APK"
        ));
    }
    for k in first {
        if let Some(Some(chain)) = chains.get(k) {
            res.signers.push((signers[k].0.clone(), chain.clone()));
        }
    }
    res.verified = res.errors.is_empty();
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_sections_and_bytes() {
        let m = b"Manifest-Version: 1.0\r\nCreated-By: x\r\n\r\nName: a/b\r\n c.txt\r\nSHA1-Digest: AAAA\r\n\r\nName: d\nSHA-256-Digest: BBBB\n";
        let s = parse_manifest(m);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].get("created-by"), Some("x"));
        assert_eq!(
            s[0].bytes,
            b"Manifest-Version: 1.0\r\nCreated-By: x\r\n\r\n"
        );
        assert_eq!(s[1].get("Name"), Some("a/bc.txt"));
        assert!(s[1].bytes.ends_with(b"AAAA\r\n\r\n"));
        assert_eq!(s[2].get("Name"), Some("d"));
        assert_eq!(s[2].bytes, b"Name: d\nSHA-256-Digest: BBBB\n");
        assert_eq!(parse_manifest(b"").len(), 1);
    }

    #[test]
    fn base64_round_trip() {
        for d in [
            &b""[..],
            b"f",
            b"fo",
            b"foo",
            b"foob",
            &[0xff, 0, 0x80, 7][..],
        ] {
            assert_eq!(b64(&b64_encode(d)).unwrap(), d);
        }
        assert!(b64("a*b").is_none());
    }

    #[test]
    fn digest_choice_depends_on_sdk() {
        let sec = Section {
            bytes: b"",
            attrs: vec![
                ("SHA-256-Digest".into(), b64_encode(&[1; 32])),
                ("SHA1-Digest".into(), b64_encode(&[2; 20])),
            ],
        };
        let new = digests_to_verify(&sec, "-Digest", 24, 30);
        assert_eq!(new, vec![(HashAlg::Sha256, vec![1; 32])]);
        let old = digests_to_verify(&sec, "-Digest", 3, 30);
        assert_eq!(
            old,
            vec![(HashAlg::Sha1, vec![2; 20]), (HashAlg::Sha256, vec![1; 32])]
        );
        let only_old = digests_to_verify(&sec, "-Digest", 3, 10);
        assert_eq!(only_old, vec![(HashAlg::Sha1, vec![2; 20])]);
    }

    #[test]
    fn which_entries_need_digests() {
        assert!(is_digest_needed("classes.dex"));
        assert!(is_digest_needed("META-INF/services/x"));
        assert!(is_digest_needed("META-INF/foo.txt"));
        assert!(!is_digest_needed("META-INF/CERT.RSA"));
        assert!(!is_digest_needed("META-INF/cert.sf"));
        assert!(!is_digest_needed("META-INF/SIG-x"));
        assert!(!is_digest_needed("dir/"));
    }

    #[test]
    fn jar_algorithm_support() {
        assert_eq!(sig_alg_supported(HashAlg::Sha512, KeyAlg::Dsa), (21, 22));
        assert_eq!(sig_alg_supported(HashAlg::Sha1, KeyAlg::Ec).0, 18);
        assert_eq!(sig_oid_key("1.2.840.10045.4.3.2"), Some(KeyAlg::Ec));
        assert_eq!(sig_oid_key("1.2.3"), None);
    }
}
