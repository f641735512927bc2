//! The signature data model: what one TOML entry says about an SDK or a packer.

use serde::{Deserialize, Serialize};

/// What an SDK is for. Categories drive how the analyzer weighs an SDK (an advertising SDK that
/// reads device ids is a privacy finding; a UI widget library is inventory only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Usage statistics and product analytics.
    Analytics,
    /// Ad networks and ad mediation.
    Advertising,
    /// Install attribution / mobile measurement partners.
    Attribution,
    /// Push notification channels.
    Push,
    /// Crash and error reporting, APM.
    CrashReporting,
    /// Payment.
    Payment,
    /// Social sharing and social login.
    Social,
    /// Identity: operator one-click login, real-name / number verification.
    Login,
    /// Maps, geolocation, navigation.
    Maps,
    /// Instant messaging, audio/video calls, live streaming.
    ImRtc,
    /// Speech recognition, OCR, face recognition and other AI services.
    SpeechAi,
    /// Anti-fraud, risk control, captcha, app security SDKs.
    RiskControl,
    /// Device fingerprinting / device identity services.
    Fingerprint,
    /// CDN, HTTP DNS, cloud storage and networking.
    Network,
    /// Customer service / in-app support chat.
    CustomerService,
    /// Hot fixes and dynamic code delivery (patches loaded at run time).
    Hotfix,
    /// Embedded browser engines.
    Browser,
    /// Audio/video content and players.
    Media,
    /// User interface and general utility libraries with a privacy footprint worth listing.
    Utility,
    /// Cross-platform app frameworks and engines: inventory only, not trackers.
    Framework,
}

/// A kind of personal information an SDK is known to collect, per the vendor's own privacy
/// disclosure or the SDK lists published by Chinese regulators and app vendors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonalData {
    /// IMEI / MEID.
    Imei,
    /// IMSI (subscriber id).
    Imsi,
    /// SIM card ICCID.
    Iccid,
    /// OAID (China's Mobile Security Alliance advertising id).
    Oaid,
    /// Android ID.
    AndroidId,
    /// Google advertising id (GAID/AAID).
    AdvertisingId,
    /// Wi-Fi / Bluetooth MAC address.
    MacAddress,
    /// Hardware serial number.
    Serial,
    /// IP address.
    IpAddress,
    /// Device model, OS version, screen, and similar hardware/software attributes.
    DeviceInfo,
    /// Network type and carrier.
    NetworkInfo,
    /// Wi-Fi SSID/BSSID and nearby access points.
    WifiInfo,
    /// Precise location (GPS).
    Location,
    /// Coarse location (cell towers, IP, Wi-Fi based).
    CoarseLocation,
    /// The list of installed applications.
    InstalledApps,
    /// Running processes/apps.
    RunningApps,
    /// Address book.
    Contacts,
    /// Phone number.
    PhoneNumber,
    /// Clipboard contents.
    Clipboard,
    /// Motion/orientation sensor readings.
    Sensors,
    /// In-app events and usage behaviour.
    AppUsage,
    /// Crash logs and stack traces.
    CrashLogs,
    /// Social account profile (open id, nickname, avatar).
    AccountProfile,
    /// Payment / order information.
    PaymentInfo,
    /// Voice recordings.
    Voice,
    /// Face images / biometrics.
    Face,
    /// Photos, camera images or documents uploaded for recognition.
    Images,
}

/// How a protector changes the app. `Packer` hides the real dex (static code analysis sees only
/// the stub); `Protector` adds RASP/anti-tamper without necessarily hiding code; `Obfuscator`
/// renames or encrypts strings/classes in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackerKind {
    /// Encrypts/hides the original dex behind a loader stub.
    Packer,
    /// Runtime application self-protection, anti-tamper, anti-debug.
    Protector,
    /// Name/string/control-flow obfuscation.
    Obfuscator,
}

/// One SDK signature as written in the data files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SdkSpec {
    /// Stable identifier (`umeng-analytics`); never reuse one for another SDK.
    pub id: String,
    /// English (or international) name.
    pub name: String,
    /// Customary Chinese name, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    /// Company that ships it.
    pub vendor: String,
    /// What it is for.
    pub category: Category,
    /// Personal data the vendor discloses it collects; empty when not known (never guessed).
    #[serde(default)]
    pub personal_data: Vec<PersonalData>,
    /// Homepage or privacy policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Java package prefixes, dotted (`com.umeng.analytics`); matched on package boundaries.
    /// The descriptor form `Lcom/umeng/analytics/` is accepted and converted.
    #[serde(default)]
    pub packages: Vec<String>,
    /// Exact class names, dotted (`com.stub.StubApp`).
    #[serde(default)]
    pub classes: Vec<String>,
    /// Native library file-name globs (`libjiagu*.so`); `*` is the only wildcard.
    #[serde(default)]
    pub native_libs: Vec<String>,
    /// APK entry path globs (`assets/ijiami.dat`, `assets/ijm_lib/*`).
    #[serde(default)]
    pub files: Vec<String>,
    /// Ids of signatures whose package patterns intentionally contain this one's (the longer,
    /// more specific prefix wins for a class under both).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nests_in: Vec<String>,
}

/// One packer/protector/obfuscator signature as written in the data files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackerSpec {
    /// Stable identifier (`qihoo-jiagu`).
    pub id: String,
    /// English name.
    pub name: String,
    /// Customary Chinese name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    /// Company that ships it.
    pub vendor: String,
    /// Packer, protector or obfuscator.
    pub kind: PackerKind,
    /// Homepage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Package prefixes of stub/runtime classes.
    #[serde(default)]
    pub packages: Vec<String>,
    /// Exact stub class names (`com.stub.StubApp`).
    #[serde(default)]
    pub classes: Vec<String>,
    /// Native library file-name globs.
    #[serde(default)]
    pub native_libs: Vec<String>,
    /// APK entry path globs.
    #[serde(default)]
    pub files: Vec<String>,
    /// See [`SdkSpec::nests_in`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nests_in: Vec<String>,
}

/// The top level of a data file: any mix of `[[sdk]]` and `[[packer]]` tables.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DataFile {
    #[serde(default)]
    pub sdk: Vec<SdkSpec>,
    #[serde(default)]
    pub packer: Vec<PackerSpec>,
}
