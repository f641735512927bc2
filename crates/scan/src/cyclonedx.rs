//! A CycloneDX 1.5 SBOM of what a package is built from, as far as a scan can tell: the detected
//! third-party SDKs (vendor, category, the personal data they are known to collect) and the native
//! libraries (ABI and hardening), for Dependency-Track and similar inventories.

use std::hash::{Hash, Hasher};

use serde_json::{json, Value};

use crate::ScanReport;

/// A stable `urn:uuid:` for one package version scanned on one day: re-running a scan gives the
/// same serial number, a new version or day a new one. Shaped as a version-4 (random) UUID.
fn serial_number(r: &ScanReport) -> String {
    let mut a = std::collections::hash_map::DefaultHasher::new();
    (
        &r.package,
        &r.version_code,
        &r.version_name,
        &r.scan_date,
        "a",
    )
        .hash(&mut a);
    let mut b = std::collections::hash_map::DefaultHasher::new();
    (
        &r.package,
        &r.version_code,
        &r.version_name,
        &r.scan_date,
        "b",
    )
        .hash(&mut b);
    let (hi, lo) = (a.finish(), b.finish());
    let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "urn:uuid:{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

fn property(name: &str, value: impl Into<String>) -> Value {
    json!({ "name": name, "value": value.into() })
}

/// The SBOM of one scanned package.
pub fn cyclonedx(r: &ScanReport) -> Value {
    let mut components = Vec::new();
    let mut refs = Vec::new();
    for sdk in &r.sdks {
        let bom_ref = format!("sdk:{}", sdk.id);
        let mut properties = vec![property(
            "medshield:category",
            json!(sdk.category).as_str().unwrap_or_default(),
        )];
        if !sdk.personal_data.is_empty() {
            let data: Vec<String> = sdk
                .personal_data
                .iter()
                .map(|p| json!(p).as_str().unwrap_or_default().to_owned())
                .collect();
            properties.push(property("medshield:personal_data", data.join(",")));
        }
        if let Some(zh) = &sdk.name_zh {
            properties.push(property("medshield:name_zh", zh.clone()));
        }
        let mut c = json!({
            "type": "library",
            "bom-ref": bom_ref,
            "name": sdk.name,
            "publisher": sdk.vendor,
            "group": sdk.vendor,
            "properties": properties,
        });
        if let Some(url) = &sdk.url {
            c["externalReferences"] = json!([{ "type": "website", "url": url }]);
        }
        refs.push(bom_ref);
        components.push(c);
    }
    for lib in &r.inspect.native_libs {
        let bom_ref = format!("native:{}", lib.path);
        let file = lib.path.rsplit('/').next().unwrap_or(&lib.path);
        let mut properties = vec![
            property("medshield:path", lib.path.clone()),
            property("medshield:abi", lib.abi.clone()),
            property("medshield:nx", lib.nx.to_string()),
            property("medshield:pie", lib.pie.to_string()),
            property("medshield:relro", lib.relro.clone()),
            property("medshield:stack_canary", lib.stack_canary.to_string()),
            property("medshield:fortify", lib.fortify.to_string()),
        ];
        if !lib.needed.is_empty() {
            properties.push(property("medshield:needed", lib.needed.join(",")));
        }
        components.push(json!({ "type": "library", "bom-ref": bom_ref, "name": file, "properties": properties }));
        refs.push(bom_ref);
    }
    let mut app = json!({
        "type": "application",
        "bom-ref": "app",
        "name": r.package,
        "properties": [property("medshield:grade", r.score.grade.as_str()), property("medshield:score", format!("{:.2}", r.score.score))],
    });
    if let Some(v) = &r.version_name {
        app["version"] = json!(v);
    }
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": serial_number(r),
        "version": 1,
        "metadata": {
            "timestamp": format!("{}T00:00:00Z", r.scan_date),
            "tools": { "components": [{ "type": "application", "name": "MedShield", "version": env!("CARGO_PKG_VERSION") }] },
            "component": app,
        },
        "components": components,
        "dependencies": [{ "ref": "app", "dependsOn": refs }],
    })
}
