use crate::manifest::{attr, ComponentKind, Manifest, StringOrRef};
use crate::nsc::{CertificatesSource, NetworkSecurityConfig};
use crate::testutil::{build, Ev, V};
use crate::{AnomalyKind, AxmlError, ResValue, XmlDocument};

fn sample() -> Vec<u8> {
    build(&[
        Ev::Start(
            "manifest",
            vec![
                ("versionCode", attr::VERSION_CODE, V::Int(7)),
                ("versionName", attr::VERSION_NAME, V::Ref(0x7f0e0001)),
                ("package", 0, V::Str("com.ex")),
            ],
        ),
        Ev::Start(
            "uses-sdk",
            vec![("minSdkVersion", attr::MIN_SDK_VERSION, V::Int(21))],
        ),
        Ev::End("uses-sdk"),
        Ev::Start(
            "uses-permission",
            vec![("name", attr::NAME, V::Str("android.permission.CAMERA"))],
        ),
        Ev::End("uses-permission"),
        Ev::Start(
            "application",
            vec![
                ("label", attr::LABEL, V::Str("App")),
                ("debuggable", attr::DEBUGGABLE, V::Bool(true)),
            ],
        ),
        Ev::Start("activity", vec![("name", attr::NAME, V::Str(".Main"))]),
        Ev::Start("intent-filter", vec![]),
        Ev::Start(
            "action",
            vec![("name", attr::NAME, V::Str("android.intent.action.MAIN"))],
        ),
        Ev::End("action"),
        Ev::End("intent-filter"),
        Ev::End("activity"),
        Ev::Start(
            "provider",
            vec![
                ("name", attr::NAME, V::Str("Prov")),
                ("authorities", attr::AUTHORITIES, V::Str("a;b")),
            ],
        ),
        Ev::End("provider"),
        Ev::End("application"),
        Ev::End("manifest"),
    ])
}

#[test]
fn parses_synthetic_manifest() {
    let doc = XmlDocument::parse(&sample()).unwrap();
    assert_eq!(doc.root().name, "manifest");
    assert!(doc.anomalies().is_empty(), "{:?}", doc.anomalies());
    let m = Manifest::from_document(&doc).unwrap();
    assert_eq!(m.package, "com.ex");
    assert_eq!(m.version_code, Some(7));
    assert_eq!(m.version_name, Some(StringOrRef::Reference(0x7f0e0001)));
    assert_eq!(m.min_sdk.level, 21);
    assert_eq!(m.target_sdk.level, 21);
    assert_eq!(m.uses_permissions[0].name, "android.permission.CAMERA");
    let app = m.application.unwrap();
    assert!(app.debuggable);
    assert!(app.allow_backup.value && !app.allow_backup.explicit);
    assert!(app.uses_cleartext_traffic.value);
    assert_eq!(app.label, Some(StringOrRef::Literal("App".into())));
    let main = &app.components[0];
    assert_eq!(main.name, "com.ex.Main");
    assert!(main.exported.value && !main.exported.explicit);
    let prov = &app.components[1];
    assert_eq!(prov.kind, ComponentKind::Provider);
    assert_eq!(prov.name, "com.ex.Prov");
    assert_eq!(prov.authorities, vec!["a", "b"]);
    assert!(
        !prov.exported.value,
        "targetSdk 21 providers are not exported by default"
    );
}

#[test]
fn fake_attribute_names_do_not_matter() {
    let bytes = build(&[
        Ev::Start(
            "manifest",
            vec![
                ("package", 0, V::Str("p.q")),
                ("zzz", attr::VERSION_CODE, V::Int(42)),
            ],
        ),
        Ev::Start("uses-sdk", vec![("x", attr::MIN_SDK_VERSION, V::Str("P"))]),
        Ev::End("uses-sdk"),
        Ev::End("manifest"),
    ]);
    let m = Manifest::from_document(&XmlDocument::parse(&bytes).unwrap()).unwrap();
    assert_eq!(m.version_code, Some(42));
    assert_eq!(m.min_sdk.codename.as_deref(), Some("P"));
    assert_eq!(m.target_sdk.level, crate::manifest::CUR_DEVELOPMENT);
}

#[test]
fn android12_missing_exported_is_anomaly() {
    let bytes = build(&[
        Ev::Start("manifest", vec![("package", 0, V::Str("p"))]),
        Ev::Start(
            "uses-sdk",
            vec![("t", attr::TARGET_SDK_VERSION, V::Int(31))],
        ),
        Ev::End("uses-sdk"),
        Ev::Start("application", vec![]),
        Ev::Start("receiver", vec![("name", attr::NAME, V::Str("a.B"))]),
        Ev::Start("intent-filter", vec![]),
        Ev::End("intent-filter"),
        Ev::End("receiver"),
        Ev::End("application"),
        Ev::End("manifest"),
    ]);
    let m = Manifest::from_document(&XmlDocument::parse(&bytes).unwrap()).unwrap();
    assert!(m.anomalies.iter().any(|a| a.message.contains("Android 12")));
    let app = m.application.unwrap();
    assert!(!app.uses_cleartext_traffic.value);
}

#[test]
fn wrong_size_is_anomaly_and_truncation_errors() {
    let mut b = sample();
    b[4..8].copy_from_slice(&0x4242_4242u32.to_le_bytes());
    let doc = XmlDocument::parse(&b).unwrap();
    assert!(doc
        .anomalies()
        .iter()
        .any(|a| a.kind == AnomalyKind::WrongDocumentSize));
    assert_eq!(
        XmlDocument::parse(&b[..4]).unwrap_err(),
        AxmlError::Truncated { len: 4 }
    );
    for n in 0..b.len() {
        let _ = XmlDocument::parse(&b[..n]);
    }
}

#[test]
fn value_decoding() {
    let pool = crate::pool::StringPool::default();
    assert_eq!(ResValue::decode(0x12, 1, &pool), ResValue::Boolean(true));
    assert_eq!(
        ResValue::decode(0x10, u32::MAX, &pool),
        ResValue::IntDec(-1)
    );
    match ResValue::decode(0x05, (16 << 8) | 1, &pool) {
        ResValue::Dimension { value, .. } => assert!((value - 16.0).abs() < 1e-6),
        v => panic!("{v:?}"),
    }
}

#[test]
fn nsc_typed() {
    let bytes = build(&[
        Ev::Start("network-security-config", vec![]),
        Ev::Start(
            "base-config",
            vec![("cleartextTrafficPermitted", 0, V::Str("true"))],
        ),
        Ev::Start("trust-anchors", vec![]),
        Ev::Start("certificates", vec![("src", 0, V::Str("user"))]),
        Ev::End("certificates"),
        Ev::Start("certificates", vec![("src", 0, V::Ref(0x7f0f0000))]),
        Ev::End("certificates"),
        Ev::End("trust-anchors"),
        Ev::End("base-config"),
        Ev::Start("domain-config", vec![]),
        Ev::Start("domain", vec![("includeSubdomains", 0, V::Bool(true))]),
        Ev::Text("example.com"),
        Ev::End("domain"),
        Ev::Start("pin-set", vec![("expiration", 0, V::Str("2030-01-01"))]),
        Ev::Start("pin", vec![("digest", 0, V::Str("SHA-256"))]),
        Ev::Text("AAAA"),
        Ev::End("pin"),
        Ev::End("pin-set"),
        Ev::End("domain-config"),
        Ev::End("network-security-config"),
    ]);
    let cfg = NetworkSecurityConfig::from_document(&XmlDocument::parse(&bytes).unwrap()).unwrap();
    assert!(cfg.trusts_user_cas());
    assert!(cfg.permits_cleartext());
    let base = cfg.base_config.as_ref().unwrap();
    assert_eq!(
        base.trust_anchors.as_ref().unwrap()[1].src,
        CertificatesSource::Resource(0x7f0f0000)
    );
    let d = &cfg.domain_configs[0];
    assert_eq!(d.domains[0].name, "example.com");
    assert!(d.domains[0].include_subdomains);
    assert_eq!(d.pin_set.as_ref().unwrap().pins[0].value, "AAAA");
    assert!(cfg.anomalies.is_empty());
}

fn utf8_pool(strings: &[&[u8]], declared_len: Option<usize>) -> Vec<u8> {
    let mut data = Vec::new();
    let mut offs = Vec::new();
    for s in strings {
        offs.push(data.len() as u32);
        let n = declared_len.unwrap_or(s.len());
        for _ in 0..2 {
            if n > 0x7f {
                data.push(0x80 | (n >> 8) as u8);
                data.push(n as u8);
            } else {
                data.push(n as u8);
            }
        }
        data.extend_from_slice(s);
        data.push(0);
    }
    while data.len() % 4 != 0 {
        data.push(0);
    }
    let start = 28 + 4 * strings.len() as u32;
    let mut out = Vec::new();
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&28u16.to_le_bytes());
    out.extend_from_slice(&(start + data.len() as u32).to_le_bytes());
    out.extend_from_slice(&(strings.len() as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(1u32 << 8).to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    for o in offs {
        out.extend_from_slice(&o.to_le_bytes());
    }
    out.extend_from_slice(&data);
    out
}

#[test]
fn utf8_pool_long_lengths_and_truncated_length_recovery() {
    let long = vec![b'x'; 300];
    let bytes = utf8_pool(&[b"short", &long, "汉字".as_bytes()], None);
    let mut an = Vec::new();
    let p = crate::pool::StringPool::parse(&bytes, 0, &mut an).unwrap();
    assert!(p.is_utf8());
    assert_eq!(p.get(0).as_deref(), Some("short"));
    assert_eq!(p.get(1).map(|s| s.len()), Some(300));
    assert_eq!(p.get(2).as_deref(), Some("汉字"));
    assert_eq!(p.get(3).as_deref(), None);
    assert!(an.is_empty());
    // aapt's 0x7FFF-truncated lengths: Android finds the terminator at (i << 15) | len.
    let huge = vec![b'y'; 0x8000 + 5];
    let bytes = utf8_pool(&[&huge], Some(5));
    let mut an = Vec::new();
    let p = crate::pool::StringPool::parse(&bytes, 0, &mut an).unwrap();
    assert_eq!(p.get(0).map(|s| s.len()), Some(0x8000 + 5));
    assert!(an.iter().any(|a| a.kind == AnomalyKind::StringLengthWrong));
}

#[test]
fn utf16_long_form_length() {
    let s = "z".repeat(0x8001);
    let bytes = crate::testutil::pool(std::slice::from_ref(&s));
    // testutil writes a 1-unit length; rewrite it as the 2-unit long form.
    let mut b = bytes[..32].to_vec();
    let mut data = [(0x8000u16).to_le_bytes(), (0x8001u16).to_le_bytes()].concat();
    for _ in 0..0x8001 {
        data.extend_from_slice(&(b'z' as u16).to_le_bytes());
    }
    data.extend_from_slice(&[0, 0]);
    let size = 32 + data.len() as u32;
    b[4..8].copy_from_slice(&size.to_le_bytes());
    b.extend_from_slice(&data);
    let mut an = Vec::new();
    let p = crate::pool::StringPool::parse(&b, 0, &mut an).unwrap();
    assert_eq!(p.get(0).as_deref(), Some(s.as_str()));
}

#[test]
fn unterminated_string_reads_as_null_like_android() {
    // Second string's declared length runs into the next string: no NUL where Android expects one.
    let mut bytes = utf8_pool(&[b"abc", b"defgh", b"ij"], None);
    // patch string 1's lengths from 5 to 6 (now its "terminator" is the next length byte).
    let base = 28 + 12;
    let off1 = base + 6;
    bytes[off1] = 6;
    bytes[off1 + 1] = 6;
    let mut an = Vec::new();
    let p = crate::pool::StringPool::parse(&bytes, 0, &mut an).unwrap();
    assert_eq!(p.get(0).as_deref(), Some("abc"));
    assert_eq!(p.get(1).as_deref(), None);
    assert_eq!(p.get(2).as_deref(), Some("ij"));
    assert!(an.iter().any(|a| a.kind == AnomalyKind::StringUnreadable));
}

#[test]
fn name_only_attribute_ignored_when_resource_map_exists() {
    let bytes = build(&[
        Ev::Start(
            "manifest",
            vec![
                ("package", 0, V::Str("p.q")),
                ("versionName", attr::VERSION_NAME, V::Str("1")),
                ("versionCode", 0, V::Int(99)),
            ],
        ),
        Ev::End("manifest"),
    ]);
    let doc = XmlDocument::parse(&bytes).unwrap();
    let m = Manifest::from_document(&doc).unwrap();
    assert_eq!(
        m.version_code, None,
        "Android does not see a framework attribute without id"
    );
    assert_eq!(m.version_name, Some(StringOrRef::Literal("1".into())));
}

#[test]
fn repeated_huge_string_is_budgeted() {
    let big = "x".repeat(30_000);
    let mut ev = vec![Ev::Start("manifest", vec![("package", 0, V::Str("p"))])];
    for _ in 0..3000 {
        ev.push(Ev::Start(
            "meta-data",
            vec![("value", attr::VALUE, V::Str(&big))],
        ));
        ev.push(Ev::End("meta-data"));
    }
    ev.push(Ev::End("manifest"));
    let bytes = build(&ev);
    let doc = XmlDocument::parse(&bytes).unwrap();
    assert!(doc
        .anomalies()
        .iter()
        .any(|a| a.kind == AnomalyKind::LimitReached));
    let kept: usize = doc
        .root()
        .children
        .iter()
        .flat_map(|c| c.attributes.iter())
        .map(|a| a.value.as_str().map_or(0, str::len))
        .sum();
    assert!(
        kept <= bytes.len() * 16,
        "decoded {kept} bytes from {} input bytes",
        bytes.len()
    );
}
