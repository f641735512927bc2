//! Indicators over hand-built reports: each indicator positive and negative.

use std::collections::BTreeMap;

use medshield_apk::{
    ApkReport, ApplicationFacts, CertificateInfo, Component, Components, DeclaredPermission,
    DexFacts, DexSummary, EmbeddedCode, FileFacts, IntentFilter, LaunchMode, NativeLib,
    NativeLibFacts, PathPermission, SchemeVerdicts, SigningFacts, SigningReport,
};
use medshield_axml::manifest::{IntentData, ProtectionLevel};
use medshield_axml::nsc::{
    Certificates, CertificatesSource, ConfigBlock, Domain, NetworkSecurityConfig, PinSet,
};
use serde_json::{json, Value};

use crate::{indicators, Date, Indicators};

const PKG: &str = "com.example.app";

fn scan() -> Date {
    Date::new(2026, 11, 25).unwrap()
}

fn report() -> ApkReport {
    ApkReport {
        schema_version: 1,
        file: FileFacts {
            size: 0,
            entries: 0,
        },
        package: PKG.into(),
        version_code: None,
        version_name: None,
        min_sdk: 24,
        target_sdk: 34,
        max_sdk: None,
        compile_sdk: None,
        label: None,
        labels: BTreeMap::new(),
        permissions: Vec::new(),
        uses_permissions: Vec::new(),
        declared_permissions: Vec::new(),
        uses_features: Vec::new(),
        shared_user_id: None,
        application: ApplicationFacts::default(),
        components: Components::default(),
        network_security_config: None,
        signing: SigningFacts {
            schemes: SchemeVerdicts::default(),
            verified: false,
            certificates: Vec::new(),
            details: SigningReport::default(),
        },
        dex: Vec::new(),
        embedded_code: Vec::new(),
        native_libs: Vec::new(),
        anomalies: Vec::new(),
    }
}

fn comp(name: &str) -> Component {
    Component {
        name: name.into(),
        exported: false,
        exported_explicit: false,
        permission: None,
        intent_filters: Vec::new(),
        alias_of: None,
        enabled: true,
        read_permission: None,
        write_permission: None,
        grant_uri_permissions: false,
        path_permissions: Vec::new(),
        grant_uri_permission_paths: Vec::new(),
        authorities: Vec::new(),
        task_affinity: None,
        launch_mode: None,
        process: None,
        direct_boot_aware: false,
        meta_data: Vec::new(),
    }
}

fn exported(name: &str) -> Component {
    Component {
        exported: true,
        exported_explicit: true,
        ..comp(name)
    }
}

fn filter(actions: &[&str], categories: &[&str]) -> IntentFilter {
    IntentFilter {
        actions: actions.iter().map(|s| s.to_string()).collect(),
        categories: categories.iter().map(|s| s.to_string()).collect(),
        ..IntentFilter::default()
    }
}

fn launcher() -> IntentFilter {
    filter(
        &["android.intent.action.MAIN"],
        &["android.intent.category.LAUNCHER"],
    )
}

fn cert() -> CertificateInfo {
    CertificateInfo {
        sha256: String::new(),
        sha1: String::new(),
        md5: String::new(),
        subject: "CN=Release".into(),
        issuer: "CN=Release".into(),
        serial: "01".into(),
        not_before: Some("2020-01-01T00:00:00Z".into()),
        not_after: Some("2050-01-01T00:00:00Z".into()),
        key_algorithm: "RSA".into(),
        key_size: 2048,
        signature_algorithm: "SHA256withRSA".into(),
        debug: false,
    }
}

fn elf(hardened: bool) -> NativeLibFacts {
    NativeLibFacts {
        abi: Some("arm64-v8a"),
        machine: 183,
        class: medshield_elf::ElfClass::Elf64,
        endianness: medshield_elf::Endianness::Little,
        elf_type: medshield_elf::ElfType::Dyn,
        nx: hardened,
        gnu_stack: true,
        pie: hardened,
        df_1_pie: false,
        relro: if hardened {
            medshield_elf::Relro::Full
        } else {
            medshield_elf::Relro::Partial
        },
        gnu_relro: true,
        bind_now: hardened,
        stack_canary: hardened,
        fortify: hardened,
        fortified_functions: Vec::new(),
        stripped: true,
        rpath: (!hardened).then(|| "/data/local/tmp".into()),
        runpath: None,
        needed: Vec::new(),
        soname: None,
        jni_onload: false,
        jni_exports: 0,
        text_relocations: !hardened,
        symbol_source: medshield_elf::SymbolSource::DynamicSegment,
        dynamic_symbols: 0,
        imported_symbols: 0,
        exported_symbols: 0,
        anomalies: Vec::new(),
    }
}

fn native(path: &str, facts: Option<NativeLibFacts>) -> NativeLib {
    NativeLib {
        path: path.into(),
        abi: "arm64-v8a".into(),
        size: 1,
        nx: facts.as_ref().is_some_and(|f| f.nx),
        pie: facts.as_ref().is_some_and(|f| f.pie),
        relro: facts
            .as_ref()
            .map(|f| format!("{:?}", f.relro).to_lowercase())
            .unwrap_or_else(|| "none".into()),
        stack_canary: facts.as_ref().is_some_and(|f| f.stack_canary),
        fortify: facts.as_ref().is_some_and(|f| f.fortify),
        stripped: true,
        rpath: facts.as_ref().and_then(|f| f.rpath.clone()),
        runpath: None,
        jni_onload: false,
        needed: Vec::new(),
        elf: facts,
    }
}

fn ind(r: &ApkReport) -> Indicators {
    indicators(r, scan())
}

fn b(i: &Indicators, key: &str) -> bool {
    i.get(key)
        .and_then(Value::as_bool)
        .unwrap_or_else(|| panic!("{key} missing or not bool"))
}

fn n(i: &Indicators, key: &str) -> u64 {
    i.get(key)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("{key} missing or not a number"))
}

fn arr<'a>(i: &'a Indicators, key: &str) -> &'a Vec<Value> {
    i.get(key)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{key} missing or not an array"))
}

fn names(i: &Indicators, key: &str) -> Vec<String> {
    arr(i, key)
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            v => v["name"].as_str().unwrap().to_owned(),
        })
        .collect()
}

/// Every contract key (except those another crate adds) is present with the documented type.
#[test]
fn every_key_present_with_its_type() {
    let i = ind(&report());
    let bools = [
        "app.debuggable",
        "app.allow_backup",
        "app.allow_backup_explicit",
        "app.test_only",
        "app.cleartext_default",
        "app.cleartext_permitted",
        "nsc.present",
        "nsc.base_cleartext",
        "nsc.trusts_user_ca",
        "nsc.debug_overrides_user_ca",
        "nsc.override_pins",
        "tasks.strandhogg",
        "cert.unsigned",
        "cert.v1_only",
        "cert.janus",
        "cert.debug",
        "cert.weak_signature_algorithm",
        "cert.expired",
        "cert.verified",
    ];
    let ints = [
        "nsc.pin_sets",
        "nsc.pin_sets_expired",
        "sdk.min",
        "sdk.target",
        "cert.min_rsa_bits",
        "native.libs",
        "dex.count",
    ];
    let arrays = [
        "nsc.cleartext_domains",
        "components.exported",
        "components.exported_unprotected",
        "providers.grant_uri_permissions",
        "providers.weak_path_permissions",
        "permissions.requested",
        "permissions.dangerous",
        "permissions.declared_weak",
        "tasks.custom_affinity",
        "tasks.launcher_default_affinity",
        "intent_filters.high_priority",
        "deeplinks.unverified",
        "native.no_nx",
        "native.no_pie",
        "native.no_stack_canary",
        "native.relro_not_full",
        "native.no_fortify",
        "native.rpath",
        "native.text_relocations",
        "dex.embedded_code",
        "dex.bad_checksum",
    ];
    for k in bools {
        b(&i, k);
    }
    for k in ints {
        n(&i, k);
    }
    for k in arrays {
        arr(&i, k);
    }
    assert_eq!(
        i.as_map().len(),
        bools.len() + ints.len() + arrays.len(),
        "unexpected extra keys: {:?}",
        i.as_map().keys().collect::<Vec<_>>()
    );
    assert!(i.get("sdks.detected").is_none() && i.get("packed").is_none());
}

#[test]
fn application_flags() {
    let mut r = report();
    let i = ind(&r);
    for k in [
        "app.debuggable",
        "app.allow_backup",
        "app.test_only",
        "app.cleartext_default",
    ] {
        assert!(!b(&i, k), "{k}");
    }
    r.application.debuggable = true;
    r.application.allow_backup = true;
    r.application.allow_backup_explicit = true;
    r.application.test_only = true;
    r.application.uses_cleartext_traffic = true;
    let i = ind(&r);
    for k in [
        "app.debuggable",
        "app.allow_backup",
        "app.allow_backup_explicit",
        "app.test_only",
        "app.cleartext_default",
        "app.cleartext_permitted",
        "nsc.base_cleartext",
    ] {
        assert!(b(&i, k), "{k}");
    }
    assert!(!b(&i, "nsc.present"));
    assert_eq!(n(&i, "sdk.min"), 24);
    assert_eq!(n(&i, "sdk.target"), 34);
}

fn user() -> Certificates {
    Certificates {
        src: CertificatesSource::User,
        override_pins: false,
    }
}

fn system() -> Certificates {
    Certificates {
        src: CertificatesSource::System,
        override_pins: false,
    }
}

fn domain(name: &str) -> Domain {
    Domain {
        name: name.into(),
        include_subdomains: true,
    }
}

#[test]
fn nsc_cleartext_defaults_follow_target_sdk() {
    // NSC without cleartext attributes: base default is true below targetSdk 28, and the manifest
    // attribute is ignored.
    let mut r = report();
    r.application.uses_cleartext_traffic = true;
    r.network_security_config = Some(NetworkSecurityConfig {
        domain_configs: vec![ConfigBlock {
            domains: vec![domain("a.example")],
            ..ConfigBlock::default()
        }],
        ..NetworkSecurityConfig::default()
    });
    let i = ind(&r);
    assert!(b(&i, "nsc.present"));
    assert!(b(&i, "app.cleartext_default"));
    assert!(
        !b(&i, "app.cleartext_permitted"),
        "target 34: NSC default false"
    );
    assert!(names(&i, "nsc.cleartext_domains").is_empty());
    assert!(!b(&i, "nsc.trusts_user_ca"));

    r.target_sdk = 27;
    let i = ind(&r);
    assert!(b(&i, "app.cleartext_permitted"));
    assert!(b(&i, "nsc.base_cleartext"));
    assert_eq!(names(&i, "nsc.cleartext_domains"), ["a.example"]);

    r.target_sdk = 23;
    assert!(
        b(&ind(&r), "nsc.trusts_user_ca"),
        "M and below trust user CAs"
    );
}

#[test]
fn nsc_domain_configs_inherit_and_override() {
    let mut r = report();
    r.network_security_config = Some(NetworkSecurityConfig {
        base_config: Some(ConfigBlock {
            cleartext_traffic_permitted: Some(false),
            trust_anchors: Some(vec![system()]),
            ..ConfigBlock::default()
        }),
        domain_configs: vec![
            ConfigBlock {
                cleartext_traffic_permitted: Some(true),
                domains: vec![domain("z.example"), domain("api.example")],
                domain_configs: vec![
                    // inherits cleartext=true from its parent
                    ConfigBlock {
                        domains: vec![domain("inner.example")],
                        ..ConfigBlock::default()
                    },
                    ConfigBlock {
                        cleartext_traffic_permitted: Some(false),
                        domains: vec![domain("secure.example")],
                        ..ConfigBlock::default()
                    },
                ],
                ..ConfigBlock::default()
            },
            ConfigBlock {
                domains: vec![domain("pinned.example")],
                trust_anchors: Some(vec![user()]),
                pin_set: Some(PinSet {
                    expiration: Some("2026-11-25".into()),
                    pins: Vec::new(),
                }),
                ..ConfigBlock::default()
            },
            ConfigBlock {
                domains: vec![domain("later.example")],
                pin_set: Some(PinSet {
                    expiration: Some("2030-01-01".into()),
                    pins: Vec::new(),
                }),
                ..ConfigBlock::default()
            },
        ],
        ..NetworkSecurityConfig::default()
    });
    let i = ind(&r);
    assert!(!b(&i, "nsc.base_cleartext"));
    assert!(!b(&i, "app.cleartext_permitted"));
    assert_eq!(
        names(&i, "nsc.cleartext_domains"),
        ["api.example", "inner.example", "z.example"]
    );
    assert!(b(&i, "nsc.trusts_user_ca"), "domain config trusts user CAs");
    assert_eq!(n(&i, "nsc.pin_sets"), 2);
    assert_eq!(
        n(&i, "nsc.pin_sets_expired"),
        1,
        "expiration on the scan day counts"
    );
    assert!(!b(&i, "nsc.override_pins"));
}

#[test]
fn nsc_debug_overrides_only_when_debuggable() {
    let mut r = report();
    r.network_security_config = Some(NetworkSecurityConfig {
        debug_overrides: Some(ConfigBlock {
            trust_anchors: Some(vec![Certificates {
                src: CertificatesSource::User,
                override_pins: true,
            }]),
            ..ConfigBlock::default()
        }),
        ..NetworkSecurityConfig::default()
    });
    let i = ind(&r);
    assert!(!b(&i, "nsc.debug_overrides_user_ca"));
    assert!(!b(&i, "nsc.override_pins"));
    assert!(!b(&i, "nsc.trusts_user_ca"));
    r.application.debuggable = true;
    let i = ind(&r);
    assert!(b(&i, "nsc.debug_overrides_user_ca"));
    assert!(b(&i, "nsc.override_pins"));
    assert!(
        !b(&i, "nsc.trusts_user_ca"),
        "debug-overrides are reported apart"
    );
}

#[test]
fn nsc_override_pins_in_base() {
    let mut r = report();
    r.network_security_config = Some(NetworkSecurityConfig {
        base_config: Some(ConfigBlock {
            trust_anchors: Some(vec![
                system(),
                Certificates {
                    src: CertificatesSource::User,
                    override_pins: true,
                },
            ]),
            ..ConfigBlock::default()
        }),
        ..NetworkSecurityConfig::default()
    });
    let i = ind(&r);
    assert!(b(&i, "nsc.override_pins"));
    assert!(b(&i, "nsc.trusts_user_ca"));
}

#[test]
fn exported_components_and_protection() {
    let mut r = report();
    r.application.permission = Some("com.example.APP".into());
    let mut main = exported(".Main");
    main.name = "com.example.app.Main".into();
    main.exported_explicit = false;
    main.intent_filters = vec![launcher()];
    main.permission = Some(String::new()); // "" clears the application permission
    let private = comp("com.example.app.Private");
    let svc = exported("com.example.app.Svc"); // inherits the application permission
    let mut rcv = exported("com.example.app.Rcv");
    rcv.permission = Some("com.example.RCV".into());
    let mut p_open = exported("com.example.app.OpenProvider");
    p_open.permission = Some(String::new());
    p_open.authorities = vec!["com.example.open".into()];
    let mut p_read = exported("com.example.app.ReadProvider");
    p_read.read_permission = Some("com.example.READ".into());
    p_read.write_permission = Some(String::new());
    r.components = Components {
        activities: vec![main, private],
        services: vec![svc],
        receivers: vec![rcv],
        providers: vec![p_open, p_read],
    };
    let i = ind(&r);
    let all = arr(&i, "components.exported");
    assert_eq!(all.len(), 5);
    assert_eq!(
        all[0],
        json!({"kind": "activity", "name": "com.example.app.Main", "permission": "",
               "implicit": true, "has_intent_filter": true, "launcher": true, "enabled": true})
    );
    assert_eq!(all[1]["kind"], "service");
    assert_eq!(all[1]["permission"], "com.example.APP");
    assert_eq!(all[2]["permission"], "com.example.RCV");
    assert_eq!(all[3]["name"], "com.example.app.OpenProvider");
    assert_eq!(all[3]["authorities"], json!(["com.example.open"]));
    assert_eq!(all[4]["read_permission"], "com.example.READ");
    assert_eq!(all[4]["write_permission"], "");
    assert_eq!(
        names(&i, "components.exported_unprotected"),
        ["com.example.app.Main", "com.example.app.OpenProvider"]
    );

    // Without the application permission the service and the read-protected provider's
    // neighbours change: the service becomes unprotected, the provider stays protected.
    r.application.permission = None;
    let i = ind(&r);
    assert_eq!(
        names(&i, "components.exported_unprotected"),
        [
            "com.example.app.Main",
            "com.example.app.Svc",
            "com.example.app.OpenProvider"
        ]
    );
}

#[test]
fn provider_inherits_application_permission() {
    let mut r = report();
    r.application.permission = Some("com.example.APP".into());
    r.components.providers = vec![exported("com.example.app.P")];
    let i = ind(&r);
    assert!(arr(&i, "components.exported_unprotected").is_empty());
    assert_eq!(
        arr(&i, "components.exported")[0]["read_permission"],
        "com.example.APP"
    );
}

#[test]
fn alias_takes_target_permission() {
    let mut r = report();
    let mut target = comp("com.example.app.Target");
    target.permission = Some("com.example.T".into());
    let mut alias = exported("com.example.app.Alias");
    alias.alias_of = Some("com.example.app.Target".into());
    let mut open_alias = exported("com.example.app.OpenAlias");
    open_alias.alias_of = Some("com.example.app.Target".into());
    open_alias.permission = Some(String::new());
    r.components.activities = vec![target, alias, open_alias];
    let i = ind(&r);
    assert_eq!(
        names(&i, "components.exported"),
        ["com.example.app.Alias", "com.example.app.OpenAlias"]
    );
    assert_eq!(
        names(&i, "components.exported_unprotected"),
        ["com.example.app.OpenAlias"]
    );
}

#[test]
fn providers_grant_uri_and_weak_path_permissions() {
    let mut r = report();
    let mut p = exported("com.example.app.P");
    p.grant_uri_permissions = true;
    p.path_permissions = vec![
        PathPermission {
            path: Some("/user".into()),
            read_permission: Some("com.example.READ".into()),
            ..PathPermission::default()
        },
        PathPermission {
            path_prefix: Some("/all".into()),
            permission: Some("com.example.BOTH".into()),
            ..PathPermission::default()
        },
    ];
    let mut q = comp("com.example.app.Q");
    q.grant_uri_permission_paths = vec![Default::default()];
    q.path_permissions = p.path_permissions.clone();
    r.components.providers = vec![q, p];
    let i = ind(&r);
    assert_eq!(
        arr(&i, "providers.grant_uri_permissions"),
        &vec![
            json!({"name": "com.example.app.P", "exported": true}),
            json!({"name": "com.example.app.Q", "exported": false}),
        ]
    );
    // Only the exported, unprotected provider's read-only entry is weak.
    assert_eq!(
        arr(&i, "providers.weak_path_permissions"),
        &vec![
            json!({"name": "com.example.app.P", "path": "/user", "match": "path",
                     "read_permission": "com.example.READ", "write_permission": ""})
        ]
    );
    // A provider-level permission protects everything: no weak paths.
    r.components.providers[1].write_permission = Some("com.example.W".into());
    assert!(arr(&ind(&r), "providers.weak_path_permissions").is_empty());
}

#[test]
fn permissions_requested_dangerous_and_declared_weak() {
    let mut r = report();
    r.permissions = [
        "android.permission.READ_SMS",
        "android.permission.INTERNET",
        "android.permission.POST_NOTIFICATIONS",
    ]
    .map(String::from)
    .to_vec();
    r.declared_permissions = [
        (0u32, "com.x.NORMAL"),
        (1, "com.x.DANGER"),
        (2, "com.x.SIG"),
        (0x12, "com.x.SIGPRIV"),
    ]
    .iter()
    .map(|(raw, name)| DeclaredPermission {
        name: (*name).into(),
        protection_level: ProtectionLevel::decode(*raw),
        permission_group: None,
    })
    .collect();
    let i = ind(&r);
    assert_eq!(
        names(&i, "permissions.requested"),
        [
            "android.permission.INTERNET",
            "android.permission.POST_NOTIFICATIONS",
            "android.permission.READ_SMS"
        ]
    );
    assert_eq!(
        names(&i, "permissions.dangerous"),
        [
            "android.permission.POST_NOTIFICATIONS",
            "android.permission.READ_SMS"
        ]
    );
    assert_eq!(
        arr(&i, "permissions.declared_weak"),
        &vec![
            json!({"name": "com.x.DANGER", "protection": "dangerous"}),
            json!({"name": "com.x.NORMAL", "protection": "normal"}),
        ]
    );
}

#[test]
fn task_affinity_and_strandhogg() {
    let mut r = report();
    let mut main = exported("com.example.app.Main");
    main.intent_filters = vec![launcher()];
    main.launch_mode = Some(LaunchMode::Standard);
    let mut own = comp("com.example.app.Own");
    own.task_affinity = Some(":side".into());
    let mut sub = comp("com.example.app.Sub");
    sub.task_affinity = Some("com.example.app.sub".into());
    sub.launch_mode = Some(LaunchMode::SingleTask);
    r.components.activities = vec![main, own, sub];
    let i = ind(&r);
    assert!(!b(&i, "tasks.strandhogg"));
    assert_eq!(
        names(&i, "tasks.launcher_default_affinity"),
        ["com.example.app.Main"]
    );
    let custom = arr(&i, "tasks.custom_affinity");
    assert_eq!(custom.len(), 2);
    assert_eq!(custom[0]["task_affinity"], "com.example.app:side");
    assert_eq!(custom[0]["foreign"], false);
    assert_eq!(custom[1]["launch_mode"], "single_task");

    // Another app's task + singleTask: StrandHogg.
    let mut evil = comp("com.example.app.Evil");
    evil.task_affinity = Some("com.victim.bank".into());
    evil.launch_mode = Some(LaunchMode::SingleInstance);
    r.components.activities.push(evil);
    let i = ind(&r);
    assert!(b(&i, "tasks.strandhogg"));
    assert!(arr(&i, "tasks.custom_affinity")
        .iter()
        .any(|v| v["name"] == "com.example.app.Evil" && v["foreign"] == true));

    // Foreign affinity without a new-task launch mode is not enough on its own.
    r.components.activities.last_mut().unwrap().launch_mode = Some(LaunchMode::Standard);
    assert!(!b(&ind(&r), "tasks.strandhogg"));

    // taskAffinity="" on the application (the Ghera fix) moves the launcher off the default task.
    r.application.task_affinity = Some(String::new());
    let i = ind(&r);
    assert!(names(&i, "tasks.launcher_default_affinity").is_empty());
    assert!(arr(&i, "tasks.custom_affinity")
        .iter()
        .any(|v| v["name"] == "com.example.app.Main" && v["task_affinity"] == ""));
}

#[test]
fn high_priority_filters_and_deeplinks() {
    let mut r = report();
    let mut a = exported("com.example.app.Link");
    let mut web = filter(
        &["android.intent.action.VIEW"],
        &[
            "android.intent.category.DEFAULT",
            "android.intent.category.BROWSABLE",
        ],
    );
    web.data = vec![
        IntentData {
            scheme: Some("https".into()),
            ..IntentData::default()
        },
        IntentData {
            scheme: Some("myapp".into()),
            host: Some("open".into()),
            ..IntentData::default()
        },
    ];
    let mut verified = web.clone();
    verified.auto_verify = true;
    verified.data = vec![IntentData {
        scheme: Some("https".into()),
        host: Some("verified.example".into()),
        ..IntentData::default()
    }];
    let mut prio = filter(&["android.provider.Telephony.SMS_RECEIVED"], &[]);
    prio.priority = Some(999);
    a.intent_filters = vec![web.clone(), verified, prio.clone()];
    let mut hidden = comp("com.example.app.Hidden");
    hidden.intent_filters = vec![web];
    let mut rcv = exported("com.example.app.Rcv");
    let mut low = prio.clone();
    low.priority = Some(-5);
    rcv.intent_filters = vec![low, prio];
    let mut zero = exported("com.example.app.Zero");
    zero.intent_filters = vec![filter(&["x"], &[])];
    r.components.activities = vec![a, hidden];
    r.components.receivers = vec![rcv, zero];
    let i = ind(&r);
    assert_eq!(
        arr(&i, "intent_filters.high_priority"),
        &vec![
            json!({"kind": "activity", "name": "com.example.app.Link", "priority": 999}),
            json!({"kind": "receiver", "name": "com.example.app.Rcv", "priority": 999}),
        ]
    );
    // Schemes × hosts of the filter; the verified https filter and the unexported activity are out.
    assert_eq!(
        arr(&i, "deeplinks.unverified"),
        &vec![
            json!({"name": "com.example.app.Link", "scheme": "https", "host": "open"}),
            json!({"name": "com.example.app.Link", "scheme": "myapp", "host": "open"}),
        ]
    );
}

#[test]
fn certificates() {
    let mut r = report();
    let i = ind(&r);
    assert!(b(&i, "cert.unsigned"));
    assert!(!b(&i, "cert.verified"));
    assert_eq!(n(&i, "cert.min_rsa_bits"), 0);

    r.signing.details.schemes.v1.present = true;
    r.signing.schemes.v1 = true;
    r.signing.verified = true;
    r.signing.certificates = vec![cert()];
    let i = ind(&r);
    assert!(!b(&i, "cert.unsigned"));
    assert!(b(&i, "cert.v1_only"));
    assert!(b(&i, "cert.janus"));
    assert!(!b(&i, "cert.debug"));
    assert!(!b(&i, "cert.weak_signature_algorithm"));
    assert!(!b(&i, "cert.expired"));
    assert_eq!(n(&i, "cert.min_rsa_bits"), 2048);

    r.signing.schemes.v2 = true;
    let i = ind(&r);
    assert!(!b(&i, "cert.v1_only"));
    assert!(!b(&i, "cert.janus"), "minSdk 24 with v2: Janus closed");
    r.min_sdk = 21;
    assert!(b(&ind(&r), "cert.janus"), "v1 still honoured below 24");

    let mut weak = cert();
    weak.signature_algorithm = "SHA1withRSA".into();
    weak.key_size = 1024;
    weak.not_after = Some("2026-11-24T23:59:59Z".into());
    weak.debug = true;
    let mut ec = cert();
    ec.key_algorithm = "EC".into();
    ec.key_size = 256;
    r.signing.certificates = vec![cert(), weak, ec];
    let i = ind(&r);
    assert!(b(&i, "cert.weak_signature_algorithm"));
    assert!(b(&i, "cert.expired"));
    assert!(b(&i, "cert.debug"));
    assert_eq!(n(&i, "cert.min_rsa_bits"), 1024, "EC keys do not count");
}

#[test]
fn native_hardening_lists() {
    let mut r = report();
    r.native_libs = vec![
        native("lib/arm64-v8a/libweak.so", Some(elf(false))),
        native("lib/arm64-v8a/libgood.so", Some(elf(true))),
        native("lib/arm64-v8a/libpacked.so", None),
    ];
    let i = ind(&r);
    assert_eq!(n(&i, "native.libs"), 3);
    for k in [
        "native.no_nx",
        "native.no_pie",
        "native.no_stack_canary",
        "native.relro_not_full",
        "native.no_fortify",
        "native.rpath",
        "native.text_relocations",
    ] {
        assert_eq!(names(&i, k), ["lib/arm64-v8a/libweak.so"], "{k}");
    }
}

#[test]
fn dex_facts() {
    let mut r = report();
    let dex = |name: &str, ok: bool| DexFacts {
        name: name.into(),
        size: 1,
        summary: DexSummary {
            checksum_ok: ok,
            ..DexSummary::default()
        },
    };
    r.dex = vec![dex("classes.dex", true), dex("classes2.dex", false)];
    r.embedded_code = vec![
        EmbeddedCode {
            path: "assets/z.jar".into(),
            kind: "zip",
            size: 1,
            dex: None,
            elf: None,
        },
        EmbeddedCode {
            path: "assets/a.dex".into(),
            kind: "dex",
            size: 1,
            dex: None,
            elf: None,
        },
    ];
    let i = ind(&r);
    assert_eq!(n(&i, "dex.count"), 2);
    assert_eq!(names(&i, "dex.bad_checksum"), ["classes2.dex"]);
    assert_eq!(
        arr(&i, "dex.embedded_code"),
        &vec![
            json!({"path": "assets/a.dex", "kind": "dex"}),
            json!({"path": "assets/z.jar", "kind": "zip"}),
        ]
    );
    assert!(names(&ind(&report()), "dex.bad_checksum").is_empty());
}

#[test]
fn deterministic_and_insertable() {
    let mut r = report();
    r.permissions = vec!["b".into(), "a".into(), "b".into()];
    let one = ind(&r);
    let two = ind(&r);
    assert_eq!(one, two);
    assert_eq!(
        serde_json::to_string(&one.to_value()).unwrap(),
        serde_json::to_string(&two.to_value()).unwrap()
    );
    assert_eq!(names(&one, "permissions.requested"), ["a", "b"]);
    let mut three = one;
    three.insert("packed", true);
    assert_eq!(three.get("packed"), Some(&Value::Bool(true)));
}

#[test]
fn deeplinks_are_capped() {
    let mut r = report();
    let mut a = exported("com.example.app.Many");
    let mut f = filter(
        &["android.intent.action.VIEW"],
        &["android.intent.category.BROWSABLE"],
    );
    f.data = (0..200)
        .map(|k| IntentData {
            scheme: Some(format!("s{k}")),
            host: Some(format!("h{k}")),
            ..IntentData::default()
        })
        .collect();
    a.intent_filters = vec![f];
    r.components.activities = vec![a];
    let i = ind(&r);
    assert_eq!(
        arr(&i, "deeplinks.unverified").len(),
        crate::components::MAX_DEEPLINKS
    );
}
