//! The project's own insecure test APK (built by the fixtures' build-apk.sh): every fact its
//! manifest states comes out of the typed model, the label through the resource table.
#![allow(clippy::unwrap_used)]

use medshield_arsc::ResourceTable;
use medshield_axml::manifest::{ComponentKind, Manifest, ProtectionBase, StringOrRef};
use medshield_axml::XmlDocument;

#[test]
fn insecure_webview_manifest_facts() {
    let Some(root) = medshield_fixtures::apks_root("insecure_webview_manifest_facts") else {
        return;
    };
    let bytes = std::fs::read(root.join("built/insecure-webview.apk")).unwrap();
    let archive = medshield_zip::Archive::parse(&bytes).unwrap();
    let xml = archive
        .read(archive.entry("AndroidManifest.xml").unwrap())
        .unwrap();
    let arsc = archive
        .read(archive.entry("resources.arsc").unwrap())
        .unwrap();
    let m = Manifest::from_document(&XmlDocument::parse(&xml).unwrap()).unwrap();
    let table = ResourceTable::parse(&arsc).unwrap();
    assert_eq!(m.package, "com.example.insecure");
    assert_eq!(m.version_code, Some(3));
    assert_eq!(m.version_name, Some(StringOrRef::Literal("1.2".into())));
    assert_eq!((m.min_sdk.level, m.target_sdk.level), (16, 22));
    assert_eq!(m.compile_sdk_version, Some(29));
    assert_eq!(m.uses_permissions.len(), 6);
    let weak = &m.permissions[0];
    assert_eq!(weak.name, "com.example.insecure.permission.WEAK");
    assert_eq!(weak.protection_level.base, ProtectionBase::Normal);
    let app = m.application.as_ref().unwrap();
    assert!(app.debuggable);
    assert!(app.allow_backup.value && app.allow_backup.explicit);
    assert!(app.uses_cleartext_traffic.value && app.uses_cleartext_traffic.explicit);
    let Some(StringOrRef::Reference(label)) = app.label else {
        panic!("label is a reference")
    };
    assert_eq!(
        table.default_string(label).as_deref(),
        Some("Insecure WebView")
    );
    let kinds: Vec<_> = app
        .components
        .iter()
        .map(|c| {
            (
                c.kind,
                c.name.as_str(),
                c.exported.value,
                c.exported.explicit,
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            (
                ComponentKind::Activity,
                "com.example.insecure.MainActivity",
                true,
                true
            ),
            (
                ComponentKind::Receiver,
                "com.example.insecure.OpenReceiver",
                true,
                true
            ),
            (
                ComponentKind::Provider,
                "com.example.insecure.OpenProvider",
                true,
                true
            ),
        ]
    );
    let main = &app.components[0];
    assert_eq!(main.intent_filters.len(), 2);
    assert_eq!(
        main.intent_filters[1].data[0].scheme.as_deref(),
        Some("insecure")
    );
    assert_eq!(main.intent_filters[1].data[0].host.as_deref(), Some("open"));
    assert!(main.intent_filters[1]
        .categories
        .iter()
        .any(|c| c == "android.intent.category.BROWSABLE"));
    let prov = &app.components[2];
    assert_eq!(prov.authorities, vec!["com.example.insecure.files"]);
    assert!(prov.grant_uri_permissions);
}
