//! Scans of packages whose weaknesses are documented.
#![allow(clippy::unwrap_used)]

use medshield_analyzer::Date;
use medshield_rules::RulePack;
use medshield_scan::Scanner;
use medshield_sdks::SignatureDb;

fn scanner() -> Scanner {
    Scanner::new(
        RulePack::builtin().unwrap(),
        SignatureDb::try_builtin().unwrap(),
    )
    .unwrap()
}

#[test]
fn insecure_webview_scores_low_and_explains_itself() {
    let Some(root) =
        medshield_fixtures::apks_root("insecure_webview_scores_low_and_explains_itself")
    else {
        return;
    };
    let bytes = std::fs::read(root.join("built/insecure-webview.apk")).unwrap();
    let report = scanner()
        .scan(&bytes, Date::new(2026, 11, 25).unwrap())
        .unwrap();
    assert_eq!(report.package, "com.example.insecure");
    assert!(
        report.findings.len() >= 5,
        "{:#?}",
        report
            .findings
            .iter()
            .map(|f| &f.rule_id)
            .collect::<Vec<_>>()
    );
    assert!(
        report.score.score < 80.0,
        "a debuggable, cleartext, exported, JS-bridged app cannot grade A: {}",
        report.score.score
    );
    // The score explains itself: the findings that moved it are in the breakdown.
    let text = serde_json::to_string(&report.score.breakdown).unwrap();
    for f in &report.findings {
        assert!(
            text.contains(&f.rule_id),
            "{} missing from the breakdown",
            f.rule_id
        );
    }
    assert_eq!(report.indicators["app.debuggable"], true);
    assert!(report.indicators.contains_key("code.webview.js_interface"));
    assert!(report.indicators.contains_key("strings.secrets"));
}

/// The OWASP UnCrackable apps show their protections (MASTG crackme write-ups): root detection in
/// all three; a debugger check and native code from level 2 on. A library's own signature read
/// (the support library's font-provider check) must not count as the app's tamper check.
#[test]
fn uncrackable_protections_are_reported() {
    let Some(root) = medshield_fixtures::apks_root("uncrackable_protections_are_reported") else {
        return;
    };
    let date = Date::new(2026, 11, 25).unwrap();
    let s = scanner();
    let ids = |level: u8| -> Vec<&'static str> {
        let path = root.join(format!(
            "owasp-mastg/Crackmes/Android/Level_0{level}/UnCrackable-Level{level}.apk"
        ));
        let report = s.scan(&std::fs::read(path).unwrap(), date).unwrap();
        report.protections.iter().map(|p| p.id).collect()
    };
    assert_eq!(ids(1), ["root_detection"]);
    for level in [2, 3] {
        assert_eq!(
            ids(level),
            ["root_detection", "debugger_detection", "native_code"],
            "level {level}"
        );
    }
}
