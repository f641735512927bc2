//! Cleartext traffic and the Network Security Config, as `android.security.net.config` applies them.
//!
//! - Without an NSC, `ManifestConfigSource` uses `android:usesCleartextTraffic` (whose default is
//!   true below targetSdk 28; the report already holds the effective value) and trusts user CAs
//!   when targetSdk ≤ 23.
//! - With an NSC the manifest attribute is ignored (API 24+). `<base-config>` starts from
//!   `NetworkSecurityConfig.getDefaultBuilder`: cleartext permitted below targetSdk 28, user CAs
//!   trusted when targetSdk ≤ 23. Every `<domain-config>` inherits what it does not set from its
//!   parent (an enclosing domain-config, else the base config); so does its pin-set.
//! - `<debug-overrides>` adds its trust anchors to every config, but only in a debuggable app.
//! - A pin-set's `expiration` is the day at and after which its pins are no longer enforced.

use medshield_apk::ApkReport;
use medshield_axml::nsc::{CertificatesSource, ConfigBlock, NetworkSecurityConfig};
use serde_json::{Map, Value};

use crate::date::Date;

/// The targetSdk from which cleartext is off by default (Android 9, P).
const CLEARTEXT_OFF_FROM_SDK: u32 = 28;
/// The last targetSdk whose default config trusts user-installed CAs (Android 6, M).
const USER_CA_DEFAULT_UNTIL_SDK: u32 = 23;

fn has_user(anchors: &Option<Vec<medshield_axml::nsc::Certificates>>) -> Option<bool> {
    anchors
        .as_ref()
        .map(|list| list.iter().any(|c| c.src == CertificatesSource::User))
}

fn any_override_pins(b: &ConfigBlock) -> bool {
    b.trust_anchors.iter().flatten().any(|c| c.override_pins)
        || b.domain_configs.iter().any(any_override_pins)
}

#[derive(Default)]
struct Walk {
    cleartext_domains: Vec<String>,
    trusts_user: bool,
    pin_sets: u64,
    pin_sets_expired: u64,
}

/// Walks a domain-config with the values it inherits. The parser bounds the nesting depth.
fn walk(b: &ConfigBlock, cleartext: bool, user: bool, scan: Date, out: &mut Walk) {
    let cleartext = b.cleartext_traffic_permitted.unwrap_or(cleartext);
    let user = has_user(&b.trust_anchors).unwrap_or(user);
    if cleartext {
        out.cleartext_domains
            .extend(b.domains.iter().map(|d| d.name.clone()));
    }
    out.trusts_user |= user;
    if let Some(ps) = &b.pin_set {
        out.pin_sets += 1;
        // Android rejects an unparseable expiration; we count it as not expired rather than guess.
        if ps
            .expiration
            .as_deref()
            .and_then(Date::parse_prefix)
            .is_some_and(|d| d <= scan)
        {
            out.pin_sets_expired += 1;
        }
    }
    for child in &b.domain_configs {
        walk(child, cleartext, user, scan, out);
    }
}

pub(crate) fn add(report: &ApkReport, scan: Date, m: &mut Map<String, Value>) {
    let app = &report.application;
    let target = report.target_sdk;
    let default_user = target <= USER_CA_DEFAULT_UNTIL_SDK;
    m.insert(
        "app.cleartext_default".into(),
        app.uses_cleartext_traffic.into(),
    );
    let Some(nsc) = &report.network_security_config else {
        m.insert(
            "app.cleartext_permitted".into(),
            app.uses_cleartext_traffic.into(),
        );
        m.insert("nsc.present".into(), false.into());
        m.insert(
            "nsc.base_cleartext".into(),
            app.uses_cleartext_traffic.into(),
        );
        m.insert("nsc.cleartext_domains".into(), Value::Array(Vec::new()));
        m.insert("nsc.trusts_user_ca".into(), default_user.into());
        m.insert("nsc.debug_overrides_user_ca".into(), false.into());
        m.insert("nsc.override_pins".into(), false.into());
        m.insert("nsc.pin_sets".into(), 0.into());
        m.insert("nsc.pin_sets_expired".into(), 0.into());
        return;
    };
    add_nsc(nsc, app.debuggable, target, scan, m);
}

fn add_nsc(
    nsc: &NetworkSecurityConfig,
    debuggable: bool,
    target: u32,
    scan: Date,
    m: &mut Map<String, Value>,
) {
    let base = nsc.base_config.as_ref();
    let base_cleartext = base
        .and_then(|b| b.cleartext_traffic_permitted)
        .unwrap_or(target < CLEARTEXT_OFF_FROM_SDK);
    let base_user = base
        .and_then(|b| has_user(&b.trust_anchors))
        .unwrap_or(target <= USER_CA_DEFAULT_UNTIL_SDK);
    let mut w = Walk {
        trusts_user: base_user,
        ..Walk::default()
    };
    // A domain-config nested in base-config makes Android reject the whole config
    // (`XmlConfigSource`: "Nested domain-config not allowed"), so only top-level ones count.
    for d in &nsc.domain_configs {
        walk(d, base_cleartext, base_user, scan, &mut w);
    }
    let debug = nsc.debug_overrides.as_ref().filter(|_| debuggable);
    let override_pins = base
        .is_some_and(|b| b.trust_anchors.iter().flatten().any(|c| c.override_pins))
        || nsc.domain_configs.iter().any(any_override_pins)
        || debug.is_some_and(|d| d.trust_anchors.iter().flatten().any(|c| c.override_pins));
    w.cleartext_domains.sort_unstable();
    w.cleartext_domains.dedup();
    m.insert("app.cleartext_permitted".into(), base_cleartext.into());
    m.insert("nsc.present".into(), true.into());
    m.insert("nsc.base_cleartext".into(), base_cleartext.into());
    m.insert(
        "nsc.cleartext_domains".into(),
        Value::Array(w.cleartext_domains.into_iter().map(Value::String).collect()),
    );
    m.insert("nsc.trusts_user_ca".into(), w.trusts_user.into());
    m.insert(
        "nsc.debug_overrides_user_ca".into(),
        debug
            .is_some_and(|d| has_user(&d.trust_anchors) == Some(true))
            .into(),
    );
    m.insert("nsc.override_pins".into(), override_pins.into());
    m.insert("nsc.pin_sets".into(), w.pin_sets.into());
    m.insert("nsc.pin_sets_expired".into(), w.pin_sets_expired.into());
}
