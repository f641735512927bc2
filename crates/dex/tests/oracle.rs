//! Oracle tests: our reading of every dex in the shared fixtures against Android's `dexdump`.
//!
//! * header counts, version and stored checksum against `dexdump -f`;
//! * checksum validity against `dexdump -c`;
//! * per method, the ordered list of invoked methods / call sites, field accesses, const-string
//!   and const-class indices against `dexdump -d`, for every method of every dex.

#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

use medshield_dex::{summarize, summarize_fully_decoded, Dex, InvokeKind, Reference};

/// Every standalone `.dex` and every `classes*.dex` inside every APK, deduplicated by content.
fn dex_blobs(root: &Path) -> (usize, Vec<(String, Vec<u8>)>) {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut total = 0;
    let mut push = |name: String, bytes: Vec<u8>, out: &mut Vec<(String, Vec<u8>)>| {
        total += 1;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut h);
        if seen.insert(h.finish()) {
            out.push((name, bytes));
        }
    };
    for p in medshield_fixtures::files_with_extension(root, &[".dex"]) {
        push(
            p.display().to_string(),
            std::fs::read(&p).unwrap(),
            &mut out,
        );
    }
    for apk in medshield_fixtures::files_with_extension(root, &[".apk"]) {
        let Ok(list) = Command::new("unzip").arg("-Z1").arg(&apk).output() else {
            continue;
        };
        for name in String::from_utf8_lossy(&list.stdout).lines() {
            let is_dex = name.starts_with("classes")
                && name.ends_with(".dex")
                && name["classes".len()..name.len() - 4]
                    .chars()
                    .all(|c| c.is_ascii_digit());
            if !is_dex {
                continue;
            }
            let Ok(data) = Command::new("unzip").arg("-p").arg(&apk).arg(name).output() else {
                continue;
            };
            push(format!("{}!{name}", apk.display()), data.stdout, &mut out);
        }
    }
    (total, out)
}

fn temp_file(i: usize, bytes: &[u8]) -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "medshield-dex-oracle-{}-{i}.dex",
        std::process::id()
    ));
    std::fs::write(&p, bytes).unwrap();
    p
}

/// `key : value` lines of `dexdump -f` up to the first class.
fn dexdump_header(path: &Path) -> Option<HashMap<String, String>> {
    let out = Command::new("dexdump")
        .args(["-f", "-i", "-j"])
        .arg(path)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut map = HashMap::new();
    for line in text.lines() {
        if line.starts_with("Class #") {
            break;
        }
        if let Some(v) = line.split("DEX version '").nth(1) {
            map.insert("version".to_string(), v.trim_end_matches('\'').to_string());
        }
        if let Some((k, v)) = line.split_once(':') {
            let v = v.trim().split(' ').next().unwrap_or("").to_string();
            map.insert(k.trim().to_string(), v);
        }
    }
    map.contains_key("string_ids_size").then_some(map)
}

/// Per code item (keyed by the offset dexdump prints in `|[xxxxxx]`), the references.
fn dexdump_refs(path: &Path) -> HashMap<u32, Vec<(String, u32)>> {
    let out = Command::new("dexdump")
        .args(["-d", "-i", "-j"])
        .arg(path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut map: HashMap<u32, Vec<(String, u32)>> = HashMap::new();
    let mut current: Option<u32> = None;
    // A const-string whose text holds a newline continues on the next lines; the index comment
    // comes at the end of the last one.
    let mut pending_string = false;
    for line in text.lines() {
        if pending_string {
            if let (Some(c), Some(i)) = (current, line.rfind("// string@")) {
                if let Ok(idx) = u32::from_str_radix(line[i + 10..].trim(), 16) {
                    map.entry(c).or_default().push(("string".to_string(), idx));
                }
                pending_string = false;
            }
            continue;
        }
        if let Some(rest) = method_header(line) {
            current = rest
                .split(']')
                .next()
                .and_then(|h| u32::from_str_radix(h, 16).ok());
            if let Some(c) = current {
                map.entry(c).or_default();
            }
            continue;
        }
        let Some(c) = current else { continue };
        let Some((_, insn)) = line.split_once('|') else {
            continue;
        };
        let Some((_, insn)) = insn.split_once(": ") else {
            continue;
        };
        let mnemonic = insn.split(' ').next().unwrap_or("");
        let category = if mnemonic.starts_with("invoke-") {
            "invoke"
        } else if mnemonic.starts_with("const-string") {
            "string"
        } else if mnemonic == "const-class" {
            "class"
        } else if ["iget", "iput", "sget", "sput"]
            .iter()
            .any(|p| mnemonic.starts_with(p))
        {
            "field"
        } else {
            continue;
        };
        if category == "string" && !insn.contains("// string@") {
            pending_string = true;
            continue;
        }
        let Some(comment) = insn.rfind("// ").map(|i| &insn[i + 3..]) else {
            continue;
        };
        let Some((_, idx)) = comment.split(',').next().and_then(|c| c.split_once('@')) else {
            continue;
        };
        let Ok(idx) = u32::from_str_radix(idx.trim(), 16) else {
            continue;
        };
        map.entry(c).or_default().push((category.to_string(), idx));
    }
    map
}

/// The text after `|[` of a `xxxxxx:      |[xxxxxx] Class.method:proto` line (and not of an
/// instruction whose string operand happens to contain `|[`).
fn method_header(line: &str) -> Option<&str> {
    let (_, rest) = line.split_once(':')?;
    rest.trim_start().strip_prefix("|[")
}

fn our_refs(dex: &Dex<'_>) -> HashMap<u32, Vec<(String, u32)>> {
    let mut map = HashMap::new();
    for class in dex.classes() {
        for m in class.methods() {
            let Ok(m) = m else { break };
            let Ok(Some(code)) = m.code() else { continue };
            let refs = code
                .references()
                .filter_map(Result::ok)
                .map(|r| match r {
                    Reference::Invoke { method_idx, .. } => ("invoke".to_string(), method_idx),
                    Reference::FieldAccess { field_idx, .. } => ("field".to_string(), field_idx),
                    Reference::ConstString { string_idx, .. } => ("string".to_string(), string_idx),
                    Reference::ConstClass { type_idx, .. } => ("class".to_string(), type_idx),
                })
                .collect();
            map.insert(code.offset, refs);
        }
    }
    map
}

#[test]
fn headers_and_references_match_dexdump() {
    let Some(root) = medshield_fixtures::apks_root("dex oracle") else {
        return;
    };
    if !medshield_fixtures::oracle_available("dexdump", "dex oracle") {
        return;
    }
    let (total, blobs) = dex_blobs(&root);
    assert!(
        blobs.len() >= 10,
        "expected many dex files, found {}",
        blobs.len()
    );
    let (mut header_agree, mut checksum_agree, mut both_reject) = (0, 0, 0);
    let (mut methods_compared, mut methods_agree, mut refs_compared) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    for (i, (name, bytes)) in blobs.iter().enumerate() {
        let path = temp_file(i, bytes);
        let oracle = dexdump_header(&path);
        let ours = Dex::parse(bytes);
        match (&oracle, &ours) {
            (None, Err(_)) => both_reject += 1,
            (Some(h), Ok(dex)) => {
                let s = summarize(dex);
                let want = |k: &str| h.get(k).and_then(|v| v.parse::<u32>().ok());
                let fields = [
                    ("string_ids_size", s.strings),
                    ("type_ids_size", s.types),
                    ("proto_ids_size", s.protos),
                    ("field_ids_size", s.fields),
                    ("method_ids_size", s.methods),
                    ("class_defs_size", s.classes),
                    ("file_size", dex.header().file_size),
                ];
                let mut ok = fields.iter().all(|(k, v)| want(k) == Some(*v));
                ok &= h.get("version").map(String::as_str)
                    == Some(format!("{:03}", dex.version()).as_str());
                ok &= h.get("checksum").map(String::as_str)
                    == Some(format!("{:08x}", dex.header().checksum).as_str());
                if ok {
                    header_agree += 1;
                } else {
                    failures.push(format!("{name}: header differs: ours {s:?} dexdump {h:?}"));
                }
                // dexdump -c: exit status 0 exactly when the checksum verifies.
                let c = Command::new("dexdump")
                    .arg("-c")
                    .arg(&path)
                    .output()
                    .unwrap();
                if c.status.success() == dex.checksum_ok() {
                    checksum_agree += 1;
                } else {
                    failures.push(format!(
                        "{name}: checksum_ok {} but dexdump -c {}",
                        dex.checksum_ok(),
                        c.status
                    ));
                }
                assert_eq!(s.methods_with_bad_code, 0, "{name}: {:?}", s.anomalies);
                let theirs = dexdump_refs(&path);
                for (off, mine) in our_refs(dex) {
                    methods_compared += 1;
                    refs_compared += mine.len();
                    match theirs.get(&off) {
                        Some(t) if *t == mine => methods_agree += 1,
                        other => {
                            if failures.len() < 20 {
                                failures.push(format!(
                                    "{name}: code@{off:x}: ours {mine:?} dexdump {other:?}"
                                ));
                            }
                        }
                    }
                }
            }
            _ => failures.push(format!(
                "{name}: dexdump {} but ours {:?}",
                oracle.is_some(),
                ours.err()
            )),
        }
        let _ = std::fs::remove_file(&path);
    }
    eprintln!(
        "dex oracle: {total} dex entries, {} unique: header agree {header_agree}, checksum agree \
         {checksum_agree}, both reject {both_reject}; methods {methods_agree}/{methods_compared} \
         agree ({refs_compared} references)",
        blobs.len()
    );
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(header_agree + both_reject, blobs.len());
    assert!(
        methods_compared > 10_000,
        "only {methods_compared} methods compared"
    );
}

/// One method, rendered readably, against dexdump's text for the same invokes.
#[test]
fn readable_method_refs_match_dexdump_text() {
    let Some(root) = medshield_fixtures::apks_root("dex readable refs") else {
        return;
    };
    if !medshield_fixtures::oracle_available("dexdump", "dex readable refs") {
        return;
    }
    let path = root.join("androguard/tests/data/APK/classes.dex");
    let bytes = std::fs::read(&path).unwrap();
    let dex = Dex::parse(&bytes).unwrap();
    // The method with the most invokes.
    let mut best = None;
    for class in dex.classes() {
        for m in class.methods().filter_map(Result::ok) {
            if let Ok(Some(code)) = m.code() {
                let n = code
                    .references()
                    .filter(|r| matches!(r, Ok(Reference::Invoke { .. })))
                    .count();
                if best.as_ref().is_none_or(|(b, _)| n > *b) {
                    best = Some((n, code));
                }
            }
        }
    }
    let (n, code) = best.unwrap();
    assert!(n > 5);
    let mut ours = Vec::new();
    for r in code.references() {
        if let Ok(Reference::Invoke {
            kind, method_idx, ..
        }) = r
        {
            assert_ne!(kind, InvokeKind::Custom);
            let m = dex.method_ref(method_idx).unwrap();
            // dexdump writes `Lcls;.name:(args)ret` where we write `Lcls;->name(args)ret`.
            ours.push(format!("{}.{}:{}", m.class, m.name, m.proto));
            assert_eq!(m.to_string(), format!("{}->{}{}", m.class, m.name, m.proto));
        }
    }
    let out = Command::new("dexdump")
        .args(["-d"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut theirs = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if let Some(rest) = method_header(line) {
            inside = rest
                .split(']')
                .next()
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                == Some(code.offset);
            continue;
        }
        if inside && line.contains(": invoke-") {
            let target = line
                .split("}, ")
                .nth(1)
                .and_then(|t| t.split(" // ").next())
                .unwrap();
            theirs.push(target.to_string());
        }
    }
    eprintln!(
        "readable refs: {} invokes compared for code@{:x}",
        ours.len(),
        code.offset
    );
    assert_eq!(ours, theirs);
}

/// Every string of every fixture dex decodes as well-formed MUTF-8 of its declared length, and
/// every method and field reference resolves.
#[test]
fn all_fixture_strings_and_refs_decode() {
    let Some(root) = medshield_fixtures::apks_root("dex strings") else {
        return;
    };
    let (_, blobs) = dex_blobs(&root);
    let (mut strings, mut non_ascii, mut refs) = (0usize, 0usize, 0usize);
    for (name, bytes) in &blobs {
        let Ok(dex) = Dex::parse(bytes) else { continue };
        for s in dex.strings() {
            let s = s.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(s.well_formed, "{name}: {:?}", s.text);
            strings += 1;
            non_ascii += usize::from(!s.text.is_ascii());
        }
        for i in 0..dex.method_ids_len() {
            let m = dex
                .method_ref(i)
                .unwrap_or_else(|e| panic!("{name}: method {i}: {e}"));
            assert!(m.class.starts_with(['L', '[']), "{name}: {m}");
            refs += 1;
        }
        for i in 0..dex.field_ids_len() {
            dex.field_ref(i)
                .unwrap_or_else(|e| panic!("{name}: field {i}: {e}"));
            refs += 1;
        }
    }
    eprintln!(
        "dex strings: {strings} strings ({non_ascii} non-ASCII), {refs} method/field refs resolved"
    );
    assert!(strings > 100_000 && non_ascii > 0);
}

/// The fast counting walk inside `summarize` must give exactly what full decoding gives, on every
/// fixture dex and on each of them with its code bytes damaged (so the fast walk gives up part way).
#[test]
fn fast_summary_equals_full_decoding() {
    let Some(root) = medshield_fixtures::apks_root("fast_summary_equals_full_decoding") else {
        return;
    };
    let (_, blobs) = dex_blobs(&root);
    assert!(
        blobs.len() > 50,
        "expected the fixture dex files, got {}",
        blobs.len()
    );
    let mut compared = 0;
    for (name, bytes) in &blobs {
        let Ok(dex) = Dex::parse(bytes) else { continue };
        assert_eq!(summarize(&dex), summarize_fully_decoded(&dex), "{name}");
        compared += 1;
        // Overwrite a stretch in the middle with an unused opcode (0x3e) pattern: methods whose
        // code lies there now fail in both walks and must be counted the same.
        let mut damaged = bytes.clone();
        let mid = damaged.len() / 2;
        let end = (mid + 4096).min(damaged.len());
        for b in &mut damaged[mid..end] {
            *b = 0x3e;
        }
        if let Ok(dex) = Dex::parse(&damaged) {
            assert_eq!(
                summarize(&dex),
                summarize_fully_decoded(&dex),
                "{name} damaged"
            );
        }
    }
    assert!(compared > 50);
}
