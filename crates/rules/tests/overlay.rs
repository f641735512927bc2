#![allow(clippy::unwrap_used)]
//! User rule directories: adding and overriding rules, replacing the model, and clear errors.

use std::path::Path;

use medshield_rules::{Diagnostic, RulePack, Severity};
use serde_json::json;

const USER_RULE: &str = r#"
id = "MS-USER-001"
severity = "low"
confidence = "high"
cwe = ["CWE-200"]
masvs = ["MASVS-PRIVACY-1"]
risk_node = "privacy.disclosure"
condition = "'android.permission.CAMERA' in permissions.requested"
title = { zh = "使用相机", en = "Uses the camera" }
description = { zh = "描述", en = "Description" }
remediation = { zh = "建议", en = "Advice" }
national = [{ standard = "GB/T 35273-2020", clause = "5.2 收集个人信息的最小必要" }]
[[cases]]
expect = "fire"
indicators = { permissions.requested = ["android.permission.CAMERA"] }
[[cases]]
expect = "ok"
indicators = { permissions.requested = [] }
"#;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn builtin_rule_text(id: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    for entry in walk(&root) {
        if entry
            .file_name()
            .is_some_and(|n| n == format!("{id}.toml").as_str())
        {
            return std::fs::read_to_string(entry).unwrap();
        }
    }
    panic!("{id} not found");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn user_dir_adds_and_overrides() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "extra/MS-USER-001.toml", USER_RULE);
    // Override a built-in rule: same id, severity lowered.
    let original = builtin_rule_text("MS-MANIFEST-001");
    let overridden = original.replace("severity = \"high\"", "severity = \"low\"");
    assert_ne!(original, overridden);
    write(tmp.path(), "MS-MANIFEST-001.toml", &overridden);
    write(
        tmp.path(),
        "pack.toml",
        "id = \"hospital-overlay\"\nversion = \"1.2.0\"\n",
    );
    write(tmp.path(), "notes.txt", "ignored: not a .toml file");

    let builtin = RulePack::builtin().unwrap();
    let pack = RulePack::load(Some(tmp.path())).unwrap();
    assert_eq!(pack.rules().len(), builtin.rules().len() + 1);
    let info = pack.info();
    assert_eq!(info.overlays.len(), 1);
    assert_eq!(info.overlays[0].added, ["MS-USER-001"]);
    assert_eq!(info.overlays[0].overridden, ["MS-MANIFEST-001"]);
    assert_eq!(info.overlays[0].version.as_deref(), Some("1.2.0"));
    assert!(pack.check_all_cases().is_empty());

    let ind =
        json!({"app.debuggable": true, "permissions.requested": ["android.permission.CAMERA"]});
    let eval = pack.evaluate(ind.as_object().unwrap());
    let dbg = eval
        .findings
        .iter()
        .find(|f| f.rule_id == "MS-MANIFEST-001")
        .unwrap();
    assert_eq!(dbg.severity, Severity::Low);
    assert!(eval.findings.iter().any(|f| f.rule_id == "MS-USER-001"));
    assert_eq!(eval.pack, info);
}

#[test]
fn user_dir_replaces_risk_model() {
    let tmp = tempfile::tempdir().unwrap();
    let model = r#"
id = "tiny"
version = "2.0.0"
title = { zh = "小模型", en = "Tiny model" }
[scoring]
severity = { critical = 1.0, high = 0.5, medium = 0.25, low = 0.1, info = 0.0 }
confidence = { high = 1.0, medium = 0.7, low = 0.4 }
ceiling_factor = 0.0
[[nodes]]
id = "all"
weight = 1
title = { zh = "全部", en = "All" }
"#;
    write(tmp.path(), "risk-model.toml", model);
    // Every built-in rule points at a leaf the tiny model lacks: the load must say so, per rule.
    let err = RulePack::load(Some(tmp.path())).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("risk_node"), "{text}");
    assert!(
        text.contains("is not a leaf of risk model tiny@2.0.0"),
        "{text}"
    );
}

fn load_err(files: &[(&str, &str)]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    for (p, t) in files {
        write(tmp.path(), p, t);
    }
    match RulePack::load(Some(tmp.path())) {
        Ok(_) => panic!("loaded a bad pack: {files:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_rule_files_give_clear_errors() {
    // TOML syntax.
    let e = load_err(&[("MS-USER-001.toml", "id = ")]);
    assert!(
        e.contains("MS-USER-001.toml") && e.contains("invalid TOML"),
        "{e}"
    );
    // Unknown field (typo) is rejected, not ignored.
    let e = load_err(&[(
        "MS-USER-001.toml",
        &USER_RULE.replace("remediation =", "remedation ="),
    )]);
    assert!(e.contains("remedation"), "{e}");
    // Bad severity.
    let e = load_err(&[(
        "MS-USER-001.toml",
        &USER_RULE.replace("\"low\"", "\"severe\""),
    )]);
    assert!(e.contains("severe"), "{e}");
    // CEL syntax error names the field.
    let e = load_err(&[(
        "MS-USER-001.toml",
        &USER_RULE.replace(
            "condition = \"'android.permission.CAMERA' in permissions.requested\"",
            "condition = \"app.debuggable &&\"",
        ),
    )]);
    assert!(
        e.contains("field `condition`") && e.contains("CEL syntax error"),
        "{e}"
    );
    // File name must match the id.
    let e = load_err(&[("MS-USER-002.toml", USER_RULE)]);
    assert!(
        e.contains("field `id`") && e.contains("MS-USER-002.toml"),
        "{e}"
    );
    // Bad CWE / MASVS / empty text.
    let e = load_err(&[(
        "MS-USER-001.toml",
        &USER_RULE
            .replace("CWE-200", "200")
            .replace("MASVS-PRIVACY-1", "MSTG-PRIVACY-1")
            .replace("en = \"Advice\"", "en = \"\""),
    )]);
    assert!(e.contains("field `cwe`"), "{e}");
    assert!(e.contains("field `masvs`"), "{e}");
    assert!(e.contains("field `remediation.en`"), "{e}");
    // Missing cases.
    let no_ok = USER_RULE.replace("expect = \"ok\"", "expect = \"fire\"");
    let e = load_err(&[("MS-USER-001.toml", &no_ok)]);
    assert!(e.contains("field `cases`"), "{e}");
    // Unknown risk node.
    let e = load_err(&[(
        "MS-USER-001.toml",
        &USER_RULE.replace("privacy.disclosure", "privacy.nowhere"),
    )]);
    assert!(
        e.contains("field `risk_node`") && e.contains("privacy.nowhere"),
        "{e}"
    );
    // Duplicate id within the user directory.
    let e = load_err(&[
        ("a/MS-USER-001.toml", USER_RULE),
        ("b/MS-USER-001.toml", USER_RULE),
    ]);
    assert!(e.contains("already defined"), "{e}");
    // Bad pack version.
    let e = load_err(&[("pack.toml", "id = \"x\"\nversion = \"1.0\"\n")]);
    assert!(e.contains("field `version`"), "{e}");
    // Several problems are all reported.
    let e = load_err(&[("MS-USER-001.toml", "id = "), ("MS-USER-003.toml", "x = 1")]);
    assert!(e.contains("2 problem(s)"), "{e}");
}

#[test]
fn case_mismatch_is_reported_with_rule_and_case() {
    let tmp = tempfile::tempdir().unwrap();
    // A third case claims "ok" for indicators on which the rule fires.
    let wrong = format!(
        "{USER_RULE}\n[[cases]]\nname = \"wrong\"\nexpect = \"ok\"\nindicators = {{ permissions.requested = [\"android.permission.CAMERA\"] }}\n"
    );
    write(tmp.path(), "MS-USER-001.toml", &wrong);
    let pack = RulePack::load(Some(tmp.path())).unwrap();
    let failures = pack.check_all_cases();
    assert_eq!(failures.len(), 1, "{failures:?}");
    let msg = failures[0].to_string();
    assert!(
        msg.contains("MS-USER-001") && msg.contains("`wrong`"),
        "{msg}"
    );
    assert!(msg.contains("expected Ok, got fire"), "{msg}");
}

#[test]
fn missing_indicators_are_diagnosed_not_fired() {
    let pack = RulePack::builtin().unwrap();
    let eval = pack.evaluate(json!({"app.debuggable": false}).as_object().unwrap());
    assert!(eval.findings.iter().all(|f| f.rule_id != "MS-NET-001"));
    let d = eval
        .diagnostics
        .iter()
        .find_map(|d| match d {
            Diagnostic::MissingIndicator {
                rule_id,
                indicators,
            } if rule_id == "MS-NET-001" => Some(indicators.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(d, ["app.cleartext_permitted"]);
    assert!(eval.rules_evaluated < eval.rules_total);
}

#[test]
fn expression_type_errors_are_diagnosed() {
    let pack = RulePack::builtin().unwrap();
    // sdk.min as a string: comparison with an int fails; the rule is not fired.
    let eval = pack.evaluate(json!({"sdk.min": "19"}).as_object().unwrap());
    assert!(eval.findings.iter().all(|f| f.rule_id != "MS-MANIFEST-004"));
    assert!(eval.diagnostics.iter().any(|d| matches!(
        d,
        Diagnostic::ExpressionError { rule_id, .. } if rule_id == "MS-MANIFEST-004"
    )));
}

#[test]
fn hostile_expressions_are_rejected_cleanly() {
    let deep = format!("{}true{}", "(".repeat(5000), ")".repeat(5000));
    let e = load_err(&[(
        "MS-USER-001.toml",
        &USER_RULE.replace(
            "condition = \"'android.permission.CAMERA' in permissions.requested\"",
            &format!("condition = \"{deep}\""),
        ),
    )]);
    assert!(e.contains("field `condition`"), "{e}");
    let long = format!("{}true", "true && ".repeat(4000));
    let e = load_err(&[(
        "MS-USER-001.toml",
        &USER_RULE.replace(
            "condition = \"'android.permission.CAMERA' in permissions.requested\"",
            &format!("condition = \"{long}\""),
        ),
    )]);
    assert!(e.contains("longer than"), "{e}");
}
