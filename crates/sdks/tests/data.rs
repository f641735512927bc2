//! Validates the embedded signature data itself.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashSet};

use medshield_sdks::{Category, PackerKind, SignatureDb};

#[test]
fn builtin_loads_and_is_large_enough() {
    let db = SignatureDb::try_builtin().unwrap();
    let mut by_cat: BTreeMap<String, usize> = BTreeMap::new();
    for s in db.sdks() {
        *by_cat.entry(format!("{:?}", s.category)).or_default() += 1;
    }
    eprintln!("sdks: {} {by_cat:?}", db.sdks().len());
    eprintln!("packers: {}", db.packers().len());
    let trackers = db
        .sdks()
        .iter()
        .filter(|s| s.category != Category::Framework)
        .count();
    assert!(trackers >= 150, "only {trackers} non-framework SDKs");
    assert!(db.packers().len() >= 20);
    assert!(db
        .packers()
        .iter()
        .any(|p| p.kind == PackerKind::Obfuscator));
    // builtin() must be the same library, not the empty fallback.
    assert_eq!(SignatureDb::builtin().sdks().len(), db.sdks().len());
}

#[test]
fn ids_unique_and_well_formed() {
    let db = SignatureDb::builtin();
    let mut seen = HashSet::new();
    for id in db
        .sdks()
        .iter()
        .map(|s| &s.id)
        .chain(db.packers().iter().map(|p| &p.id))
    {
        assert!(seen.insert(id.clone()), "duplicate id {id}");
        assert!(
            id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "id {id} is not kebab-case"
        );
    }
}

#[test]
fn every_entry_has_patterns_and_no_duplicate_personal_data() {
    let db = SignatureDb::builtin();
    for s in db.sdks() {
        let n = s.packages.len() + s.classes.len() + s.native_libs.len() + s.files.len();
        assert!(n > 0, "{} has no patterns", s.id);
        let pd: HashSet<_> = s.personal_data.iter().collect();
        assert_eq!(
            pd.len(),
            s.personal_data.len(),
            "{} repeats personal data",
            s.id
        );
        if let Some(u) = &s.url {
            assert!(
                u.starts_with("https://") || u.starts_with("http://"),
                "{}: {u}",
                s.id
            );
        }
        // Support/AndroidX/Kotlin are the platform, not third-party SDKs.
        for p in &s.packages {
            for platform in [
                "android.",
                "androidx.",
                "kotlin.",
                "java.",
                "javax.",
                "dalvik.",
            ] {
                assert!(
                    !p.starts_with(platform),
                    "{} claims platform package {p}",
                    s.id
                );
            }
        }
    }
    for p in db.packers() {
        let n = p.packages.len() + p.classes.len() + p.native_libs.len() + p.files.len();
        assert!(n > 0, "{} has no patterns", p.id);
    }
}

#[test]
fn no_undeclared_pattern_shadowing() {
    let db = SignatureDb::builtin();
    let bad = db.undeclared_nesting();
    assert!(bad.is_empty(), "undeclared nested patterns: {bad:#?}");
}

#[test]
fn nests_in_refers_to_existing_ids() {
    let db = SignatureDb::builtin();
    let ids: HashSet<&str> = db
        .sdks()
        .iter()
        .map(|s| s.id.as_str())
        .chain(db.packers().iter().map(|p| p.id.as_str()))
        .collect();
    for s in db.sdks() {
        for n in &s.nests_in {
            assert!(ids.contains(n.as_str()), "{} nests in unknown {n}", s.id);
        }
    }
}
