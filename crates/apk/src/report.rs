//! The `inspect` report: the stable JSON contract documented in `docs/inspect-json.md`.
//!
//! Field names and meanings only ever grow: a new field may appear, an existing one keeps its name,
//! type and meaning. `schema_version` changes if that promise is ever broken.

use std::collections::BTreeMap;

use serde::Serialize;

pub use medshield_axml::manifest::{
    DeclaredPermission, GrantUriPermission, IntentFilter, LaunchMode, MetaData, PathPermission,
    UsesFeature, UsesLibrary, UsesPermission,
};
pub use medshield_axml::nsc::NetworkSecurityConfig;
pub use medshield_dex::DexSummary;
pub use medshield_elf::NativeLibFacts;
pub use medshield_signing::{CertificateInfo, SigningReport};

/// The version of this contract.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything `inspect` read from one package.
#[derive(Debug, Clone, Serialize)]
pub struct ApkReport {
    pub schema_version: u32,
    pub file: FileFacts,
    pub package: String,
    pub version_code: Option<u64>,
    pub version_name: Option<String>,
    pub min_sdk: u32,
    pub target_sdk: u32,
    pub max_sdk: Option<i64>,
    pub compile_sdk: Option<i64>,
    /// The label Android shows by default (aapt's `application-label`).
    pub label: Option<String>,
    /// The label in every locale that defines one; `""` is the default configuration.
    pub labels: BTreeMap<String, String>,
    /// Names of requested permissions, in manifest order, without duplicates.
    pub permissions: Vec<String>,
    pub uses_permissions: Vec<UsesPermission>,
    pub declared_permissions: Vec<DeclaredPermission>,
    pub uses_features: Vec<UsesFeature>,
    pub shared_user_id: Option<String>,
    pub application: ApplicationFacts,
    pub components: Components,
    /// The network security config, when the application names one and it could be read.
    pub network_security_config: Option<NetworkSecurityConfig>,
    pub signing: SigningFacts,
    /// The dex files Android loads (`classes.dex`, `classes2.dex`, … in sequence).
    pub dex: Vec<DexFacts>,
    /// Code found elsewhere: dex/jar/apk/ELF files in assets, resources or nested archives.
    pub embedded_code: Vec<EmbeddedCode>,
    /// `lib/<abi>/*.so`.
    pub native_libs: Vec<NativeLib>,
    /// Every oddity, from every layer.
    pub anomalies: Vec<Anomaly>,
}

/// The package file itself. (Its content digest is not computed here: hashing the whole file
/// again costs ~5% of `inspect`, and the platform computes it once when it stores a package.)
#[derive(Debug, Clone, Serialize)]
pub struct FileFacts {
    pub size: u64,
    pub entries: usize,
}

/// `<application>` attributes that matter for security.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ApplicationFacts {
    pub name: Option<String>,
    pub debuggable: bool,
    pub allow_backup: bool,
    pub allow_backup_explicit: bool,
    /// Effective value: explicit, or Android's default for the target SDK (true below 28).
    pub uses_cleartext_traffic: bool,
    pub uses_cleartext_traffic_explicit: bool,
    /// Path of the network security config XML (`res/xml/…`), resolved through resources.arsc.
    pub network_security_config: Option<String>,
    pub test_only: bool,
    pub extract_native_libs: bool,
    pub app_component_factory: Option<String>,
    pub permission: Option<String>,
    pub process: Option<String>,
    pub task_affinity: Option<String>,
    pub persistent: bool,
    pub meta_data: Vec<MetaData>,
    pub uses_libraries: Vec<UsesLibrary>,
}

/// The four component kinds (activity aliases are listed with activities).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Components {
    pub activities: Vec<Component>,
    pub services: Vec<Component>,
    pub receivers: Vec<Component>,
    pub providers: Vec<Component>,
}

/// One component.
#[derive(Debug, Clone, Serialize)]
pub struct Component {
    pub name: String,
    /// Whether other apps can reach it, as Android decides: the explicit attribute, else true iff it
    /// has intent filters (activities, services, receivers) or targetSdk ≤ 16 (providers).
    pub exported: bool,
    /// Whether `android:exported` was written in the manifest.
    pub exported_explicit: bool,
    pub permission: Option<String>,
    pub intent_filters: Vec<IntentFilter>,
    /// `activity-alias` entries name the activity they stand for.
    pub alias_of: Option<String>,
    pub enabled: bool,
    pub read_permission: Option<String>,
    pub write_permission: Option<String>,
    pub grant_uri_permissions: bool,
    pub path_permissions: Vec<PathPermission>,
    pub grant_uri_permission_paths: Vec<GrantUriPermission>,
    pub authorities: Vec<String>,
    pub task_affinity: Option<String>,
    pub launch_mode: Option<LaunchMode>,
    pub process: Option<String>,
    pub direct_boot_aware: bool,
    pub meta_data: Vec<MetaData>,
}

/// Which signature schemes verify.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct SchemeVerdicts {
    pub v1: bool,
    pub v2: bool,
    pub v3: bool,
    pub v31: bool,
}

/// Signatures: Android's verdict, the signer certificates, and the full detail.
#[derive(Debug, Clone, Serialize)]
pub struct SigningFacts {
    /// The schemes that verify.
    pub schemes: SchemeVerdicts,
    /// Android's overall verdict (`apksigner verify`).
    pub verified: bool,
    /// The signer certificates (when verified), else every certificate found.
    pub certificates: Vec<CertificateInfo>,
    /// Per-scheme presence, errors and warnings, the rotation lineage, source stamp, block IDs.
    pub details: SigningReport,
}

/// One dex file Android loads.
#[derive(Debug, Clone, Serialize)]
pub struct DexFacts {
    /// Entry name (`classes.dex`); a DEX 041 container's later sections get `#n` appended.
    pub name: String,
    /// Inflated size in bytes.
    pub size: u64,
    #[serde(flatten)]
    pub summary: DexSummary,
}

/// Code outside the primary dex list.
#[derive(Debug, Clone, Serialize)]
pub struct EmbeddedCode {
    /// Path inside the package; `outer.jar!/classes.dex` for code inside a nested archive.
    pub path: String,
    /// `dex`, `zip` (jar/apk/zip), `elf`, or `unreadable` for an entry named like code whose content
    /// is not (often an encrypted payload of a packer).
    pub kind: &'static str,
    pub size: u64,
    /// Dex counts, for `dex`.
    pub dex: Option<DexSummary>,
    /// ELF facts, for `elf`.
    pub elf: Option<NativeLibFacts>,
}

/// A native library under `lib/<abi>/`.
#[derive(Debug, Clone, Serialize)]
pub struct NativeLib {
    pub path: String,
    /// The ABI directory it sits in.
    pub abi: String,
    pub size: u64,
    pub nx: bool,
    pub pie: bool,
    /// `none`, `partial` or `full`.
    pub relro: String,
    pub stack_canary: bool,
    pub fortify: bool,
    pub stripped: bool,
    pub rpath: Option<String>,
    pub runpath: Option<String>,
    pub jni_onload: bool,
    pub needed: Vec<String>,
    /// Everything read from the ELF file; `None` when it could not be parsed.
    pub elf: Option<NativeLibFacts>,
}

/// An oddity, with the layer that found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anomaly {
    /// `zip`, `manifest`, `resources`, `signing`, `dex`, `native`, `nsc` or `package`.
    pub source: &'static str,
    /// The entry concerned, when there is one.
    pub path: Option<String>,
    pub message: String,
}
