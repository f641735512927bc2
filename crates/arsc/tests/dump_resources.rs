//! Every entry of every fixture `resources.arsc` against `aapt dump resources`: same ids, names,
//! value types and data (bags compared as bags), as multisets over all configurations.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use medshield_arsc::{Entry, ResValue, ResourceTable};

fn arsc_of(apk: &Path) -> Option<Vec<u8>> {
    let bytes = std::fs::read(apk).ok()?;
    let archive = medshield_zip::Archive::parse(&bytes).ok()?;
    let e = archive.entry("resources.arsc")?;
    archive.read(e).ok().map(|c| c.into_owned())
}

fn raw(v: &ResValue, strings_hint: u32) -> (u8, u32) {
    match v {
        ResValue::Null => (0, strings_hint),
        ResValue::Reference(r) => (1, *r),
        ResValue::Attribute(r) => (2, *r),
        ResValue::String(_) => (3, strings_hint),
        ResValue::Float(f) => (4, f.to_bits()),
        ResValue::IntDec(i) => (0x10, *i as u32),
        ResValue::IntHex(i) => (0x11, *i),
        ResValue::Boolean(_) => (0x12, strings_hint),
        ResValue::Color { argb, data_type } => (*data_type, *argb),
        ResValue::Other { data_type, data } => (*data_type, *data),
        ResValue::Dimension { .. } => (5, strings_hint),
        ResValue::Fraction { .. } => (6, strings_hint),
    }
}

#[test]
fn every_entry_matches_aapt_dump_resources() {
    let Some(root) = medshield_fixtures::apks_root("every_entry_matches_aapt_dump_resources")
    else {
        return;
    };
    if !medshield_fixtures::oracle_available("aapt", "every_entry_matches_aapt_dump_resources") {
        return;
    }
    let (mut tables, mut agree, mut entries, mut problems) = (0, 0, 0usize, Vec::new());
    for apk in medshield_fixtures::files_with_extension(&root, &[".apk"]) {
        let Some(bytes) = arsc_of(&apk) else { continue };
        let out = Command::new("aapt")
            .args(["dump", "resources"])
            .arg(&apk)
            .output()
            .unwrap();
        if !out.status.success() {
            continue;
        }
        let text = String::from_utf8_lossy(&out.stdout);
        if text.contains("Package Groups (0)") {
            // aapt could not open the archive itself (e.g. NUL in an entry name).
            continue;
        }
        if text.contains("INVALID RESOURCE") {
            // aapt (Android 10) predates compact entries (FLAG_COMPACT, Android 14); checked below.
            continue;
        }
        tables += 1;
        let mut theirs: Vec<String> = Vec::new();
        for line in text.lines() {
            let l = line.trim_start();
            let Some(rest) = l.strip_prefix("resource 0x") else {
                continue;
            };
            let mut it = rest.splitn(3, ' ');
            let (id, name, val) = (
                it.next().unwrap_or(""),
                it.next().unwrap_or(""),
                it.next().unwrap_or(""),
            );
            let val = if val.starts_with("<bag>") {
                "bag".to_owned()
            } else {
                // "t=0x03 d=0x00000001 (s=0x0008 r=0x00)": strings and some types compare by type only,
                // the rest by type and data.
                let t = val.get(2..6).unwrap_or("");
                let d = val.get(9..19).unwrap_or("");
                if matches!(t, "0x03" | "0x05" | "0x06" | "0x12" | "0x00") {
                    t.to_owned()
                } else {
                    format!("{t} {d}")
                }
            };
            theirs.push(format!("{id} {name} {val}"));
        }
        let table = match ResourceTable::parse(&bytes) {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!("{}: {e}", apk.display()));
                continue;
            }
        };
        let mut ours = Vec::new();
        table.for_each_entry(|id, _cfg, e| {
            let pkg = table
                .packages()
                .iter()
                .find(|p| p.id == id >> 24)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let name = format!("{pkg}:{}:", table.name_of(id).unwrap_or_default());
            let val = match e {
                Entry::Map { .. } => "bag".to_owned(),
                Entry::Value { value } => {
                    let (t, d) = raw(&value, 0);
                    let t = format!("0x{t:02x}");
                    if matches!(t.as_str(), "0x03" | "0x05" | "0x06" | "0x12" | "0x00") {
                        t
                    } else {
                        format!("{t} 0x{d:08x}")
                    }
                }
            };
            ours.push(format!("{id:08x} {name} {val}"));
        });
        entries += ours.len();
        theirs.sort();
        ours.sort();
        if ours == theirs {
            agree += 1;
        } else {
            let diff: Vec<_> = ours
                .iter()
                .filter(|o| !theirs.contains(o))
                .take(2)
                .chain(theirs.iter().filter(|t| !ours.contains(t)).take(2))
                .collect();
            problems.push(format!(
                "{}: {} vs {} entries; e.g. {diff:?}",
                apk.display(),
                ours.len(),
                theirs.len()
            ));
        }
    }
    // compact-entry.apk: the single string entry is stored compactly (key, flags|type<<8, data).
    let compact = root.join("androguard/tests/data/AXML/compact-entry.apk");
    if let Some(bytes) = arsc_of(&compact) {
        let t = ResourceTable::parse(&bytes).unwrap();
        let label = t.default_string(0x7f01_0000);
        eprintln!("compact-entry.apk app_name = {label:?}");
        assert_eq!(t.name_of(0x7f01_0000).as_deref(), Some("string/app_name"));
        assert!(label.is_some_and(|l| !l.is_empty()));
    }
    eprintln!("{agree}/{tables} tables identical to aapt dump resources ({entries} entries)");
    for p in &problems {
        eprintln!("DIFF {p}");
    }
    assert!(tables >= 300);
    assert!(problems.is_empty(), "{} table(s) differ", problems.len());
}
