//! Runs the signature library over the dex type lists of the shared fixture APKs.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Instant;

use medshield_sdks::{Detections, Evidence, SignatureDb};

/// Owned evidence pulled out of one APK.
#[derive(Default)]
struct Extracted {
    descriptors: Vec<String>,
    native_libs: Vec<String>,
    files: Vec<String>,
}

fn extract(path: &Path) -> Option<Extracted> {
    let bytes = std::fs::read(path).ok()?;
    let archive = medshield_zip::Archive::parse(&bytes).ok()?;
    let mut out = Extracted::default();
    for entry in archive.entries() {
        let name = entry.name().into_owned();
        if name.starts_with("lib/") && name.ends_with(".so") {
            out.native_libs.push(name.clone());
        }
        let top_level_dex =
            !name.contains('/') && name.starts_with("classes") && name.ends_with(".dex");
        if top_level_dex {
            if let Ok(data) = archive.read(entry) {
                if let Ok(sections) = medshield_dex::Dex::parse_container(&data) {
                    for dex in sections {
                        for i in 0..dex.type_ids_len() {
                            if let Ok(d) = dex.type_descriptor(i) {
                                out.descriptors.push(d.into_owned());
                            }
                        }
                    }
                }
            }
        }
        out.files.push(name);
    }
    Some(out)
}

fn detect(x: &Extracted) -> Detections {
    let descs: Vec<&str> = x.descriptors.iter().map(String::as_str).collect();
    let libs: Vec<&str> = x.native_libs.iter().map(String::as_str).collect();
    let files: Vec<&str> = x.files.iter().map(String::as_str).collect();
    SignatureDb::builtin().detect(&Evidence {
        class_descriptors: &descs,
        native_libs: &libs,
        files: &files,
        app_classes: &[],
    })
}

#[test]
fn fixture_apks() {
    let Some(root) = medshield_fixtures::apks_root("sdks::fixture_apks") else {
        return;
    };
    let apks = medshield_fixtures::files_with_extension(&root, &[".apk"]);
    assert!(!apks.is_empty());
    let mut with_dex = 0usize;
    let mut total_desc = 0usize;
    let mut clean_checked = 0usize;
    let mut known_checked = 0usize;
    for apk in &apks {
        let rel = apk.strip_prefix(&root).unwrap_or(apk).display().to_string();
        let Some(x) = extract(apk) else { continue };
        if x.descriptors.is_empty() {
            continue;
        }
        with_dex += 1;
        total_desc += x.descriptors.len();
        let d = detect(&x);
        if !d.sdks.is_empty() || !d.packers.is_empty() {
            let s: Vec<String> = d
                .sdks
                .iter()
                .map(|s| format!("{}({})", s.id, s.match_count))
                .collect();
            let p: Vec<&str> = d.packers.iter().map(|p| p.id.as_str()).collect();
            eprintln!(
                "{rel}: {} descriptors, sdks {s:?}, packers {p:?}",
                x.descriptors.len()
            );
        }
        // A Wear OS sample built with Google Play services sign-in.
        if rel.ends_with("com.example.android.wearable.wear.weardrawers.apk") {
            let s = d
                .sdk("google-signin")
                .expect("google-signin in weardrawers");
            assert!(s.match_count > 0 && !s.evidence.is_empty());
            known_checked += 1;
        }
        // The OWASP crackmes and Ghera apps are plain builds: no packer may be reported.
        if rel.starts_with("owasp-mastg")
            || rel.starts_with("ghera-vaginessa")
            || rel.starts_with("built")
        {
            assert!(d.packers.is_empty(), "{rel}: false packer {:?}", d.packers);
            assert!(!d.packed());
            // Nor may support/AndroidX classes (which they all have) show up as SDKs.
            for s in &d.sdks {
                for e in &s.evidence {
                    assert!(
                        !e.value.starts_with("Landroid") && !e.value.starts_with("Lkotlin/"),
                        "{rel}: platform class {} taken for {}",
                        e.value,
                        s.id
                    );
                }
            }
            clean_checked += 1;
        }
    }
    eprintln!(
        "{with_dex} APKs with dex, {total_desc} descriptors, {clean_checked} plain apps checked"
    );
    assert!(with_dex > 20, "only {with_dex} APKs had readable dex");
    assert_eq!(known_checked, 1, "weardrawers fixture not seen");
    assert!(
        clean_checked >= 29,
        "only {clean_checked} OWASP/Ghera/built apps checked"
    );
}

/// Detection cost over the largest fixture dex type lists and a 50k synthetic set.
#[test]
fn detection_speed() {
    // Synthetic: 50k descriptors in sorted order, as a dex lists them, over ~2.5k packages,
    // some of which belong to SDKs.
    let roots = [
        "androidx/appcompat/widget",
        "com/example/app/ui",
        "com/umeng/analytics/pro",
        "com/tencent/bugly/crashreport",
        "okhttp3/internal/http2",
        "com/google/android/gms/ads/internal",
        "io/reactivex/internal/operators",
        "com/alibaba/fastjson/serializer",
    ];
    let mut descs: Vec<String> = Vec::with_capacity(50_000);
    for i in 0..50_000usize {
        let root = roots[i % roots.len()];
        descs.push(format!("L{root}/p{}/C{};", (i / 20) % 320, i));
    }
    descs.sort();
    let refs: Vec<&str> = descs.iter().map(String::as_str).collect();
    let db = SignatureDb::builtin();
    let ev = Evidence {
        class_descriptors: &refs,
        ..Evidence::default()
    };
    let _warm = db.detect(&ev);
    let runs = 20u32;
    let t = Instant::now();
    let mut found = 0;
    for _ in 0..runs {
        found = db.detect(&ev).sdks.len();
    }
    let per = t.elapsed() / runs;
    eprintln!("50k synthetic descriptors: {per:?} per detect ({found} SDKs)");
    assert_eq!(found, 3);
    // Generous for unoptimised test builds; release is far below (see the crate report).
    assert!(per.as_millis() < 100, "{per:?}");
}
