#![allow(clippy::unwrap_used)]
//! The necessary-information scope for 问诊挂号类 apps and its derived indicators.

use medshield_rules::{RulePack, BEYOND_SCOPE, BEYOND_SCOPE_SENSITIVE};
use serde_json::json;

#[test]
fn beyond_scope_lists_personal_permissions_only() {
    let pack = RulePack::builtin().unwrap();
    let scope = pack.scope();
    assert_eq!(scope.id, "medical-consultation-appointment");
    assert!(scope.allowed_permissions.is_empty());
    let requested = [
        "android.permission.INTERNET",
        "android.permission.ACCESS_FINE_LOCATION",
        "android.permission.ACCESS_NETWORK_STATE",
        "android.permission.READ_CALL_LOG",
        "android.permission.ACCESS_FINE_LOCATION",
        "com.example.permission.C2D_MESSAGE",
    ];
    let beyond: Vec<&str> = scope
        .beyond_scope(requested)
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        beyond,
        [
            "android.permission.ACCESS_FINE_LOCATION",
            "android.permission.READ_CALL_LOG"
        ]
    );
    let ind = json!({"permissions.requested": requested});
    let derived = scope.derive(ind.as_object().unwrap());
    assert_eq!(derived[BEYOND_SCOPE].as_array().unwrap().len(), 2);
    assert_eq!(derived[BEYOND_SCOPE_SENSITIVE].as_array().unwrap().len(), 2);
    // A producer-supplied indicator wins over derivation.
    let ind = json!({"permissions.requested": requested, "privacy.beyond_scope": []});
    assert!(scope.derive(ind.as_object().unwrap()).is_empty());
}

#[test]
fn allowed_permissions_are_not_counted() {
    let pack = RulePack::builtin().unwrap();
    let mut scope = pack.scope().clone();
    scope
        .allowed_permissions
        .push("android.permission.CAMERA".into());
    let beyond = scope.beyond_scope([
        "android.permission.CAMERA",
        "android.permission.RECORD_AUDIO",
    ]);
    assert_eq!(beyond.len(), 1);
    assert_eq!(beyond[0].name, "android.permission.RECORD_AUDIO");
}
