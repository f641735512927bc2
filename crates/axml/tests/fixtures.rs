//! Real fixtures: every AXML trick file and every APK manifest decodes, and our tree matches
//! `aapt dump xmltree` element by element and attribute by attribute.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use medshield_axml::manifest::Manifest;
use medshield_axml::nsc::NetworkSecurityConfig;
use medshield_axml::{Element, XmlDocument};

fn normalize(s: &str) -> String {
    let s = s.split('\0').next().unwrap_or("");
    s.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('"', "\\\"")
}

/// Our tree in the projection compared with aapt: `E name` and `A key=value` lines, preorder.
fn project(doc: &XmlDocument, el: &Element, out: &mut Vec<String>) {
    match &el.namespace {
        Some(uri) => {
            // aapt prints the prefix bound to the URI, or the URI itself.
            let prefix = doc
                .namespaces()
                .iter()
                .find(|n| n.uri.as_deref() == Some(uri))
                .and_then(|n| n.prefix.clone());
            out.push(format!(
                "E {}:{}",
                prefix.unwrap_or_else(|| uri.clone()),
                el.name
            ));
        }
        None => out.push(format!("E {}", el.name)),
    }
    for a in &el.attributes {
        let key = match a.resource_id {
            Some(id) => format!("(0x{id:08x})"),
            None => a.name.rsplit(':').next().unwrap_or_default().to_owned(),
        };
        let raw = a.raw.as_deref().map(normalize);
        let mut v = match a.data_type {
            0x01 => format!("@0x{:08x}", a.data),
            0x02 => format!("?0x{:08x}", a.data),
            0x03 => format!("\"{}\"", raw.clone().unwrap_or_default()),
            t => format!("(type 0x{t:x})0x{:x}", a.data),
        };
        if let Some(r) = raw {
            v.push_str(&format!(" (Raw: \"{r}\")"));
        }
        out.push(format!("A {key}={v}"));
    }
    for c in &el.children {
        project(doc, c, out);
    }
}

/// aapt's xmltree output in the same projection.
fn project_aapt(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let l = line.trim_start();
        if let Some(rest) = l.strip_prefix("E: ") {
            let name = rest.rsplit_once(" (line=").map(|(n, _)| n).unwrap_or(rest);
            out.push(format!("E {name}"));
        } else if let Some(rest) = l.strip_prefix("A: ") {
            // With a resource id: "prefix:name(0x0101021b)=value"; otherwise "prefix:name=value".
            let id_pos = rest
                .find("(0x")
                .filter(|&i| rest[i..].get(11..13) == Some(")="));
            let (key, value) = match id_pos {
                Some(i) => (rest[i..i + 12].to_owned(), &rest[i + 13..]),
                None => {
                    let (k, v) = rest.split_once('=').unwrap_or((rest, ""));
                    (k.rsplit(':').next().unwrap_or_default().to_owned(), v)
                }
            };
            out.push(format!("A {key}={value}"));
        }
    }
    out
}

fn aapt_xmltree(apk: &Path) -> Option<String> {
    let out = Command::new("aapt")
        .args(["dump", "xmltree"])
        .arg(apk)
        .arg("AndroidManifest.xml")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn manifest_of(apk: &Path) -> Option<Vec<u8>> {
    let bytes = std::fs::read(apk).ok()?;
    let archive = medshield_zip::Archive::parse(&bytes).ok()?;
    let e = archive.entry("AndroidManifest.xml")?;
    archive.read(e).ok().map(|c| c.into_owned())
}

/// Wraps a bare binary XML into a one-entry APK so aapt can dump it.
fn wrap(xml: &Path, dir: &Path) -> Option<PathBuf> {
    let sub = dir.join(xml.file_stem()?);
    std::fs::create_dir_all(&sub).ok()?;
    std::fs::copy(xml, sub.join("AndroidManifest.xml")).ok()?;
    let apk = sub.join("t.apk");
    let _ = std::fs::remove_file(&apk);
    let st = Command::new("zip")
        .arg("-q")
        .arg("t.apk")
        .arg("AndroidManifest.xml")
        .current_dir(&sub)
        .status()
        .ok()?;
    st.success().then_some(apk)
}

fn compare(
    what: &str,
    ours: &XmlDocument,
    apk: &Path,
    agree: &mut usize,
    problems: &mut Vec<String>,
) {
    let Some(tree) = aapt_xmltree(apk) else {
        eprintln!("{what}: aapt refuses it; anomalies: {:?}", ours.anomalies());
        return;
    };
    let mut mine = Vec::new();
    project(ours, ours.root(), &mut mine);
    let theirs = project_aapt(&tree);
    if mine == theirs {
        *agree += 1;
    } else {
        let first = mine
            .iter()
            .zip(theirs.iter())
            .position(|(a, b)| a != b)
            .unwrap_or(mine.len().min(theirs.len()));
        problems.push(format!(
            "{what}: first difference at line {first}: ours {:?} aapt {:?} (lens {} vs {})",
            mine.get(first),
            theirs.get(first),
            mine.len(),
            theirs.len()
        ));
    }
}

#[test]
fn trick_manifests_decode_like_aapt() {
    let Some(root) = medshield_fixtures::apks_root("trick_manifests_decode_like_aapt") else {
        return;
    };
    let have_aapt =
        medshield_fixtures::oracle_available("aapt", "trick_manifests_decode_like_aapt");
    let dir = std::env::temp_dir().join(format!("medshield-axml-{}", std::process::id()));
    let axml = root.join("androguard/tests/data/AXML");
    let (mut agree, mut problems, mut n) = (0, Vec::new(), 0);
    for f in medshield_fixtures::files_with_extension(&axml, &[".xml"]) {
        let bytes = std::fs::read(&f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let doc = XmlDocument::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        n += 1;
        if name.starts_with("AndroidManifest") {
            let m = Manifest::from_document(&doc).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!m.package.is_empty(), "{name}: no package");
            eprintln!(
                "{name}: package {} vc {:?} min {:?} target {:?} perms {} comps {}",
                m.package,
                m.version_code,
                m.min_sdk.level,
                m.target_sdk.level,
                m.uses_permissions.len(),
                m.application.as_ref().map_or(0, |a| a.components.len())
            );
        }
        if name.contains("WrongFilesize") {
            assert!(doc
                .anomalies()
                .iter()
                .any(|a| a.kind == medshield_axml::AnomalyKind::WrongDocumentSize));
        }
        if have_aapt {
            if let Some(apk) = wrap(&f, &dir) {
                compare(&name, &doc, &apk, &mut agree, &mut problems);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("AXML trick files: {n} decoded, {agree} identical to aapt xmltree");
    for p in &problems {
        eprintln!("DIFF {p}");
    }
    assert!(n >= 20);
    assert!(problems.is_empty(), "{} difference(s)", problems.len());
}

#[test]
fn apk_manifests_decode_like_aapt() {
    let Some(root) = medshield_fixtures::apks_root("apk_manifests_decode_like_aapt") else {
        return;
    };
    if !medshield_fixtures::oracle_available("aapt", "apk_manifests_decode_like_aapt") {
        return;
    }
    let (mut agree, mut problems, mut n) = (0, Vec::new(), 0);
    for apk in medshield_fixtures::files_with_extension(&root, &[".apk"]) {
        let Some(xml) = manifest_of(&apk) else {
            continue;
        };
        let doc = match XmlDocument::parse(&xml) {
            Ok(d) => d,
            Err(e) => {
                if aapt_xmltree(&apk).is_some() {
                    problems.push(format!(
                        "{}: we fail ({e}) where aapt decodes",
                        apk.display()
                    ));
                }
                continue;
            }
        };
        n += 1;
        let _ = Manifest::from_document(&doc);
        compare(
            &apk.display().to_string(),
            &doc,
            &apk,
            &mut agree,
            &mut problems,
        );
    }
    eprintln!("APK manifests: {n} decoded, {agree} identical to aapt xmltree");
    for p in &problems {
        eprintln!("DIFF {p}");
    }
    assert!(n >= 300);
    assert!(problems.is_empty(), "{} difference(s)", problems.len());
}

#[test]
fn regressions_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut n = 0;
    for f in medshield_fixtures::files_with_extension(&dir, &[""]) {
        let bytes = std::fs::read(&f).unwrap();
        if let Ok(doc) = XmlDocument::parse(&bytes) {
            let _ = Manifest::from_document(&doc);
            let _ = NetworkSecurityConfig::from_document(&doc);
        }
        n += 1;
    }
    eprintln!("{n} regression input(s) parsed without panicking");
    assert!(dir.is_dir());
}
