//! Strings of real packages: what their authors documented must be found.
#![allow(clippy::unwrap_used)]

use medshield_apk::{inspect_observing, InspectOptions};
use medshield_strings::{string_indicators, SecretKind, StringScanner};

fn scan(path: &std::path::Path) -> medshield_strings::StringFacts {
    let mut scanner = StringScanner::new();
    inspect_observing(
        &std::fs::read(path).unwrap(),
        &InspectOptions::default(),
        &mut scanner,
    )
    .unwrap();
    scanner.finish()
}

#[test]
fn documented_strings_are_found() {
    let Some(root) = medshield_fixtures::apks_root("documented_strings_are_found") else {
        return;
    };
    // build-apk.sh: a fake AWS key in res/values/strings.xml, a cleartext start URL.
    let web = scan(&root.join("built/insecure-webview.apk"));
    assert!(
        web.secrets
            .iter()
            .any(|s| s.kind == SecretKind::AwsAccessKey && s.dex == "resources.arsc"),
        "{:?}",
        web.secrets
    );
    assert!(
        web.cleartext_hosts.contains("example.com"),
        "{:?}",
        web.cleartext_hosts
    );
    // OWASP UnCrackable Level 1 checks for su binaries and test-keys (MASTG crackme write-up).
    let level1 = string_indicators(&scan(
        &root.join("owasp-mastg/Crackmes/Android/Level_01/UnCrackable-Level1.apk"),
    ));
    let root_markers = level1["strings.root_detection"].as_array().unwrap();
    assert!(!root_markers.is_empty(), "{level1:?}");
    // Level 3's libfoo.so (every ABI) looks for Frida and Xposed in /proc/self/maps; Level 2's
    // libfoo.so only compares the secret.
    let crackme = |level: u8| {
        scan(&root.join(format!(
            "owasp-mastg/Crackmes/Android/Level_0{level}/UnCrackable-Level{level}.apk"
        )))
    };
    let level3 = crackme(3);
    assert_eq!(
        level3.native_markers.len(),
        4,
        "{:?}",
        level3.native_markers
    );
    for (lib, kinds) in &level3.native_markers {
        assert!(
            lib.starts_with("lib/") && lib.ends_with("/libfoo.so"),
            "{lib}"
        );
        let hook: Vec<&str> = kinds[&medshield_strings::MarkerKind::HookDetection]
            .iter()
            .copied()
            .collect();
        assert_eq!(hook, ["frida", "xposed"], "{lib}");
    }
    let level2 = crackme(2);
    assert!(level2.native_bytes_scanned > 0);
    assert!(
        level2.native_markers.is_empty(),
        "{:?}",
        level2.native_markers
    );
    // Ghera benign apps are minimal: no root detection, no secrets.
    let ghera = scan(&root.join(
        "ghera-vaginessa/Crypto/BlockCipher-ECB-InformationExposure-Lean/Secure/app-debug.apk",
    ));
    assert!(ghera.secrets.is_empty(), "{:?}", ghera.secrets);
    assert!(!ghera
        .markers
        .contains_key(&medshield_strings::MarkerKind::RootDetection));
}
