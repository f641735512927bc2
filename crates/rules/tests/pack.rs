#![allow(clippy::unwrap_used)]
//! The built-in pack: it loads, every rule's cases hold, and the generated docs are current.

use std::path::PathBuf;

use medshield_rules::{docs, Lang, RulePack};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn builtin_pack_loads() {
    let pack = match RulePack::builtin() {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let info = pack.info();
    assert_eq!(info.id, "medshield-builtin");
    assert!(info.rules >= 30, "only {} rules", info.rules);
    assert!(info.overlays.is_empty());
    // Ids are unique and sorted.
    let ids: Vec<&str> = pack.rules().iter().map(|r| r.id()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted);
}

#[test]
fn every_rule_case_holds() {
    let pack = RulePack::builtin().unwrap();
    let failures = pack.check_all_cases();
    let cases: usize = pack.rules().iter().map(|r| r.spec.cases.len()).sum();
    assert!(cases >= 2 * pack.rules().len());
    if !failures.is_empty() {
        let msg: Vec<String> = failures.iter().map(|f| f.to_string()).collect();
        panic!(
            "{} of {cases} rule cases failed:\n{}",
            failures.len(),
            msg.join("\n")
        );
    }
}

#[test]
fn rules_cite_cwe_masvs_and_national() {
    let pack = RulePack::builtin().unwrap();
    for r in pack.rules() {
        assert!(!r.spec.cwe.is_empty(), "{} has no CWE", r.id());
        assert!(!r.spec.masvs.is_empty(), "{} has no MASVS control", r.id());
        assert!(
            !r.spec.national.is_empty(),
            "{} cites no national requirement",
            r.id()
        );
        assert!(!r.indicators().is_empty(), "{} reads no indicator", r.id());
    }
}

/// Rule docs are generated from the rule files; this fails when the committed ones are stale.
/// Regenerate with `UPDATE_RULE_DOCS=1 cargo test -p medshield-rules`.
#[test]
fn rule_docs_are_current() {
    let pack = RulePack::builtin().unwrap();
    let dir = repo_root().join("docs/rules");
    let update = std::env::var_os("UPDATE_RULE_DOCS").is_some();
    let mut stale = Vec::new();
    for (name, lang) in [("README.md", Lang::En), ("README.zh-CN.md", Lang::Zh)] {
        let want = docs::render_rules(&pack, lang);
        let path = dir.join(name);
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, want).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale rule docs {stale:?}: run `UPDATE_RULE_DOCS=1 cargo test -p medshield-rules`"
    );
}
