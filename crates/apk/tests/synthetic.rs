//! Packages the test builds itself with Android's tools (aapt, apksigner, keytool from Debian), so
//! that what no fixture covers — a Chinese label, a network security config with pins — is checked
//! against the same oracles.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use medshield_apk::{inspect, InspectOptions};

const FRAMEWORK_RES: &str = "/usr/share/android-framework-res/framework-res.apk";

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tools_present(test: &str) -> bool {
    for tool in ["aapt", "apksigner", "keytool"] {
        if !medshield_fixtures::oracle_available(tool, test) {
            return false;
        }
    }
    if !Path::new(FRAMEWORK_RES).exists() {
        let msg = format!(
            "{test}: NOT RUN: {FRAMEWORK_RES} missing (apt-get install android-framework-res)"
        );
        assert!(!medshield_fixtures::under_ci(), "{msg}");
        eprintln!("{msg}");
        return false;
    }
    true
}

/// Builds a signed APK with localized labels and a network security config; returns its path.
fn build_localized_app(dir: &Path) -> PathBuf {
    let res = dir.join("res");
    for sub in [
        "values",
        "values-zh-rCN",
        "values-zh-rTW",
        "values-en",
        "xml",
    ] {
        std::fs::create_dir_all(res.join(sub)).unwrap();
    }
    std::fs::write(
        dir.join("AndroidManifest.xml"),
        r#"<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android"
    package="cn.example.hospital" android:versionCode="12" android:versionName="@string/version">
  <uses-sdk android:minSdkVersion="21" android:targetSdkVersion="30" />
  <uses-permission android:name="android.permission.CAMERA" />
  <application android:label="@string/app_name" android:networkSecurityConfig="@xml/network_security_config">
    <activity android:name=".MainActivity">
      <intent-filter>
        <action android:name="android.intent.action.MAIN" />
        <category android:name="android.intent.category.LAUNCHER" />
      </intent-filter>
    </activity>
    <provider android:name=".Records" android:authorities="cn.example.hospital.records" />
  </application>
</manifest>"#,
    )
    .unwrap();
    let strings = |label: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<resources>\n  <string name=\"app_name\">{label}</string>\n  <string name=\"version\">2.1</string>\n</resources>\n"
        )
    };
    std::fs::write(res.join("values/strings.xml"), strings("Hospital Online")).unwrap();
    std::fs::write(res.join("values-zh-rCN/strings.xml"), strings("互联网医院")).unwrap();
    std::fs::write(res.join("values-zh-rTW/strings.xml"), strings("互聯網醫院")).unwrap();
    std::fs::write(
        res.join("values-en/strings.xml"),
        strings("Internet Hospital"),
    )
    .unwrap();
    std::fs::write(
        res.join("xml/network_security_config.xml"),
        r#"<?xml version="1.0" encoding="utf-8"?>
<network-security-config>
  <base-config cleartextTrafficPermitted="true">
    <trust-anchors>
      <certificates src="system" />
      <certificates src="user" />
    </trust-anchors>
  </base-config>
  <domain-config cleartextTrafficPermitted="false">
    <domain includeSubdomains="true">api.example.cn</domain>
    <pin-set expiration="2030-01-01">
      <pin digest="SHA-256">7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=</pin>
    </pin-set>
  </domain-config>
</network-security-config>"#,
    )
    .unwrap();
    let unsigned = dir.join("unsigned.apk");
    run(Command::new("aapt")
        .args(["package", "-f", "-M"])
        .arg(dir.join("AndroidManifest.xml"))
        .arg("-S")
        .arg(&res)
        .args(["-I", FRAMEWORK_RES, "-F"])
        .arg(&unsigned));
    let keystore = dir.join("key.jks");
    run(Command::new("keytool")
        .args(["-genkeypair", "-keystore"])
        .arg(&keystore)
        .args([
            "-storepass",
            "medshield",
            "-keypass",
            "medshield",
            "-alias",
            "k",
            "-keyalg",
            "EC",
            "-groupname",
            "secp256r1",
            "-validity",
            "3650",
            "-dname",
            "CN=互联网医院 Test, O=MedShield, C=CN",
        ]));
    let signed = dir.join("hospital.apk");
    run(Command::new("apksigner")
        .args(["sign", "--ks"])
        .arg(&keystore)
        .args([
            "--ks-pass",
            "pass:medshield",
            "--min-sdk-version",
            "21",
            "--out",
        ])
        .arg(&signed)
        .arg(&unsigned));
    signed
}

#[test]
fn localized_labels_nsc_and_ec_signature_match_the_oracles() {
    let test = "localized_labels_nsc_and_ec_signature_match_the_oracles";
    if !tools_present(test) {
        return;
    }
    let dir = std::env::temp_dir().join(format!("medshield-synthetic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let apk = build_localized_app(&dir);
    let report = inspect(&std::fs::read(&apk).unwrap(), &InspectOptions::default()).unwrap();

    let badging = String::from_utf8(
        Command::new("aapt")
            .args(["dump", "badging"])
            .arg(&apk)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    for (locale, ours) in &report.labels {
        let key = if locale.is_empty() {
            "application-label:'".to_owned()
        } else {
            format!("application-label-{locale}:'")
        };
        let line = badging
            .lines()
            .find(|l| l.starts_with(&key))
            .unwrap_or_else(|| panic!("aapt has no {key}"));
        assert_eq!(
            &line[key.len()..line.len() - 1],
            ours,
            "label for {locale:?}"
        );
    }
    assert_eq!(
        report.labels.get("zh-CN").map(String::as_str),
        Some("互联网医院")
    );
    assert_eq!(
        report.labels.get("zh-TW").map(String::as_str),
        Some("互聯網醫院")
    );
    assert_eq!(report.label.as_deref(), Some("Hospital Online"));
    assert_eq!(
        report.version_name.as_deref(),
        Some("2.1"),
        "versionName resolved through resources"
    );

    // Components as Android decides: the launcher activity is exported by its filter; the provider
    // is not (targetSdk 30 > 16).
    assert!(
        report.components.activities[0].exported
            && !report.components.activities[0].exported_explicit
    );
    assert!(!report.components.providers[0].exported);

    assert_eq!(
        report.application.network_security_config.as_deref(),
        Some("res/xml/network_security_config.xml")
    );
    let nsc =
        serde_json::to_value(report.network_security_config.as_ref().expect("NSC parsed")).unwrap();
    let text = nsc.to_string();
    assert_eq!(
        nsc["base_config"]["cleartext_traffic_permitted"], true,
        "{text}"
    );
    assert!(
        text.contains("user") && text.contains("api.example.cn") && text.contains("2030-01-01"),
        "{text}"
    );
    assert!(
        text.contains("7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y="),
        "{text}"
    );

    let verify = Command::new("apksigner")
        .args(["verify", "--print-certs", "-v"])
        .arg(&apk)
        .output()
        .unwrap();
    let verify = String::from_utf8(verify.stdout).unwrap();
    assert!(report.signing.verified);
    let digest = verify
        .lines()
        .find_map(|l| l.strip_prefix("Signer #1 certificate SHA-256 digest: "))
        .unwrap();
    let cert = &report.signing.certificates[0];
    assert_eq!(cert.sha256, digest.trim());
    assert_eq!(cert.key_algorithm, "EC");
    assert!(cert.subject.contains("互联网医院 Test"), "{}", cert.subject);
    for (scheme, ours) in [
        ("v1", report.signing.schemes.v1),
        ("v2", report.signing.schemes.v2),
        ("v3", report.signing.schemes.v3),
    ] {
        let line = verify
            .lines()
            .find(|l| l.starts_with(&format!("Verified using {scheme} scheme")))
            .unwrap();
        assert_eq!(line.ends_with("true"), ours, "{line}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
