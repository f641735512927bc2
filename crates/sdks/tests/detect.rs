//! Detection on synthetic evidence: one case per category family, package boundaries, packers.
#![allow(clippy::unwrap_used)]

use medshield_sdks::{Category, Evidence, MatchKind, PackerKind, PersonalData, SignatureDb};

fn classes(descriptors: &[&str]) -> medshield_sdks::Detections {
    SignatureDb::builtin().detect(&Evidence {
        class_descriptors: descriptors,
        ..Evidence::default()
    })
}

fn ids(d: &medshield_sdks::Detections) -> Vec<&str> {
    d.sdks.iter().map(|s| s.id.as_str()).collect()
}

#[test]
fn one_sdk_per_category() {
    let cases: &[(&str, &str, Category)] = &[
        (
            "Lcom/umeng/analytics/MobclickAgent;",
            "umeng-analytics",
            Category::Analytics,
        ),
        (
            "Lcom/qq/e/ads/banner2/UnifiedBannerView;",
            "tencent-gdt",
            Category::Advertising,
        ),
        (
            "Lcom/appsflyer/AppsFlyerLib;",
            "appsflyer",
            Category::Attribution,
        ),
        (
            "Lcn/jpush/android/api/JPushInterface;",
            "jpush",
            Category::Push,
        ),
        ("Lcom/igexin/sdk/PushManager;", "getui-push", Category::Push),
        (
            "Lcom/tencent/bugly/crashreport/CrashReport;",
            "tencent-bugly",
            Category::CrashReporting,
        ),
        ("Lcom/alipay/sdk/app/PayTask;", "alipay", Category::Payment),
        (
            "Lcom/tencent/mm/opensdk/openapi/IWXAPI;",
            "wechat-opensdk",
            Category::Social,
        ),
        (
            "Lcom/tencent/mm/opensdk/modelpay/PayReq;",
            "wechat-pay",
            Category::Payment,
        ),
        (
            "Lcom/cmic/sso/sdk/auth/AuthnHelper;",
            "cmcc-login",
            Category::Login,
        ),
        (
            "Lcom/amap/api/location/AMapLocationClient;",
            "amap-location",
            Category::Maps,
        ),
        (
            "Lcom/baidu/location/LocationClient;",
            "baidu-location",
            Category::Maps,
        ),
        (
            "Lcom/tencent/imsdk/v2/V2TIMManager;",
            "tencent-im",
            Category::ImRtc,
        ),
        (
            "Lcom/iflytek/cloud/SpeechRecognizer;",
            "iflytek-msc",
            Category::SpeechAi,
        ),
        (
            "Lcom/netease/nis/captcha/Captcha;",
            "netease-yidun-captcha",
            Category::RiskControl,
        ),
        (
            "Lcom/ishumei/smantifraud/SmAntiFraud;",
            "shumei",
            Category::Fingerprint,
        ),
        (
            "Lcom/alibaba/sdk/android/oss/OSSClient;",
            "aliyun-oss",
            Category::Network,
        ),
        (
            "Lcom/qiyukf/unicorn/api/Unicorn;",
            "netease-qiyu",
            Category::CustomerService,
        ),
        (
            "Lcom/taobao/sophix/SophixManager;",
            "aliyun-sophix",
            Category::Hotfix,
        ),
        (
            "Lcom/tencent/smtt/sdk/WebView;",
            "tencent-x5",
            Category::Browser,
        ),
        (
            "Lcom/ximalaya/ting/android/opensdk/player/XmPlayerManager;",
            "ximalaya",
            Category::Media,
        ),
        (
            "Lio/flutter/embedding/android/FlutterActivity;",
            "flutter",
            Category::Framework,
        ),
        (
            "Lcom/bytedance/sdk/openadsdk/TTAdSdk;",
            "pangle-csj",
            Category::Advertising,
        ),
        (
            "Lcom/google/firebase/analytics/FirebaseAnalytics;",
            "google-firebase-analytics",
            Category::Analytics,
        ),
        (
            "Lcom/facebook/appevents/AppEventsLogger;",
            "facebook-analytics",
            Category::Analytics,
        ),
        ("Lio/sentry/Sentry;", "sentry", Category::CrashReporting),
    ];
    for (desc, id, cat) in cases {
        let d = classes(&[desc]);
        assert_eq!(ids(&d), vec![*id], "{desc}");
        let s = &d.sdks[0];
        assert_eq!(s.category, *cat, "{id}");
        assert_eq!(s.match_count, 1);
        assert_eq!(s.evidence[0].kind, MatchKind::Class);
        assert_eq!(s.evidence[0].value, *desc);
        assert!(!d.packed());
    }
}

#[test]
fn personal_data_is_carried() {
    let d = classes(&["Lcom/igexin/sdk/PushManager;"]);
    let s = d.sdk("getui-push").unwrap();
    assert!(s.personal_data.contains(&PersonalData::InstalledApps));
    assert!(s.personal_data.contains(&PersonalData::Imei));
    assert_eq!(s.name_zh.as_deref(), Some("个推推送"));
}

#[test]
fn package_boundaries() {
    // `com.umeng` SDKs must not match a look-alike package.
    assert!(classes(&["Lcom/umengx/analytics/A;"]).sdks.is_empty());
    assert!(classes(&["Lcom/umeng/analyticsx/A;"]).sdks.is_empty());
    assert!(classes(&["Lcom/umeng/A;"]).sdks.is_empty());
    // A class named like the package is not inside it.
    assert!(classes(&["Lcom/umeng/analytics;"]).sdks.is_empty());
    // Deeper packages and inner classes are.
    let d = classes(&["Lcom/umeng/analytics/pro/a$b;"]);
    assert_eq!(ids(&d), vec!["umeng-analytics"]);
    // Arrays count by element type; primitives and malformed descriptors are ignored.
    let d = classes(&[
        "[[Lcom/umeng/analytics/X;",
        "I",
        "[J",
        "L;",
        "Lcom/umeng/analytics/X",
        "",
    ]);
    assert_eq!(d.sdks.len(), 1);
    assert_eq!(d.sdks[0].match_count, 1);
    // Longest prefix wins: a class under the nested HMS push package is push, not core.
    let d = classes(&[
        "Lcom/huawei/hms/push/HmsMessaging;",
        "Lcom/huawei/hms/api/HuaweiApiClient;",
    ]);
    assert_eq!(ids(&d), vec!["huawei-hms-core", "huawei-push"]);
    // Platform libraries are not SDKs.
    let d = classes(&[
        "Landroidx/appcompat/app/AppCompatActivity;",
        "Landroid/support/v4/app/Fragment;",
        "Lkotlin/jvm/internal/Intrinsics;",
        "Ljava/lang/String;",
        "Lcom/google/android/material/button/MaterialButton;",
    ]);
    assert!(d.sdks.is_empty(), "{:?}", ids(&d));
    // Exact-class signatures do not claim their whole package.
    assert!(classes(&["Lcom/facebook/drawee/view/SimpleDraweeView;"])
        .sdks
        .is_empty());
    assert_eq!(
        ids(&classes(&["Lcom/facebook/FacebookSdk;"])),
        vec!["facebook-core"]
    );
}

#[test]
fn samples_are_capped_and_counts_complete() {
    let many: Vec<String> = (0..50)
        .map(|i| format!("Lcom/tencent/bugly/crashreport/C{i};"))
        .collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let d = classes(&refs);
    let s = d.sdk("tencent-bugly").unwrap();
    assert_eq!(s.match_count, 50);
    assert_eq!(s.evidence.len(), medshield_sdks::MAX_SAMPLES);
}

#[test]
fn packers_by_native_lib_file_and_stub_class() {
    let db = SignatureDb::builtin();
    let cases: &[(Evidence<'_>, &str)] = &[
        (
            Evidence {
                app_classes: &["com.stub.StubApp"],
                ..Evidence::default()
            },
            "qihoo-jiagu",
        ),
        (
            Evidence {
                native_libs: &["lib/arm64-v8a/libjiagu_a64.so"],
                ..Evidence::default()
            },
            "qihoo-jiagu",
        ),
        (
            Evidence {
                files: &["assets/libjiagu_x86.so"],
                ..Evidence::default()
            },
            "qihoo-jiagu",
        ),
        (
            Evidence {
                class_descriptors: &["Lcom/secneo/apkwrapper/ApplicationWrapper;"],
                ..Evidence::default()
            },
            "bangcle",
        ),
        (
            Evidence {
                native_libs: &["lib/armeabi-v7a/libDexHelper.so"],
                ..Evidence::default()
            },
            "bangcle",
        ),
        (
            Evidence {
                app_classes: &["com.shell.SuperApplication"],
                native_libs: &["lib/armeabi/libexecmain.so"],
                ..Evidence::default()
            },
            "ijiami",
        ),
        (
            Evidence {
                class_descriptors: &["Lcom/tencent/StubShell/TxAppEntry;"],
                ..Evidence::default()
            },
            "tencent-legu",
        ),
        (
            Evidence {
                native_libs: &["lib/armeabi/libshella-2.10.7.0.so"],
                ..Evidence::default()
            },
            "tencent-legu",
        ),
        (
            Evidence {
                native_libs: &["lib/armeabi/libbaiduprotect.so"],
                ..Evidence::default()
            },
            "baidu-protect",
        ),
        (
            Evidence {
                native_libs: &["lib/armeabi/libmobisec.so"],
                ..Evidence::default()
            },
            "alibaba-jiagu",
        ),
        (
            Evidence {
                class_descriptors: &["Lcom/netease/nis/wrapper/Entry;"],
                ..Evidence::default()
            },
            "netease-yidun-jiagu",
        ),
        (
            Evidence {
                native_libs: &["lib/armeabi/libchaosvmp.so"],
                ..Evidence::default()
            },
            "naga",
        ),
        (
            Evidence {
                native_libs: &["lib/armeabi/libx3g.so"],
                ..Evidence::default()
            },
            "dingxiang",
        ),
        (
            Evidence {
                app_classes: &["com.merry.wapper.WapperApplication"],
                ..Evidence::default()
            },
            "pangxie",
        ),
        (
            Evidence {
                files: &["assets/dp.arm-v7.so.dat", "assets/dp.mp3"],
                ..Evidence::default()
            },
            "dexprotector",
        ),
    ];
    for (ev, id) in cases {
        let d = db.detect(ev);
        let got: Vec<&str> = d.packers.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(got, vec![*id], "{ev:?}");
        assert!(d.packed(), "{id}");
        assert!(d.sdks.is_empty(), "{id}: {:?}", ids(&d));
    }
    // The Yidun wrapper is a packer even though other com.netease.nis packages are SDKs.
    let d = classes(&[
        "Lcom/netease/nis/wrapper/MyJni;",
        "Lcom/netease/nis/captcha/Captcha;",
    ]);
    assert_eq!(ids(&d), vec!["netease-yidun-captcha"]);
    assert_eq!(d.packers.len(), 1);
}

#[test]
fn obfuscators_and_protectors_do_not_mean_packed() {
    let d = classes(&["Lcom/allatori/annotations/DoNotRename;"]);
    assert_eq!(d.packers.len(), 1);
    assert_eq!(d.packers[0].kind, PackerKind::Obfuscator);
    assert!(!d.packed());
}

#[test]
fn generic_names_do_not_trigger_packers() {
    let db = SignatureDb::builtin();
    let d = db.detect(&Evidence {
        native_libs: &[
            "lib/arm64-v8a/libmain.so",
            "lib/arm64-v8a/libshell.so",
            "lib/arm64-v8a/libnative-lib.so",
            "lib/arm64-v8a/libc++_shared.so",
            "lib/arm64-v8a/libexec_helper.so",
        ],
        files: &[
            "assets/sbox",
            "assets/config.txt",
            "classes.dex",
            "res/raw/classes0.jar",
        ],
        app_classes: &["com.example.App", "com.stub.StubAppX", "com.shell.Super"],
        ..Evidence::default()
    });
    assert!(d.packers.is_empty(), "{:?}", d.packers);
}

#[test]
fn streaming_equals_batch_and_serializes() {
    let db = SignatureDb::builtin();
    let descs = [
        "Lcom/umeng/analytics/A;",
        "Lcom/umeng/analytics/B;",
        "Lcom/umeng/commonsdk/C;",
        "Lcn/jpush/android/D;",
    ];
    let batch = db.detect(&Evidence {
        class_descriptors: &descs,
        ..Evidence::default()
    });
    let mut det = db.detector();
    for d in descs.iter().rev() {
        det.class_descriptor(d);
    }
    let streamed = det.finish();
    assert_eq!(batch.sdks.len(), streamed.sdks.len());
    for (a, b) in batch.sdks.iter().zip(&streamed.sdks) {
        assert_eq!((&a.id, a.match_count), (&b.id, b.match_count));
    }
    let json = serde_json::to_value(&batch).unwrap();
    let first = &json["sdks"][0];
    assert_eq!(first["id"], "jpush");
    assert_eq!(first["category"], "push");
    assert!(first["personal_data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "imei"));
    assert_eq!(json["sdks"][1]["match_count"], 3);
}
