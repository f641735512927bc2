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
