//! Bytecode written in smali and assembled with Debian's `smali`: the trust-all TrustManager, the
//! allow-all HostnameVerifier, and constants reaching sensitive calls through registers — each
//! next to a correct twin that must not be flagged.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use medshield_calls::{ApiCatalog, CallIndex, ConstArg, IntentKind};
use medshield_dex::Dex;

const SOURCES: &[(&str, &str)] = &[
    (
        "TrustAll.smali",
        r#".class public Lcom/example/TrustAll;
.super Ljava/lang/Object;
.implements Ljavax/net/ssl/X509TrustManager;
.method public checkClientTrusted([Ljava/security/cert/X509Certificate;Ljava/lang/String;)V
    .registers 3
    return-void
.end method
.method public checkServerTrusted([Ljava/security/cert/X509Certificate;Ljava/lang/String;)V
    .registers 3
    return-void
.end method
.method public getAcceptedIssuers()[Ljava/security/cert/X509Certificate;
    .registers 2
    const/4 v0, 0x0
    new-array v0, v0, [Ljava/security/cert/X509Certificate;
    return-object v0
.end method
"#,
    ),
    (
        "Checking.smali",
        r#".class public Lcom/example/Checking;
.super Ljava/lang/Object;
.implements Ljavax/net/ssl/X509TrustManager;
.method public checkClientTrusted([Ljava/security/cert/X509Certificate;Ljava/lang/String;)V
    .registers 3
    return-void
.end method
.method public checkServerTrusted([Ljava/security/cert/X509Certificate;Ljava/lang/String;)V
    .registers 4
    new-instance v0, Ljava/security/cert/CertificateException;
    invoke-direct {v0}, Ljava/security/cert/CertificateException;-><init>()V
    throw v0
.end method
.method public getAcceptedIssuers()[Ljava/security/cert/X509Certificate;
    .registers 2
    const/4 v0, 0x0
    return-object v0
.end method
"#,
    ),
    (
        "AllowAll.smali",
        r#".class public Lcom/example/AllowAll;
.super Ljava/lang/Object;
.implements Ljavax/net/ssl/HostnameVerifier;
.method public verify(Ljava/lang/String;Ljavax/net/ssl/SSLSession;)Z
    .registers 4
    const/4 v0, 0x1
    return v0
.end method
"#,
    ),
    (
        "Strict.smali",
        r#".class public Lcom/example/Strict;
.super Ljava/lang/Object;
.implements Ljavax/net/ssl/HostnameVerifier;
.method public verify(Ljava/lang/String;Ljavax/net/ssl/SSLSession;)Z
    .registers 4
    const-string v0, "api.example.cn"
    invoke-virtual {v0, p1}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    move-result v0
    return v0
.end method
"#,
    ),
    (
        "Crypto.smali",
        r#".class public Lcom/example/Crypto;
.super Ljava/lang/Object;
.method public static weak()V
    .registers 4
    const-string v0, "AES/ECB/PKCS5Padding"
    invoke-static {v0}, Ljavax/crypto/Cipher;->getInstance(Ljava/lang/String;)Ljavax/crypto/Cipher;
    const-string v1, "0123456789abcdef"
    invoke-virtual {v1}, Ljava/lang/String;->getBytes()[B
    move-result-object v1
    new-instance v2, Ljavax/crypto/spec/SecretKeySpec;
    const-string v3, "AES"
    invoke-direct {v2, v1, v3}, Ljavax/crypto/spec/SecretKeySpec;-><init>([BLjava/lang/String;)V
    return-void
.end method
.method public static strong([B)V
    .registers 5
    const-string v0, "AES/GCM/NoPadding"
    invoke-static {v0}, Ljavax/crypto/Cipher;->getInstance(Ljava/lang/String;)Ljavax/crypto/Cipher;
    const-string v1, "overwritten"
    move-object v1, p0
    new-instance v2, Ljavax/crypto/spec/SecretKeySpec;
    const-string v3, "AES"
    invoke-direct {v2, v1, v3}, Ljavax/crypto/spec/SecretKeySpec;-><init>([BLjava/lang/String;)V
    return-void
.end method
"#,
    ),
    (
        "Leak.smali",
        r#".class public Lcom/example/Leak;
.super Ljava/lang/Object;
.method public static leak(Landroid/telephony/TelephonyManager;Landroid/telephony/SmsManager;)V
    .registers 10
    invoke-virtual {p0}, Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;
    move-result-object v6
    new-instance v7, Ljava/lang/StringBuilder;
    invoke-direct {v7}, Ljava/lang/StringBuilder;-><init>()V
    invoke-virtual {v7, v6}, Ljava/lang/StringBuilder;->append(Ljava/lang/String;)Ljava/lang/StringBuilder;
    invoke-virtual {v7}, Ljava/lang/StringBuilder;->toString()Ljava/lang/String;
    move-result-object v3
    move-object v0, p1
    const-string v1, "10086"
    const/4 v2, 0x0
    const/4 v4, 0x0
    const/4 v5, 0x0
    invoke-virtual/range {v0 .. v5}, Landroid/telephony/SmsManager;->sendTextMessage(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Landroid/app/PendingIntent;Landroid/app/PendingIntent;)V
    return-void
.end method
.method public static noflow(Landroid/telephony/TelephonyManager;Landroid/location/LocationManager;)V
    .registers 6
    invoke-virtual {p0}, Landroid/telephony/TelephonyManager;->getSubscriberId()Ljava/lang/String;
    move-result-object v0
    const-string v0, "overwritten"
    new-instance v1, Ljava/net/URL;
    const-string v2, "https://api.example.cn/ping"
    invoke-direct {v1, v2}, Ljava/net/URL;-><init>(Ljava/lang/String;)V
    return-void
.end method
"#,
    ),
];

/// Assembles smali sources into one dex with Debian's `smali`; `None` (said plainly) when the tool
/// is missing outside CI.
fn assemble(test: &str, sources: &[(&str, &str)]) -> Option<Vec<u8>> {
    if !medshield_fixtures::oracle_available("smali", test) {
        return None;
    }
    let dir = std::env::temp_dir().join(format!("medshield-smali-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in sources {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let out = dir.join("classes.dex");
    let status = Command::new("smali")
        .arg("a")
        .arg("-o")
        .arg(&out)
        .arg(&dir)
        .status()
        .unwrap();
    assert!(status.success(), "smali failed");
    let bytes = std::fs::read(&out).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    Some(bytes)
}

#[test]
fn trivial_overrides_and_constant_flow() {
    let Some(bytes) = assemble("trivial_overrides_and_constant_flow", SOURCES) else {
        return;
    };
    let dex = Dex::parse(&bytes).unwrap();
    let catalog = ApiCatalog::builtin().unwrap();
    let mut index = CallIndex::new(&catalog);
    index.add_dex("classes.dex", &dex);
    let facts = index.finish();
    assert_eq!(facts.trust_all_managers, ["Lcom/example/TrustAll;"]);
    assert_eq!(
        facts.allow_all_hostname_verifiers,
        ["Lcom/example/AllowAll;"]
    );

    let ind = medshield_calls::code_indicators(&facts);
    let ecb = ind["code.crypto.ecb"].as_array().unwrap();
    assert_eq!(ecb.len(), 1, "{ecb:?}");
    assert_eq!(ecb[0]["caller"], "Lcom/example/Crypto;->weak");
    let keys = &facts.calls["crypto.secret_key_spec"].sites;
    let weak = keys.iter().find(|s| s.caller.ends_with("->weak")).unwrap();
    assert_eq!(
        weak.const_args.get(&1),
        Some(&ConstArg::String("0123456789abcdef".into())),
        "key through getBytes()"
    );
    let strong = keys
        .iter()
        .find(|s| s.caller.ends_with("->strong"))
        .unwrap();
    assert_eq!(
        strong.const_args.get(&1),
        None,
        "a parameter overwrote the constant: {strong:?}"
    );
    assert_eq!(ind["code.crypto.constant_key"].as_array().unwrap().len(), 1);

    // Behaviours: the device ID reaches sendTextMessage through a StringBuilder (stage 5); the
    // IMSI is read before a URL is built, but the register is overwritten first (stage 4 only).
    let behaviours = medshield_calls::Behaviours::builtin(&catalog).unwrap();
    let perms: Vec<String> = [
        "android.permission.READ_PHONE_STATE",
        "android.permission.SEND_SMS",
        "android.permission.INTERNET",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    let found = behaviours.evaluate(&facts, &perms);
    let stage = |id: &str| found.iter().find(|b| b.id == id).map(|b| b.stage);
    assert_eq!(stage("device_id_to_sms"), Some(5), "{found:#?}");
    assert_eq!(
        found
            .iter()
            .find(|b| b.id == "device_id_to_sms")
            .unwrap()
            .caller
            .as_deref(),
        Some("Lcom/example/Leak;->leak")
    );
    assert_eq!(stage("imsi_to_url"), Some(4), "{found:#?}");
}

/// Intents traced into PendingIntents and service calls, receivers' `onReceive`, servers that do
/// or do not look at their peer, and `UriMatcher` registrations — each next to the safe twin.
const ICC_SOURCES: &[(&str, &str)] = &[
    (
        "Pending.smali",
        r#".class public Lcom/example/Pending;
.super Ljava/lang/Object;
.method public static empty(Landroid/content/Context;)V
    .registers 5
    new-instance v0, Landroid/content/Intent;
    invoke-direct {v0}, Landroid/content/Intent;-><init>()V
    const-string v1, "k"
    invoke-virtual {v0, v1, v1}, Landroid/content/Intent;->putExtra(Ljava/lang/String;Ljava/lang/String;)Landroid/content/Intent;
    const/4 v1, 0x0
    const/high16 v2, 0x8000000
    invoke-static {p0, v1, v0, v2}, Landroid/app/PendingIntent;->getService(Landroid/content/Context;ILandroid/content/Intent;I)Landroid/app/PendingIntent;
    return-void
.end method
.method public static blankAction(Landroid/content/Context;)V
    .registers 4
    new-instance v0, Landroid/content/Intent;
    const-string v1, ""
    invoke-direct {v0, v1}, Landroid/content/Intent;-><init>(Ljava/lang/String;)V
    const/4 v1, 0x0
    invoke-static {p0, v1, v0, v1}, Landroid/app/PendingIntent;->getActivity(Landroid/content/Context;ILandroid/content/Intent;I)Landroid/app/PendingIntent;
    return-void
.end method
.method public static emptyImmutable(Landroid/content/Context;)V
    .registers 5
    new-instance v0, Landroid/content/Intent;
    invoke-direct {v0}, Landroid/content/Intent;-><init>()V
    const/4 v1, 0x0
    const/high16 v2, 0x4000000
    invoke-static {p0, v1, v0, v2}, Landroid/app/PendingIntent;->getBroadcast(Landroid/content/Context;ILandroid/content/Intent;I)Landroid/app/PendingIntent;
    return-void
.end method
.method public static implicitBuilder(Landroid/content/Context;)V
    .registers 6
    new-instance v0, Landroid/content/Intent;
    invoke-direct {v0}, Landroid/content/Intent;-><init>()V
    const-string v1, "com.example.OPEN"
    invoke-virtual {v0, v1}, Landroid/content/Intent;->setAction(Ljava/lang/String;)Landroid/content/Intent;
    move-result-object v3
    const/4 v0, 0x0
    const/4 v1, 0x0
    invoke-static {p0, v1, v3, v1}, Landroid/app/PendingIntent;->getActivity(Landroid/content/Context;ILandroid/content/Intent;I)Landroid/app/PendingIntent;
    return-void
.end method
.method public static explicitPackage(Landroid/content/Context;)V
    .registers 5
    new-instance v0, Landroid/content/Intent;
    const-string v1, "com.example.OPEN"
    invoke-direct {v0, v1}, Landroid/content/Intent;-><init>(Ljava/lang/String;)V
    const-string v1, "com.example"
    invoke-virtual {v0, v1}, Landroid/content/Intent;->setPackage(Ljava/lang/String;)Landroid/content/Intent;
    const/4 v1, 0x0
    invoke-static {p0, v1, v0, v1}, Landroid/app/PendingIntent;->getActivity(Landroid/content/Context;ILandroid/content/Intent;I)Landroid/app/PendingIntent;
    return-void
.end method
.method public static explicitClass(Landroid/content/Context;)V
    .registers 5
    new-instance v0, Landroid/content/Intent;
    const-class v1, Lcom/example/Pending;
    invoke-direct {v0, p0, v1}, Landroid/content/Intent;-><init>(Landroid/content/Context;Ljava/lang/Class;)V
    const/4 v1, 0x0
    invoke-static {p0, v1, v0, v1}, Landroid/app/PendingIntent;->getService(Landroid/content/Context;ILandroid/content/Intent;I)Landroid/app/PendingIntent;
    return-void
.end method
.method public static handedOff(Landroid/content/Context;)V
    .registers 5
    new-instance v0, Landroid/content/Intent;
    invoke-direct {v0}, Landroid/content/Intent;-><init>()V
    invoke-static {v0}, Lcom/example/Pending;->fill(Landroid/content/Intent;)V
    const/4 v1, 0x0
    invoke-static {p0, v1, v0, v1}, Landroid/app/PendingIntent;->getService(Landroid/content/Context;ILandroid/content/Intent;I)Landroid/app/PendingIntent;
    return-void
.end method
.method public static fromParameter(Landroid/content/Context;Landroid/content/Intent;)V
    .registers 5
    const/4 v0, 0x0
    invoke-static {p0, v0, p1, v0}, Landroid/app/PendingIntent;->getService(Landroid/content/Context;ILandroid/content/Intent;I)Landroid/app/PendingIntent;
    return-void
.end method
.method public static activities(Landroid/content/Context;)V
    .registers 6
    const/4 v0, 0x1
    new-array v1, v0, [Landroid/content/Intent;
    new-instance v2, Landroid/content/Intent;
    const-string v3, "com.example.VIEW"
    invoke-direct {v2, v3}, Landroid/content/Intent;-><init>(Ljava/lang/String;)V
    const/4 v0, 0x0
    aput-object v2, v1, v0
    invoke-static {p0, v0, v1, v0}, Landroid/app/PendingIntent;->getActivities(Landroid/content/Context;I[Landroid/content/Intent;I)Landroid/app/PendingIntent;
    return-void
.end method
.method public static fill(Landroid/content/Intent;)V
    .registers 1
    return-void
.end method
"#,
    ),
    (
        "Services.smali",
        r#".class public Lcom/example/Services;
.super Landroid/app/Activity;
.method public implicitStart()V
    .registers 3
    new-instance v0, Landroid/content/Intent;
    const-string v1, "com.example.SYNC"
    invoke-direct {v0, v1}, Landroid/content/Intent;-><init>(Ljava/lang/String;)V
    invoke-virtual {p0, v0}, Lcom/example/Services;->startService(Landroid/content/Intent;)Landroid/content/ComponentName;
    return-void
.end method
.method public explicitBind(Landroid/content/ServiceConnection;)V
    .registers 5
    new-instance v0, Landroid/content/Intent;
    const-string v1, "com.example.SYNC"
    invoke-direct {v0, v1}, Landroid/content/Intent;-><init>(Ljava/lang/String;)V
    const-string v1, "com.example"
    const-string v2, "com.example.SyncService"
    invoke-virtual {v0, v1, v2}, Landroid/content/Intent;->setClassName(Ljava/lang/String;Ljava/lang/String;)Landroid/content/Intent;
    const/4 v1, 0x1
    invoke-virtual {p0, v0, p1, v1}, Lcom/example/Services;->bindService(Landroid/content/Intent;Landroid/content/ServiceConnection;I)Z
    return-void
.end method
"#,
    ),
    (
        "Unchecked.smali",
        r#".class public Lcom/example/Unchecked;
.super Landroid/content/BroadcastReceiver;
.method public onReceive(Landroid/content/Context;Landroid/content/Intent;)V
    .registers 5
    new-instance v0, Landroid/content/Intent;
    const-class v1, Lcom/example/Services;
    invoke-direct {v0, p1, v1}, Landroid/content/Intent;-><init>(Landroid/content/Context;Ljava/lang/Class;)V
    invoke-virtual {p1, v0}, Landroid/content/Context;->startService(Landroid/content/Intent;)Landroid/content/ComponentName;
    return-void
.end method
"#,
    ),
    (
        "Checked.smali",
        r#".class public Lcom/example/Checked;
.super Landroid/content/BroadcastReceiver;
.method public onReceive(Landroid/content/Context;Landroid/content/Intent;)V
    .registers 5
    invoke-virtual {p2}, Landroid/content/Intent;->getAction()Ljava/lang/String;
    move-result-object v0
    const-string v1, "android.intent.action.BOOT_COMPLETED"
    invoke-virtual {v1, v0}, Ljava/lang/String;->equals(Ljava/lang/Object;)Z
    return-void
.end method
"#,
    ),
    (
        "Delegating.smali",
        r#".class public Lcom/example/Delegating;
.super Landroid/content/BroadcastReceiver;
.method public onReceive(Landroid/content/Context;Landroid/content/Intent;)V
    .registers 3
    invoke-static {p2}, Lcom/example/Pending;->fill(Landroid/content/Intent;)V
    return-void
.end method
"#,
    ),
    (
        "ResultReader.smali",
        r#".class public Lcom/example/ResultReader;
.super Landroid/content/BroadcastReceiver;
.method public onReceive(Landroid/content/Context;Landroid/content/Intent;)V
    .registers 4
    invoke-virtual {p0}, Lcom/example/ResultReader;->getResultData()Ljava/lang/String;
    move-result-object v0
    invoke-virtual {p0, v0}, Lcom/example/ResultReader;->setResultData(Ljava/lang/String;)V
    return-void
.end method
"#,
    ),
    (
        "Server.smali",
        r#".class public Lcom/example/Server;
.super Ljava/lang/Object;
.method public static open()V
    .registers 3
    new-instance v0, Ljava/net/ServerSocket;
    const/16 v1, 0x22b8
    invoke-direct {v0, v1}, Ljava/net/ServerSocket;-><init>(I)V
    invoke-virtual {v0}, Ljava/net/ServerSocket;->accept()Ljava/net/Socket;
    move-result-object v1
    invoke-virtual {v1}, Ljava/net/Socket;->getOutputStream()Ljava/io/OutputStream;
    return-void
.end method
.method public static checked()V
    .registers 4
    new-instance v0, Ljava/net/ServerSocket;
    const/16 v1, 0x22b8
    invoke-direct {v0, v1}, Ljava/net/ServerSocket;-><init>(I)V
    invoke-virtual {v0}, Ljava/net/ServerSocket;->accept()Ljava/net/Socket;
    move-result-object v1
    invoke-virtual {v1}, Ljava/net/Socket;->getInetAddress()Ljava/net/InetAddress;
    move-result-object v2
    invoke-virtual {v1}, Ljava/net/Socket;->getOutputStream()Ljava/io/OutputStream;
    return-void
.end method
.method public static uris(Landroid/content/UriMatcher;)V
    .registers 5
    const-string v0, "com.example.users"
    const-string v1, "/user/ssn"
    const/4 v2, 0x1
    invoke-virtual {p0, v0, v1, v2}, Landroid/content/UriMatcher;->addURI(Ljava/lang/String;Ljava/lang/String;I)V
    return-void
.end method
"#,
    ),
];

#[test]
fn intents_receivers_and_servers() {
    let Some(bytes) = assemble("intents_receivers_and_servers", ICC_SOURCES) else {
        return;
    };
    let dex = Dex::parse(&bytes).unwrap();
    let catalog = ApiCatalog::builtin().unwrap();
    let mut index = CallIndex::new(&catalog);
    index.add_dex("classes.dex", &dex);
    let facts = index.finish();
    let ind = medshield_calls::code_indicators(&facts);
    let callers = |key: &str| -> Vec<(String, Option<bool>)> {
        let mut v: Vec<(String, Option<bool>)> = ind[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["caller"].as_str().unwrap().to_owned(),
                    e.get("immutable").and_then(|b| b.as_bool()),
                )
            })
            .collect();
        v.sort();
        v
    };
    let p = |m: &str, immutable: Option<bool>| (format!("Lcom/example/Pending;->{m}"), immutable);
    // Empty: through a putExtra that keeps it empty, or with a blank action; FLAG_IMMUTABLE is
    // read from the constant flags.
    assert_eq!(
        callers("code.ipc.pending_intent_empty"),
        [
            p("blankAction", Some(false)),
            p("empty", Some(false)),
            p("emptyImmutable", Some(true))
        ]
    );
    // Implicit: setAction's returned Intent is the same object; getActivities sees the array.
    // Not here: setPackage, a class constructor, an Intent handed to app code, a parameter.
    assert_eq!(
        callers("code.ipc.pending_intent_implicit"),
        [
            p("activities", Some(false)),
            p("implicitBuilder", Some(false))
        ]
    );
    let intents: Vec<(&str, Option<IntentKind>)> = facts.calls["ipc.pending_intent_get_service"]
        .sites
        .iter()
        .map(|s| (s.caller.as_str(), s.intent))
        .collect();
    assert!(
        intents.contains(&(
            "Lcom/example/Pending;->explicitClass",
            Some(IntentKind::Explicit)
        )) && intents.contains(&("Lcom/example/Pending;->handedOff", None))
            && intents.contains(&("Lcom/example/Pending;->fromParameter", None)),
        "{intents:?}"
    );
    // Services: the action-only Intent is implicit; setClassName makes the bound one explicit.
    assert_eq!(
        callers("code.ipc.implicit_service_intent"),
        [("Lcom/example/Services;->implicitStart".to_owned(), None)]
    );
    assert_eq!(
        facts.calls["ipc.bind_service"].sites[0].intent,
        Some(IntentKind::Explicit)
    );

    // Receivers: what each onReceive does with its Intent.
    let receivers: Vec<(&str, bool, bool, bool)> = facts
        .receivers
        .iter()
        .map(|r| {
            (
                r.class.as_str(),
                r.checks_action,
                r.passes_intent_on,
                r.reads_result,
            )
        })
        .collect();
    assert_eq!(
        receivers,
        [
            ("Lcom/example/Checked;", true, false, false),
            ("Lcom/example/Delegating;", false, true, false),
            ("Lcom/example/ResultReader;", false, false, true),
            ("Lcom/example/Unchecked;", false, false, false),
        ]
    );
    assert_eq!(
        ind["code.ipc.receiver_reads_result"][0]["class"],
        "Lcom/example/ResultReader;"
    );
    assert_eq!(
        ind["code.ipc.receiver_reads_result"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Servers: only the one that never asks who connected.
    assert_eq!(
        callers("code.net.server_socket_unchecked_peer"),
        [("Lcom/example/Server;->open".to_owned(), None)]
    );
    assert_eq!(facts.calls["net.server_socket_accept"].count, 2);

    // UriMatcher registrations with constant authority and path.
    assert_eq!(facts.uri_patterns.len(), 1);
    assert_eq!(facts.uri_patterns[0].authority, "com.example.users");
    assert_eq!(facts.uri_patterns[0].path, "/user/ssn");
}

/// A CRC of the app's own `classes.dex` is a tamper check; the CRC of an entry of some other
/// archive is not.
#[test]
fn integrity_self_check() {
    let tamper = r#".class public Lcom/example/Tamper;
.super Ljava/lang/Object;
.method public static check(Landroid/content/Context;)J
    .registers 4
    new-instance v0, Ljava/util/zip/ZipFile;
    invoke-virtual {p0}, Landroid/content/Context;->getPackageCodePath()Ljava/lang/String;
    move-result-object v1
    invoke-direct {v0, v1}, Ljava/util/zip/ZipFile;-><init>(Ljava/lang/String;)V
    const-string v1, "classes.dex"
    invoke-virtual {v0, v1}, Ljava/util/zip/ZipFile;->getEntry(Ljava/lang/String;)Ljava/util/zip/ZipEntry;
    move-result-object v1
    invoke-virtual {v1}, Ljava/util/zip/ZipEntry;->getCrc()J
    move-result-wide v2
    return-wide v2
.end method
"#;
    let unzip = r#".class public Lcom/example/Unzip;
.super Ljava/lang/Object;
.method public static crc(Ljava/util/zip/ZipFile;)J
    .registers 4
    const-string v0, "data.bin"
    invoke-virtual {p0, v0}, Ljava/util/zip/ZipFile;->getEntry(Ljava/lang/String;)Ljava/util/zip/ZipEntry;
    move-result-object v1
    invoke-virtual {v1}, Ljava/util/zip/ZipEntry;->getCrc()J
    move-result-wide v2
    return-wide v2
.end method
"#;
    let catalog = ApiCatalog::builtin().unwrap();
    let mut verdicts = Vec::new();
    for (test, source) in [("integrity_tamper", tamper), ("integrity_unzip", unzip)] {
        let Some(bytes) = assemble(test, &[("A.smali", source)]) else {
            return;
        };
        let dex = Dex::parse(&bytes).unwrap();
        let mut index = CallIndex::new(&catalog);
        index.add_dex("classes.dex", &dex);
        let ind = medshield_calls::code_indicators(&index.finish());
        verdicts.push(ind["code.resilience.integrity_check"].as_bool().unwrap());
    }
    assert_eq!(verdicts, [true, false]);
}
