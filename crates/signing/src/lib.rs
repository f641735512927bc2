//! APK signature verification that reaches the same verdict as Android's `apksigner verify`
//! (the apksig library's `ApkVerifier`): JAR signing (v1), APK Signature Scheme v2, v3 and v3.1
//! with proof-of-rotation lineages, plus the APK Signing Block parser they rest on.
//!
//! What it is not: no I/O (callers pass a parsed [`medshield_zip::Archive`]), no manifest
//! parsing (callers pass the manifest's minSdkVersion / targetSdkVersion /
//! targetSandboxVersion in [`VerifyOptions`]), no trust decisions beyond Android's own (Android
//! does not check certificate chains or validity dates for APKs, and neither do we).
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod block;
mod crypto;
mod der;
mod digest;
mod v1;
mod v2v3;
mod x509;

pub use block::{
    parse_signing_block, BlockError, BlockPair, PairError, SigningBlock, ID_SOURCE_STAMP_V1,
    ID_SOURCE_STAMP_V2, ID_V2, ID_V3, ID_V31, ID_VERITY_PADDING,
};
pub use x509::CertificateInfo;

use medshield_zip::{Archive, Entry};
use serde::Serialize;
use std::collections::BTreeSet;
use v2v3::{Ctx, Scheme, SchemeResult};

/// Android 7.0: v2 introduced; JAR-only verification stops when v2+ is present.
const SDK_N: u32 = 24;
/// Android 8.0: targetSandboxVersion enforcement.
const SDK_O: u32 = 26;
/// Android 9: v3.
const SDK_P: u32 = 28;
/// Android 11: targetSdk >= 30 needs v2+.
const SDK_R: u32 = 30;
/// Android 13: v3.1.
const SDK_T: u32 = 33;
/// Name of the entry carrying a source stamp's certificate digest.
const SOURCE_STAMP_ENTRY: &str = "stamp-cert-sha256";

/// Which Android versions the verdict must hold for, and manifest facts that change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The manifest's minSdkVersion (1 when absent), as apksigner takes it.
    pub min_sdk: u32,
    /// Highest platform to consider; apksigner's default is `i32::MAX`.
    pub max_sdk: u32,
    /// The manifest's targetSdkVersion, if known (targetSdk >= 30 requires v2 or newer).
    pub target_sdk: Option<u32>,
    /// The manifest's targetSandboxVersion, if known (> 1 requires v2 or newer).
    pub target_sandbox_version: Option<u32>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            min_sdk: 1,
            max_sdk: i32::MAX as u32,
            target_sdk: None,
            target_sandbox_version: None,
        }
    }
}

/// Outcome for one signature scheme.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SchemeReport {
    /// The APK carries this kind of signature (whether or not it was checked).
    pub present: bool,
    /// It was checked and verified.
    pub verified: bool,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Schemes {
    pub v1: SchemeReport,
    pub v2: SchemeReport,
    pub v3: SchemeReport,
    pub v31: SchemeReport,
}

/// One certificate in a v3 proof-of-rotation lineage (oldest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineageEntry {
    pub certificate: CertificateInfo,
    /// Capability flags (installed data 1, shared uid 2, permission 4, rollback 8, auth 16).
    pub flags: u32,
}

/// A source stamp found in the APK (presence only; the stamp is not verified).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceStamp {
    /// Signing-block ID of the stamp block (v1 or v2 stamp), if a block was found.
    pub block_id: Option<u32>,
    /// Whether the `stamp-cert-sha256` entry is present.
    pub has_certificate_digest_entry: bool,
}

/// Odd-but-survivable things about the signing data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SigningAnomaly {
    /// Signing block present but unusable; Android then treats the APK as having no v2+/v3.
    MalformedSigningBlock { error: BlockError },
    /// The ID-value list ended early; later pairs are invisible to Android.
    MalformedSigningBlockPair { error: PairError },
    /// A pair with an ID no Android version uses.
    UnknownSigningBlockPair { id: u32, len: u64 },
    /// v3.1 block without v3 block.
    V31WithoutV3,
}

/// What signature verification found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SigningReport {
    /// Android's overall verdict for the requested SDK range.
    pub verified: bool,
    pub schemes: Schemes,
    /// Errors that belong to no single scheme (missing manifest, cross-scheme mismatches).
    pub errors: Vec<String>,
    /// The signer certificates apksigner would print (only when verified).
    pub signers: Vec<CertificateInfo>,
    /// Every distinct certificate seen in any verified-or-not signer, in order found.
    pub certificates: Vec<CertificateInfo>,
    /// The v3 proof-of-rotation lineage, oldest first (empty without rotation).
    pub lineage: Vec<LineageEntry>,
    pub source_stamp: Option<SourceStamp>,
    /// IDs of all pairs in the APK Signing Block, in order.
    pub signing_block_ids: Vec<u32>,
    pub anomalies: Vec<SigningAnomaly>,
}

/// Verifies the APK's signatures as `apksigner verify` does for `opts`.
pub fn verify(archive: &Archive<'_>, opts: &VerifyOptions) -> SigningReport {
    verify_observing(archive, opts, &mut |_, _| {})
}

/// Like [`verify`], handing each entry that v1 verification inflated to `on_entry`.
pub fn verify_observing(
    archive: &Archive<'_>,
    opts: &VerifyOptions,
    on_entry: &mut dyn FnMut(&Entry<'_>, &[u8]),
) -> SigningReport {
    let mut rep = SigningReport::default();
    let min = opts.min_sdk;
    let max = opts.max_sdk;
    let apk = archive.data();
    let block = parse_signing_block(apk, archive.central_directory_offset());
    let block = match block {
        Ok(b) => {
            if let Some(e) = &b.malformed {
                rep.anomalies
                    .push(SigningAnomaly::MalformedSigningBlockPair { error: e.clone() });
            }
            for p in &b.pairs {
                rep.signing_block_ids.push(p.id);
                if ![
                    ID_V2,
                    ID_V3,
                    ID_V31,
                    ID_SOURCE_STAMP_V1,
                    ID_SOURCE_STAMP_V2,
                    ID_VERITY_PADDING,
                    block::ID_DEPENDENCY_INFO,
                    block::ID_FROSTING,
                ]
                .contains(&p.id)
                {
                    rep.anomalies.push(SigningAnomaly::UnknownSigningBlockPair {
                        id: p.id,
                        len: p.len,
                    });
                }
            }
            Some(b)
        }
        Err(BlockError::NoMagic) | Err(BlockError::TooSmall { .. }) => None,
        Err(e) => {
            rep.anomalies
                .push(SigningAnomaly::MalformedSigningBlock { error: e });
            None
        }
    };
    let find = |id| block.as_ref().and_then(|b| b.find(id));
    rep.schemes.v2.present = find(ID_V2).is_some();
    rep.schemes.v3.present = find(ID_V3).is_some();
    rep.schemes.v31.present = find(ID_V31).is_some();
    let has_manifest_mf = archive.entry("META-INF/MANIFEST.MF").is_some();
    rep.schemes.v1.present = has_manifest_mf
        && archive.entries().iter().any(|e| {
            let n = e.name();
            n.starts_with("META-INF/") && n.ends_with(".SF")
        });
    let stamp_entry = archive.entry(SOURCE_STAMP_ENTRY).is_some();
    let stamp_block = find(ID_SOURCE_STAMP_V2)
        .map(|_| ID_SOURCE_STAMP_V2)
        .or(find(ID_SOURCE_STAMP_V1).map(|_| ID_SOURCE_STAMP_V1));
    if stamp_entry || stamp_block.is_some() {
        rep.source_stamp = Some(SourceStamp {
            block_id: stamp_block,
            has_certificate_digest_entry: stamp_entry,
        });
    }
    if rep.schemes.v31.present && !rep.schemes.v3.present {
        rep.anomalies.push(SigningAnomaly::V31WithoutV3);
    }

    // apksigner reads minSdkVersion from the manifest and gives up without one.
    if archive.entry("AndroidManifest.xml").is_none() {
        rep.errors.push("Missing AndroidManifest.xml".into());
        return rep;
    }

    let mut supported = BTreeSet::new();
    if max >= SDK_N {
        supported.insert(2u32);
    }
    if max >= SDK_P {
        supported.insert(3u32);
    }
    let mut found: BTreeSet<u32> = BTreeSet::new();
    let mut v2r: Option<SchemeResult<'_>> = None;
    let mut v3r: Option<SchemeResult<'_>> = None;
    let mut v31r: Option<SchemeResult<'_>> = None;

    if max >= SDK_N {
        if let Some(b) = &block {
            let ctx = Ctx {
                apk,
                block_offset: b.offset,
                cd_offset: archive.central_directory_offset(),
                eocd_offset: archive.eocd_offset(),
            };
            if max >= SDK_T {
                if let Some(v) = b.find(ID_V31) {
                    let r = v2v3::verify_scheme(
                        &ctx,
                        Scheme::V31,
                        v,
                        min.max(SDK_T),
                        max,
                        &found,
                        &supported,
                    );
                    found.insert(31);
                    fill(&mut rep.schemes.v31, &r, &mut rep.certificates);
                    let failed = r.has_errors();
                    v31r = Some(r);
                    if failed {
                        return rep;
                    }
                }
            }
            if max >= SDK_P {
                if let Some(v) = b.find(ID_V3) {
                    let r = v2v3::verify_scheme(
                        &ctx,
                        Scheme::V3,
                        v,
                        min.max(SDK_P),
                        max,
                        &found,
                        &supported,
                    );
                    found.insert(3);
                    fill(&mut rep.schemes.v3, &r, &mut rep.certificates);
                    let failed = r.has_errors();
                    v3r = Some(r);
                    if failed {
                        return rep;
                    }
                } else if found.contains(&31) {
                    rep.errors
                        .push("APK Signature Scheme v3.1 block found without a v3 block".into());
                    return rep;
                }
            }
            if min < SDK_P || found.is_empty() {
                if let Some(v) = b.find(ID_V2) {
                    let r = v2v3::verify_scheme(
                        &ctx,
                        Scheme::V2,
                        v,
                        min.max(SDK_N),
                        max,
                        &found,
                        &supported,
                    );
                    found.insert(2);
                    fill(&mut rep.schemes.v2, &r, &mut rep.certificates);
                    let failed = r.has_errors();
                    v2r = Some(r);
                    if failed {
                        return rep;
                    }
                }
            }
        }
    }

    if max >= SDK_O {
        if let Some(sv) = opts.target_sandbox_version.filter(|&v| v > 1) {
            if found.is_empty() {
                rep.errors.push(format!(
                    "Missing APK Signature Scheme v2 signature required for target sandbox version {sv}"
                ));
            }
        }
    }

    let mut v1_signers: Vec<v1::OwnedCert> = Vec::new();
    if min < SDK_N || found.is_empty() {
        // v1 sees v2/v3 as "found" (3.1 is not a scheme id in X-Android-APK-Signed).
        let r = v1::verify(archive, min, max, &found, &supported, on_entry);
        rep.schemes.v1.errors = r.errors;
        rep.schemes.v1.warnings = r.warnings;
        rep.schemes.v1.verified = r.verified;
        for (_, chain) in &r.signers {
            if let Some(c) = chain.first() {
                v1_signers.push(c.clone());
                push_cert(&mut rep.certificates, &c.info);
            }
        }
    }
    if !rep.errors.is_empty() || !rep.schemes.v1.errors.is_empty() {
        return rep;
    }

    let v2_ok = v2r.as_ref().is_some_and(|r| r.verified);
    let v3_ok = v3r.as_ref().is_some_and(|r| r.verified);
    let v31_ok = v31r.as_ref().is_some_and(|r| r.verified);
    let v1_ok = rep.schemes.v1.verified;
    let v2_certs: Vec<&[u8]> = v2r
        .as_ref()
        .map(|r| {
            r.signers
                .iter()
                .filter_map(|s| s.certs.first().map(|c| c.raw))
                .collect()
        })
        .unwrap_or_default();
    if v1_ok && v2_ok {
        if let Some(c) = v1_signers
            .iter()
            .find(|c| !v2_certs.contains(&c.raw.as_slice()))
        {
            rep.schemes.v1.errors.push(format!(
                "JAR signer {} is not found in APK Signature Scheme v2 signers",
                c.info.subject
            ));
        }
        if v2_certs
            .iter()
            .any(|c| !v1_signers.iter().any(|v| v.raw.as_slice() == *c))
        {
            rep.schemes
                .v2
                .errors
                .push("APK Signature Scheme v2 signer not found among JAR signers".into());
        }
    }
    if v3_ok && (v1_ok || v2_ok) {
        let (count, old): (usize, Option<Vec<u8>>) = if v1_ok {
            (v1_signers.len(), v1_signers.first().map(|c| c.raw.clone()))
        } else {
            (v2_certs.len(), v2_certs.first().map(|c| c.to_vec()))
        };
        if count != 1 {
            rep.errors.push(
                "APK Signature Scheme v3 signer does not support multiple past signers".into(),
            );
        }
        if let Some(r) = &v3r {
            match &r.lineage {
                None => {
                    if r.signers.len() != 1 {
                        rep.errors.push(
                            "APK Signature Scheme v3 has multiple signers without a lineage".into(),
                        );
                    }
                    let v3c = r
                        .signers
                        .first()
                        .and_then(|s| s.certs.first())
                        .map(|c| c.raw);
                    if v3c != old.as_deref() {
                        rep.errors.push("APK Signature Scheme v3 signer differs from v1/v2 signer without a proof-of-rotation lineage".into());
                    }
                }
                Some(l) => {
                    let pos = l.iter().position(|n| Some(n.cert.raw) == old.as_deref());
                    if pos != Some(0) {
                        rep.errors.push(
                            "v1/v2 signer is not the root of the v3 proof-of-rotation lineage"
                                .into(),
                        );
                    }
                }
            }
        }
    }
    if let Some(t) = opts.target_sdk {
        if t >= SDK_R && max >= t && !(v2_ok || v3_ok || v31_ok) {
            rep.errors.push(format!(
                "Target SDK version {t} requires a minimum of signature scheme v2; the APK is not signed with this or a later signature scheme"
            ));
        }
    }
    let any_err = !rep.errors.is_empty()
        || [
            &rep.schemes.v1,
            &rep.schemes.v2,
            &rep.schemes.v3,
            &rep.schemes.v31,
        ]
        .iter()
        .any(|s| !s.errors.is_empty());
    if let Some(l) = v31r
        .as_ref()
        .and_then(|r| r.lineage.as_ref())
        .or(v3r.as_ref().and_then(|r| r.lineage.as_ref()))
    {
        rep.lineage = l
            .iter()
            .map(|n| LineageEntry {
                certificate: n.cert.info(),
                flags: n.flags,
            })
            .collect();
    }
    if any_err {
        return rep;
    }
    rep.verified = true;
    let last_of = |r: &SchemeResult<'_>| {
        r.signers
            .last()
            .and_then(|s| s.certs.first())
            .map(|c| c.info())
    };
    if let Some(c) = v31r.as_ref().filter(|_| v31_ok).and_then(last_of) {
        rep.signers.push(c);
    } else if let Some(c) = v3r.as_ref().filter(|_| v3_ok).and_then(last_of) {
        rep.signers.push(c);
    } else if v2_ok {
        if let Some(r) = &v2r {
            rep.signers.extend(
                r.signers
                    .iter()
                    .filter_map(|s| s.certs.first().map(|c| c.info())),
            );
        }
    } else if v1_ok {
        rep.signers
            .extend(v1_signers.iter().map(|c| c.info.clone()));
    }
    rep
}

fn push_cert(all: &mut Vec<CertificateInfo>, c: &CertificateInfo) {
    if !all.iter().any(|x| x.sha256 == c.sha256) {
        all.push(c.clone());
    }
}

fn fill(out: &mut SchemeReport, r: &SchemeResult<'_>, certs: &mut Vec<CertificateInfo>) {
    out.verified = r.verified;
    out.errors.extend(r.errors.iter().cloned());
    out.warnings.extend(r.warnings.iter().cloned());
    for s in &r.signers {
        out.errors.extend(s.errors.iter().cloned());
        out.warnings.extend(s.warnings.iter().cloned());
        for c in &s.certs {
            push_cert(certs, &c.info());
        }
    }
}
