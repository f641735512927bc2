//! Android permission knowledge: which platform permissions are dangerous (runtime) ones, and which
//! reach personal information beyond the national necessary-information scope for medical apps.

/// Platform permissions with `protectionLevel="dangerous"` in AOSP `core/res/AndroidManifest.xml`
/// (up to Android 16 / API 36), sorted for binary search. Android's own API-29 framework manifest
/// has exactly the first-generation entries; later ones are annotated with the API that added them.
const DANGEROUS: &[&str] = &[
    "android.permission.ACCEPT_HANDOVER",
    "android.permission.ACCESS_BACKGROUND_LOCATION", // 29
    "android.permission.ACCESS_COARSE_LOCATION",
    "android.permission.ACCESS_FINE_LOCATION",
    "android.permission.ACCESS_MEDIA_LOCATION", // 29
    "android.permission.ACTIVITY_RECOGNITION",  // 29
    "android.permission.ANSWER_PHONE_CALLS",
    "android.permission.BLUETOOTH_ADVERTISE", // 31
    "android.permission.BLUETOOTH_CONNECT",   // 31
    "android.permission.BLUETOOTH_SCAN",      // 31
    "android.permission.BODY_SENSORS",
    "android.permission.BODY_SENSORS_BACKGROUND", // 33
    "android.permission.CALL_PHONE",
    "android.permission.CAMERA",
    "android.permission.GET_ACCOUNTS",
    "android.permission.NEARBY_WIFI_DEVICES", // 33
    "android.permission.POST_NOTIFICATIONS",  // 33
    "android.permission.PROCESS_OUTGOING_CALLS",
    "android.permission.RANGING", // 36
    "android.permission.READ_CALENDAR",
    "android.permission.READ_CALL_LOG",
    "android.permission.READ_CELL_BROADCASTS",
    "android.permission.READ_CONTACTS",
    "android.permission.READ_EXTERNAL_STORAGE",
    "android.permission.READ_MEDIA_AUDIO",                // 33
    "android.permission.READ_MEDIA_IMAGES",               // 33
    "android.permission.READ_MEDIA_VIDEO",                // 33
    "android.permission.READ_MEDIA_VISUAL_USER_SELECTED", // 34
    "android.permission.READ_PHONE_NUMBERS",
    "android.permission.READ_PHONE_STATE",
    "android.permission.READ_SMS",
    "android.permission.RECEIVE_MMS",
    "android.permission.RECEIVE_SMS",
    "android.permission.RECEIVE_WAP_PUSH",
    "android.permission.RECORD_AUDIO",
    "android.permission.SEND_SMS",
    "android.permission.USE_SIP",
    "android.permission.UWB_RANGING", // 31
    "android.permission.WRITE_CALENDAR",
    "android.permission.WRITE_CALL_LOG",
    "android.permission.WRITE_CONTACTS",
    "android.permission.WRITE_EXTERNAL_STORAGE",
    "com.android.voicemail.permission.ADD_VOICEMAIL",
];

/// Health Connect data permissions (`android.permission.health.READ_HEART_RATE`, …) are all
/// runtime (dangerous) permissions; there are dozens and new data types keep being added, so they
/// are recognised by prefix. For a medical app they are the most sensitive of all.
const HEALTH_PREFIX: &str = "android.permission.health.";

/// Whether `name` is an Android dangerous (runtime) permission.
pub fn is_dangerous(name: &str) -> bool {
    DANGEROUS.binary_search(&name).is_ok()
        || name
            .strip_prefix(HEALTH_PREFIX)
            .is_some_and(|rest| rest.starts_with("READ_") || rest.starts_with("WRITE_"))
}

/// Dangerous permissions that do not reach personal information: a notification or advertising
/// over Bluetooth collects nothing about the user.
const NOT_PERSONAL: &[&str] = &[
    "android.permission.BLUETOOTH_ADVERTISE",
    "android.permission.POST_NOTIFICATIONS",
];

/// Non-dangerous permissions that still hand an app personal information (sorted).
const PERSONAL_NON_RUNTIME: &[&str] = &[
    "android.permission.PACKAGE_USAGE_STATS", // app usage history
    "android.permission.QUERY_ALL_PACKAGES",  // installed-app list
];

/// The requested permissions that reach personal information outside the necessary-information
/// scope of 问诊挂号类 (online consultation and appointment) apps, sorted and deduplicated.
///
/// 《常见类型移动互联网应用程序必要个人信息范围规定》 (2021) limits that scope to what the user
/// types in: the registered mobile number, the patient's name, ID type and number, the hospital
/// and department booked, and the description of the illness. No Android permission is needed for
/// any of it, so every permission that reads personal data (location, contacts, SMS, call log,
/// phone identity, camera, microphone, storage, sensors, health data, accounts, installed apps) is
/// beyond the scope. A consultation app that wants photos or video calls may still ask for them,
/// but cannot make them a condition of the basic service; the risk model weighs that.
pub fn necessary_scope_violations(requested: &[String]) -> Vec<String> {
    let mut out: Vec<String> = requested
        .iter()
        .filter(|p| {
            (is_dangerous(p) && !NOT_PERSONAL.contains(&p.as_str()))
                || PERSONAL_NON_RUNTIME.binary_search(&p.as_str()).is_ok()
        })
        .cloned()
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_for_binary_search() {
        assert!(DANGEROUS.windows(2).all(|w| w[0] < w[1]));
        assert!(PERSONAL_NON_RUNTIME.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn dangerous_permissions() {
        for p in [
            "android.permission.READ_MEDIA_IMAGES",
            "android.permission.POST_NOTIFICATIONS",
            "android.permission.BODY_SENSORS_BACKGROUND",
            "android.permission.NEARBY_WIFI_DEVICES",
            "android.permission.ACCESS_BACKGROUND_LOCATION",
            "android.permission.READ_PHONE_STATE",
            "android.permission.health.READ_HEART_RATE",
            "com.android.voicemail.permission.ADD_VOICEMAIL",
        ] {
            assert!(is_dangerous(p), "{p}");
        }
        for p in [
            "android.permission.INTERNET",
            "android.permission.QUERY_ALL_PACKAGES",
            "android.permission.SYSTEM_ALERT_WINDOW",
            "android.permission.health.",
            "android.permission.camera",
            "com.example.CAMERA",
        ] {
            assert!(!is_dangerous(p), "{p}");
        }
    }

    #[test]
    fn necessary_scope() {
        let req: Vec<String> = [
            "android.permission.READ_CONTACTS",
            "android.permission.INTERNET",
            "android.permission.POST_NOTIFICATIONS",
            "android.permission.QUERY_ALL_PACKAGES",
            "android.permission.ACCESS_FINE_LOCATION",
            "android.permission.READ_CONTACTS",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            necessary_scope_violations(&req),
            [
                "android.permission.ACCESS_FINE_LOCATION",
                "android.permission.QUERY_ALL_PACKAGES",
                "android.permission.READ_CONTACTS"
            ]
        );
        assert!(necessary_scope_violations(&["android.permission.INTERNET".into()]).is_empty());
    }
}
