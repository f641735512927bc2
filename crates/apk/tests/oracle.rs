//! The acceptance test of the scanner engine: for every package under `../shared/fixtures/apks`
//! that Android's own tools accept, `inspect` must agree with
//! - `aapt dump badging`: package, versionCode, versionName, min/target SDK, permissions, label;
//! - `apksigner verify --print-certs -v`: overall verdict, the schemes that verify, signer SHA-256s;
//! - `dexdump -f`: per-dex string/type/proto/field/method/class counts.
//!
//! Every disagreement is listed; the only ones allowed are in `JUSTIFIED` below, each with its reason
//! (see docs/oracles.md).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use medshield_apk::{inspect, ApkReport, InspectOptions};
use medshield_fixtures::{oracle_output, parallel_map};

/// Disagreements we accept, by fixture file name and field, each with the reason.
const JUSTIFIED: &[(&str, &str, &str)] = &[];

fn quoted_after<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(key)? + key.len();
    let rest = &line[start..];
    let end = rest.find('\'')?;
    Some(&rest[..end])
}

#[derive(Default, Debug)]
struct Badging {
    package: String,
    version_code: Option<String>,
    version_name: Option<String>,
    min_sdk: Option<String>,
    target_sdk: Option<String>,
    permissions: BTreeSet<String>,
    implied: BTreeSet<String>,
    label: Option<String>,
    localized_labels: BTreeMap<String, String>,
}

fn parse_badging(text: &str) -> Badging {
    let mut b = Badging::default();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("package: ") {
            b.package = quoted_after(rest, "name='").unwrap_or_default().to_owned();
            b.version_code = quoted_after(rest, "versionCode='").map(str::to_owned);
            b.version_name = quoted_after(rest, "versionName='").map(str::to_owned);
        } else if let Some(rest) = line.strip_prefix("sdkVersion:'") {
            b.min_sdk = rest.strip_suffix('\'').map(str::to_owned);
        } else if let Some(rest) = line.strip_prefix("targetSdkVersion:'") {
            b.target_sdk = rest.strip_suffix('\'').map(str::to_owned);
        } else if line.starts_with("uses-permission:")
            || line.starts_with("uses-permission-sdk-23:")
        {
            if let Some(n) = quoted_after(line, "name='") {
                b.permissions.insert(n.to_owned());
            }
        } else if line.starts_with("uses-implied-permission:") {
            if let Some(n) = quoted_after(line, "name='") {
                b.implied.insert(n.to_owned());
            }
        } else if let Some(rest) = line.strip_prefix("application-label:'") {
            b.label = rest.strip_suffix('\'').map(str::to_owned);
        } else if let Some(rest) = line.strip_prefix("application-label-") {
            if let Some((locale, value)) = rest.split_once(":'") {
                let value = value.strip_suffix('\'').unwrap_or(value);
                b.localized_labels
                    .insert(locale.to_owned(), value.to_owned());
            }
        }
    }
    b
}

#[derive(Default, Debug, PartialEq)]
struct SignerVerdict {
    verified: bool,
    schemes: [bool; 4],
    sha256: BTreeSet<String>,
}

fn parse_apksigner(ok: bool, text: &str) -> SignerVerdict {
    let mut v = SignerVerdict {
        verified: ok,
        ..SignerVerdict::default()
    };
    for line in text.lines() {
        let flag = |prefix: &str| line.starts_with(prefix) && line.trim_end().ends_with("true");
        if flag("Verified using v1 scheme") {
            v.schemes[0] = true;
        } else if flag("Verified using v2 scheme") {
            v.schemes[1] = true;
        } else if flag("Verified using v3 scheme") {
            v.schemes[2] = true;
        } else if flag("Verified using v3.1 scheme") {
            v.schemes[3] = true;
        } else if line.starts_with("Signer #") && line.contains("certificate SHA-256 digest: ") {
            if let Some((_, d)) = line.split_once("digest: ") {
                v.sha256.insert(d.trim().to_owned());
            }
        }
    }
    v
}

fn dexdump_counts(dex: &Path) -> Option<[u64; 6]> {
    let (ok, text) = oracle_output("dexdump", &["-f"], dex);
    if !ok {
        return None;
    }
    let mut counts = [0u64; 6];
    let keys = [
        "string_ids_size",
        "type_ids_size",
        "proto_ids_size",
        "field_ids_size",
        "method_ids_size",
        "class_defs_size",
    ];
    for line in text.lines() {
        for (i, k) in keys.iter().enumerate() {
            if let Some(rest) = line.trim_start().strip_prefix(k) {
                counts[i] = rest
                    .trim_start_matches([' ', ':'])
                    .split_whitespace()
                    .next()?
                    .parse()
                    .ok()?;
            }
        }
    }
    Some(counts)
}

struct Outcome {
    checked: Vec<&'static str>,
    disagreements: Vec<(String, &'static str, String)>,
}

fn check_one(path: &PathBuf, dex_dir: &Path) -> Option<Outcome> {
    let (aapt_ok, badging_text) = oracle_output("aapt", &["dump", "badging"], path);
    if !aapt_ok {
        return None; // Android's tools reject it: not part of the agreement count.
    }
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let bytes = std::fs::read(path).unwrap();
    let mut out = Outcome {
        checked: Vec::new(),
        disagreements: Vec::new(),
    };
    let report: ApkReport = match inspect(&bytes, &InspectOptions::default()) {
        Ok(r) => r,
        Err(e) => {
            out.disagreements
                .push((file, "readable", format!("aapt reads it, we fail: {e}")));
            return Some(out);
        }
    };
    let mut differ = |field: &'static str, ours: String, theirs: String| {
        out.checked.push(field);
        if ours != theirs {
            out.disagreements.push((
                file.clone(),
                field,
                format!("ours {ours:?} vs oracle {theirs:?}"),
            ));
        }
    };
    let b = parse_badging(&badging_text);
    differ("package", report.package.clone(), b.package.clone());
    differ(
        "version_code",
        report
            .version_code
            .map(|v| v.to_string())
            .unwrap_or_default(),
        b.version_code.clone().unwrap_or_default(),
    );
    differ(
        "version_name",
        report.version_name.clone().unwrap_or_default(),
        b.version_name.clone().unwrap_or_default(),
    );
    if let Some(min) = &b.min_sdk {
        differ("min_sdk", report.min_sdk.to_string(), min.clone());
    }
    if let Some(target) = &b.target_sdk {
        differ("target_sdk", report.target_sdk.to_string(), target.clone());
    }
    let ours: BTreeSet<String> = report.permissions.iter().cloned().collect();
    // aapt also lists permissions it infers (e.g. READ_ from WRITE_EXTERNAL_STORAGE); those appear
    // on `uses-implied-permission` lines and are not in the manifest.
    let theirs: BTreeSet<String> = b
        .permissions
        .iter()
        .filter(|p| ours.contains(*p) || !b.implied.contains(*p))
        .cloned()
        .collect();
    differ("permissions", format!("{ours:?}"), format!("{theirs:?}"));
    if let Some(label) = &b.label {
        differ(
            "label",
            report.label.clone().unwrap_or_default(),
            label.clone(),
        );
    }
    let ours: BTreeMap<&String, &String> = report
        .labels
        .iter()
        .filter(|(l, _)| !l.is_empty())
        .collect();
    let theirs: BTreeMap<&String, &String> = b.localized_labels.iter().collect();
    differ(
        "labels (every locale)",
        format!("{ours:?}"),
        format!("{theirs:?}"),
    );

    let (signer_ok, signer_text) =
        oracle_output("apksigner", &["verify", "--print-certs", "-v"], path);
    let theirs = parse_apksigner(signer_ok, &signer_text);
    differ(
        "signing.verified",
        report.signing.verified.to_string(),
        theirs.verified.to_string(),
    );
    if theirs.verified {
        let s = report.signing.schemes;
        differ(
            "signing.schemes",
            format!("{:?}", [s.v1, s.v2, s.v3, s.v31]),
            format!("{:?}", theirs.schemes),
        );
        let ours: BTreeSet<String> = report
            .signing
            .certificates
            .iter()
            .map(|c| c.sha256.clone())
            .collect();
        differ(
            "signing.certificates",
            format!("{ours:?}"),
            format!("{:?}", theirs.sha256),
        );
    }

    // dexdump reads files: write each primary dex out once.
    let zip = medshield_zip::Archive::parse(&bytes).unwrap();
    for d in report.dex.iter().filter(|d| !d.name.contains('#')) {
        let Some(entry) = zip.entry(&d.name) else {
            continue;
        };
        let Ok(content) = zip.read_unchecked(entry) else {
            continue;
        };
        // Unique per call: identical fixtures (same digest) are checked on two threads at once.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dex_dir.join(format!("{}-{n}-{}", std::process::id(), d.name));
        std::fs::write(&tmp, &content).unwrap();
        if let Some(counts) = dexdump_counts(&tmp) {
            let s = &d.summary;
            let ours =
                [s.strings, s.types, s.protos, s.fields, s.methods, s.classes].map(u64::from);
            differ(
                "dex.counts",
                format!("{}: {ours:?}", d.name),
                format!("{}: {counts:?}", d.name),
            );
        }
        let _ = std::fs::remove_file(&tmp);
    }
    Some(out)
}

#[test]
fn inspect_agrees_with_androids_tools_on_every_fixture() {
    let test = "inspect_agrees_with_androids_tools_on_every_fixture";
    let Some(root) = medshield_fixtures::apks_root(test) else {
        return;
    };
    for tool in ["aapt", "apksigner", "dexdump"] {
        if !medshield_fixtures::oracle_available(tool, test) {
            return;
        }
    }
    let apks = medshield_fixtures::files_with_extension(&root, &[".apk"]);
    let dex_dir = medshield_fixtures::workspace_root()
        .join("target")
        .join("oracle-dex");
    std::fs::create_dir_all(&dex_dir).unwrap();
    let outcomes = parallel_map(&apks, 2, |p| check_one(p, &dex_dir));
    let accepted: Vec<&Outcome> = outcomes.iter().flatten().collect();
    let mut per_field: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    let mut unexplained = Vec::new();
    for o in &accepted {
        for f in &o.checked {
            per_field.entry(f).or_default().0 += 1;
        }
        for (file, field, detail) in &o.disagreements {
            per_field.entry(field).or_default().1 += 1;
            if !JUSTIFIED
                .iter()
                .any(|(f, fld, _)| f == file && fld == field)
            {
                unexplained.push(format!("{file}: {field}: {detail}"));
            }
        }
    }
    eprintln!(
        "{} of {} fixture APKs accepted by aapt were compared",
        accepted.len(),
        apks.len()
    );
    for (field, (checked, bad)) in &per_field {
        eprintln!("  {field:22} {} / {checked} agree", checked - bad);
    }
    assert!(
        accepted.len() > 300,
        "expected the ~360 aapt-readable fixtures, got {}",
        accepted.len()
    );
    assert!(
        unexplained.is_empty(),
        "{} disagreements:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
}
