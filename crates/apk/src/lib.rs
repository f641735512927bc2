//! The scanner engine: one pass over an Android package's bytes into the facts `inspect` reports.
//!
//! It drives the format crates — ZIP container, binary XML, resources, signatures, DEX, ELF — and
//! assembles their findings into an [`ApkReport`], the stable JSON contract of `medshield inspect`
//! (`docs/inspect-json.md`). Like them it does no I/O: the caller hands it the package's bytes.
//!
//! Each entry is inflated at most once: signature verification (v1 needs every entry's digest)
//! hands what it inflated to the DEX and ELF readers through a callback; entries it did not need are
//! read afterwards, and only those that may carry code. Peak memory is the package plus the largest
//! entry being processed, never the whole inflated archive.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod entries;
pub mod report;
pub mod text;

use std::collections::{BTreeMap, HashSet};

use medshield_arsc::ResourceTable;
use medshield_axml::manifest::{
    Component as ManifestComponent, ComponentKind, Manifest, StringOrRef,
};
use medshield_axml::XmlDocument;
use medshield_dex::Dex;
use medshield_zip::{Archive, Entry, Limits};

use entries::{role, sniff, Role, Sniffed};
pub use report::*;

/// How much of a nested archive is read: nested jars are small; a bomb inside one must not cost more.
const NESTED_LIMITS: Limits = Limits {
    max_entries: 20_000,
    max_entry_size: 256 << 20,
    max_total_inflated: 1 << 30,
    max_ratio: medshield_zip::DEFAULT_MAX_RATIO,
    ratio_floor: medshield_zip::DEFAULT_RATIO_FLOOR,
};
/// Bytes sniffed from an entry to tell dex, ZIP and ELF content from the rest.
const SNIFF_LEN: usize = 4;
/// At most this many anomalies from one source are kept; a crafted file can produce millions.
const MAX_ANOMALIES_PER_SOURCE: usize = 200;

/// Options for [`inspect`].
#[derive(Debug, Clone, Copy, Default)]
pub struct InspectOptions {
    /// Caps on the container (zip-bomb protection).
    pub limits: Limits,
}

/// Why a file is not a readable APK.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("not a ZIP archive: {0}")]
    Zip(#[from] medshield_zip::ZipError),
    #[error("no AndroidManifest.xml in the archive")]
    NoManifest,
    #[error("AndroidManifest.xml cannot be read: {0}")]
    ManifestEntry(medshield_zip::ZipError),
    #[error("AndroidManifest.xml is not valid binary XML: {0}")]
    ManifestXml(#[from] medshield_axml::AxmlError),
    #[error("AndroidManifest.xml is not a manifest: {0}")]
    Manifest(#[from] medshield_axml::manifest::ManifestError),
}

/// Collects anomalies with a per-source cap.
#[derive(Default)]
struct Anomalies {
    list: Vec<Anomaly>,
    per_source: BTreeMap<&'static str, usize>,
}

impl Anomalies {
    fn push(&mut self, source: &'static str, path: Option<&str>, message: impl Into<String>) {
        let n = self.per_source.entry(source).or_default();
        *n += 1;
        if *n <= MAX_ANOMALIES_PER_SOURCE {
            self.list.push(Anomaly {
                source,
                path: path.map(str::to_owned),
                message: message.into(),
            });
        } else if *n == MAX_ANOMALIES_PER_SOURCE + 1 {
            self.list.push(Anomaly {
                source,
                path: None,
                message: format!("more {source} anomalies not listed"),
            });
        }
    }
}

/// Sees the code as `inspect` reads it, for analyses that need more than the report's counts
/// (call sites, class names for SDK detection, strings in native libraries) without a second pass
/// over the package. Each dex and native library is handed over while its bytes are alive; the
/// report is assembled regardless of what the observer does.
pub trait CodeObserver {
    /// A dex file: `name` is its entry name, or `outer.jar!/classes.dex` for embedded code.
    /// `primary` is true for the `classesN.dex` files Android loads.
    fn dex(&mut self, _name: &str, _primary: bool, _dex: &Dex<'_>) {}

    /// Every string of `resources.arsc`'s global string pool (values of `@string` resources, file
    /// paths…), once, before any dex.
    fn resource_string(&mut self, _text: &str) {}

    /// A native library the installer extracts (`lib/<abi>/<name>.so`, the path as `name`), with
    /// its inflated bytes: the buffer the ELF reader was handed, so looking costs no second
    /// inflation. Called once per library, readable ELF or not; libraries elsewhere in the package
    /// are reported as embedded code, not handed over.
    fn native_lib(&mut self, _name: &str, _bytes: &[u8]) {}
}

/// The observer that looks at nothing.
struct NoObserver;
impl CodeObserver for NoObserver {}

/// What the code pass collects.
struct Code<'o> {
    dex: Vec<(u32, DexFacts)>,
    embedded: Vec<EmbeddedCode>,
    native: Vec<NativeLib>,
    anomalies: Anomalies,
    seen: HashSet<usize>,
    observer: &'o mut dyn CodeObserver,
}

/// Reads everything `inspect` reports from an APK's bytes.
pub fn inspect(bytes: &[u8], options: &InspectOptions) -> Result<ApkReport, InspectError> {
    inspect_observing(bytes, options, &mut NoObserver)
}

/// [`inspect`], handing every dex to `observer` as it is read.
pub fn inspect_observing(
    bytes: &[u8],
    options: &InspectOptions,
    observer: &mut dyn CodeObserver,
) -> Result<ApkReport, InspectError> {
    let archive = Archive::parse_with_limits(bytes, options.limits)?;
    let mut anomalies = Anomalies::default();
    for a in archive.anomalies() {
        anomalies.push("zip", None, a.to_string());
    }

    let manifest_entry = archive
        .entry("AndroidManifest.xml")
        .ok_or(InspectError::NoManifest)?;
    let manifest_bytes = read_lenient(&archive, manifest_entry, &mut anomalies)
        .map_err(InspectError::ManifestEntry)?;
    let manifest_doc = XmlDocument::parse(&manifest_bytes)?;
    for a in manifest_doc.anomalies() {
        anomalies.push("manifest", Some("AndroidManifest.xml"), a.message.clone());
    }
    let manifest = Manifest::from_document(&manifest_doc)?;
    for a in &manifest.anomalies {
        anomalies.push("manifest", Some("AndroidManifest.xml"), a.message.clone());
    }

    let resources_bytes = match archive.entry("resources.arsc") {
        Some(e) => match read_lenient(&archive, e, &mut anomalies) {
            Ok(b) => Some(b),
            Err(err) => {
                anomalies.push("resources", Some("resources.arsc"), err.to_string());
                None
            }
        },
        None => None,
    };
    let resources = resources_bytes
        .as_deref()
        .and_then(|b| match ResourceTable::parse(b) {
            Ok(t) => Some(t),
            Err(err) => {
                anomalies.push("resources", Some("resources.arsc"), err.to_string());
                None
            }
        });
    if let Some(t) = &resources {
        for a in t.anomalies() {
            anomalies.push("resources", Some("resources.arsc"), a.message.clone());
        }
    }

    if let Some(t) = &resources {
        let pool = t.strings();
        for i in 0..pool.len() {
            if let Some(text) = pool.get(i as u32) {
                observer.resource_string(&text);
            }
        }
    }

    let application = manifest.application.as_ref();
    let (label, labels) = resolve_label(
        application.and_then(|a| a.label.as_ref()),
        resources.as_ref(),
    );
    let version_name = manifest
        .version_name
        .as_ref()
        .and_then(|v| resolve_string(v, resources.as_ref()));
    let nsc_path = application
        .and_then(|a| a.network_security_config)
        .and_then(|id| resources.as_ref().and_then(|t| t.resolve_file(id)));
    let network_security_config = nsc_path
        .as_deref()
        .and_then(|p| read_nsc(&archive, p, &mut anomalies));

    let min_sdk = manifest.min_sdk.level;
    let target_sdk = manifest.target_sdk.level;
    let verify_options = medshield_signing::VerifyOptions {
        min_sdk,
        target_sdk: Some(target_sdk),
        target_sandbox_version: target_sandbox_version(&manifest_doc),
        ..medshield_signing::VerifyOptions::default()
    };

    // One pass: v1 verification inflates entries; code entries among them are handled on the spot.
    let mut code = Code {
        dex: Vec::new(),
        embedded: Vec::new(),
        native: Vec::new(),
        anomalies: Anomalies::default(),
        seen: HashSet::new(),
        observer,
    };
    let signing =
        medshield_signing::verify_observing(&archive, &verify_options, &mut |entry, content| {
            observe_entry(entry, content, &mut code);
        });
    let mut buffer = Vec::new();
    for entry in archive.entries() {
        if entry.is_dir() || code.seen.contains(&entry.index) {
            continue;
        }
        let name = entry.name();
        let wanted = match role(&name) {
            Role::PrimaryDex | Role::NativeLib { .. } | Role::MaybeEmbeddedCode => true,
            // Code hides behind innocent names too: sniff the first bytes.
            Role::Other => matches!(
                archive.read_prefix(entry, SNIFF_LEN).map(|p| sniff(&p)),
                Ok(Sniffed::Dex | Sniffed::Zip | Sniffed::Elf)
            ),
        };
        if !wanted {
            continue;
        }
        match archive.read_into(entry, &mut buffer) {
            Ok(()) => observe_entry(entry, &buffer, &mut code),
            Err(medshield_zip::ZipError::CrcMismatch { .. }) => {
                code.anomalies.push(
                    "zip",
                    Some(&name),
                    "CRC-32 mismatch (Android refuses the entry)",
                );
                if let Ok(content) = archive.read_unchecked(entry) {
                    observe_entry(entry, &content, &mut code);
                }
            }
            Err(err) => code.anomalies.push("zip", Some(&name), err.to_string()),
        }
    }
    for a in &signing.anomalies {
        anomalies.push("signing", None, signing_anomaly_text(a));
    }
    code.dex.sort_by_key(|(index, _)| *index);
    check_multidex_sequence(&code.dex, &mut anomalies);
    code.native.sort_by(|a, b| a.path.cmp(&b.path));
    code.embedded.sort_by(|a, b| a.path.cmp(&b.path));
    anomalies.list.extend(code.anomalies.list);

    let signing_facts = SigningFacts {
        schemes: SchemeVerdicts {
            v1: signing.schemes.v1.verified,
            v2: signing.schemes.v2.verified,
            v3: signing.schemes.v3.verified,
            v31: signing.schemes.v31.verified,
        },
        verified: signing.verified,
        certificates: if signing.signers.is_empty() {
            signing.certificates.clone()
        } else {
            signing.signers.clone()
        },
        details: signing,
    };

    let mut permissions: Vec<String> = Vec::new();
    for p in &manifest.uses_permissions {
        if !permissions.contains(&p.name) {
            permissions.push(p.name.clone());
        }
    }

    Ok(ApkReport {
        schema_version: SCHEMA_VERSION,
        file: FileFacts {
            size: bytes.len() as u64,
            entries: archive.entries().len(),
        },
        package: manifest.package.clone(),
        version_code: manifest.version_code,
        version_name,
        min_sdk,
        target_sdk,
        max_sdk: manifest.max_sdk,
        compile_sdk: manifest.compile_sdk_version,
        label,
        labels,
        permissions,
        uses_permissions: manifest.uses_permissions.clone(),
        declared_permissions: manifest.permissions.clone(),
        uses_features: manifest.uses_features.clone(),
        shared_user_id: manifest.shared_user_id.clone(),
        application: application_facts(&manifest, nsc_path),
        components: components(&manifest),
        network_security_config,
        signing: signing_facts,
        dex: code.dex.into_iter().map(|(_, d)| d).collect(),
        embedded_code: code.embedded,
        native_libs: code.native,
        anomalies: anomalies.list,
    })
}

/// Reads an entry; a CRC mismatch is recorded and the content used anyway (the facts still matter).
fn read_lenient<'a>(
    archive: &Archive<'a>,
    entry: &Entry<'a>,
    anomalies: &mut Anomalies,
) -> Result<std::borrow::Cow<'a, [u8]>, medshield_zip::ZipError> {
    match archive.read(entry) {
        Err(medshield_zip::ZipError::CrcMismatch { .. }) => {
            anomalies.push(
                "zip",
                Some(&entry.name()),
                "CRC-32 mismatch (Android refuses the entry)",
            );
            archive.read_unchecked(entry)
        }
        other => other,
    }
}

/// Handles one inflated entry that may carry code.
fn observe_entry(entry: &Entry<'_>, content: &[u8], code: &mut Code) {
    if !code.seen.insert(entry.index) || entry.is_dir() {
        return;
    }
    let name = entry.name().into_owned();
    match role(&name) {
        Role::PrimaryDex => {
            let index = entries::dex_index(&name).unwrap_or(u32::MAX);
            match Dex::parse_container(content) {
                Ok(sections) => {
                    for (i, dex) in sections.iter().enumerate() {
                        let summary = medshield_dex::summarize(dex);
                        code.observer.dex(&name, true, dex);
                        for a in summary.anomalies.iter().take(MAX_ANOMALIES_PER_SOURCE) {
                            code.anomalies.push("dex", Some(&name), a.to_string());
                        }
                        let section_name = if i == 0 {
                            name.clone()
                        } else {
                            format!("{name}#{}", i + 1)
                        };
                        code.dex.push((
                            index,
                            DexFacts {
                                name: section_name,
                                size: content.len() as u64,
                                summary,
                            },
                        ));
                    }
                }
                Err(err) => {
                    code.anomalies
                        .push("dex", Some(&name), format!("not a readable dex: {err}"))
                }
            }
        }
        Role::NativeLib { abi } => {
            code.observer.native_lib(&name, content);
            let facts = match medshield_elf::analyze(content) {
                Ok(f) => {
                    for a in &f.anomalies {
                        code.anomalies.push("native", Some(&name), a.to_string());
                    }
                    if !f.abi_matches_dir(&abi) {
                        code.anomalies.push(
                            "native",
                            Some(&name),
                            format!(
                                "ELF machine is {} but the library sits under lib/{abi}/",
                                f.abi.unwrap_or("unknown")
                            ),
                        );
                    }
                    Some(f)
                }
                Err(err) => {
                    code.anomalies.push(
                        "native",
                        Some(&name),
                        format!("not a readable ELF file: {err}"),
                    );
                    None
                }
            };
            code.native
                .push(native_lib(name, abi, content.len() as u64, facts));
        }
        Role::MaybeEmbeddedCode | Role::Other => {
            let kind = sniff(content);
            let named_like_code = role(&name) == Role::MaybeEmbeddedCode;
            if kind == Sniffed::Unknown && !named_like_code {
                return;
            }
            embedded_code(&name, content, kind, 0, code);
        }
    }
}

/// Records code found outside the primary dex list, opening nested archives one level deep.
fn embedded_code(path: &str, content: &[u8], kind: Sniffed, depth: u32, code: &mut Code) {
    let size = content.len() as u64;
    match kind {
        Sniffed::Dex => {
            let dex = match Dex::parse(content) {
                Ok(d) => {
                    code.observer.dex(path, false, &d);
                    Some(medshield_dex::summarize(&d))
                }
                Err(err) => {
                    code.anomalies.push(
                        "dex",
                        Some(path),
                        format!("embedded dex not readable: {err}"),
                    );
                    None
                }
            };
            code.embedded.push(EmbeddedCode {
                path: path.to_owned(),
                kind: "dex",
                size,
                dex,
                elf: None,
            });
        }
        Sniffed::Elf => {
            let elf = medshield_elf::analyze(content).ok();
            code.embedded.push(EmbeddedCode {
                path: path.to_owned(),
                kind: "elf",
                size,
                dex: None,
                elf,
            });
        }
        Sniffed::Zip => {
            code.embedded.push(EmbeddedCode {
                path: path.to_owned(),
                kind: "zip",
                size,
                dex: None,
                elf: None,
            });
            // One level of nesting covers jars and split APKs shipped in assets; deeper nesting is
            // recorded, not opened, so a recursive bomb cannot recurse.
            if depth > 0 {
                return;
            }
            let nested = match Archive::parse_with_limits(content, NESTED_LIMITS) {
                Ok(n) => n,
                Err(err) => {
                    code.anomalies.push(
                        "zip",
                        Some(path),
                        format!("nested archive not readable: {err}"),
                    );
                    return;
                }
            };
            for e in nested.entries() {
                let inner = e.name();
                let looks_like_code =
                    inner.ends_with(".dex") || inner.ends_with(".jar") || inner.ends_with(".so");
                if !looks_like_code {
                    continue;
                }
                let inner_path = format!("{path}!/{inner}");
                match nested.read(e) {
                    Ok(bytes) => {
                        let k = sniff(&bytes);
                        if k != Sniffed::Unknown {
                            embedded_code(&inner_path, &bytes, k, depth + 1, code);
                        }
                    }
                    Err(err) => code
                        .anomalies
                        .push("zip", Some(&inner_path), err.to_string()),
                }
            }
        }
        Sniffed::Unknown => {
            // Named like code but not code: a packer's encrypted payload, typically.
            code.embedded.push(EmbeddedCode {
                path: path.to_owned(),
                kind: "unreadable",
                size,
                dex: None,
                elf: None,
            });
        }
    }
}

fn native_lib(
    path: String,
    abi: String,
    size: u64,
    elf: Option<medshield_elf::NativeLibFacts>,
) -> NativeLib {
    let relro = elf
        .as_ref()
        .map(|f| format!("{:?}", f.relro).to_lowercase())
        .unwrap_or_else(|| "none".into());
    NativeLib {
        path,
        abi,
        size,
        nx: elf.as_ref().is_some_and(|f| f.nx),
        pie: elf.as_ref().is_some_and(|f| f.pie),
        relro,
        stack_canary: elf.as_ref().is_some_and(|f| f.stack_canary),
        fortify: elf.as_ref().is_some_and(|f| f.fortify),
        stripped: elf.as_ref().is_some_and(|f| f.stripped),
        rpath: elf.as_ref().and_then(|f| f.rpath.clone()),
        runpath: elf.as_ref().and_then(|f| f.runpath.clone()),
        jni_onload: elf.as_ref().is_some_and(|f| f.jni_onload),
        needed: elf.as_ref().map(|f| f.needed.clone()).unwrap_or_default(),
        elf,
    }
}

/// Android loads `classes.dex`, `classes2.dex`, … and stops at the first gap: later files are dead
/// weight, or code meant for another loader.
fn check_multidex_sequence(dex: &[(u32, DexFacts)], anomalies: &mut Anomalies) {
    let mut expected = 1;
    for (index, facts) in dex {
        if *index == expected {
            expected += 1;
        } else if *index > expected {
            anomalies.push(
                "package",
                Some(&facts.name),
                "not loaded by Android: the classesN.dex sequence has a gap before it",
            );
        }
    }
}

fn resolve_string(value: &StringOrRef, resources: Option<&ResourceTable<'_>>) -> Option<String> {
    match value {
        StringOrRef::Literal(s) => Some(s.clone()),
        StringOrRef::Reference(id) => resources.and_then(|t| t.default_string(*id)),
    }
}

fn resolve_label(
    label: Option<&StringOrRef>,
    resources: Option<&ResourceTable<'_>>,
) -> (Option<String>, BTreeMap<String, String>) {
    let mut labels = BTreeMap::new();
    match label {
        None => (None, labels),
        Some(StringOrRef::Literal(s)) => {
            labels.insert(String::new(), s.clone());
            (Some(s.clone()), labels)
        }
        Some(StringOrRef::Reference(id)) => {
            let Some(table) = resources else {
                return (None, labels);
            };
            // What a device in each locale the package supports would show: Android's best match,
            // the same resolution aapt prints as `application-label-<locale>`.
            let default = table.default_string(*id);
            if let Some(d) = &default {
                labels.insert(String::new(), d.clone());
            }
            for locale in table.locales().into_iter().filter(|l| !l.is_empty()) {
                if let Some(value) = table.string_for_locale(*id, &locale) {
                    labels.insert(locale, value);
                }
            }
            (default, labels)
        }
    }
}

fn read_nsc(
    archive: &Archive<'_>,
    path: &str,
    anomalies: &mut Anomalies,
) -> Option<NetworkSecurityConfig> {
    let Some(entry) = archive.entry(path) else {
        anomalies.push(
            "nsc",
            Some(path),
            "network security config named in the manifest is missing",
        );
        return None;
    };
    let bytes = match read_lenient(archive, entry, anomalies) {
        Ok(b) => b,
        Err(err) => {
            anomalies.push("nsc", Some(path), err.to_string());
            return None;
        }
    };
    let doc = match XmlDocument::parse(&bytes) {
        Ok(d) => d,
        Err(err) => {
            anomalies.push("nsc", Some(path), err.to_string());
            return None;
        }
    };
    match NetworkSecurityConfig::from_document(&doc) {
        Ok(nsc) => {
            for a in &nsc.anomalies {
                anomalies.push("nsc", Some(path), a.message.clone());
            }
            Some(nsc)
        }
        Err(err) => {
            anomalies.push("nsc", Some(path), err.to_string());
            None
        }
    }
}

fn application_facts(manifest: &Manifest, nsc_path: Option<String>) -> ApplicationFacts {
    let Some(app) = &manifest.application else {
        // No <application>: Android's defaults.
        return ApplicationFacts {
            allow_backup: true,
            uses_cleartext_traffic: manifest.target_sdk.level < 28,
            extract_native_libs: true,
            ..ApplicationFacts::default()
        };
    };
    ApplicationFacts {
        name: app.name.clone(),
        debuggable: app.debuggable,
        allow_backup: app.allow_backup.value,
        allow_backup_explicit: app.allow_backup.explicit,
        uses_cleartext_traffic: app.uses_cleartext_traffic.value,
        uses_cleartext_traffic_explicit: app.uses_cleartext_traffic.explicit,
        network_security_config: nsc_path,
        test_only: app.test_only,
        extract_native_libs: app.extract_native_libs.value,
        app_component_factory: app.app_component_factory.clone(),
        permission: app.permission.clone(),
        process: app.process.clone(),
        task_affinity: app.task_affinity.clone(),
        persistent: app.persistent,
        meta_data: app.meta_data.clone(),
        uses_libraries: app.uses_libraries.clone(),
    }
}

fn components(manifest: &Manifest) -> Components {
    let mut out = Components::default();
    let Some(app) = &manifest.application else {
        return out;
    };
    for c in &app.components {
        let list = match c.kind {
            ComponentKind::Activity | ComponentKind::ActivityAlias => &mut out.activities,
            ComponentKind::Service => &mut out.services,
            ComponentKind::Receiver => &mut out.receivers,
            ComponentKind::Provider => &mut out.providers,
        };
        list.push(component(c));
    }
    out
}

fn component(c: &ManifestComponent) -> Component {
    Component {
        name: c.name.clone(),
        exported: c.exported.value,
        exported_explicit: c.exported.explicit,
        permission: c.permission.clone(),
        intent_filters: c.intent_filters.clone(),
        alias_of: c.target_activity.clone(),
        enabled: c.enabled,
        read_permission: c.read_permission.clone(),
        write_permission: c.write_permission.clone(),
        grant_uri_permissions: c.grant_uri_permissions,
        path_permissions: c.path_permissions.clone(),
        grant_uri_permission_paths: c.grant_uri_permission_paths.clone(),
        authorities: c.authorities.clone(),
        task_affinity: c.task_affinity.clone(),
        launch_mode: c.launch_mode,
        process: c.process.clone(),
        direct_boot_aware: c.direct_boot_aware,
        meta_data: c.meta_data.clone(),
    }
}

fn signing_anomaly_text(a: &medshield_signing::SigningAnomaly) -> String {
    use medshield_signing::SigningAnomaly as S;
    match a {
        S::MalformedSigningBlock { error } => format!("APK Signing Block is malformed: {error}"),
        S::MalformedSigningBlockPair { error } => {
            format!("APK Signing Block pair list is malformed: {error}")
        }
        S::UnknownSigningBlockPair { id, len } => {
            format!("APK Signing Block holds an unknown pair 0x{id:08x} ({len} bytes)")
        }
        S::V31WithoutV3 => "v3.1 signature block without a v3 block".to_owned(),
    }
}

/// `targetSandboxVersion` on the root element (> 1 requires a v2+ signature).
fn target_sandbox_version(doc: &XmlDocument) -> Option<u32> {
    /// `android.R.attr.targetSandboxVersion`.
    const TARGET_SANDBOX_VERSION: u32 = 0x0101_054c;
    match &doc
        .root()
        .attr(TARGET_SANDBOX_VERSION, "targetSandboxVersion")?
        .value
    {
        medshield_axml::ResValue::IntDec(v) => u32::try_from(*v).ok(),
        medshield_axml::ResValue::IntHex(v) => Some(*v),
        _ => None,
    }
}
