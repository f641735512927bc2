//! Indicators over the shared real packages: the 13 Ghera Benign/Secure pairs and the offline-built
//! insecure-webview app. The assertions follow each benchmark's README and `build-apk.sh`.
//!
//! Ghera pairs by what the manifest shows (the rest of each fix lives in code):
//! - manifest-separable: TaskAffinity-LauncherActivity, TaskAffinityAndReparenting (the Secure
//!   twins set `taskAffinity=""`), IncorrectHandlingImplicitIntent (Secure guards SensitiveActivity
//!   with a permission);
//! - manifest-visible but NOT separable: InadequatePathPermission (both twins export a provider
//!   guarded only by a read `<path-permission>`; they differ in the path string only);
//! - code-level only (no security-relevant manifest difference): BlockCipher-ECB,
//!   DynamicRegBroadcastReceiver, EmptyPendingIntent, ImplicitIntent-ServiceHijack,
//!   ImplicitPendingIntent, NoValidityCheckOnBroadcastMsg, OrderedBroadcast, OpenSocket,
//!   UnEncryptedSocketComm. (Some differ incidentally in allowBackup, minSdk or INTERNET.)
#![allow(clippy::unwrap_used)]

use std::path::Path;

use medshield_analyzer::{indicators, Date, Indicators};
use serde_json::{json, Value};

fn scan() -> Date {
    Date::new(2026, 11, 25).unwrap()
}

fn load(path: &Path) -> Indicators {
    let bytes = std::fs::read(path).unwrap();
    let report = medshield_apk::inspect(&bytes, &Default::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    indicators(&report, scan())
}

fn pair(root: &Path, bench: &str) -> (Indicators, Indicators) {
    let dir = root.join("ghera-vaginessa").join(bench);
    (
        load(&dir.join("Benign/app-debug.apk")),
        load(&dir.join("Secure/app-debug.apk")),
    )
}

fn arr<'a>(i: &'a Indicators, key: &str) -> &'a Vec<Value> {
    i.get(key).and_then(Value::as_array).unwrap()
}

fn b(i: &Indicators, key: &str) -> bool {
    i.get(key).and_then(Value::as_bool).unwrap()
}

/// Short class names of the list items (package names differ between the twins).
fn short_names(i: &Indicators, key: &str) -> Vec<String> {
    arr(i, key)
        .iter()
        .map(|v| {
            let n = v["name"].as_str().unwrap();
            n.rsplit('.').next().unwrap().to_owned()
        })
        .collect()
}

/// The indicators with the twins' package names replaced, for comparing a pair.
fn normalised(i: &Indicators) -> serde_json::Map<String, Value> {
    let text = serde_json::to_string(&i.to_value()).unwrap();
    let mut text = text;
    for word in ["secured", "secure", "benign", "malicious"] {
        text = text.replace(word, "X");
    }
    match serde_json::from_str(&text).unwrap() {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn differing_keys(b: &Indicators, s: &Indicators) -> Vec<String> {
    let (nb, ns) = (normalised(b), normalised(s));
    nb.keys()
        .filter(|k| nb.get(*k) != ns.get(*k))
        .cloned()
        .collect()
}

const CODE_LEVEL_ONLY: &[(&str, &[&str])] = &[
    (
        "Crypto/BlockCipher-ECB-InformationExposure-Lean",
        &["app.allow_backup", "sdk.min"],
    ),
    (
        "ICC/DynamicRegBroadcastReceiver-UnrestrictedAccess-Lean",
        &["permissions.requested"],
    ),
    (
        "ICC/EmptyPendingIntent-PrivEscalation-Lean",
        &["app.allow_backup"],
    ),
    ("ICC/ImplicitIntent-ServiceHijack-Lean", &[]),
    ("ICC/ImplicitPendingIntent-IntentHijack-Lean", &[]),
    (
        "ICC/NoValidityCheckOnBroadcastMsg-UnintendedInvocation-Lean",
        &[],
    ),
    ("ICC/OrderedBroadcast-DataInjection-Lean", &[]),
    (
        "Networking/OpenSocket-InformationLeak-Lean",
        &["app.allow_backup", "sdk.min"],
    ),
    (
        "Networking/UnEncryptedSocketComm-MITM-Lean",
        &["permissions.requested", "sdk.min"],
    ),
];

#[test]
fn ghera_pairs() {
    let Some(root) = medshield_fixtures::apks_root("analyzer ghera_pairs") else {
        return;
    };

    // Every Ghera app is a debug build: debuggable, debug certificate, cleartext allowed (target
    // 21/25 with no NSC), v1 signature honoured below API 24.
    let all = medshield_fixtures::files_with_extension(&root.join("ghera-vaginessa"), &[".apk"]);
    assert_eq!(all.len(), 26);
    for p in &all {
        let i = load(p);
        for k in [
            "app.debuggable",
            "cert.debug",
            "app.cleartext_permitted",
            "cert.verified",
        ] {
            assert!(b(&i, k), "{}: {k}", p.display());
        }
        assert!(!b(&i, "tasks.strandhogg"), "{}", p.display());
        assert!(!b(&i, "nsc.present"), "{}", p.display());
    }

    // Code-level pairs: nothing but the listed incidental keys differs.
    for (bench, incidental) in CODE_LEVEL_ONLY {
        let (bi, si) = pair(&root, bench);
        assert_eq!(differing_keys(&bi, &si), *incidental, "{bench}");
    }

    // TaskAffinity (launcher) and TaskAffinityAndReparenting: the Benign launcher runs in the task
    // named after its package, which a malicious app can claim; the Secure twin sets
    // taskAffinity="" for the whole application.
    for (bench, launcher) in [
        (
            "ICC/TaskAffinity-LauncherActivity-PhishingAttack-Lean",
            "BenignMain",
        ),
        (
            "ICC/TaskAffinityAndReparenting-PhishingAndDoSAttack-Lean",
            "LoginActivity",
        ),
    ] {
        let (bi, si) = pair(&root, bench);
        assert_eq!(
            short_names(&bi, "tasks.launcher_default_affinity"),
            [launcher],
            "{bench}"
        );
        assert!(arr(&bi, "tasks.custom_affinity").is_empty(), "{bench}");
        assert!(
            arr(&si, "tasks.launcher_default_affinity").is_empty(),
            "{bench}"
        );
        let custom = arr(&si, "tasks.custom_affinity");
        assert!(!custom.is_empty(), "{bench}");
        assert!(
            custom
                .iter()
                .all(|v| v["task_affinity"] == "" && v["foreign"] == false),
            "{bench}"
        );
        assert_eq!(
            differing_keys(&bi, &si),
            ["tasks.custom_affinity", "tasks.launcher_default_affinity"],
            "{bench}"
        );
    }

    // InadequatePathPermission: an exported provider protected only by a read path-permission.
    // Both twins have it (the fix is in the provider's code), so the indicator fires on both.
    let (bi, si) = pair(
        &root,
        "ICC/InadequatePathPermission-InformationExposure-Lean",
    );
    for i in [&bi, &si] {
        let unprotected = arr(i, "components.exported_unprotected");
        assert!(unprotected.iter().any(|v| v["kind"] == "provider"
            && v["name"]
                .as_str()
                .unwrap()
                .ends_with("UserDetailsContentProvider")));
        let weak = arr(i, "providers.weak_path_permissions");
        assert_eq!(weak.len(), 1);
        assert!(weak[0]["read_permission"]
            .as_str()
            .unwrap()
            .ends_with(".permission.internalRead"));
        assert_eq!(weak[0]["write_permission"], "");
        assert_eq!(weak[0]["match"], "path");
    }
    assert_eq!(
        arr(&bi, "providers.weak_path_permissions")[0]["path"],
        "//user"
    );

    // IncorrectHandlingImplicitIntent: Benign's SensitiveActivity is exported without protection;
    // the Secure twin requires a permission for it.
    let (bi, si) = pair(
        &root,
        "ICC/IncorrectHandlingImplicitIntent-UnauthorizedAccess-Lean",
    );
    assert_eq!(
        short_names(&bi, "components.exported_unprotected"),
        ["MainActivity", "SensitiveActivity"]
    );
    assert_eq!(
        short_names(&si, "components.exported_unprotected"),
        ["MainActivity"]
    );
    assert!(arr(&si, "components.exported").iter().any(|v| v["name"]
        .as_str()
        .unwrap()
        .ends_with("SensitiveActivity")
        && v["permission"] == "secure"));

    // NoValidityCheckOnBroadcastMsg: the exported receiver is visible (both twins; the check is
    // code).
    let (bi, _) = pair(
        &root,
        "ICC/NoValidityCheckOnBroadcastMsg-UnintendedInvocation-Lean",
    );
    assert!(arr(&bi, "components.exported_unprotected")
        .iter()
        .any(|v| v["kind"] == "receiver"));
}

#[test]
fn insecure_webview() {
    let Some(root) = medshield_fixtures::apks_root("analyzer insecure_webview") else {
        return;
    };
    let i = load(&root.join("built/insecure-webview.apk"));
    for k in [
        "app.debuggable",
        "app.allow_backup",
        "app.allow_backup_explicit",
        "app.cleartext_default",
        "app.cleartext_permitted",
        "nsc.trusts_user_ca", // targetSdk 22, no NSC: user CAs trusted
        "cert.verified",
        "cert.janus", // v1 honoured below API 24, minSdk 16
    ] {
        assert!(b(&i, k), "{k}");
    }
    for k in [
        "app.test_only",
        "nsc.present",
        "cert.v1_only",
        "cert.unsigned",
        "cert.expired",
        "cert.weak_signature_algorithm",
        "tasks.strandhogg",
    ] {
        assert!(!b(&i, k), "{k}");
    }
    assert_eq!(i.get("sdk.min"), Some(&json!(16)));
    assert_eq!(i.get("sdk.target"), Some(&json!(22)));
    assert_eq!(i.get("cert.min_rsa_bits"), Some(&json!(2048)));
    let unprotected: Vec<(String, String)> = arr(&i, "components.exported_unprotected")
        .iter()
        .map(|v| {
            (
                v["kind"].as_str().unwrap().to_owned(),
                v["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        unprotected,
        [
            ("activity", "com.example.insecure.MainActivity"),
            ("receiver", "com.example.insecure.OpenReceiver"),
            ("provider", "com.example.insecure.OpenProvider"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert_eq!(
        arr(&i, "providers.grant_uri_permissions"),
        &vec![json!({"name": "com.example.insecure.OpenProvider", "exported": true})]
    );
    assert_eq!(
        arr(&i, "permissions.declared_weak"),
        &vec![json!({"name": "com.example.insecure.permission.WEAK", "protection": "normal"})]
    );
    // Six requested permissions; INTERNET is normal, the other five are dangerous.
    assert_eq!(arr(&i, "permissions.requested").len(), 6);
    assert_eq!(
        arr(&i, "permissions.dangerous"),
        &vec![
            json!("android.permission.ACCESS_FINE_LOCATION"),
            json!("android.permission.CAMERA"),
            json!("android.permission.READ_SMS"),
            json!("android.permission.SEND_SMS"),
            json!("android.permission.WRITE_EXTERNAL_STORAGE"),
        ]
    );
    assert_eq!(
        arr(&i, "deeplinks.unverified"),
        &vec![
            json!({"name": "com.example.insecure.MainActivity", "scheme": "insecure", "host": "open"})
        ]
    );
    assert_eq!(i.get("native.libs"), Some(&json!(1)));
    assert_eq!(i.get("dex.count"), Some(&json!(1)));
    assert!(arr(&i, "dex.bad_checksum").is_empty());
    // The host-built .so (`cc -shared -fPIC -O2`): NX and position-independent, but without
    // `-z now` its RELRO is partial.
    assert!(arr(&i, "native.no_nx").is_empty());
    assert!(arr(&i, "native.no_pie").is_empty());
    assert_eq!(
        arr(&i, "native.relro_not_full"),
        &vec![json!("lib/x86_64/libnative.so")]
    );
}

/// Indicators are deterministic: the same report gives the same object every time. (Their cost —
/// tens of microseconds per app — is measured by the scan benchmark, not asserted here.)
#[test]
fn deterministic_on_real_apps() {
    let Some(root) = medshield_fixtures::apks_root("analyzer deterministic") else {
        return;
    };
    let mut paths =
        medshield_fixtures::files_with_extension(&root.join("ghera-vaginessa"), &[".apk"]);
    paths.push(root.join("built/insecure-webview.apk"));
    for p in paths {
        let bytes = std::fs::read(&p).unwrap();
        let report = medshield_apk::inspect(&bytes, &Default::default()).unwrap();
        let first = indicators(&report, scan());
        for _ in 0..10 {
            assert_eq!(indicators(&report, scan()), first, "{}", p.display());
        }
    }
}

/// Every package `inspect` accepts in the shared fixtures (odd, broken, obfuscated ones included)
/// gets the full indicator set without a panic.
#[test]
fn every_fixture_package() {
    let Some(root) = medshield_fixtures::apks_root("analyzer every_fixture_package") else {
        return;
    };
    let paths = medshield_fixtures::files_with_extension(&root, &[".apk"]);
    let mut done = 0;
    for p in &paths {
        let Ok(bytes) = std::fs::read(p) else {
            continue;
        };
        let Ok(report) = medshield_apk::inspect(&bytes, &Default::default()) else {
            continue;
        };
        let i = indicators(&report, scan());
        assert!(i.get("components.exported").is_some_and(Value::is_array));
        assert!(i.get("cert.verified").is_some_and(Value::is_boolean));
        done += 1;
    }
    assert!(
        done > 100,
        "only {done} of {} packages inspected",
        paths.len()
    );
}
