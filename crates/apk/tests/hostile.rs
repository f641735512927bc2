//! Packages built to hurt: zip bombs, lying sizes, duplicate manifests, nested archives. `inspect`
//! must still answer — a report with anomalies — and never inflate what the limits forbid.
#![allow(clippy::unwrap_used)]

use medshield_apk::{inspect, InspectOptions};
use medshield_zip::builder::{build, spec};
use medshield_zip::Archive;

/// A real binary manifest to put in front of the hostile entries (what is hostile here is the
/// container, not the manifest).
fn manifest() -> Option<Vec<u8>> {
    let root = medshield_fixtures::apks_root("hostile packages")?;
    let bytes = std::fs::read(root.join("built/insecure-webview.apk")).unwrap();
    let zip = Archive::parse(&bytes).unwrap();
    Some(
        zip.read(zip.entry("AndroidManifest.xml").unwrap())
            .unwrap()
            .into_owned(),
    )
}

fn anomaly_mentions(report: &medshield_apk::ApkReport, needle: &str) -> bool {
    report.anomalies.iter().any(|a| {
        a.message.contains(needle) || a.path.as_deref().is_some_and(|p| p.contains(needle))
    })
}

#[test]
fn ratio_bomb_and_lying_sizes_become_anomalies() {
    let Some(manifest) = manifest() else { return };
    let mut lying = spec("lib/arm64-v8a/liblie.so", &vec![7u8; 1 << 20], true);
    lying.declared_size = Some(100);
    let apk = build(
        &[
            spec("AndroidManifest.xml", &manifest, true),
            // 64 MiB of zeros deflate to ~64 KiB: a ratio no real file has.
            spec("classes.dex", &vec![0u8; 64 << 20], true),
            lying,
        ],
        b"",
        false,
    );
    let report = inspect(&apk, &InspectOptions::default()).unwrap();
    assert_eq!(report.package, "com.example.insecure");
    assert!(
        report.dex.is_empty(),
        "the bomb must not be inflated into a dex"
    );
    assert!(
        anomaly_mentions(&report, "ratio"),
        "{:#?}",
        report.anomalies
    );
    assert!(
        anomaly_mentions(&report, "declares 100"),
        "{:#?}",
        report.anomalies
    );
}

#[test]
fn duplicate_manifest_is_recorded_and_the_first_one_wins() {
    let Some(manifest) = manifest() else { return };
    let apk = build(
        &[
            spec("AndroidManifest.xml", &manifest, true),
            spec("AndroidManifest.xml", b"not a manifest", false),
        ],
        b"",
        false,
    );
    let report = inspect(&apk, &InspectOptions::default()).unwrap();
    assert_eq!(report.package, "com.example.insecure");
    assert!(
        anomaly_mentions(&report, "duplicate entry"),
        "{:#?}",
        report.anomalies
    );
}

#[test]
fn nested_archives_are_opened_one_level_deep() {
    let Some(manifest) = manifest() else { return };
    let fake_dex = {
        // Not a valid dex beyond its magic: enough to be recognised as code and reported.
        let mut d = b"dex\n035\0".to_vec();
        d.resize(0x70, 0);
        d
    };
    let inner = build(&[spec("classes.dex", &fake_dex, true)], b"", false);
    let middle = build(
        &[
            spec("inner.jar", &inner, false),
            spec("classes.dex", &fake_dex, true),
        ],
        b"",
        false,
    );
    let apk = build(
        &[
            spec("AndroidManifest.xml", &manifest, true),
            spec("assets/payload.jar", &middle, false),
            spec("assets/hidden.bin", &fake_dex, true),
            spec("assets/encrypted.dex", b"\x8a\x11 not dex at all", false),
        ],
        b"",
        false,
    );
    let report = inspect(&apk, &InspectOptions::default()).unwrap();
    let paths: Vec<(&str, &str)> = report
        .embedded_code
        .iter()
        .map(|e| (e.path.as_str(), e.kind))
        .collect();
    assert!(paths.contains(&("assets/payload.jar", "zip")), "{paths:?}");
    assert!(
        paths.contains(&("assets/payload.jar!/classes.dex", "dex")),
        "{paths:?}"
    );
    assert!(
        paths.contains(&("assets/payload.jar!/inner.jar", "zip")),
        "{paths:?}"
    );
    assert!(
        !paths
            .iter()
            .any(|(p, _)| p.starts_with("assets/payload.jar!/inner.jar!/")),
        "two levels opened: {paths:?}"
    );
    assert!(
        paths.contains(&("assets/hidden.bin", "dex")),
        "dex hidden behind an innocent name: {paths:?}"
    );
    assert!(
        paths.contains(&("assets/encrypted.dex", "unreadable")),
        "{paths:?}"
    );
}
