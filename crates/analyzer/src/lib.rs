//! Indicators: the facts `inspect` read from a package (`medshield_apk::ApkReport`) turned into the
//! flat JSON object the rule library evaluates.
//!
//! The object is the contract between the analyzer and the rules (`docs/` and the issue-3 notes
//! name every key): flat dotted keys (`app.debuggable`, `components.exported_unprotected`, …)
//! holding JSON booleans, numbers, strings and arrays; list items are objects that carry their own
//! location (`name`, `kind`, `path`) so findings can cite evidence. Lists are sorted, so the same
//! package and scan date always give byte-identical output.
//!
//! What this crate decides is Android's semantics — which permissions are runtime ones, how
//! exported state and permissions are inherited, how the Network Security Config cascades, when a
//! task affinity enables StrandHogg — not the verdicts: severities, scores and thresholds belong to
//! the rules. It does no I/O and reads no clock: the scan date is an input.
//!
//! Not here (yet): code-level indicators from bytecode, SDK and packer detection (`sdks.*`,
//! `packers.*`, `packed`, added by their own crate through [`Indicators::insert`]).
//!
//! # Keys and the Android semantics behind them
//!
//! | key | meaning |
//! | --- | --- |
//! | `app.debuggable`, `app.test_only`, `app.allow_backup`, `app.allow_backup_explicit` | `<application>` flags as the report gives them (allowBackup's default is true) |
//! | `app.cleartext_default` | effective `usesCleartextTraffic` (written, else true below targetSdk 28) |
//! | `app.cleartext_permitted` | what the base config allows: the NSC's `<base-config>` when an NSC is present (the manifest attribute is then ignored), else `app.cleartext_default` |
//! | `nsc.present` | an NSC was named and could be read (an unreadable one counts as absent) |
//! | `nsc.base_cleartext` | base `cleartextTrafficPermitted`, default true below targetSdk 28; equals `app.cleartext_default` without an NSC |
//! | `nsc.cleartext_domains` | domains of domain-configs whose *effective* cleartext is true (inherited from the enclosing domain-config or base) |
//! | `nsc.trusts_user_ca` | effective trust anchors of base or any domain-config include user CAs; with no `<trust-anchors>` (or no NSC) that is the default of targetSdk ≤ 23 |
//! | `nsc.debug_overrides_user_ca` | `<debug-overrides>` trusts user CAs **and** the app is debuggable (otherwise Android ignores it) |
//! | `nsc.override_pins` | some `<certificates overridePins="true">` (debug-overrides only when debuggable) |
//! | `nsc.pin_sets`, `nsc.pin_sets_expired` | pin-sets, and those whose `expiration` is on or before the scan date (Android stops enforcing them that day) |
//! | `sdk.min`, `sdk.target` | numeric levels (codenames count as 10000) |
//! | `components.exported` | `{kind, name, permission, implicit, has_intent_filter, launcher, enabled}` (+ `read_permission`, `write_permission`, `authorities` for providers); `kind` is activity (aliases too), service, receiver or provider; `permission` is the effective one (own, else the application's; `""` on the component clears it; aliases start from their target) |
//! | `components.exported_unprotected` | the same objects without a permission; a provider only when neither read nor write is guarded (read/write fall back to `permission`, then to the application's) — check `read_permission == ""` for read-open providers |
//! | `providers.grant_uri_permissions` | `{name, exported}`: `grantUriPermissions="true"` or `<grant-uri-permission>` |
//! | `providers.weak_path_permissions` | `{name, path, match, read_permission, write_permission}`: on an exported provider with no provider-level protection, `<path-permission>` entries that leave reads or writes open; `match` is path, prefix, pattern or none |
//! | `permissions.requested`, `permissions.dangerous` | sorted; dangerous = AOSP runtime permissions through API 36 plus Health Connect `android.permission.health.*` |
//! | `permissions.declared_weak` | `{name, protection}` for the app's own `<permission>`s with base level normal or dangerous (any app can obtain them) |
//! | `tasks.custom_affinity` | `{name, task_affinity, launch_mode, foreign, exported}`: activities whose effective affinity (own, else the application's, else the package; `:x` is package-relative; `""` means none) is not the package; `foreign` = package-shaped and outside the app's own namespace |
//! | `tasks.launcher_default_affinity` | `{name, task_affinity}`: exported launcher activities living in the package-named task, which any app can join with `taskAffinity` (Ghera's TaskAffinity benchmarks; the fix is `taskAffinity=""`) — an addition to the first contract |
//! | `tasks.strandhogg` | some activity has a `foreign` affinity and a launch mode that starts it in that task (singleTask, singleInstance, singleInstancePerTask): the StrandHogg v1 attacker pattern. Export state is not required (the attacker starts its own activity). `allowTaskReparenting` is not in the report yet |
//! | `intent_filters.high_priority` | `{kind, name, priority}`: the highest filter priority > 0 of receivers and activities |
//! | `deeplinks.unverified` | `{name, scheme, host}`: exported activities with a `VIEW`+`BROWSABLE` filter, every scheme × host of the filter, except http(s) filters with `autoVerify`; at most [`MAX_DEEPLINKS`] |
//! | `cert.unsigned` | no v1/v2/v3/v3.1 signature present at all (a broken one is `cert.verified == false`) |
//! | `cert.v1_only`, `cert.janus` | v1 verifies and no v2+ does; Janus: v1 verifies and (no v2+ verifies or minSdk < 24) |
//! | `cert.debug`, `cert.weak_signature_algorithm`, `cert.min_rsa_bits`, `cert.expired`, `cert.verified` | over the signer certificates (all certificates when unverified): debug/AOSP test key; MD5/MD2/SHA-1 certificate signature; smallest RSA modulus (0 without RSA); `notAfter` before the scan date; Android's verdict |
//! | `native.libs` | `lib/<abi>/*.so` count; the `native.*` path lists cover only libraries that parsed as ELF |
//! | `dex.count`, `dex.embedded_code`, `dex.bad_checksum` | loaded dex files; `{path, kind}` of code elsewhere; dex names whose Adler-32 is wrong |
//!
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod components;
mod date;
mod network;
mod permissions;
#[cfg(test)]
mod tests;

use medshield_apk::ApkReport;
use medshield_axml::manifest::ProtectionBase;
use serde_json::{json, Map, Value};

pub use components::MAX_DEEPLINKS;
pub use date::{Date, DateError};
pub use permissions::{is_dangerous, necessary_scope_violations};

/// The indicator object of one package.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Indicators(Map<String, Value>);

impl Indicators {
    /// The value of one indicator.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }
    /// Adds or replaces an indicator (for producers outside this crate, e.g. SDK detection).
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        self.0.insert(key.into(), value.into());
    }
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }
    /// The object as one JSON value.
    pub fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

impl From<Indicators> for Value {
    fn from(i: Indicators) -> Value {
        Value::Object(i.0)
    }
}

/// The first Android release that checks v2+ signatures (7.0); below it only v1 counts, which is
/// what Janus (CVE-2017-13156) exploits.
const V2_FROM_SDK: u32 = 24;

/// Computes every indicator this crate owns from the facts, judging dates against `scan_date`.
pub fn indicators(report: &ApkReport, scan_date: Date) -> Indicators {
    let mut m = Map::new();
    let app = &report.application;
    m.insert("app.debuggable".into(), app.debuggable.into());
    m.insert("app.allow_backup".into(), app.allow_backup.into());
    m.insert(
        "app.allow_backup_explicit".into(),
        app.allow_backup_explicit.into(),
    );
    m.insert("app.test_only".into(), app.test_only.into());
    network::add(report, scan_date, &mut m);
    m.insert("sdk.min".into(), report.min_sdk.into());
    m.insert("sdk.target".into(), report.target_sdk.into());
    components::add(report, &mut m);
    add_permissions(report, &mut m);
    add_certificates(report, scan_date, &mut m);
    add_native(report, &mut m);
    add_dex(report, &mut m);
    Indicators(m)
}

fn sorted_strings<'a>(it: impl Iterator<Item = &'a str>) -> Value {
    let mut v: Vec<&str> = it.collect();
    v.sort_unstable();
    v.dedup();
    Value::Array(v.into_iter().map(Value::from).collect())
}

fn add_permissions(report: &ApkReport, m: &mut Map<String, Value>) {
    let requested = || report.permissions.iter().map(String::as_str);
    m.insert("permissions.requested".into(), sorted_strings(requested()));
    m.insert(
        "permissions.dangerous".into(),
        sorted_strings(requested().filter(|p| is_dangerous(p))),
    );
    // Any app can obtain a normal permission silently, and a dangerous one by asking the user:
    // neither keeps other apps out of what it guards. Signature-based levels do.
    let mut weak: Vec<(&str, &str)> = report
        .declared_permissions
        .iter()
        .filter_map(|p| match p.protection_level.base {
            ProtectionBase::Normal => Some((p.name.as_str(), "normal")),
            ProtectionBase::Dangerous => Some((p.name.as_str(), "dangerous")),
            _ => None,
        })
        .collect();
    weak.sort_unstable();
    weak.dedup();
    m.insert(
        "permissions.declared_weak".into(),
        Value::Array(
            weak.into_iter()
                .map(|(name, protection)| json!({"name": name, "protection": protection}))
                .collect(),
        ),
    );
}

/// MD5- and SHA-1-based signature algorithms (`MD5withRSA`, `SHA1withRSA`, `SHA1withECDSA`,
/// `SHA1withDSA`, and MD2 for completeness): collisions make the certificate forgeable.
fn weak_signature_algorithm(name: &str) -> bool {
    let up = name.to_ascii_uppercase();
    up.starts_with("MD5")
        || up.starts_with("MD2")
        || up.starts_with("SHA1")
        || up.starts_with("SHA-1")
}

fn add_certificates(report: &ApkReport, scan: Date, m: &mut Map<String, Value>) {
    let s = &report.signing;
    let present = &s.details.schemes;
    let v2_plus = s.schemes.v2 || s.schemes.v3 || s.schemes.v31;
    let certs = &s.certificates;
    m.insert(
        "cert.unsigned".into(),
        (!(present.v1.present || present.v2.present || present.v3.present || present.v31.present))
            .into(),
    );
    m.insert("cert.v1_only".into(), (s.schemes.v1 && !v2_plus).into());
    m.insert(
        "cert.janus".into(),
        (s.schemes.v1 && (!v2_plus || report.min_sdk < V2_FROM_SDK)).into(),
    );
    m.insert("cert.debug".into(), certs.iter().any(|c| c.debug).into());
    m.insert(
        "cert.weak_signature_algorithm".into(),
        certs
            .iter()
            .any(|c| weak_signature_algorithm(&c.signature_algorithm))
            .into(),
    );
    m.insert(
        "cert.min_rsa_bits".into(),
        certs
            .iter()
            .filter(|c| c.key_algorithm == "RSA")
            .map(|c| c.key_size)
            .min()
            .unwrap_or(0)
            .into(),
    );
    // Day precision: a certificate that expires later today still counts as valid.
    m.insert(
        "cert.expired".into(),
        certs
            .iter()
            .filter_map(|c| c.not_after.as_deref().and_then(Date::parse_prefix))
            .any(|d| d < scan)
            .into(),
    );
    m.insert("cert.verified".into(), s.verified.into());
}

fn add_native(report: &ApkReport, m: &mut Map<String, Value>) {
    // Hardening facts only mean something for libraries that parsed as ELF; an unreadable `.so`
    // (often a packer's encrypted payload) is reported by the packer indicators instead.
    let libs = || {
        report
            .native_libs
            .iter()
            .filter_map(|l| Some((l, l.elf.as_ref()?)))
    };
    let list = |f: &dyn Fn(&medshield_apk::NativeLib, &medshield_apk::NativeLibFacts) -> bool| {
        sorted_strings(
            libs()
                .filter(|(l, e)| f(l, e))
                .map(|(l, _)| l.path.as_str()),
        )
    };
    m.insert("native.libs".into(), report.native_libs.len().into());
    m.insert("native.no_nx".into(), list(&|_, e| !e.nx));
    m.insert("native.no_pie".into(), list(&|_, e| !e.pie));
    m.insert(
        "native.no_stack_canary".into(),
        list(&|_, e| !e.stack_canary),
    );
    m.insert(
        "native.relro_not_full".into(),
        list(&|l, _| l.relro != "full"),
    );
    m.insert("native.no_fortify".into(), list(&|_, e| !e.fortify));
    m.insert(
        "native.rpath".into(),
        list(&|_, e| e.rpath.is_some() || e.runpath.is_some()),
    );
    m.insert(
        "native.text_relocations".into(),
        list(&|_, e| e.text_relocations),
    );
}

fn add_dex(report: &ApkReport, m: &mut Map<String, Value>) {
    m.insert("dex.count".into(), report.dex.len().into());
    let mut embedded: Vec<(&str, &str)> = report
        .embedded_code
        .iter()
        .map(|e| (e.path.as_str(), e.kind))
        .collect();
    embedded.sort_unstable();
    m.insert(
        "dex.embedded_code".into(),
        Value::Array(
            embedded
                .into_iter()
                .map(|(path, kind)| json!({"path": path, "kind": kind}))
                .collect(),
        ),
    );
    m.insert(
        "dex.bad_checksum".into(),
        sorted_strings(
            report
                .dex
                .iter()
                .filter(|d| !d.summary.checksum_ok)
                .map(|d| d.name.as_str()),
        ),
    );
}
