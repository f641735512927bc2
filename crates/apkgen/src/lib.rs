//! Builds small but real Android packages from a description, in pure Rust and at run time.
//!
//! The platform's demo mode fills an empty instance with apps and scans; it cannot rely on the
//! shared fixtures or on Android's SDK tools, so it builds its packages itself:
//!
//! * `AndroidManifest.xml` as binary XML (UTF-16 string pool, resource map with the framework
//!   attribute ids, namespaces, typed attribute values), written the way aapt lays it out;
//! * `classes.dex` (version 035) with one class per component extending the right framework class,
//!   and a bootstrap class whose `init()` loads every planted string (`const-string`) and calls every
//!   listed API, so the scanner's string and call analyses have something real to find;
//! * `resources.arsc` holding the label (`@string/app_name`) in the default configuration and,
//!   when the spec has one, in `zh-CN`;
//! * a ZIP container (deflated entries, stored ones 4-byte aligned as zipalign would) and an
//!   APK Signature Scheme v2 signature (ECDSA P-256 with SHA-256, algorithm 0x0201) under a
//!   self-signed X.509 v3 certificate generated here.
//!
//! Everything is a pure function of the spec and the signer key: the same seed gives the same bytes
//! (ECDSA signatures are deterministic, RFC 6979). v1 (JAR) signing is not produced, so packages
//! must declare `min_sdk >= 24`, where Android needs v2 only.
//!
//! ```
//! use medshield_apkgen::{build_apk, AppSpec, ComponentSpec, SignerKey, Subject};
//! let mut spec = AppSpec::new("cn.example.clinic", "示例诊所");
//! spec.activities.push(ComponentSpec::new(".MainActivity").launcher());
//! let key = SignerKey::generate(&Subject::new("Example", "Example Co"), &[7; 32]).unwrap();
//! let apk = build_apk(&spec, &key).unwrap();
//! assert_eq!(&apk[..4], b"PK\x03\x04");
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod arsc;
mod axml;
mod catalog;
mod cert;
mod der;
mod dex;
mod names;
mod v2;
mod zip;

pub use catalog::{demo_catalog, demo_signer};
pub use cert::{SignerKey, Subject, Validity};

/// Why a package could not be built. Every input-dependent failure ends here, never in a panic.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// The spec describes something Android would not accept (or that this builder cannot write).
    #[error("invalid spec: {0}")]
    InvalidSpec(String),
    /// A table or size would exceed what its format can index.
    #[error("too large: {0}")]
    TooLarge(String),
    /// Key or signature generation failed.
    #[error("signing: {0}")]
    Crypto(String),
    /// Compression failed (an I/O error from the in-memory encoder).
    #[error("compression: {0}")]
    Compression(#[from] std::io::Error),
}

/// How a planted call is invoked, which decides the Dalvik opcode (`invoke-*/range`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InvokeKind {
    /// `invoke-static`: no receiver.
    #[default]
    Static,
    /// `invoke-virtual`: a receiver (a null reference) comes first.
    Virtual,
    /// `invoke-interface`, for methods of interfaces.
    Interface,
    /// `invoke-direct` (constructors, private methods).
    Direct,
}

/// A call planted in the bootstrap method: `class->name descriptor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DexCall {
    /// Class, as a descriptor (`Landroid/telephony/TelephonyManager;`) or dotted name.
    pub class: String,
    /// Method name (`getDeviceId`, `<init>`).
    pub name: String,
    /// Method descriptor, e.g. `(Ljava/lang/String;)Ljavax/crypto/Cipher;`.
    pub descriptor: String,
    pub kind: InvokeKind,
    /// Passed (as a constant) for every `java.lang.String` parameter; others get zero/null.
    pub string_arg: Option<String>,
}

impl DexCall {
    /// A call with no constant argument.
    pub fn new(kind: InvokeKind, class: &str, name: &str, descriptor: &str) -> DexCall {
        DexCall {
            class: class.to_owned(),
            name: name.to_owned(),
            descriptor: descriptor.to_owned(),
            kind,
            string_arg: None,
        }
    }

    /// The same call with `arg` passed for its `String` parameters.
    pub fn with_string_arg(mut self, arg: &str) -> DexCall {
        self.string_arg = Some(arg.to_owned());
        self
    }
}

/// One `<intent-filter>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IntentFilterSpec {
    pub actions: Vec<String>,
    pub categories: Vec<String>,
    /// `<data android:scheme>` values.
    pub schemes: Vec<String>,
    /// `<data android:host>` values.
    pub hosts: Vec<String>,
}

/// An activity, service, receiver or provider.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ComponentSpec {
    /// Class name: fully qualified, or starting with `.` (relative to the package).
    pub name: String,
    /// `android:exported`; `None` leaves it out (Android then decides from the intent filters).
    pub exported: Option<bool>,
    /// `android:permission`.
    pub permission: Option<String>,
    pub intent_filters: Vec<IntentFilterSpec>,
    /// `android:authorities` (providers only; required there).
    pub authorities: Option<String>,
    /// `android:grantUriPermissions` (providers).
    pub grant_uri_permissions: bool,
}

impl ComponentSpec {
    /// A component with nothing but its name.
    pub fn new(name: &str) -> ComponentSpec {
        ComponentSpec {
            name: name.to_owned(),
            ..ComponentSpec::default()
        }
    }

    /// Adds the launcher filter (MAIN/LAUNCHER) and marks it exported, as Android 12 requires.
    pub fn launcher(mut self) -> ComponentSpec {
        self.intent_filters.push(IntentFilterSpec {
            actions: vec!["android.intent.action.MAIN".to_owned()],
            categories: vec!["android.intent.category.LAUNCHER".to_owned()],
            ..IntentFilterSpec::default()
        });
        self.exported = Some(true);
        self
    }

    /// Sets `android:exported`.
    pub fn exported(mut self, exported: bool) -> ComponentSpec {
        self.exported = Some(exported);
        self
    }

    /// Sets `android:permission`.
    pub fn permission(mut self, permission: &str) -> ComponentSpec {
        self.permission = Some(permission.to_owned());
        self
    }

    /// Adds an intent filter with the given actions.
    pub fn actions(mut self, actions: &[&str]) -> ComponentSpec {
        self.intent_filters.push(IntentFilterSpec {
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
            ..IntentFilterSpec::default()
        });
        self
    }

    /// Adds a browsable deep-link filter (VIEW, DEFAULT, BROWSABLE) for `scheme://host`.
    pub fn deep_link(mut self, scheme: &str, host: &str) -> ComponentSpec {
        self.intent_filters.push(IntentFilterSpec {
            actions: vec!["android.intent.action.VIEW".to_owned()],
            categories: vec![
                "android.intent.category.DEFAULT".to_owned(),
                "android.intent.category.BROWSABLE".to_owned(),
            ],
            schemes: vec![scheme.to_owned()],
            hosts: vec![host.to_owned()],
        });
        self
    }

    /// Sets `android:authorities` (providers).
    pub fn authorities(mut self, authorities: &str) -> ComponentSpec {
        self.authorities = Some(authorities.to_owned());
        self
    }
}

/// Everything a generated package declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSpec {
    pub package: String,
    pub version_code: u32,
    pub version_name: String,
    /// Default label (`@string/app_name` in `resources.arsc`).
    pub label: String,
    /// The label in the `zh-CN` configuration, when it differs.
    pub label_zh: Option<String>,
    /// At least 24 (only v2 signatures are written).
    pub min_sdk: u32,
    pub target_sdk: u32,
    /// `uses-permission` names, in order.
    pub permissions: Vec<String>,
    pub debuggable: bool,
    /// Written explicitly (`android:allowBackup`).
    pub allow_backup: bool,
    /// Written explicitly (`android:usesCleartextTraffic`).
    pub uses_cleartext_traffic: bool,
    pub activities: Vec<ComponentSpec>,
    pub services: Vec<ComponentSpec>,
    pub receivers: Vec<ComponentSpec>,
    pub providers: Vec<ComponentSpec>,
    /// Strings loaded by the bootstrap code (`const-string`): endpoints, keys, markers.
    pub dex_strings: Vec<String>,
    /// Calls made by the bootstrap code.
    pub dex_calls: Vec<DexCall>,
    /// Adds `<package>.net.TrustAllManager`, an `X509TrustManager` whose checks are empty (the
    /// classic accept-every-certificate mistake).
    pub trust_all_certificates: bool,
}

impl AppSpec {
    /// A clean spec: version 1 / "1.0", SDK 24–34, no permissions, no components, backups and
    /// cleartext off, not debuggable.
    pub fn new(package: &str, label: &str) -> AppSpec {
        AppSpec {
            package: package.to_owned(),
            version_code: 1,
            version_name: "1.0".to_owned(),
            label: label.to_owned(),
            label_zh: None,
            min_sdk: 24,
            target_sdk: 34,
            permissions: Vec::new(),
            debuggable: false,
            allow_backup: false,
            uses_cleartext_traffic: false,
            activities: Vec::new(),
            services: Vec::new(),
            receivers: Vec::new(),
            providers: Vec::new(),
            dex_strings: Vec::new(),
            dex_calls: Vec::new(),
            trust_all_certificates: false,
        }
    }
}

/// Most strings, permissions, components or calls a spec may hold: far beyond any real manifest,
/// and small enough that every index fits the 16-bit tables of the formats.
pub const MAX_ITEMS: usize = 10_000;
/// Longest single string accepted (characters).
pub const MAX_STRING_CHARS: usize = 64 * 1024;

/// The binary `AndroidManifest.xml` alone (label written literally), for tools and tests.
pub fn build_manifest(spec: &AppSpec) -> Result<Vec<u8>, GenError> {
    names::validate(spec)?;
    axml::manifest(spec, None)
}

/// The `classes.dex` alone, for tools and tests.
pub fn build_dex(spec: &AppSpec) -> Result<Vec<u8>, GenError> {
    names::validate(spec)?;
    dex::build(spec)
}

/// Builds a signed package for `spec`.
pub fn build_apk(spec: &AppSpec, signer: &SignerKey) -> Result<Vec<u8>, GenError> {
    names::validate(spec)?;
    let (table, label_id) = arsc::build(&spec.package, &spec.label, spec.label_zh.as_deref())?;
    let manifest = axml::manifest(spec, Some(label_id))?;
    let classes = dex::build(spec)?;
    let entries = [
        zip::Entry {
            name: "AndroidManifest.xml",
            data: manifest,
            deflate: true,
        },
        zip::Entry {
            name: "classes.dex",
            data: classes,
            deflate: true,
        },
        // Android maps resources.arsc in place: it must be stored and aligned.
        zip::Entry {
            name: "resources.arsc",
            data: table,
            deflate: false,
        },
    ];
    v2::sign(zip::write(&entries)?, signer)
}
