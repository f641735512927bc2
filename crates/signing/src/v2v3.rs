//! APK Signature Scheme v2, v3 and v3.1 verification, following apksig's `V2SchemeVerifier`,
//! `V3SchemeVerifier` and `V3SigningCertificateLineage` rule for rule (error order included,
//! because the first error ends a signer).

use crate::crypto::{self, HashAlg, SigAlg};
use crate::digest::{self, ContentDigestAlg, Sections};
use crate::x509::{self, Cert};
use std::collections::BTreeSet;

/// v3 additional attribute: proof-of-rotation lineage.
const ATTR_PROOF_OF_ROTATION: u32 = 0x3ba0_6f8c;
/// v3 additional attribute: minimum SDK for the rotated key (v3.1 era).
const ATTR_ROTATION_MIN_SDK: u32 = 0x559f_8b02;
/// v3 additional attribute: rotation targets a development release.
const ATTR_ROTATION_ON_DEV_RELEASE: u32 = 0xc2a6_b3ba;
/// v2 additional attribute: stripping protection naming newer schemes.
const ATTR_STRIPPING_PROTECTION: u32 = 0xbeef_f00d;
/// Lineage format version apksig understands.
const LINEAGE_VERSION: u32 = 1;
/// Bounds on hostile record counts.
const MAX_SIGNERS: usize = 64;
const MAX_ITEMS: usize = 1024;
/// Real lineages hold a handful of certificates; each node costs a signature check.
const MAX_LINEAGE_NODES: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AlgInfo {
    pub id: u32,
    pub sig: SigAlg,
    pub content: ContentDigestAlg,
    pub min_sdk: u32,
    pub name: &'static str,
}

pub(crate) fn alg_by_id(id: u32) -> Option<AlgInfo> {
    use ContentDigestAlg::*;
    use HashAlg::*;
    let (sig, content, min_sdk, name) = match id {
        0x0101 => (
            SigAlg::RsaPss(Sha256),
            ChunkedSha256,
            24,
            "RSA_PSS_WITH_SHA256",
        ),
        0x0102 => (
            SigAlg::RsaPss(Sha512),
            ChunkedSha512,
            24,
            "RSA_PSS_WITH_SHA512",
        ),
        0x0103 => (
            SigAlg::RsaPkcs1(Sha256),
            ChunkedSha256,
            24,
            "RSA_PKCS1_V1_5_WITH_SHA256",
        ),
        0x0104 => (
            SigAlg::RsaPkcs1(Sha512),
            ChunkedSha512,
            24,
            "RSA_PKCS1_V1_5_WITH_SHA512",
        ),
        0x0201 => (
            SigAlg::Ecdsa(Sha256),
            ChunkedSha256,
            24,
            "ECDSA_WITH_SHA256",
        ),
        0x0202 => (
            SigAlg::Ecdsa(Sha512),
            ChunkedSha512,
            24,
            "ECDSA_WITH_SHA512",
        ),
        0x0301 => (SigAlg::Dsa(Sha256), ChunkedSha256, 24, "DSA_WITH_SHA256"),
        0x0421 => (
            SigAlg::RsaPkcs1(Sha256),
            VerityChunkedSha256,
            28,
            "VERITY_RSA_PKCS1_V1_5_WITH_SHA256",
        ),
        0x0423 => (
            SigAlg::Ecdsa(Sha256),
            VerityChunkedSha256,
            28,
            "VERITY_ECDSA_WITH_SHA256",
        ),
        0x0425 => (
            SigAlg::Dsa(Sha256),
            VerityChunkedSha256,
            28,
            "VERITY_DSA_WITH_SHA256",
        ),
        _ => return None,
    };
    Some(AlgInfo {
        id,
        sig,
        content,
        min_sdk,
        name,
    })
}

/// apksig's strength order of content digests: SHA-256 < verity SHA-256 < SHA-512.
fn content_rank(c: ContentDigestAlg) -> u8 {
    match c {
        ContentDigestAlg::ChunkedSha256 => 0,
        ContentDigestAlg::VerityChunkedSha256 => 1,
        ContentDigestAlg::ChunkedSha512 => 2,
    }
}

/// Picks the signatures Android versions in `[min_sdk, max_sdk]` would check (apksig's
/// `getSignaturesToVerify`): the strongest per algorithm-introduction SDK level.
fn signatures_to_verify<'a>(
    sigs: &[(AlgInfo, &'a [u8])],
    min_sdk: u32,
    max_sdk: u32,
) -> Result<Vec<(AlgInfo, &'a [u8])>, String> {
    let mut best: std::collections::BTreeMap<u32, (AlgInfo, &'a [u8])> = Default::default();
    let mut min_provided = u32::MAX;
    for &(a, s) in sigs {
        if a.min_sdk > max_sdk {
            continue;
        }
        min_provided = min_provided.min(a.min_sdk);
        match best.get(&a.min_sdk) {
            Some((c, _)) if content_rank(c.content) >= content_rank(a.content) => {}
            _ => {
                best.insert(a.min_sdk, (a, s));
            }
        }
    }
    if min_sdk < min_provided {
        return Err(format!(
            "Minimum provided signature version {min_provided} > minSdkVersion {min_sdk}"
        ));
    }
    if best.is_empty() {
        return Err("No supported signature".into());
    }
    Ok(best.into_values().collect())
}

/// Splits a u32-length-prefixed slice off the front of `buf` (apksig's `getLengthPrefixedSlice`).
pub(crate) fn lp<'a>(buf: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = u32_le(buf)? as usize;
    if len > i32::MAX as usize || len > buf.len() {
        return None;
    }
    let (a, b) = buf.split_at(len);
    *buf = b;
    Some(a)
}

pub(crate) fn u32_le(buf: &mut &[u8]) -> Option<u32> {
    let b = buf.get(..4)?;
    let v = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    *buf = &buf[4..];
    Some(v)
}

/// One lineage node.
#[derive(Debug, Clone)]
pub(crate) struct LineageNode<'a> {
    pub cert: Cert<'a>,
    pub flags: u32,
}

/// Parses and verifies a v3 proof-of-rotation value. Errors carry apksig's message kind.
pub(crate) fn parse_lineage(mut v: &[u8]) -> Result<Vec<LineageNode<'_>>, String> {
    let version = u32_le(&mut v).ok_or("Malformed lineage")?;
    if version != LINEAGE_VERSION {
        return Err(format!(
            "Unsupported SigningCertificateLineage format version: {version}"
        ));
    }
    let mut nodes: Vec<LineageNode<'_>> = Vec::new();
    let mut last_alg: Option<u32> = None;
    let mut count = 0usize;
    while !v.is_empty() {
        count += 1;
        if count > MAX_LINEAGE_NODES {
            return Err("Malformed lineage: too many nodes".into());
        }
        let mut node = lp(&mut v).ok_or("Malformed lineage node")?;
        let signed = lp(&mut node).ok_or("Malformed lineage node")?;
        let flags = u32_le(&mut node).ok_or("Malformed lineage node")?;
        let alg_id = u32_le(&mut node).ok_or("Malformed lineage node")?;
        let signature = lp(&mut node).ok_or("Malformed lineage node")?;
        if let (Some(prev), Some(prev_alg)) = (nodes.last(), last_alg) {
            let a = alg_by_id(prev_alg).ok_or("Malformed lineage: unknown signature algorithm")?;
            let key = prev.cert.key.ok_or("Malformed lineage: bad public key")?;
            match crypto::verify(&key, a.sig, signed, signature) {
                Ok(true) => {}
                _ => {
                    return Err(format!(
                        "POR: unable to verify signature of certificate #{count}"
                    ))
                }
            }
        }
        let mut sd = signed;
        let cert_bytes = lp(&mut sd).ok_or("Malformed lineage node")?;
        let signed_alg = u32_le(&mut sd).ok_or("Malformed lineage node")?;
        if last_alg.is_some() && last_alg != Some(signed_alg) {
            return Err(format!(
                "POR: signing algorithm ID mismatch for certificate #{count}"
            ));
        }
        let cert = x509::parse(cert_bytes).ok_or("Malformed lineage certificate")?;
        if nodes.iter().any(|n| n.cert.raw == cert.raw) {
            return Err(format!("POR: duplicate certificate #{count}"));
        }
        nodes.push(LineageNode { cert, flags });
        last_alg = Some(alg_id);
    }
    Ok(nodes)
}

/// Per-signer outcome.
#[derive(Debug, Clone, Default)]
pub(crate) struct SignerResult<'a> {
    pub certs: Vec<Cert<'a>>,
    pub min_sdk: u32,
    pub max_sdk: u32,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub lineage: Option<Vec<LineageNode<'a>>>,
    pub rotation_min_sdk: Option<u32>,
    pub rotation_on_dev_release: bool,
    digests: Vec<(u32, &'a [u8])>,
    verified_content: BTreeSet<ContentDigestAlg>,
}

/// Outcome of one scheme.
#[derive(Debug, Clone, Default)]
pub(crate) struct SchemeResult<'a> {
    pub signers: Vec<SignerResult<'a>>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub verified: bool,
    pub lineage: Option<Vec<LineageNode<'a>>>,
}

impl SchemeResult<'_> {
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.signers.iter().any(|s| !s.errors.is_empty())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    V2,
    V3,
    V31,
}

impl Scheme {
    fn label(self) -> &'static str {
        match self {
            Scheme::V2 => "APK Signature Scheme v2",
            Scheme::V3 => "APK Signature Scheme v3",
            Scheme::V31 => "APK Signature Scheme v3.1",
        }
    }
}

/// Context shared by all schemes for one APK.
pub(crate) struct Ctx<'a> {
    pub apk: &'a [u8],
    pub block_offset: u64,
    pub cd_offset: u64,
    pub eocd_offset: u64,
}

/// Verifies one scheme block. `found` lists scheme ids (2, 3) already found; `supported` the
/// scheme ids known for the SDK range (for v2's stripping protection).
pub(crate) fn verify_scheme<'a>(
    ctx: &Ctx<'a>,
    scheme: Scheme,
    block: &'a [u8],
    min_sdk: u32,
    max_sdk: u32,
    found: &BTreeSet<u32>,
    supported: &BTreeSet<u32>,
) -> SchemeResult<'a> {
    let mut res = SchemeResult::default();
    let label = scheme.label();
    let mut b = block;
    let Some(mut signers) = lp(&mut b) else {
        res.errors
            .push(format!("Malformed list of signers in {label} block"));
        return res;
    };
    while !signers.is_empty() {
        if res.signers.len() >= MAX_SIGNERS {
            res.errors
                .push(format!("Too many signers in {label} block"));
            return res;
        }
        let idx = res.signers.len() + 1;
        let mut sr = SignerResult::default();
        let parsed = lp(&mut signers);
        match parsed {
            None => {
                sr.errors
                    .push(format!("{label} signer #{idx}: Malformed signer block"));
                res.signers.push(sr);
                return res;
            }
            Some(s) => {
                if parse_signer(scheme, s, &mut sr, min_sdk, max_sdk, found, supported).is_none() {
                    sr.errors
                        .push(format!("{label} signer #{idx}: Malformed signer block"));
                    res.signers.push(sr);
                    return res;
                }
                for e in sr.errors.iter_mut() {
                    *e = format!("{label} signer #{idx}: {e}");
                }
            }
        }
        res.signers.push(sr);
    }
    if res.signers.is_empty() {
        res.errors.push(format!("No signers in {label} signature"));
        return res;
    }
    if res.has_errors() {
        return res;
    }
    // Integrity: compute each content digest a verified signature relies on, compare per signer.
    let needed: BTreeSet<ContentDigestAlg> = res
        .signers
        .iter()
        .flat_map(|s| s.verified_content.iter().copied())
        .collect();
    let Some(sections) = Sections::new(ctx.apk, ctx.block_offset, ctx.cd_offset, ctx.eocd_offset)
    else {
        res.errors
            .push("Failed to locate APK sections for digesting".into());
        return res;
    };
    let mut computed = Vec::new();
    for c in needed {
        match digest::compute(c, &sections) {
            Some(d) => computed.push((c, d)),
            None => res
                .errors
                .push(format!("Failed to compute {} digest", c.name())),
        }
    }
    for (i, s) in res.signers.iter_mut().enumerate() {
        for (c, d) in &computed {
            if !s.verified_content.contains(c) {
                continue;
            }
            let expected = s
                .digests
                .iter()
                .find(|(id, _)| alg_by_id(*id).map(|a| a.content) == Some(*c))
                .map(|(_, v)| *v);
            if expected != Some(d.as_slice()) {
                s.errors.push(format!(
                    "{label} signer #{}: APK integrity check failed. {} digest mismatch. Expected: <{}>, actual: <{}>",
                    i + 1,
                    c.name(),
                    expected.map(x509::hex).unwrap_or_default(),
                    x509::hex(d)
                ));
            }
        }
    }
    if res.has_errors() {
        return res;
    }
    if scheme != Scheme::V2 {
        check_v3_ranges(&mut res, min_sdk, max_sdk);
        if res.has_errors() {
            return res;
        }
    }
    res.verified = true;
    res
}

fn check_v3_ranges(res: &mut SchemeResult<'_>, min_sdk: u32, max_sdk: u32) {
    let mut order: Vec<usize> = (0..res.signers.len()).collect();
    order.sort_by_key(|&i| res.signers[i].min_sdk);
    let (mut first_min, mut last_max, mut last_lineage) = (0u32, 0u32, 0usize);
    let mut longest: Option<usize> = None;
    for &i in &order {
        let s = &res.signers[i];
        if first_min == 0 {
            first_min = s.min_sdk;
        } else if u64::from(s.min_sdk) != u64::from(last_max) + 1 {
            res.errors.push(
                "APK Signature Scheme v3 signers supported min/max SDK versions are not continuous"
                    .into(),
            );
            break;
        }
        last_max = s.max_sdk;
        if let Some(l) = &s.lineage {
            if l.len() < last_lineage {
                res.errors
                    .push("APK Signature Scheme v3 signers have inconsistent lineages".into());
                break;
            }
            last_lineage = l.len();
            longest = Some(i);
        }
    }
    if first_min > min_sdk || last_max < max_sdk {
        res.errors.push(format!(
            "APK Signature Scheme v3 signers only support SDK versions {first_min} to {last_max}"
        ));
    }
    // Consolidate: every lineage must be a prefix of the longest.
    if let Some(li) = longest {
        let long = res.signers[li].lineage.clone().unwrap_or_default();
        for s in &res.signers {
            if let Some(l) = &s.lineage {
                let prefix_ok = l.len() <= long.len()
                    && l.iter()
                        .zip(long.iter())
                        .all(|(a, b)| a.cert.raw == b.cert.raw);
                if !prefix_ok {
                    res.errors
                        .push("APK Signature Scheme v3 signers have inconsistent lineages".into());
                    return;
                }
            }
        }
        res.lineage = Some(long);
    }
}

/// Returns `None` for a structurally malformed signer (apksig's "malformed signer" error).
fn parse_signer<'a>(
    scheme: Scheme,
    mut s: &'a [u8],
    sr: &mut SignerResult<'a>,
    min_sdk: u32,
    max_sdk: u32,
    found: &BTreeSet<u32>,
    supported: &BTreeSet<u32>,
) -> Option<()> {
    let signed_data = lp(&mut s)?;
    let (mut sel_min, mut sel_max) = (min_sdk, max_sdk);
    if scheme != Scheme::V2 {
        sr.min_sdk = u32_le(&mut s)?;
        sr.max_sdk = u32_le(&mut s)?;
        if sr.min_sdk > i32::MAX as u32 || sr.min_sdk > sr.max_sdk {
            sr.errors.push(format!(
                "Invalid SDK versions: min {}, max {}",
                sr.min_sdk, sr.max_sdk
            ));
        }
        sel_min = sr.min_sdk;
        sel_max = sr.max_sdk;
    }
    let mut sigs_blob = lp(&mut s)?;
    let public_key = lp(&mut s)?;
    let mut all_ids = Vec::new();
    let mut supported_sigs = Vec::new();
    let mut n = 0;
    while !sigs_blob.is_empty() {
        n += 1;
        if n > MAX_ITEMS {
            return None;
        }
        let parsed = (|| {
            let mut one = lp(&mut sigs_blob)?;
            let id = u32_le(&mut one)?;
            let bytes = lp(&mut one)?;
            Some((id, bytes))
        })();
        let Some((id, bytes)) = parsed else {
            sr.errors.push(format!("Malformed signature record #{n}"));
            return Some(());
        };
        all_ids.push(id);
        match alg_by_id(id) {
            Some(a) => supported_sigs.push((a, bytes)),
            None => sr
                .warnings
                .push(format!("Unknown signature algorithm: {id:#06x}")),
        }
    }
    if all_ids.is_empty() {
        sr.errors.push("No signatures".into());
        return Some(());
    }
    let to_verify = match signatures_to_verify(
        &supported_sigs,
        sel_min.max(min_sdk),
        sel_max.min(max_sdk).max(sel_min.max(min_sdk)),
    ) {
        Ok(v) => v,
        Err(e) => {
            sr.errors.push(format!("No supported signatures: {e}"));
            return Some(());
        }
    };
    for (a, sig) in &to_verify {
        let Some(key) = crypto::parse_spki(public_key).filter(|k| k.alg() == a.sig.key_alg())
        else {
            sr.errors.push("Malformed public key".into());
            return Some(());
        };
        match crypto::verify(&key, a.sig, signed_data, sig) {
            Ok(true) => {
                sr.verified_content.insert(a.content);
            }
            Ok(false) => {
                sr.errors.push(format!(
                    "{} signature over signed-data did not verify",
                    a.name
                ));
                return Some(());
            }
            Err(e) => {
                sr.errors
                    .push(format!("Failed to verify {} signature: {e}", a.name));
                return Some(());
            }
        }
    }
    // Signed data.
    let mut sd = signed_data;
    let mut digests = lp(&mut sd)?;
    let mut certs = lp(&mut sd)?;
    let (signed_min, signed_max) = if scheme != Scheme::V2 {
        (Some(u32_le(&mut sd)?), Some(u32_le(&mut sd)?))
    } else {
        (None, None)
    };
    let mut attrs = lp(&mut sd)?;
    let mut ci = 0;
    while !certs.is_empty() {
        ci += 1;
        if ci > MAX_ITEMS {
            return None;
        }
        let c = lp(&mut certs)?;
        match x509::parse(c) {
            Some(cert) => sr.certs.push(cert),
            None => {
                sr.errors.push(format!("Malformed certificate #{ci}"));
                return Some(());
            }
        }
    }
    let Some(main) = sr.certs.first() else {
        sr.errors.push("No certificates".into());
        return Some(());
    };
    if main.spki != public_key {
        sr.errors.push(format!(
            "Public key mismatch between certificate and signature record: <{}> vs <{}>",
            x509::hex(main.spki),
            x509::hex(public_key)
        ));
        return Some(());
    }
    let mut di = 0;
    while !digests.is_empty() {
        di += 1;
        if di > MAX_ITEMS {
            return None;
        }
        let parsed = (|| {
            let mut one = lp(&mut digests)?;
            let id = u32_le(&mut one)?;
            let d = lp(&mut one)?;
            Some((id, d))
        })();
        match parsed {
            Some(x) => sr.digests.push(x),
            None => {
                sr.errors.push(format!("Malformed digest record #{di}"));
                return Some(());
            }
        }
    }
    let digest_ids: Vec<u32> = sr.digests.iter().map(|d| d.0).collect();
    if digest_ids != all_ids {
        sr.errors.push(format!(
            "Signature algorithms mismatch between signatures and digests records: {all_ids:?} vs {digest_ids:?}"
        ));
        return Some(());
    }
    if let (Some(a), Some(b)) = (signed_min, signed_max) {
        if a != sr.min_sdk {
            sr.errors.push(format!(
                "minSdkVersion mismatch between signed data and signer: {a} vs {}",
                sr.min_sdk
            ));
        }
        if b != sr.max_sdk {
            sr.errors.push(format!(
                "maxSdkVersion mismatch between signed data and signer: {b} vs {}",
                sr.max_sdk
            ));
        }
    }
    let mut ai = 0;
    let mut expected_schemes = BTreeSet::new();
    while !attrs.is_empty() {
        ai += 1;
        if ai > MAX_ITEMS {
            return None;
        }
        let parsed = (|| {
            let mut one = lp(&mut attrs)?;
            let id = u32_le(&mut one)?;
            Some((id, one))
        })();
        let Some((id, value)) = parsed else {
            sr.errors
                .push(format!("Malformed additional attribute #{ai}"));
            return Some(());
        };
        match (scheme, id) {
            (Scheme::V2, ATTR_STRIPPING_PROTECTION) => {
                let mut v = value;
                match u32_le(&mut v) {
                    Some(sid) if supported.contains(&sid) => {
                        expected_schemes.insert(sid);
                    }
                    Some(sid) => sr.warnings.push(format!(
                        "Unknown APK signature scheme id {sid} in stripping protection"
                    )),
                    None => {
                        sr.errors
                            .push(format!("Malformed additional attribute #{ai}"));
                        return Some(());
                    }
                }
            }
            (Scheme::V3 | Scheme::V31, ATTR_PROOF_OF_ROTATION) => match parse_lineage(value) {
                Ok(l) => {
                    let last_ok = l.last().map(|n| n.cert.raw) == Some(main.raw);
                    if !last_ok {
                        sr.errors.push("Signing certificate does not match the last certificate of the proof-of-rotation lineage".into());
                    }
                    sr.lineage = Some(l);
                }
                Err(e) => {
                    if e.starts_with("POR") {
                        sr.errors
                            .push(format!("Proof-of-rotation lineage did not verify: {e}"));
                    } else {
                        sr.errors
                            .push(format!("Malformed proof-of-rotation lineage: {e}"));
                    }
                }
            },
            (Scheme::V3 | Scheme::V31, ATTR_ROTATION_MIN_SDK) => {
                let mut v = value;
                sr.rotation_min_sdk = u32_le(&mut v);
            }
            (Scheme::V3 | Scheme::V31, ATTR_ROTATION_ON_DEV_RELEASE) => {
                sr.rotation_on_dev_release = true;
            }
            _ => sr
                .warnings
                .push(format!("Unknown additional attribute: ID {id:#x}")),
        }
    }
    for sid in expected_schemes {
        if !found.contains(&sid) {
            let name = match sid {
                3 => "APK Signature Scheme v3",
                2 => "APK Signature Scheme v2",
                _ => "APK signature scheme",
            };
            sr.errors.push(format!(
                "APK Signature Scheme v2 signature indicates the APK is signed using {name} but no such signature was found. Signature stripped?"
            ));
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_prefixed_slices() {
        let mut b: &[u8] = &[3, 0, 0, 0, 1, 2, 3, 9];
        assert_eq!(lp(&mut b), Some(&[1u8, 2, 3][..]));
        assert_eq!(b, &[9]);
        let mut short: &[u8] = &[5, 0, 0, 0, 1];
        assert_eq!(lp(&mut short), None);
        let mut neg: &[u8] = &[0xff, 0xff, 0xff, 0xff];
        assert_eq!(lp(&mut neg), None);
    }

    #[test]
    fn picks_strongest_signature_per_sdk() {
        let a = alg_by_id(0x0103).unwrap();
        let b = alg_by_id(0x0104).unwrap();
        let v = alg_by_id(0x0421).unwrap();
        let sigs = [(a, &b"a"[..]), (b, &b"b"[..]), (v, &b"v"[..])];
        let chosen = signatures_to_verify(&sigs, 24, 40).unwrap();
        assert_eq!(chosen.len(), 2);
        assert_eq!(chosen[0].0.id, 0x0104);
        assert_eq!(chosen[1].0.id, 0x0421);
        // Only verity (min SDK 28) cannot cover SDK 24.
        assert!(signatures_to_verify(&[(v, &b"v"[..])], 24, 40).is_err());
        assert!(signatures_to_verify(&[], 24, 40).is_err());
        assert!(alg_by_id(0x9999).is_none());
    }

    #[test]
    fn lineage_errors() {
        assert!(parse_lineage(&[2, 0, 0, 0])
            .unwrap_err()
            .contains("version"));
        assert!(parse_lineage(&[1, 0, 0, 0]).unwrap().is_empty());
        assert!(parse_lineage(&[1, 0, 0, 0, 9, 0, 0, 0]).is_err());
    }

    #[test]
    fn malformed_scheme_blocks_are_errors_not_panics() {
        let apk = vec![0u8; 64];
        let ctx = Ctx {
            apk: &apk,
            block_offset: 0,
            cd_offset: 0,
            eocd_offset: 0,
        };
        let none = BTreeSet::new();
        for block in [
            &b""[..],
            &[4, 0, 0, 0, 0, 0, 0, 0][..],
            &[8, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0][..],
        ] {
            for s in [Scheme::V2, Scheme::V3] {
                let r = verify_scheme(&ctx, s, block, 24, 40, &none, &none);
                assert!(!r.verified);
                assert!(r.has_errors());
            }
        }
    }
}
