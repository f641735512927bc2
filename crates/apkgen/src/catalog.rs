//! The demo catalog: eight plausible Chinese medical apps, from clean to plainly risky, so that a
//! fresh platform instance shows every grade. All names, hosts and keys are fictitious: hosts sit
//! under `example.cn`/`example.com`, and the cloud key is a shape-only fake.

use sha2::{Digest, Sha256};

use crate::{AppSpec, ComponentSpec, DexCall, GenError, InvokeKind, SignerKey, Subject};

fn perms(list: &[&str]) -> Vec<String> {
    list.iter()
        .map(|p| format!("android.permission.{p}"))
        .collect()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn cipher(transformation: &str) -> DexCall {
    DexCall::new(
        InvokeKind::Static,
        "Ljavax/crypto/Cipher;",
        "getInstance",
        "(Ljava/lang/String;)Ljavax/crypto/Cipher;",
    )
    .with_string_arg(transformation)
}

fn digest(algorithm: &str) -> DexCall {
    DexCall::new(
        InvokeKind::Static,
        "Ljava/security/MessageDigest;",
        "getInstance",
        "(Ljava/lang/String;)Ljava/security/MessageDigest;",
    )
    .with_string_arg(algorithm)
}

fn virtual_call(class: &str, name: &str, descriptor: &str) -> DexCall {
    DexCall::new(InvokeKind::Virtual, class, name, descriptor)
}

fn open_url(url: &str) -> DexCall {
    DexCall::new(
        InvokeKind::Direct,
        "Ljava/net/URL;",
        "<init>",
        "(Ljava/lang/String;)V",
    )
    .with_string_arg(url)
}

/// A shape-only fake AWS access key id (`AKIA` + 16 upper-case letters and digits).
pub const FAKE_AWS_KEY: &str = "AKIADEMOFAKEKEY00001";

/// The demo apps, in a stable order.
pub fn demo_catalog() -> Vec<AppSpec> {
    let mut out = Vec::new();

    // 1. Internet hospital: video consultations, clean configuration, https only.
    let mut s = AppSpec::new("cn.medshield.demo.hospital", "Renxin Internet Hospital");
    s.label_zh = Some("仁心互联网医院".into());
    s.version_code = 412;
    s.version_name = "4.1.2".into();
    s.target_sdk = 34;
    s.permissions = perms(&["INTERNET", "ACCESS_NETWORK_STATE", "CAMERA", "RECORD_AUDIO"]);
    s.activities = vec![
        ComponentSpec::new(".ui.SplashActivity").launcher(),
        ComponentSpec::new(".ui.MainActivity").exported(false),
        ComponentSpec::new(".consult.VideoConsultActivity").exported(false),
    ];
    s.services = vec![ComponentSpec::new(".push.MessageService").exported(false)];
    s.dex_strings = strings(&[
        "https://api.renxin-hospital.example.cn/v2/doctors",
        "https://api.renxin-hospital.example.cn/v2/consult/session",
        "https://www.renxin-hospital.example.cn/privacy.html",
    ]);
    s.dex_calls = vec![cipher("AES/GCM/NoPadding"), digest("SHA-256")];
    out.push(s);

    // 2. Online consultation: a debug build shipped with cleartext endpoints, a hard-coded cloud
    //    key, weak crypto, contacts/SMS access beyond what consultation needs.
    let mut s = AppSpec::new("cn.medshield.demo.consult", "快问医生在线问诊");
    s.version_code = 203;
    s.version_name = "2.0.3-debug".into();
    s.target_sdk = 30;
    s.debuggable = true;
    s.allow_backup = true;
    s.uses_cleartext_traffic = true;
    s.permissions = perms(&[
        "INTERNET",
        "READ_CONTACTS",
        "READ_SMS",
        "READ_PHONE_STATE",
        "CAMERA",
        "WRITE_EXTERNAL_STORAGE",
    ]);
    s.activities = vec![
        ComponentSpec::new(".MainActivity").launcher(),
        ComponentSpec::new(".ChatActivity").exported(true),
        ComponentSpec::new(".PrescriptionActivity").deep_link("kuaiwen", "prescription"),
    ];
    s.activities[2].exported = Some(true);
    s.services = vec![ComponentSpec::new(".sync.UploadService")
        .actions(&["cn.medshield.demo.consult.UPLOAD"])
        .exported(true)];
    s.receivers = vec![ComponentSpec::new(".sync.SmsReceiver")
        .actions(&["android.provider.Telephony.SMS_RECEIVED"])
        .exported(true)];
    s.dex_strings = strings(&[
        "http://api.kuaiwen-doctor.example.cn/login",
        "http://api.kuaiwen-doctor.example.cn/patient/records/upload",
        "http://47.100.12.34:8080/im/connect",
        FAKE_AWS_KEY,
        "kuaiwen-s3-medical-images",
    ]);
    s.dex_calls = vec![
        cipher("DES/ECB/PKCS5Padding"),
        digest("MD5"),
        virtual_call(
            "Landroid/telephony/TelephonyManager;",
            "getDeviceId",
            "()Ljava/lang/String;",
        ),
        open_url("http://api.kuaiwen-doctor.example.cn/login"),
    ];
    out.push(s);

    // 3. Appointment registration: minimal permissions, https, nothing exported but the launcher.
    let mut s = AppSpec::new("cn.medshield.demo.registration", "便捷挂号");
    s.version_code = 31;
    s.version_name = "3.1".into();
    s.permissions = perms(&["INTERNET", "ACCESS_NETWORK_STATE"]);
    s.activities = vec![
        ComponentSpec::new(".HomeActivity").launcher(),
        ComponentSpec::new(".BookingActivity").exported(false),
        ComponentSpec::new(".PaymentActivity").exported(false),
    ];
    s.dex_strings = strings(&[
        "https://gh.bianjie-guahao.example.cn/api/departments",
        "https://gh.bianjie-guahao.example.cn/api/slots",
        "https://gh.bianjie-guahao.example.cn/privacy",
    ]);
    s.dex_calls = vec![digest("SHA-256")];
    out.push(s);

    // 4. Pharmacy delivery: location, cleartext tracking, an exported provider with no permission.
    let mut s = AppSpec::new("cn.medshield.demo.pharmacy", "送药到家");
    s.version_code = 5020;
    s.version_name = "5.2.0".into();
    s.target_sdk = 33;
    s.uses_cleartext_traffic = true;
    s.permissions = perms(&[
        "INTERNET",
        "ACCESS_FINE_LOCATION",
        "ACCESS_COARSE_LOCATION",
        "CALL_PHONE",
    ]);
    s.activities = vec![
        ComponentSpec::new(".MainActivity").launcher(),
        ComponentSpec::new(".OrderActivity").exported(false),
    ];
    s.providers = vec![ComponentSpec::new(".data.OrderProvider")
        .authorities("cn.medshield.demo.pharmacy.orders")
        .exported(true)];
    s.dex_strings = strings(&[
        "https://api.songyao.example.cn/v1/orders",
        "http://track.songyao.example.cn/rider/location",
        "content://cn.medshield.demo.pharmacy.orders/prescriptions",
    ]);
    s.dex_calls = vec![
        digest("MD5"),
        virtual_call(
            "Landroid/location/LocationManager;",
            "getLastKnownLocation",
            "(Ljava/lang/String;)Landroid/location/Location;",
        )
        .with_string_arg("gps"),
    ];
    out.push(s);

    // 5. Personal health records: backups on, shared provider, a debuggable WebView.
    let mut s = AppSpec::new("cn.medshield.demo.records", "Health Records");
    s.label_zh = Some("个人健康档案".into());
    s.version_code = 118;
    s.version_name = "1.1.8".into();
    s.target_sdk = 33;
    s.allow_backup = true;
    s.permissions = perms(&["INTERNET", "READ_EXTERNAL_STORAGE", "CAMERA"]);
    s.activities = vec![
        ComponentSpec::new(".MainActivity").launcher(),
        ComponentSpec::new(".web.ReportWebActivity").exported(true),
    ];
    let mut provider = ComponentSpec::new(".share.RecordFileProvider")
        .authorities("cn.medshield.demo.records.files")
        .exported(true);
    provider.grant_uri_permissions = true;
    s.providers = vec![provider];
    s.dex_strings = strings(&[
        "https://records.jiankang-dangan.example.cn/api/archive",
        "file:///android_asset/report/index.html",
    ]);
    s.dex_calls = vec![
        virtual_call(
            "Landroid/webkit/WebSettings;",
            "setJavaScriptEnabled",
            "(Z)V",
        ),
        virtual_call(
            "Landroid/webkit/WebSettings;",
            "setAllowUniversalAccessFromFileURLs",
            "(Z)V",
        ),
        DexCall::new(
            InvokeKind::Static,
            "Landroid/webkit/WebView;",
            "setWebContentsDebuggingEnabled",
            "(Z)V",
        ),
    ];
    out.push(s);

    // 6. Checkup reports: clean, with a verified-looking https deep link.
    let mut s = AppSpec::new("cn.medshield.demo.checkup", "Checkup Reports");
    s.label_zh = Some("体检报告查询".into());
    s.version_code = 20;
    s.version_name = "2.0".into();
    s.permissions = perms(&["INTERNET"]);
    s.activities = vec![
        ComponentSpec::new(".MainActivity").launcher(),
        ComponentSpec::new(".ReportActivity")
            .deep_link("https", "tijian.example.cn")
            .exported(true),
    ];
    s.dex_strings = strings(&[
        "https://tijian.example.cn/api/reports",
        "https://tijian.example.cn/privacy-policy",
    ]);
    s.dex_calls = vec![cipher("AES/GCM/NoPadding")];
    out.push(s);

    // 7. Chronic disease management: sensors and Bluetooth devices, a boot receiver, some
    //    cleartext to a device gateway.
    let mut s = AppSpec::new("cn.medshield.demo.chronic", "慢病管理助手");
    s.version_code = 75;
    s.version_name = "7.5".into();
    s.target_sdk = 33;
    s.uses_cleartext_traffic = true;
    s.permissions = perms(&[
        "INTERNET",
        "BODY_SENSORS",
        "BLUETOOTH_CONNECT",
        "BLUETOOTH_SCAN",
        "RECEIVE_BOOT_COMPLETED",
        "POST_NOTIFICATIONS",
    ]);
    s.activities = vec![
        ComponentSpec::new(".MainActivity").launcher(),
        ComponentSpec::new(".glucose.GlucoseActivity").exported(false),
    ];
    s.services = vec![ComponentSpec::new(".device.BleSyncService").exported(false)];
    s.receivers = vec![ComponentSpec::new(".device.BootReceiver")
        .actions(&["android.intent.action.BOOT_COMPLETED"])
        .exported(true)];
    s.dex_strings = strings(&[
        "https://api.manbing.example.cn/v3/measurements",
        "http://gateway.manbing.example.cn:8081/ble/upload",
    ]);
    s.dex_calls = vec![digest("SHA-1")];
    out.push(s);

    // 8. Traditional medicine consultations: old target SDK, debug build, harvests contacts, SMS
    //    and call logs, lists installed apps, looks for root.
    let mut s = AppSpec::new("cn.medshield.demo.tcm", "中医在线调理");
    s.version_code = 9;
    s.version_name = "0.9.1".into();
    s.target_sdk = 28;
    s.trust_all_certificates = true;
    s.debuggable = true;
    s.allow_backup = true;
    s.uses_cleartext_traffic = true;
    s.permissions = perms(&[
        "INTERNET",
        "READ_CONTACTS",
        "READ_SMS",
        "SEND_SMS",
        "READ_CALL_LOG",
        "ACCESS_FINE_LOCATION",
        "RECORD_AUDIO",
        "READ_PHONE_STATE",
        "SYSTEM_ALERT_WINDOW",
    ]);
    s.activities = vec![
        ComponentSpec::new(".MainActivity").launcher(),
        ComponentSpec::new(".PayActivity").exported(true),
    ];
    s.services = vec![ComponentSpec::new(".CollectService").exported(true)];
    s.receivers = vec![ComponentSpec::new(".SmsObserver")
        .actions(&["android.provider.Telephony.SMS_RECEIVED"])
        .exported(true)];
    s.providers = vec![ComponentSpec::new(".PatientProvider")
        .authorities("cn.medshield.demo.tcm.patients")
        .exported(true)];
    s.dex_strings = strings(&[
        "http://api.zhongyi-tiaoli.example.com/user/login",
        "http://api.zhongyi-tiaoli.example.com/upload/contacts",
        "/system/xbin/su",
        "/system/app/Superuser.apk",
        FAKE_AWS_KEY,
    ]);
    s.dex_calls = vec![
        cipher("DES/CBC/PKCS5Padding"),
        virtual_call(
            "Landroid/content/pm/PackageManager;",
            "getInstalledPackages",
            "(I)Ljava/util/List;",
        ),
        virtual_call(
            "Ljava/lang/Runtime;",
            "exec",
            "(Ljava/lang/String;)Ljava/lang/Process;",
        )
        .with_string_arg("su"),
        virtual_call(
            "Landroid/telephony/TelephonyManager;",
            "getLine1Number",
            "()Ljava/lang/String;",
        ),
        virtual_call(
            "Landroid/content/ContentResolver;",
            "query",
            "(Landroid/net/Uri;[Ljava/lang/String;Ljava/lang/String;[Ljava/lang/String;Ljava/lang/String;)Landroid/database/Cursor;",
        ),
    ];
    out.push(s);

    out
}

/// A deterministic signer for a demo app: the seed is derived from the package name, the subject
/// names a fictitious developer.
pub fn demo_signer(spec: &AppSpec) -> Result<SignerKey, GenError> {
    let seed: [u8; 32] = Sha256::digest(format!("medshield demo signer {}", spec.package)).into();
    let short = spec.package.rsplit('.').next().unwrap_or("demo");
    SignerKey::generate(
        &Subject::new(&format!("{short} release"), "MedShield Demo Developers"),
        &seed,
    )
}
