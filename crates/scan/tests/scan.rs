//! Scans of packages whose weaknesses are documented.
#![allow(clippy::unwrap_used)]

use medshield_analyzer::Date;
use medshield_rules::RulePack;
use medshield_scan::{ScanReport, Scanner};
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

/// Every weakness `build-apk.sh` (the fixture's build script) writes into insecure-webview.apk
/// — its manifest, resources, smali and native library — is reported, each by the rule for its
/// class, citing the offending item where the rule names one.
#[test]
fn insecure_webview_reports_every_planted_weakness() {
    let Some(root) =
        medshield_fixtures::apks_root("insecure_webview_reports_every_planted_weakness")
    else {
        return;
    };
    let bytes = std::fs::read(root.join("built/insecure-webview.apk")).unwrap();
    let report = scanner()
        .scan(&bytes, Date::new(2026, 11, 25).unwrap())
        .unwrap();
    // (what the script plants, the rule for its class, an evidence item the finding must cite)
    let planted: &[(&str, &str, Option<&str>)] = &[
        ("android:debuggable=\"true\"", "MS-MANIFEST-001", None),
        ("android:allowBackup=\"true\"", "MS-MANIFEST-002", None),
        ("android:usesCleartextTraffic=\"true\"", "MS-NET-001", None),
        // targetSdk 22: the dangerous permissions are granted at install time.
        (
            "READ_SMS",
            "MS-PERM-001",
            Some("android.permission.READ_SMS"),
        ),
        (
            "SEND_SMS",
            "MS-PERM-001",
            Some("android.permission.SEND_SMS"),
        ),
        ("CAMERA", "MS-PERM-001", Some("android.permission.CAMERA")),
        (
            "ACCESS_FINE_LOCATION",
            "MS-PERM-001",
            Some("android.permission.ACCESS_FINE_LOCATION"),
        ),
        (
            "WRITE_EXTERNAL_STORAGE",
            "MS-PERM-001",
            Some("android.permission.WRITE_EXTERNAL_STORAGE"),
        ),
        (
            "normal-level custom permission",
            "MS-PERM-002",
            Some("com.example.insecure.permission.WEAK"),
        ),
        (
            "insecure://open deep link",
            "MS-COMP-009",
            Some("insecure://open"),
        ),
        (
            "exported receiver",
            "MS-COMP-003",
            Some("com.example.insecure.OpenReceiver"),
        ),
        (
            "exported provider",
            "MS-COMP-001",
            Some("com.example.insecure.OpenProvider"),
        ),
        (
            "grantUriPermissions",
            "MS-COMP-006",
            Some("com.example.insecure.OpenProvider"),
        ),
        (
            "addJavascriptInterface",
            "MS-WEB-001",
            Some("Lcom/example/insecure/MainActivity;->onCreate"),
        ),
        (
            "setJavaScriptEnabled(true)",
            "MS-WEB-002",
            Some("Lcom/example/insecure/MainActivity;->onCreate"),
        ),
        (
            "setAllowFileAccess(true)",
            "MS-WEB-009",
            Some("Lcom/example/insecure/MainActivity;->onCreate"),
        ),
        (
            "Runtime.exec in the JS bridge",
            "MS-EXEC-001",
            Some("Lcom/example/insecure/MainActivity$Bridge;->exec"),
        ),
        ("AWS key in strings.xml", "MS-SECRET-001", None),
        ("http://example.com", "MS-NET-009", Some("example.com")),
        // v1+v2+v3 signed with minSdk 16: Android below 7.0 checks only v1.
        ("minSdk 16 with v1", "MS-CERT-003", None),
        (
            "libnative.so built without hardening",
            "MS-NATIVE-003",
            Some("lib/x86_64/libnative.so"),
        ),
    ];
    for (what, rule, cited) in planted {
        let finding = report.findings.iter().find(|f| f.rule_id == *rule);
        let Some(finding) = finding else {
            panic!("{what}: {rule} did not fire");
        };
        if let Some(item) = cited {
            assert!(
                finding.evidence.iter().any(|e| e.as_str() == Some(item)),
                "{what}: {rule} does not cite {item}: {:?}",
                finding.evidence
            );
        }
    }
    // `System.loadLibrary("native")` is not a weakness in itself, but it is seen.
    assert_eq!(
        report.indicators["code.exec.native_loading"][0]["caller"],
        "Lcom/example/insecure/MainActivity;->onCreate"
    );
}

/// The OWASP UnCrackable apps show their protections (MASTG crackme write-ups): root detection in
/// all three; a debugger check and native code from level 2 on; a CRC tamper check and a native
/// Frida/Xposed check in level 3. A library's own signature read (the support library's
/// font-provider check) must not count as the app's tamper check.
#[test]
fn uncrackable_protections_are_reported() {
    let Some(root) = medshield_fixtures::apks_root("uncrackable_protections_are_reported") else {
        return;
    };
    let date = Date::new(2026, 11, 25).unwrap();
    let s = scanner();
    let scan = |level: u8| -> ScanReport {
        let path = root.join(format!(
            "owasp-mastg/Crackmes/Android/Level_0{level}/UnCrackable-Level{level}.apk"
        ));
        s.scan(&std::fs::read(path).unwrap(), date).unwrap()
    };
    let ids =
        |r: &ScanReport| -> Vec<&'static str> { r.protections.iter().map(|p| p.id).collect() };
    let fired = |r: &ScanReport, rule: &str| r.findings.iter().any(|f| f.rule_id == rule);
    let (l1, l2, l3) = (scan(1), scan(2), scan(3));
    assert_eq!(ids(&l1), ["root_detection"]);
    // Level 2's libfoo.so holds only the secret comparison: no native hook check.
    assert_eq!(
        ids(&l2),
        ["root_detection", "debugger_detection", "native_code"]
    );
    for r in [&l1, &l2] {
        assert_eq!(r.indicators["native.hook_detection"], serde_json::json!([]));
        assert!(fired(r, "MS-RES-005"), "no hook check in {}", r.package);
        assert!(fired(r, "MS-RES-002"), "no tamper check in {}", r.package);
    }
    // Level 3 adds a tamper check: the CRC-32 of classes.dex and of libfoo.so read from its own
    // package (`getPackageCodePath`) and compared with stored values; and its libfoo.so reads
    // /proc/self/maps looking for "frida" and "xposed".
    assert_eq!(
        ids(&l3),
        [
            "root_detection",
            "hook_detection",
            "debugger_detection",
            "integrity_check",
            "native_code"
        ]
    );
    let hook = l3
        .protections
        .iter()
        .find(|p| p.id == "hook_detection")
        .unwrap();
    // Every ABI's libfoo.so has the check; the first ABI stands for the others.
    assert_eq!(
        hook.evidence,
        [
            "lib/arm64-v8a/libfoo.so: \"frida\"",
            "lib/arm64-v8a/libfoo.so: \"xposed\""
        ]
    );
    // The native check and the CRC self-check answer the rules that would say they are missing.
    assert!(!fired(&l3, "MS-RES-005"));
    assert!(!fired(&l3, "MS-RES-002"));
    assert_eq!(
        l3.indicators["native.hook_framework_libs"],
        serde_json::json!([])
    );
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
        // An empty base Intent in a mutable PendingIntent (MS-IPC-004; the Secure twin's
        // action-only Intent is still implicit, and MS-IPC-005 says so on both).
        ("ICC/EmptyPendingIntent-PrivEscalation-Lean", "CWE-927"),
        ("ICC/ImplicitPendingIntent-IntentHijack-Lean", "CWE-927"),
        ("ICC/ImplicitIntent-ServiceHijack-Lean", "CWE-927"),
        (
            "ICC/NoValidityCheckOnBroadcastMsg-UnintendedInvocation-Lean",
            "CWE-925",
        ),
        ("ICC/OrderedBroadcast-DataInjection-Lean", "CWE-345"),
        (
            "ICC/InadequatePathPermission-InformationExposure-Lean",
            "CWE-285",
        ),
        ("Networking/OpenSocket-InformationLeak-Lean", "CWE-940"),
    ];
    assert_eq!(pairs.len(), 13, "every Ghera pair in the fixtures");
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
