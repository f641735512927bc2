//! Generated packages read back through our own engine (`medshield_apk::inspect`) and, when the
//! tools are installed, through Android's (`aapt`, `apksigner`, `dexdump`).

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

use medshield_apk::{inspect, ApkReport, Component, InspectOptions};
use medshield_apkgen::{
    build_apk, build_dex, demo_catalog, demo_signer, AppSpec, ComponentSpec, DexCall, GenError,
    InvokeKind, SignerKey, Subject,
};

fn key(seed: u8) -> SignerKey {
    SignerKey::generate(&Subject::new("Test Signer", "MedShield Tests"), &[seed; 32]).unwrap()
}

fn names(list: &[Component]) -> Vec<String> {
    list.iter().map(|c| c.name.clone()).collect()
}

fn qualified(spec: &AppSpec, list: &[ComponentSpec]) -> Vec<String> {
    list.iter()
        .map(|c| match c.name.strip_prefix('.') {
            Some(rest) => format!("{}.{rest}", spec.package),
            // Android's rule: a name without a dot is relative to the package too.
            None if !c.name.contains('.') => format!("{}.{}", spec.package, c.name),
            None => c.name.clone(),
        })
        .collect()
}

/// Everything the spec says, checked against what the engine read.
fn check_report(spec: &AppSpec, signer: &SignerKey, r: &ApkReport) {
    let ctx = &spec.package;
    assert_eq!(r.package, spec.package);
    assert_eq!(r.version_code, Some(u64::from(spec.version_code)), "{ctx}");
    assert_eq!(r.version_name.as_deref(), Some(spec.version_name.as_str()));
    assert_eq!(r.min_sdk, spec.min_sdk, "{ctx}");
    assert_eq!(r.target_sdk, spec.target_sdk, "{ctx}");
    assert_eq!(r.permissions, spec.permissions, "{ctx}");
    assert_eq!(r.application.debuggable, spec.debuggable, "{ctx}");
    assert_eq!(r.application.allow_backup, spec.allow_backup, "{ctx}");
    assert!(r.application.allow_backup_explicit, "{ctx}");
    assert_eq!(
        r.application.uses_cleartext_traffic, spec.uses_cleartext_traffic,
        "{ctx}"
    );
    assert!(r.application.uses_cleartext_traffic_explicit, "{ctx}");
    assert_eq!(r.label.as_deref(), Some(spec.label.as_str()), "{ctx}");
    if let Some(zh) = &spec.label_zh {
        assert!(
            r.labels.values().any(|v| v == zh),
            "{ctx}: zh label missing from {:?}",
            r.labels
        );
    }
    let c = &r.components;
    assert_eq!(names(&c.activities), qualified(spec, &spec.activities));
    assert_eq!(names(&c.services), qualified(spec, &spec.services));
    assert_eq!(names(&c.receivers), qualified(spec, &spec.receivers));
    assert_eq!(names(&c.providers), qualified(spec, &spec.providers));
    for (got, want) in [
        (&c.activities, &spec.activities),
        (&c.services, &spec.services),
        (&c.receivers, &spec.receivers),
        (&c.providers, &spec.providers),
    ] {
        for (g, w) in got.iter().zip(want) {
            if let Some(e) = w.exported {
                assert_eq!(g.exported, e, "{ctx} {}", g.name);
                assert!(g.exported_explicit);
            }
            assert_eq!(g.permission, w.permission);
            assert_eq!(g.intent_filters.len(), w.intent_filters.len());
            if let Some(a) = &w.authorities {
                // Android splits the attribute on `;`.
                let want: Vec<&str> = a.split(';').filter(|x| !x.is_empty()).collect();
                assert_eq!(g.authorities, want);
            }
        }
    }
    // Signature: v2 only, verified, with our certificate.
    let s = &r.signing;
    assert!(s.verified, "{ctx}: {:?}", s.details);
    assert!(s.schemes.v2 && !s.schemes.v1 && !s.schemes.v3, "{ctx}");
    assert_eq!(s.certificates.len(), 1);
    let cert = &s.certificates[0];
    assert_eq!(cert.sha256, signer.certificate_sha256());
    assert_eq!(cert.key_algorithm, "EC");
    assert_eq!(cert.key_size, 256);
    assert_eq!(cert.signature_algorithm, "SHA256withECDSA");
    // Dex: one file, checksum and signature right, every planted string and call present.
    assert_eq!(r.dex.len(), 1, "{ctx}");
    let d = &r.dex[0].summary;
    assert!(d.checksum_ok && d.signature_ok, "{ctx}");
    assert!(d.anomalies.is_empty(), "{ctx}: {:?}", d.anomalies);
    assert_eq!(d.dangling_references, 0);
    assert_eq!(d.methods_with_bad_code, 0);
    assert_eq!(d.invalid_strings, 0);
    let string_args = spec
        .dex_calls
        .iter()
        .filter(|c| c.string_arg.is_some() && c.descriptor.contains("Ljava/lang/String;"))
        .count() as u64;
    assert!(d.const_strings >= spec.dex_strings.len() as u64 + string_args);
    // Constructors (one per class, bootstrap included), onCreate's two, and the planted calls.
    let classes = r.components.activities.len()
        + r.components.services.len()
        + r.components.receivers.len()
        + r.components.providers.len()
        + 1
        + usize::from(spec.trust_all_certificates);
    assert_eq!(d.classes as usize, classes, "{ctx}");
    let expected_invokes = classes + 2 * spec.activities.len() + spec.dex_calls.len();
    assert_eq!(d.invokes as usize, expected_invokes, "{ctx}");
    assert!(r.anomalies.is_empty(), "{ctx}: {:?}", r.anomalies);
}

#[test]
fn demo_catalog_reads_back() {
    let catalog = demo_catalog();
    assert!(catalog.len() >= 8);
    let mut packages = std::collections::HashSet::new();
    for spec in &catalog {
        assert!(packages.insert(spec.package.clone()), "duplicate package");
        let signer = demo_signer(spec).unwrap();
        let apk = build_apk(spec, &signer).unwrap();
        let r = inspect(&apk, &InspectOptions::default()).unwrap();
        check_report(spec, &signer, &r);
    }
    // Varied risk: some clean, some plainly risky.
    assert!(catalog.iter().any(|s| s.debuggable));
    assert!(catalog
        .iter()
        .any(|s| !s.debuggable && !s.uses_cleartext_traffic && !s.allow_backup));
    assert!(catalog
        .iter()
        .any(|s| s.dex_strings.iter().any(|x| x.starts_with("AKIA"))));
}

#[test]
fn planted_strings_and_calls_are_in_the_dex() {
    let mut spec = AppSpec::new("cn.example.probe", "Probe");
    spec.dex_strings = vec![
        "http://api.example.cn/login".into(),
        "零\0NUL and 😀 astral".into(),
        String::new(),
    ];
    spec.dex_calls = vec![
        DexCall::new(
            InvokeKind::Static,
            "javax.crypto.Cipher",
            "getInstance",
            "(Ljava/lang/String;)Ljavax/crypto/Cipher;",
        )
        .with_string_arg("DES"),
        DexCall::new(
            InvokeKind::Interface,
            "Ljava/util/List;",
            "add",
            "(ILjava/lang/Object;)V",
        ),
        DexCall::new(InvokeKind::Virtual, "Ljava/lang/Object;", "wait", "(JI)V"),
    ];
    let dex = build_dex(&spec).unwrap();
    let parsed = medshield_dex::Dex::parse(&dex).unwrap();
    let strings: Vec<String> = parsed
        .strings()
        .map(|s| {
            let s = s.unwrap();
            assert!(s.well_formed && s.lossless, "{s:?}");
            s.text.to_string()
        })
        .collect();
    for s in spec.dex_strings.iter().chain(["DES".to_owned()].iter()) {
        assert!(strings.contains(s), "{s:?} missing from {strings:?}");
    }
    let summary = medshield_dex::summarize(&parsed);
    assert!(summary.checksum_ok && summary.signature_ok);
    assert!(summary.anomalies.is_empty(), "{:?}", summary.anomalies);
    // No activities: the bootstrap's constructor and the three planted calls.
    assert_eq!(summary.invoke_static, 1);
    assert_eq!(summary.invoke_interface, 1);
    assert_eq!(summary.invoke_virtual, 1);
    assert_eq!(summary.invoke_direct, 1);
    assert_eq!(summary.const_strings, 4);
}

#[test]
fn deterministic_for_a_seed() {
    // A small property over generated variations: same inputs, same bytes; another seed, another
    // certificate and signature but the same entries.
    let catalog = demo_catalog();
    for (i, spec) in catalog.iter().enumerate() {
        let seed = i as u8;
        let a = build_apk(spec, &key(seed)).unwrap();
        let b = build_apk(spec, &key(seed)).unwrap();
        assert_eq!(a, b, "{}", spec.package);
        let other = key(seed.wrapping_add(100));
        let c = build_apk(spec, &other).unwrap();
        assert_ne!(a, c);
        assert_ne!(key(seed).certificate_sha256(), other.certificate_sha256());
    }
}

/// A tiny deterministic PRNG (xorshift64*) for the property tests.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

#[test]
fn never_panics_and_valid_results_read_back() {
    let words = [
        "",
        ".",
        ".Main",
        "a.b.C",
        "Main",
        "1bad",
        "x y",
        "内部",
        "😀",
        "a..b",
        "<init>",
        "a;b",
        "Ljava/lang/Object;",
        "[I",
        "(I)V",
        "()V",
        "(V)V",
        "(Ljava/lang/String;)Z",
        "(JDJ)J",
        "android.permission.INTERNET",
        "\0",
        "cn.ok.pkg",
    ];
    // Each field usually gets a plausible value and sometimes garbage, so that both valid and
    // refused specs occur in quantity.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let field = |rng: &mut Rng, good: &[&'static str]| -> String {
        if rng.next() % 20 == 0 {
            rng.pick(&words).to_owned()
        } else {
            rng.pick(good).to_owned()
        }
    };
    let (mut built, mut refused) = (0, 0);
    for round in 0..300 {
        let mut spec = AppSpec::new(
            &field(&mut rng, &["cn.ok.pkg", "a.b", "com.example.x_1"]),
            rng.pick(&words),
        );
        spec.min_sdk = [24, 24, 28, 23][(rng.next() % 4) as usize];
        spec.target_sdk = [28, 31, 34, 34][(rng.next() % 4) as usize];
        spec.version_name = rng.pick(&words).to_owned();
        spec.debuggable = rng.next() % 2 == 0;
        spec.allow_backup = rng.next() % 2 == 0;
        spec.uses_cleartext_traffic = rng.next() % 2 == 0;
        spec.trust_all_certificates = rng.next() % 4 == 0;
        if rng.next() % 3 == 0 {
            spec.label_zh = Some(rng.pick(&words).to_owned());
        }
        for _ in 0..rng.next() % 3 {
            let p = field(&mut rng, &["android.permission.INTERNET", "内部", "x.Y"]);
            spec.permissions.push(p);
        }
        for (i, list) in [
            &mut spec.activities,
            &mut spec.services,
            &mut spec.receivers,
            &mut spec.providers,
        ]
        .into_iter()
        .enumerate()
        {
            for j in 0..rng.next() % 3 {
                let names = [".Main", "a.b.C", "Main", "内部", ".sub.Svc"];
                let base = field(&mut rng, &names);
                // Distinct per kind and slot, unless garbage collides.
                let mut c = ComponentSpec::new(&format!("{base}{i}{j}"));
                if rng.next() % 2 == 0 {
                    c = c.actions(&[rng.pick(&words)]);
                }
                if rng.next() % 4 != 0 {
                    c = c.exported(rng.next() % 2 == 0);
                }
                if i == 3 && rng.next() % 10 != 0 {
                    c = c.authorities(&field(&mut rng, &["a.b.files", "内部"]));
                }
                list.push(c);
            }
        }
        for _ in 0..rng.next() % 4 {
            spec.dex_strings.push(rng.pick(&words).to_owned());
        }
        for _ in 0..rng.next() % 3 {
            let kind = [
                InvokeKind::Static,
                InvokeKind::Virtual,
                InvokeKind::Interface,
                InvokeKind::Direct,
            ][(rng.next() % 4) as usize];
            let mut call = DexCall::new(
                kind,
                &field(
                    &mut rng,
                    &["Ljava/lang/Object;", "java.util.List", "[I", "a.b.C"],
                ),
                &field(&mut rng, &["m", "<init>", "内部"]),
                &field(
                    &mut rng,
                    &[
                        "()V",
                        "(Ljava/lang/String;)Z",
                        "(JDJ)J",
                        "(I[JLjava/lang/String;)V",
                    ],
                ),
            );
            if rng.next() % 2 == 0 {
                call = call.with_string_arg(rng.pick(&words));
            }
            spec.dex_calls.push(call);
        }
        match build_apk(&spec, &key(round as u8)) {
            Ok(apk) => {
                built += 1;
                let r = inspect(&apk, &InspectOptions::default()).unwrap();
                check_report(&spec, &key(round as u8), &r);
            }
            Err(_) => refused += 1,
        }
    }
    eprintln!("random specs: {built} built and read back, {refused} refused");
    // Both outcomes must actually occur, or the property tested nothing.
    assert!(
        built > 50 && refused > 50,
        "built {built}, refused {refused}"
    );
}

#[test]
fn invalid_specs_are_errors() {
    let signer = key(1);
    let ok = || {
        let mut s = AppSpec::new("cn.example.app", "App");
        s.activities.push(ComponentSpec::new(".Main").launcher());
        s
    };
    assert!(build_apk(&ok(), &signer).is_ok());
    type Mutation = Box<dyn Fn(&mut AppSpec)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("package", Box::new(|s| s.package = "noseparator".into())),
        ("min sdk", Box::new(|s| s.min_sdk = 21)),
        ("target below min", Box::new(|s| s.target_sdk = 23)),
        (
            "provider without authorities",
            Box::new(|s| s.providers.push(ComponentSpec::new(".P"))),
        ),
        (
            "filter without exported on 31+",
            Box::new(|s| s.services.push(ComponentSpec::new(".S").actions(&["x.Y"]))),
        ),
        (
            "duplicate component",
            Box::new(|s| s.services.push(ComponentSpec::new("cn.example.app.Main"))),
        ),
        (
            "bad class",
            Box::new(|s| s.activities.push(ComponentSpec::new(".a;b"))),
        ),
        (
            "bad descriptor",
            Box::new(|s| {
                s.dex_calls
                    .push(DexCall::new(InvokeKind::Static, "a.B", "m", "(Q)V"))
            }),
        ),
        (
            "too many strings",
            Box::new(|s| s.dex_strings = vec!["x".into(); medshield_apkgen::MAX_ITEMS + 1]),
        ),
    ];
    for (what, mutate) in cases {
        let mut s = ok();
        mutate(&mut s);
        let e = build_apk(&s, &signer);
        assert!(
            matches!(e, Err(GenError::InvalidSpec(_) | GenError::TooLarge(_))),
            "{what}: {e:?}"
        );
    }
}

// ---- Android's tools -------------------------------------------------------------------------

fn out_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("apkgen");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(tool: &str, args: &[&str]) -> (bool, String) {
    let o = Command::new(tool).args(args).output().unwrap();
    let mut text = String::from_utf8_lossy(&o.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&o.stderr));
    (o.status.success(), text)
}

#[test]
fn aapt_reads_the_manifest() {
    if !medshield_fixtures::oracle_available("aapt", "aapt_reads_the_manifest") {
        return;
    }
    for spec in demo_catalog() {
        let apk = build_apk(&spec, &demo_signer(&spec).unwrap()).unwrap();
        let path = out_dir().join(format!("{}.apk", spec.package));
        std::fs::write(&path, &apk).unwrap();
        let (ok, text) = run("aapt", &["dump", "badging", path.to_str().unwrap()]);
        assert!(ok, "{}: {text}", spec.package);
        let first = text.lines().next().unwrap_or("");
        assert_eq!(
            first,
            format!(
                "package: name='{}' versionCode='{}' versionName='{}'",
                spec.package, spec.version_code, spec.version_name
            ),
            "{text}"
        );
        assert!(
            text.contains(&format!("sdkVersion:'{}'", spec.min_sdk)),
            "{text}"
        );
        assert!(text.contains(&format!("targetSdkVersion:'{}'", spec.target_sdk)));
        for p in &spec.permissions {
            assert!(
                text.contains(&format!("uses-permission: name='{p}'")),
                "{p}: {text}"
            );
        }
        assert!(
            text.contains(&format!("application-label:'{}'", spec.label)),
            "{text}"
        );
        if let Some(zh) = &spec.label_zh {
            assert!(
                text.contains(&format!("application-label-zh-CN:'{zh}'")),
                "{text}"
            );
        }
        assert!(text.contains("launchable-activity: name="), "{text}");
        assert_eq!(text.contains("application-debuggable"), spec.debuggable);
    }
}

#[test]
fn apksigner_verifies_v2() {
    if !medshield_fixtures::oracle_available("apksigner", "apksigner_verifies_v2") {
        return;
    }
    // Every demo app in one JVM start would be nicer; apksigner takes one file per run.
    for spec in demo_catalog() {
        let signer = demo_signer(&spec).unwrap();
        let apk = build_apk(&spec, &signer).unwrap();
        let path = out_dir().join(format!("{}-signed.apk", spec.package));
        std::fs::write(&path, &apk).unwrap();
        let (ok, text) = run(
            "apksigner",
            &["verify", "-v", "--print-certs", path.to_str().unwrap()],
        );
        assert!(ok, "{}: {text}", spec.package);
        assert!(
            text.contains("Verified using v2 scheme (APK Signature Scheme v2): true"),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "Signer #1 certificate SHA-256 digest: {}",
                signer.certificate_sha256()
            )),
            "{text}"
        );
        assert!(text.contains("CN="), "{text}");
        assert!(!text.contains("WARNING"), "{text}");
    }
}

#[test]
fn dexdump_accepts_the_dex() {
    if !medshield_fixtures::oracle_available("dexdump", "dexdump_accepts_the_dex") {
        return;
    }
    for spec in demo_catalog() {
        let dex = build_dex(&spec).unwrap();
        let path = out_dir().join(format!("{}.dex", spec.package));
        std::fs::write(&path, &dex).unwrap();
        let (ok, text) = run("dexdump", &["-f", "-d", path.to_str().unwrap()]);
        assert!(ok, "{}: {text}", spec.package);
        assert!(!text.to_lowercase().contains("error"), "{text}");
        assert!(
            text.contains("checksum_verified") || text.contains("checksum"),
            "{text}"
        );
        let classes = spec.activities.len()
            + spec.services.len()
            + spec.receivers.len()
            + spec.providers.len()
            + 1
            + usize::from(spec.trust_all_certificates);
        assert!(
            text.contains(&format!("class_defs_size     : {classes}")),
            "{text}"
        );
        for s in &spec.dex_strings {
            assert!(text.contains(s.as_str()), "{s} missing: {text}");
        }
        for c in &spec.dex_calls {
            assert!(
                text.contains(&format!(".{}:{}", c.name, c.descriptor)),
                "{text}"
            );
        }
    }
}
