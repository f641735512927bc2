//! Typed `AndroidManifest.xml`, read the way the package manager reads it: framework attributes by
//! resource id, defaults as Android applies them, references kept for the resource table.

use serde::Serialize;

use crate::{push_anomaly, Anomaly, AnomalyKind, Attribute, Element, ResValue, XmlDocument};

/// Framework attribute resource ids (`android.R.attr`).
pub mod attr {
    #![allow(missing_docs)]
    pub const THEME: u32 = 0x0101_0000;
    pub const LABEL: u32 = 0x0101_0001;
    pub const ICON: u32 = 0x0101_0002;
    pub const NAME: u32 = 0x0101_0003;
    pub const PERMISSION: u32 = 0x0101_0006;
    pub const READ_PERMISSION: u32 = 0x0101_0007;
    pub const WRITE_PERMISSION: u32 = 0x0101_0008;
    pub const PROTECTION_LEVEL: u32 = 0x0101_0009;
    pub const PERMISSION_GROUP: u32 = 0x0101_000a;
    pub const PERSISTENT: u32 = 0x0101_000d;
    pub const ENABLED: u32 = 0x0101_000e;
    pub const DEBUGGABLE: u32 = 0x0101_000f;
    pub const EXPORTED: u32 = 0x0101_0010;
    pub const PROCESS: u32 = 0x0101_0011;
    pub const TASK_AFFINITY: u32 = 0x0101_0012;
    pub const AUTHORITIES: u32 = 0x0101_0018;
    pub const GRANT_URI_PERMISSIONS: u32 = 0x0101_001b;
    pub const PRIORITY: u32 = 0x0101_001c;
    pub const LAUNCH_MODE: u32 = 0x0101_001d;
    pub const VALUE: u32 = 0x0101_0024;
    pub const RESOURCE: u32 = 0x0101_0025;
    pub const MIME_TYPE: u32 = 0x0101_0026;
    pub const SCHEME: u32 = 0x0101_0027;
    pub const HOST: u32 = 0x0101_0028;
    pub const PORT: u32 = 0x0101_0029;
    pub const PATH: u32 = 0x0101_002a;
    pub const PATH_PREFIX: u32 = 0x0101_002b;
    pub const PATH_PATTERN: u32 = 0x0101_002c;
    pub const TARGET_ACTIVITY: u32 = 0x0101_0202;
    pub const MIN_SDK_VERSION: u32 = 0x0101_020c;
    pub const VERSION_CODE: u32 = 0x0101_021b;
    pub const VERSION_NAME: u32 = 0x0101_021c;
    pub const TARGET_SDK_VERSION: u32 = 0x0101_0270;
    pub const MAX_SDK_VERSION: u32 = 0x0101_0271;
    pub const TEST_ONLY: u32 = 0x0101_0272;
    pub const ALLOW_BACKUP: u32 = 0x0101_0280;
    pub const GL_ES_VERSION: u32 = 0x0101_0281;
    pub const REQUIRED: u32 = 0x0101_028e;
    pub const EXTRACT_NATIVE_LIBS: u32 = 0x0101_04ea;
    pub const FULL_BACKUP_CONTENT: u32 = 0x0101_04eb;
    pub const USES_CLEARTEXT_TRAFFIC: u32 = 0x0101_04ec;
    pub const AUTO_VERIFY: u32 = 0x0101_04ee;
    pub const DIRECT_BOOT_AWARE: u32 = 0x0101_0505;
    pub const NETWORK_SECURITY_CONFIG: u32 = 0x0101_0527;
    pub const COMPILE_SDK_VERSION: u32 = 0x0101_0572;
    pub const COMPILE_SDK_VERSION_CODENAME: u32 = 0x0101_0573;
    pub const VERSION_CODE_MAJOR: u32 = 0x0101_0576;
    pub const APP_COMPONENT_FACTORY: u32 = 0x0101_057a;
    pub const DATA_EXTRACTION_RULES: u32 = 0x0101_063e;
}

/// Android's `Build.VERSION_CODES.CUR_DEVELOPMENT`, what a codename SDK level means.
pub const CUR_DEVELOPMENT: u32 = 10_000;

/// A string attribute that may be a literal or a resource reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum StringOrRef {
    /// literal string
    Literal(String),
    /// `@0x7f...` reference, resolve with the resource table
    Reference(u32),
}

impl StringOrRef {
    fn from_attr(a: &Attribute) -> Option<StringOrRef> {
        match &a.value {
            ResValue::Reference(r) => Some(StringOrRef::Reference(*r)),
            ResValue::String(Some(s)) => Some(StringOrRef::Literal(s.clone())),
            _ => a
                .raw
                .clone()
                .map(StringOrRef::Literal)
                .or_else(|| value_as_string(&a.value).map(StringOrRef::Literal)),
        }
    }

    /// The literal, if not a reference.
    pub fn literal(&self) -> Option<&str> {
        match self {
            StringOrRef::Literal(s) => Some(s),
            StringOrRef::Reference(_) => None,
        }
    }
}

/// Text form of a non-string scalar (`TypedArray.getString` coerces).
fn value_as_string(v: &ResValue) -> Option<String> {
    match v {
        ResValue::IntDec(i) => Some(i.to_string()),
        ResValue::IntHex(i) => Some(format!("0x{i:x}")),
        ResValue::Boolean(b) => Some(b.to_string()),
        ResValue::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

/// A boolean with whether it was written in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// effective value
    pub value: bool,
    /// `true` when the manifest says it explicitly (or it is a reference we could not resolve)
    pub explicit: bool,
}

/// An SDK level; codenames ("P", "Tiramisu") count as [`CUR_DEVELOPMENT`] like on a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SdkLevel {
    /// numeric level
    pub level: u32,
    /// codename when the manifest used one
    pub codename: Option<String>,
}

/// `<uses-permission>` and its variants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsesPermission {
    /// permission name
    pub name: String,
    /// `android:maxSdkVersion`
    pub max_sdk_version: Option<i64>,
    /// element tag (`uses-permission`, `uses-permission-sdk-23`, `uses-permission-sdk-m`)
    pub tag: String,
}

/// Base protection level of a declared permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProtectionBase {
    /// normal
    Normal,
    /// dangerous
    Dangerous,
    /// signature
    Signature,
    /// signatureOrSystem
    SignatureOrSystem,
    /// internal (API 31+)
    Internal,
    /// unknown base value
    Unknown,
}

/// Decoded `android:protectionLevel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtectionLevel {
    /// raw integer
    pub raw: u32,
    /// base level
    pub base: ProtectionBase,
    /// flag names (`privileged`, `development`, `appop`, ...)
    pub flags: Vec<&'static str>,
}

const PROTECTION_FLAGS: &[(u32, &str)] = &[
    (0x10, "privileged"),
    (0x20, "development"),
    (0x40, "appop"),
    (0x80, "pre23"),
    (0x100, "installer"),
    (0x200, "verifier"),
    (0x400, "preinstalled"),
    (0x800, "setup"),
    (0x1000, "instant"),
    (0x2000, "runtime"),
    (0x4000, "oem"),
    (0x8000, "vendorPrivileged"),
    (0x1_0000, "textClassifier"),
    (0x2_0000, "wellbeing"),
    (0x4_0000, "documenter"),
    (0x8_0000, "configurator"),
    (0x10_0000, "incidentReportApprover"),
    (0x20_0000, "appPredictor"),
    (0x40_0000, "module"),
    (0x80_0000, "companion"),
    (0x100_0000, "retailDemo"),
    (0x200_0000, "recents"),
    (0x400_0000, "role"),
    (0x800_0000, "knownSigner"),
];

impl ProtectionLevel {
    /// Decodes the integer value.
    pub fn decode(raw: u32) -> ProtectionLevel {
        let base = match raw & 0xf {
            0 => ProtectionBase::Normal,
            1 => ProtectionBase::Dangerous,
            2 => ProtectionBase::Signature,
            3 => ProtectionBase::SignatureOrSystem,
            4 => ProtectionBase::Internal,
            _ => ProtectionBase::Unknown,
        };
        let flags = PROTECTION_FLAGS
            .iter()
            .filter(|(bit, _)| raw & bit != 0)
            .map(|(_, n)| *n)
            .collect();
        ProtectionLevel { raw, base, flags }
    }
}

/// `<permission>` declared by the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeclaredPermission {
    /// name
    pub name: String,
    /// protection level (default normal)
    pub protection_level: ProtectionLevel,
    /// permission group
    pub permission_group: Option<String>,
}

/// `<data>` of an intent filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IntentData {
    /// scheme
    pub scheme: Option<String>,
    /// host
    pub host: Option<String>,
    /// port
    pub port: Option<String>,
    /// path
    pub path: Option<String>,
    /// pathPrefix
    pub path_prefix: Option<String>,
    /// pathPattern
    pub path_pattern: Option<String>,
    /// mimeType
    pub mime_type: Option<String>,
}

/// `<intent-filter>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IntentFilter {
    /// actions
    pub actions: Vec<String>,
    /// categories
    pub categories: Vec<String>,
    /// data elements
    pub data: Vec<IntentData>,
    /// priority
    pub priority: Option<i64>,
    /// autoVerify
    pub auto_verify: bool,
}

/// `<meta-data>`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetaData {
    /// name
    pub name: String,
    /// `android:value`
    pub value: Option<ResValue>,
    /// `android:resource` reference
    pub resource: Option<u32>,
}

/// `<path-permission>` of a provider.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PathPermission {
    /// path
    pub path: Option<String>,
    /// pathPrefix
    pub path_prefix: Option<String>,
    /// pathPattern
    pub path_pattern: Option<String>,
    /// permission
    pub permission: Option<String>,
    /// readPermission
    pub read_permission: Option<String>,
    /// writePermission
    pub write_permission: Option<String>,
}

/// `<grant-uri-permission>` of a provider.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GrantUriPermission {
    /// path
    pub path: Option<String>,
    /// pathPrefix
    pub path_prefix: Option<String>,
    /// pathPattern
    pub path_pattern: Option<String>,
}

/// Component kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentKind {
    /// `<activity>`
    Activity,
    /// `<activity-alias>`
    ActivityAlias,
    /// `<service>`
    Service,
    /// `<receiver>`
    Receiver,
    /// `<provider>`
    Provider,
}

/// Activity launch mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LaunchMode {
    /// standard
    Standard,
    /// singleTop
    SingleTop,
    /// singleTask
    SingleTask,
    /// singleInstance
    SingleInstance,
    /// singleInstancePerTask
    SingleInstancePerTask,
    /// unknown value
    Unknown,
}

/// An application component.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    /// kind
    pub kind: ComponentKind,
    /// fully-qualified class name
    pub name: String,
    /// exported, with whether it was explicit
    pub exported: Flag,
    /// enabled (default true)
    pub enabled: bool,
    /// permission
    pub permission: Option<String>,
    /// readPermission (providers)
    pub read_permission: Option<String>,
    /// writePermission (providers)
    pub write_permission: Option<String>,
    /// grantUriPermissions (providers)
    pub grant_uri_permissions: bool,
    /// path-permission children
    pub path_permissions: Vec<PathPermission>,
    /// grant-uri-permission children
    pub grant_uri_permission_paths: Vec<GrantUriPermission>,
    /// authorities (providers; `;`-separated in the manifest)
    pub authorities: Vec<String>,
    /// taskAffinity
    pub task_affinity: Option<String>,
    /// launchMode (activities)
    pub launch_mode: Option<LaunchMode>,
    /// process
    pub process: Option<String>,
    /// directBootAware
    pub direct_boot_aware: bool,
    /// targetActivity (aliases), resolved
    pub target_activity: Option<String>,
    /// intent filters
    pub intent_filters: Vec<IntentFilter>,
    /// meta-data
    pub meta_data: Vec<MetaData>,
}

/// `<uses-library>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsesLibrary {
    /// name
    pub name: String,
    /// required (default true)
    pub required: bool,
}

/// `<uses-feature>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsesFeature {
    /// name (absent for glEsVersion-only features)
    pub name: Option<String>,
    /// required (default true)
    pub required: bool,
    /// glEsVersion
    pub gl_es_version: Option<u32>,
}

/// `<queries>` (package visibility).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Queries {
    /// `<package android:name>`
    pub packages: Vec<String>,
    /// `<intent>` filters
    pub intents: Vec<IntentFilter>,
    /// `<provider android:authorities>`
    pub providers: Vec<String>,
}

/// `<application>`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Application {
    /// Application class, resolved
    pub name: Option<String>,
    /// label
    pub label: Option<StringOrRef>,
    /// icon reference
    pub icon: Option<u32>,
    /// debuggable
    pub debuggable: bool,
    /// allowBackup (default true)
    pub allow_backup: Flag,
    /// usesCleartextTraffic (default true below targetSdk 28)
    pub uses_cleartext_traffic: Flag,
    /// networkSecurityConfig reference
    pub network_security_config: Option<u32>,
    /// testOnly
    pub test_only: bool,
    /// extractNativeLibs (default true)
    pub extract_native_libs: Flag,
    /// fullBackupContent (reference, or boolean encoded as 0/1 in `Flag`)
    pub full_backup_content: Option<ResValue>,
    /// dataExtractionRules reference
    pub data_extraction_rules: Option<u32>,
    /// appComponentFactory, resolved
    pub app_component_factory: Option<String>,
    /// permission
    pub permission: Option<String>,
    /// process
    pub process: Option<String>,
    /// taskAffinity
    pub task_affinity: Option<String>,
    /// persistent
    pub persistent: bool,
    /// directBootAware
    pub direct_boot_aware: bool,
    /// enabled
    pub enabled: bool,
    /// components in file order
    pub components: Vec<Component>,
    /// meta-data
    pub meta_data: Vec<MetaData>,
    /// uses-library
    pub uses_libraries: Vec<UsesLibrary>,
}

/// Typed `AndroidManifest.xml`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    /// package name
    pub package: String,
    /// versionCode | versionCodeMajor << 32
    pub version_code: Option<u64>,
    /// versionName (may be a reference)
    pub version_name: Option<StringOrRef>,
    /// compileSdkVersion
    pub compile_sdk_version: Option<i64>,
    /// compileSdkVersionCodename
    pub compile_sdk_version_codename: Option<String>,
    /// `<uses-sdk>` present
    pub has_uses_sdk: bool,
    /// minSdkVersion (default 1)
    pub min_sdk: SdkLevel,
    /// targetSdkVersion (default minSdk)
    pub target_sdk: SdkLevel,
    /// maxSdkVersion
    pub max_sdk: Option<i64>,
    /// sharedUserId
    pub shared_user_id: Option<String>,
    /// requested permissions
    pub uses_permissions: Vec<UsesPermission>,
    /// declared permissions
    pub permissions: Vec<DeclaredPermission>,
    /// uses-feature
    pub uses_features: Vec<UsesFeature>,
    /// queries
    pub queries: Queries,
    /// application (None when absent)
    pub application: Option<Application>,
    /// manifest-level anomalies
    pub anomalies: Vec<Anomaly>,
}

/// Fatal manifest problems.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    /// Root element is not `<manifest>`.
    #[error("root element is <{0}>, expected <manifest>")]
    NotAManifest(String),
}

/// How attributes are looked up for one document.
#[derive(Clone, Copy)]
struct Cx {
    /// Name fallback allowed: only when the document has no resource map at all (hand-written or
    /// stripped XML). With a map, Android ignores framework attributes that lack an id, so must we.
    by_name: bool,
}

fn lookup<'e>(cx: Cx, el: &'e Element, id: u32, name: &str) -> Option<&'e Attribute> {
    if cx.by_name {
        el.attr(id, name)
    } else {
        el.attr_by_id(id)
    }
}

fn s_attr(cx: Cx, el: &Element, id: u32, name: &str) -> Option<String> {
    let a = lookup(cx, el, id, name)?;
    match &a.value {
        ResValue::String(Some(s)) => Some(s.clone()),
        ResValue::String(None) => None,
        ResValue::Reference(_) | ResValue::Attribute(_) => None,
        v => value_as_string(v).or_else(|| a.raw.clone()),
    }
}

fn b_attr(cx: Cx, el: &Element, id: u32, name: &str) -> Option<bool> {
    let a = lookup(cx, el, id, name)?;
    a.value.as_bool()
}

fn flag(cx: Cx, el: &Element, id: u32, name: &str, default: bool) -> Flag {
    match lookup(cx, el, id, name) {
        Some(a) => Flag {
            // A reference (e.g. @bool/debug) cannot be resolved here: Android would resolve it;
            // keep the default and mark it explicit so callers know the manifest said something.
            value: a.value.as_bool().unwrap_or(default),
            explicit: true,
        },
        None => Flag {
            value: default,
            explicit: false,
        },
    }
}

fn i_attr(cx: Cx, el: &Element, id: u32, name: &str) -> Option<i64> {
    lookup(cx, el, id, name)?.value.as_int()
}

fn ref_attr(cx: Cx, el: &Element, id: u32, name: &str) -> Option<u32> {
    lookup(cx, el, id, name)?.value.as_reference()
}

/// `PackageParser.buildClassName`.
pub fn resolve_class_name(package: &str, name: &str) -> String {
    if let Some(rest) = name.strip_prefix('.') {
        format!("{package}.{rest}")
    } else if !name.contains('.') {
        format!("{package}.{name}")
    } else {
        name.to_owned()
    }
}

fn sdk_level(cx: Cx, el: &Element, id: u32, name: &str) -> Option<SdkLevel> {
    let a = lookup(cx, el, id, name)?;
    if let Some(s) = a.value.as_str() {
        // TypedValue string: a codename unless it parses as a number.
        if let Some(n) = crate::value::parse_int_string(s) {
            return Some(SdkLevel {
                level: u32::try_from(n).unwrap_or(0),
                codename: None,
            });
        }
        return Some(SdkLevel {
            level: CUR_DEVELOPMENT,
            codename: Some(s.to_owned()),
        });
    }
    a.value.as_int().map(|n| SdkLevel {
        level: u32::try_from(n).unwrap_or(0),
        codename: None,
    })
}

fn parse_intent_filter(cx: Cx, el: &Element) -> IntentFilter {
    let mut f = IntentFilter {
        priority: i_attr(cx, el, attr::PRIORITY, "priority"),
        auto_verify: b_attr(cx, el, attr::AUTO_VERIFY, "autoVerify").unwrap_or(false),
        ..IntentFilter::default()
    };
    for c in &el.children {
        match c.name.as_str() {
            "action" => f.actions.extend(s_attr(cx, c, attr::NAME, "name")),
            "category" => f.categories.extend(s_attr(cx, c, attr::NAME, "name")),
            "data" => f.data.push(IntentData {
                scheme: s_attr(cx, c, attr::SCHEME, "scheme"),
                host: s_attr(cx, c, attr::HOST, "host"),
                port: s_attr(cx, c, attr::PORT, "port"),
                path: s_attr(cx, c, attr::PATH, "path"),
                path_prefix: s_attr(cx, c, attr::PATH_PREFIX, "pathPrefix"),
                path_pattern: s_attr(cx, c, attr::PATH_PATTERN, "pathPattern"),
                mime_type: s_attr(cx, c, attr::MIME_TYPE, "mimeType"),
            }),
            _ => {}
        }
    }
    f
}

fn parse_meta(cx: Cx, el: &Element) -> Option<MetaData> {
    Some(MetaData {
        name: s_attr(cx, el, attr::NAME, "name")?,
        value: lookup(cx, el, attr::VALUE, "value").map(|a| a.value.clone()),
        resource: ref_attr(cx, el, attr::RESOURCE, "resource"),
    })
}

impl Manifest {
    /// Builds the typed manifest from a decoded document.
    pub fn from_document(doc: &XmlDocument) -> Result<Manifest, ManifestError> {
        let root = doc.root();
        if root.name != "manifest" {
            return Err(ManifestError::NotAManifest(root.name.clone()));
        }
        let mut anomalies = Vec::new();
        let cx = Cx {
            by_name: doc.resource_map().is_empty(),
        };
        // `package` has no resource id; Android reads it with getAttributeValue(null, "package").
        let package = root
            .plain_attr("package")
            .and_then(|a| a.string().map(str::to_owned))
            .unwrap_or_default();
        if package.is_empty() {
            push_anomaly(
                &mut anomalies,
                manifest_anomaly("<manifest> has no package name".into()),
            );
        }
        let low = i_attr(cx, root, attr::VERSION_CODE, "versionCode");
        let high = i_attr(cx, root, attr::VERSION_CODE_MAJOR, "versionCodeMajor");
        let version_code = match (low, high) {
            (None, None) => None,
            (l, h) => {
                Some((u64::from(h.unwrap_or(0) as u32) << 32) | u64::from(l.unwrap_or(0) as u32))
            }
        };
        let mut m = Manifest {
            version_code,
            version_name: lookup(cx, root, attr::VERSION_NAME, "versionName")
                .and_then(StringOrRef::from_attr),
            compile_sdk_version: i_attr(cx, root, attr::COMPILE_SDK_VERSION, "compileSdkVersion"),
            compile_sdk_version_codename: s_attr(
                cx,
                root,
                attr::COMPILE_SDK_VERSION_CODENAME,
                "compileSdkVersionCodename",
            ),
            has_uses_sdk: false,
            min_sdk: SdkLevel {
                level: 1,
                codename: None,
            },
            target_sdk: SdkLevel {
                level: 1,
                codename: None,
            },
            max_sdk: None,
            shared_user_id: root
                .plain_attr("sharedUserId")
                .and_then(|a| a.string().map(str::to_owned)),
            uses_permissions: Vec::new(),
            permissions: Vec::new(),
            uses_features: Vec::new(),
            queries: Queries::default(),
            application: None,
            anomalies: Vec::new(),
            package,
        };
        let mut target_explicit = None;
        let mut app_el = None;
        for c in &root.children {
            match c.name.as_str() {
                "uses-sdk" => {
                    m.has_uses_sdk = true;
                    if let Some(min) = sdk_level(cx, c, attr::MIN_SDK_VERSION, "minSdkVersion") {
                        m.min_sdk = min;
                    }
                    if let Some(t) = sdk_level(cx, c, attr::TARGET_SDK_VERSION, "targetSdkVersion")
                    {
                        target_explicit = Some(t);
                    }
                    if let Some(mx) = i_attr(cx, c, attr::MAX_SDK_VERSION, "maxSdkVersion") {
                        m.max_sdk = Some(mx);
                    }
                }
                "uses-permission" | "uses-permission-sdk-23" | "uses-permission-sdk-m" => {
                    match s_attr(cx, c, attr::NAME, "name") {
                        Some(name) => m.uses_permissions.push(UsesPermission {
                            name,
                            max_sdk_version: i_attr(cx, c, attr::MAX_SDK_VERSION, "maxSdkVersion"),
                            tag: c.name.clone(),
                        }),
                        None => push_anomaly(
                            &mut anomalies,
                            manifest_anomaly(format!("<{}> without a name", c.name)),
                        ),
                    }
                }
                "permission" => {
                    if let Some(name) = s_attr(cx, c, attr::NAME, "name") {
                        let raw =
                            i_attr(cx, c, attr::PROTECTION_LEVEL, "protectionLevel").unwrap_or(0);
                        m.permissions.push(DeclaredPermission {
                            name,
                            protection_level: ProtectionLevel::decode(raw as u32),
                            permission_group: s_attr(
                                cx,
                                c,
                                attr::PERMISSION_GROUP,
                                "permissionGroup",
                            ),
                        });
                    }
                }
                "uses-feature" => m.uses_features.push(UsesFeature {
                    name: s_attr(cx, c, attr::NAME, "name"),
                    required: b_attr(cx, c, attr::REQUIRED, "required").unwrap_or(true),
                    gl_es_version: i_attr(cx, c, attr::GL_ES_VERSION, "glEsVersion")
                        .map(|v| v as u32),
                }),
                "queries" => {
                    for q in &c.children {
                        match q.name.as_str() {
                            "package" => {
                                m.queries.packages.extend(s_attr(cx, q, attr::NAME, "name"))
                            }
                            "intent" => m.queries.intents.push(parse_intent_filter(cx, q)),
                            "provider" => m.queries.providers.extend(
                                s_attr(cx, q, attr::AUTHORITIES, "authorities")
                                    .into_iter()
                                    .flat_map(|s| split_authorities(&s)),
                            ),
                            _ => {}
                        }
                    }
                }
                "application" => {
                    if app_el.is_some() {
                        push_anomaly(
                            &mut anomalies,
                            manifest_anomaly(
                                "more than one <application>; Android uses the first".into(),
                            ),
                        );
                    } else {
                        app_el = Some(c);
                    }
                }
                _ => {}
            }
        }
        m.target_sdk = target_explicit.unwrap_or_else(|| m.min_sdk.clone());
        let target = m.target_sdk.level;
        if let Some(app) = app_el {
            m.application = Some(parse_application(
                cx,
                app,
                &m.package,
                target,
                &mut anomalies,
            ));
        }
        m.anomalies = anomalies;
        Ok(m)
    }

    /// Effective target SDK level.
    pub fn target_sdk_level(&self) -> u32 {
        self.target_sdk.level
    }
}

fn manifest_anomaly(message: String) -> Anomaly {
    Anomaly {
        kind: AnomalyKind::Manifest,
        offset: None,
        message,
    }
}

fn split_authorities(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_application(
    cx: Cx,
    app: &Element,
    package: &str,
    target: u32,
    anomalies: &mut Vec<Anomaly>,
) -> Application {
    let mut a = Application {
        name: s_attr(cx, app, attr::NAME, "name")
            .filter(|n| !n.is_empty())
            .map(|n| resolve_class_name(package, &n)),
        label: lookup(cx, app, attr::LABEL, "label").and_then(StringOrRef::from_attr),
        icon: ref_attr(cx, app, attr::ICON, "icon"),
        debuggable: b_attr(cx, app, attr::DEBUGGABLE, "debuggable").unwrap_or(false),
        allow_backup: flag(cx, app, attr::ALLOW_BACKUP, "allowBackup", true),
        uses_cleartext_traffic: flag(
            cx,
            app,
            attr::USES_CLEARTEXT_TRAFFIC,
            "usesCleartextTraffic",
            target < 28,
        ),
        network_security_config: ref_attr(
            cx,
            app,
            attr::NETWORK_SECURITY_CONFIG,
            "networkSecurityConfig",
        ),
        test_only: b_attr(cx, app, attr::TEST_ONLY, "testOnly").unwrap_or(false),
        extract_native_libs: flag(
            cx,
            app,
            attr::EXTRACT_NATIVE_LIBS,
            "extractNativeLibs",
            true,
        ),
        full_backup_content: lookup(cx, app, attr::FULL_BACKUP_CONTENT, "fullBackupContent")
            .map(|x| x.value.clone()),
        data_extraction_rules: ref_attr(
            cx,
            app,
            attr::DATA_EXTRACTION_RULES,
            "dataExtractionRules",
        ),
        app_component_factory: s_attr(cx, app, attr::APP_COMPONENT_FACTORY, "appComponentFactory")
            .map(|n| resolve_class_name(package, &n)),
        permission: s_attr(cx, app, attr::PERMISSION, "permission"),
        process: s_attr(cx, app, attr::PROCESS, "process"),
        task_affinity: s_attr(cx, app, attr::TASK_AFFINITY, "taskAffinity"),
        persistent: b_attr(cx, app, attr::PERSISTENT, "persistent").unwrap_or(false),
        direct_boot_aware: b_attr(cx, app, attr::DIRECT_BOOT_AWARE, "directBootAware")
            .unwrap_or(false),
        enabled: b_attr(cx, app, attr::ENABLED, "enabled").unwrap_or(true),
        components: Vec::new(),
        meta_data: Vec::new(),
        uses_libraries: Vec::new(),
    };
    for c in &app.children {
        let kind = match c.name.as_str() {
            "activity" => ComponentKind::Activity,
            "activity-alias" => ComponentKind::ActivityAlias,
            "service" => ComponentKind::Service,
            "receiver" => ComponentKind::Receiver,
            "provider" => ComponentKind::Provider,
            "meta-data" => {
                a.meta_data.extend(parse_meta(cx, c));
                continue;
            }
            "uses-library" => {
                if let Some(name) = s_attr(cx, c, attr::NAME, "name") {
                    a.uses_libraries.push(UsesLibrary {
                        name,
                        required: b_attr(cx, c, attr::REQUIRED, "required").unwrap_or(true),
                    });
                }
                continue;
            }
            _ => continue,
        };
        if let Some(comp) = parse_component(cx, c, kind, package, target, anomalies) {
            a.components.push(comp);
        }
    }
    a
}

fn parse_component(
    cx: Cx,
    el: &Element,
    kind: ComponentKind,
    package: &str,
    target: u32,
    anomalies: &mut Vec<Anomaly>,
) -> Option<Component> {
    let Some(raw_name) = s_attr(cx, el, attr::NAME, "name").filter(|n| !n.is_empty()) else {
        push_anomaly(
            anomalies,
            manifest_anomaly(format!(
                "<{}> without a name (Android rejects the package)",
                el.name
            )),
        );
        return None;
    };
    let name = resolve_class_name(package, &raw_name);
    let intent_filters: Vec<IntentFilter> = el
        .children_named("intent-filter")
        .map(|e| parse_intent_filter(cx, e))
        .collect();
    let exported = match lookup(cx, el, attr::EXPORTED, "exported") {
        Some(x) => Flag {
            value: x.value.as_bool().unwrap_or(false),
            explicit: true,
        },
        None => {
            let value = match kind {
                ComponentKind::Provider => target < 17,
                _ => !intent_filters.is_empty(),
            };
            if kind != ComponentKind::Provider && !intent_filters.is_empty() && target >= 31 {
                push_anomaly(
                    anomalies,
                    manifest_anomaly(format!(
                        "{name} has intent filters but no explicit android:exported; Android 12+ refuses to install (targetSdk {target})"
                    )),
                );
            }
            Flag {
                value,
                explicit: false,
            }
        }
    };
    let mut c = Component {
        kind,
        name,
        exported,
        enabled: b_attr(cx, el, attr::ENABLED, "enabled").unwrap_or(true),
        permission: s_attr(cx, el, attr::PERMISSION, "permission"),
        read_permission: s_attr(cx, el, attr::READ_PERMISSION, "readPermission"),
        write_permission: s_attr(cx, el, attr::WRITE_PERMISSION, "writePermission"),
        grant_uri_permissions: b_attr(cx, el, attr::GRANT_URI_PERMISSIONS, "grantUriPermissions")
            .unwrap_or(false),
        path_permissions: Vec::new(),
        grant_uri_permission_paths: Vec::new(),
        authorities: s_attr(cx, el, attr::AUTHORITIES, "authorities")
            .map(|s| split_authorities(&s))
            .unwrap_or_default(),
        task_affinity: s_attr(cx, el, attr::TASK_AFFINITY, "taskAffinity"),
        launch_mode: match kind {
            ComponentKind::Activity => Some(
                match i_attr(cx, el, attr::LAUNCH_MODE, "launchMode").unwrap_or(0) {
                    0 => LaunchMode::Standard,
                    1 => LaunchMode::SingleTop,
                    2 => LaunchMode::SingleTask,
                    3 => LaunchMode::SingleInstance,
                    4 => LaunchMode::SingleInstancePerTask,
                    _ => LaunchMode::Unknown,
                },
            ),
            _ => None,
        },
        process: s_attr(cx, el, attr::PROCESS, "process"),
        direct_boot_aware: b_attr(cx, el, attr::DIRECT_BOOT_AWARE, "directBootAware")
            .unwrap_or(false),
        target_activity: match kind {
            ComponentKind::ActivityAlias => s_attr(cx, el, attr::TARGET_ACTIVITY, "targetActivity")
                .map(|t| resolve_class_name(package, &t)),
            _ => None,
        },
        intent_filters,
        meta_data: el
            .children_named("meta-data")
            .filter_map(|e| parse_meta(cx, e))
            .collect(),
    };
    if kind == ComponentKind::Provider {
        for p in el.children_named("path-permission") {
            c.path_permissions.push(PathPermission {
                path: s_attr(cx, p, attr::PATH, "path"),
                path_prefix: s_attr(cx, p, attr::PATH_PREFIX, "pathPrefix"),
                path_pattern: s_attr(cx, p, attr::PATH_PATTERN, "pathPattern"),
                permission: s_attr(cx, p, attr::PERMISSION, "permission"),
                read_permission: s_attr(cx, p, attr::READ_PERMISSION, "readPermission"),
                write_permission: s_attr(cx, p, attr::WRITE_PERMISSION, "writePermission"),
            });
        }
        for g in el.children_named("grant-uri-permission") {
            c.grant_uri_permission_paths.push(GrantUriPermission {
                path: s_attr(cx, g, attr::PATH, "path"),
                path_prefix: s_attr(cx, g, attr::PATH_PREFIX, "pathPrefix"),
                path_pattern: s_attr(cx, g, attr::PATH_PATTERN, "pathPattern"),
            });
        }
    }
    Some(c)
}
