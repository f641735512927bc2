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

/// Ghera pairs told apart: a finding with the documented weakness's CWE fires on Benign and not on
/// its Secure twin (docs/detection.md lists the pairs not yet told apart, with why).
#[test]
fn ghera_pairs_told_apart() {
    let Some(root) = medshield_fixtures::apks_root("ghera_pairs_told_apart") else {
        return;
    };
    let s = scanner();
    let date = Date::new(2026, 11, 25).unwrap();
    let findings = |dir: &str, twin: &str| -> Vec<(String, Vec<String>)> {
        let path = root.join(format!("ghera-vaginessa/{dir}/{twin}/app-debug.apk"));
        let r = s.scan(&std::fs::read(path).unwrap(), date).unwrap();
        r.findings.into_iter().map(|f| (f.rule_id, f.cwe)).collect()
    };
    let pairs = [
        ("Crypto/BlockCipher-ECB-InformationExposure-Lean", "CWE-327"),
        (
            "ICC/DynamicRegBroadcastReceiver-UnrestrictedAccess-Lean",
            "CWE-925",
        ),
        (
            "ICC/IncorrectHandlingImplicitIntent-UnauthorizedAccess-Lean",
            "CWE-926",
        ),
        (
            "ICC/TaskAffinity-LauncherActivity-PhishingAttack-Lean",
            "CWE-1021",
        ),
        (
            "ICC/TaskAffinityAndReparenting-PhishingAndDoSAttack-Lean",
            "CWE-1021",
        ),
        ("Networking/UnEncryptedSocketComm-MITM-Lean", "CWE-319"),
    ];
    for (dir, cwe) in pairs {
        let benign = findings(dir, "Benign");
        let secure = findings(dir, "Secure");
        // Some rule with the weakness's CWE fires on Benign and stays silent on Secure (other
        // rules sharing the CWE, e.g. a weak certificate algorithm, may fire on both).
        let telling = benign
            .iter()
            .filter(|(_, c)| c.iter().any(|x| x == cwe))
            .find(|(id, _)| !secure.iter().any(|(sid, _)| sid == id));
        assert!(
            telling.is_some(),
            "{dir}: no {cwe} finding tells Benign from Secure: {benign:?} vs {secure:?}"
        );
    }
}
