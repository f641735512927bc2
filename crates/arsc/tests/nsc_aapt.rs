//! A Network Security Config compiled by the real `aapt` at test time (no fixture needed):
//! the file is found through the resource table and decodes to exactly what was written.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use medshield_arsc::{Entry, ResourceTable};
use medshield_axml::nsc::{CertificatesSource, NetworkSecurityConfig};
use medshield_axml::XmlDocument;

const NSC: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<network-security-config>
    <base-config cleartextTrafficPermitted="true">
        <trust-anchors>
            <certificates src="system" />
            <certificates src="user" overridePins="true" />
        </trust-anchors>
    </base-config>
    <domain-config cleartextTrafficPermitted="false">
        <domain includeSubdomains="true">api.example.com</domain>
        <domain>cdn.example.com</domain>
        <pin-set expiration="2030-01-01">
            <pin digest="SHA-256">7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=</pin>
            <pin digest="SHA-256">fwza0LRMXouZHRC8Ei+4PyuldPDcf3UKgO/04cDM1oE=</pin>
        </pin-set>
        <domain-config cleartextTrafficPermitted="true">
            <domain>legacy.example.com</domain>
        </domain-config>
    </domain-config>
    <debug-overrides>
        <trust-anchors>
            <certificates src="@raw/debug_cas" />
        </trust-anchors>
    </debug-overrides>
</network-security-config>
"#;

fn read_entry(apk: &std::path::Path, name: &str) -> Vec<u8> {
    let bytes = std::fs::read(apk).unwrap();
    let archive = medshield_zip::Archive::parse(&bytes).unwrap();
    let e = archive.entry(name).unwrap();
    archive.read(e).unwrap().into_owned()
}

#[test]
fn aapt_compiled_network_security_config() {
    if !medshield_fixtures::oracle_available("aapt", "aapt_compiled_network_security_config") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("medshield-nsc-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("res/xml")).unwrap();
    std::fs::create_dir_all(dir.join("res/raw")).unwrap();
    std::fs::write(
        dir.join("AndroidManifest.xml"),
        r#"<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.nsc"><application/></manifest>"#,
    )
    .unwrap();
    std::fs::write(dir.join("res/xml/network_security_config.xml"), NSC).unwrap();
    std::fs::write(dir.join("res/raw/debug_cas.pem"), "x").unwrap();
    let st = Command::new("aapt")
        .args([
            "package",
            "-f",
            "-M",
            "AndroidManifest.xml",
            "-S",
            "res",
            "-F",
            "out.apk",
        ])
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(st.success());
    let apk = dir.join("out.apk");
    let arsc = read_entry(&apk, "resources.arsc");
    let table = ResourceTable::parse(&arsc).unwrap();
    assert!(table.anomalies().is_empty(), "{:?}", table.anomalies());
    let mut nsc_id = None;
    let mut raw_id = None;
    table.for_each_entry(|id, _, e| {
        assert!(matches!(e, Entry::Value { .. }));
        match table.name_of(id).as_deref() {
            Some("xml/network_security_config") => nsc_id = Some(id),
            Some("raw/debug_cas") => raw_id = Some(id),
            _ => {}
        }
    });
    let (nsc_id, raw_id) = (nsc_id.unwrap(), raw_id.unwrap());
    let path = table.resolve_file(nsc_id).unwrap();
    assert_eq!(path, "res/xml/network_security_config.xml");
    assert_eq!(
        table.resolve_file(raw_id).as_deref(),
        Some("res/raw/debug_cas.pem")
    );

    let doc = XmlDocument::parse(&read_entry(&apk, &path)).unwrap();
    let cfg = NetworkSecurityConfig::from_document(&doc).unwrap();
    assert!(cfg.anomalies.is_empty(), "{:?}", cfg.anomalies);
    let base = cfg.base_config.as_ref().unwrap();
    assert_eq!(base.cleartext_traffic_permitted, Some(true));
    let anchors = base.trust_anchors.as_ref().unwrap();
    assert_eq!(anchors.len(), 2);
    assert_eq!(anchors[0].src, CertificatesSource::System);
    assert!(!anchors[0].override_pins);
    assert_eq!(anchors[1].src, CertificatesSource::User);
    assert!(anchors[1].override_pins);
    assert!(cfg.trusts_user_cas());
    let d = &cfg.domain_configs[0];
    assert_eq!(d.cleartext_traffic_permitted, Some(false));
    assert_eq!(d.domains.len(), 2);
    assert_eq!(d.domains[0].name, "api.example.com");
    assert!(d.domains[0].include_subdomains);
    assert!(!d.domains[1].include_subdomains);
    let pins = d.pin_set.as_ref().unwrap();
    assert_eq!(pins.expiration.as_deref(), Some("2030-01-01"));
    assert_eq!(pins.pins.len(), 2);
    assert_eq!(pins.pins[0].digest, "SHA-256");
    assert_eq!(
        pins.pins[0].value,
        "7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y="
    );
    assert_eq!(d.domain_configs[0].domains[0].name, "legacy.example.com");
    assert_eq!(d.domain_configs[0].cleartext_traffic_permitted, Some(true));
    let dbg = cfg.debug_overrides.as_ref().unwrap();
    assert_eq!(
        dbg.trust_anchors.as_ref().unwrap()[0].src,
        CertificatesSource::Resource(raw_id)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
