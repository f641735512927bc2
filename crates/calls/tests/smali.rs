//! Bytecode written in smali and assembled with Debian's `smali`: the trust-all TrustManager, the
//! allow-all HostnameVerifier, and constants reaching sensitive calls through registers — each
//! next to a correct twin that must not be flagged.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use medshield_calls::{ApiCatalog, CallIndex, ConstArg};
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

#[test]
fn trivial_overrides_and_constant_flow() {
    let test = "trivial_overrides_and_constant_flow";
    if !medshield_fixtures::oracle_available("smali", test) {
        return;
    }
    let dir = std::env::temp_dir().join(format!("medshield-smali-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in SOURCES {
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
    std::fs::remove_dir_all(&dir).unwrap();
}
