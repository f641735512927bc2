//! Call facts as `code.*` indicators: the JSON shape the rule library reads (see the indicator
//! contract in `docs/indicators.md` when it lands; names here are stable).
//!
//! Each list indicator holds the call sites as evidence objects `{caller, dex, offset}`; booleans
//! say whether a weakness is present with the constant arguments we could see. Where an argument is
//! not a constant (computed at run time), the weakness counts as *possible* and the site is listed
//! under the `*_unknown` twin, so rules can weigh confidence.

use serde_json::{json, Map, Value};

use crate::{CallFacts, CallSite, ConstArg, IntentKind};

/// `Context.MODE_WORLD_READABLE` and `MODE_WORLD_WRITEABLE`.
const MODE_WORLD_READABLE: i64 = 1;
const MODE_WORLD_WRITEABLE: i64 = 2;
/// `WebSettings.MIXED_CONTENT_ALWAYS_ALLOW`.
const MIXED_CONTENT_ALWAYS_ALLOW: i64 = 0;
/// `WindowManager.LayoutParams.FLAG_SECURE`.
const FLAG_SECURE: i64 = 0x2000;
/// `PendingIntent.FLAG_IMMUTABLE`: the holder cannot fill in the Intent's blanks.
const FLAG_IMMUTABLE: i64 = 0x0400_0000;
/// `PackageManager.GET_SIGNATURES` and `GET_SIGNING_CERTIFICATES`.
const GET_SIGNATURES: i64 = 0x40;
const GET_SIGNING_CERTIFICATES: i64 = 0x0800_0000;

fn sites<'a>(facts: &'a CallFacts, id: &str) -> &'a [CallSite] {
    facts
        .calls
        .get(id)
        .map(|c| c.sites.as_slice())
        .unwrap_or(&[])
}

/// Package prefixes of widely used libraries bundled into apps (AndroidX, the support library,
/// Kotlin, Google Play services, OkHttp…): their calls are the library's, usually used safely, and
/// rules may want to weigh them apart from the app's own code.
const LIBRARY_PREFIXES: &[&str] = &[
    "Landroid/",
    "Landroidx/",
    "Lkotlin/",
    "Lkotlinx/",
    "Ljava/",
    "Ljavax/",
    "Ldalvik/",
    "Lcom/google/android/material/",
    "Lcom/google/android/gms/",
    "Lcom/google/firebase/",
    "Lcom/google/common/",
    "Lcom/google/gson/",
    "Lcom/google/protobuf/",
    "Lokhttp3/",
    "Lokio/",
    "Lretrofit2/",
    "Lcom/squareup/",
    "Lio/reactivex/",
    "Lorg/jetbrains/",
];

/// Whether a call site sits in a well-known bundled library rather than the app's own code.
fn in_library(site: &CallSite) -> bool {
    class_in_library(&site.caller)
}

/// Whether a class descriptor (or `Class;->method`) belongs to a well-known bundled library.
pub(crate) fn class_in_library(descriptor: &str) -> bool {
    LIBRARY_PREFIXES.iter().any(|p| descriptor.starts_with(p))
}

/// The `PendingIntent` factories, whose argument 2 is the base Intent (array) and 3 the flags.
const PENDING_INTENT_APIS: &[&str] = &[
    "ipc.pending_intent_get_activity",
    "ipc.pending_intent_get_activities",
    "ipc.pending_intent_get_broadcast",
    "ipc.pending_intent_get_service",
    "ipc.pending_intent_get_foreground_service",
];

/// Evidence for one call site; `library` marks callers inside well-known bundled libraries.
fn evidence(site: &CallSite) -> Value {
    let library = in_library(site);
    json!({ "caller": site.caller, "dex": site.dex, "offset": site.offset, "library": library })
}

fn int_arg(site: &CallSite, pos: usize) -> Option<i64> {
    match site.const_args.get(&pos) {
        Some(ConstArg::Int(v)) => Some(*v),
        _ => None,
    }
}

fn str_arg(site: &CallSite, pos: usize) -> Option<&str> {
    match site.const_args.get(&pos) {
        Some(ConstArg::String(s)) => Some(s),
        _ => None,
    }
}

/// Sites where a boolean setter is called with `true` (known) and with a non-constant (unknown).
fn set_true(facts: &CallFacts, id: &str, out: &mut Map<String, Value>, key: &str) {
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for s in sites(facts, id) {
        match int_arg(s, 1) {
            Some(0) => {}
            Some(_) => known.push(evidence(s)),
            None => unknown.push(evidence(s)),
        }
    }
    out.insert(key.to_owned(), Value::Array(known));
    out.insert(format!("{key}_unknown"), Value::Array(unknown));
}

fn list(facts: &CallFacts, id: &str) -> Value {
    Value::Array(sites(facts, id).iter().map(evidence).collect())
}

fn count(facts: &CallFacts, id: &str) -> u64 {
    facts.calls.get(id).map_or(0, |c| c.count)
}

/// Algorithm names in `Cipher.getInstance` that mean ECB (explicitly, or by the provider default
/// for a bare block-cipher name).
fn is_ecb(transformation: &str) -> bool {
    let t = transformation.to_ascii_uppercase();
    t.contains("/ECB/") || matches!(t.as_str(), "AES" | "DES" | "DESEDE" | "BLOWFISH" | "SM4")
}

fn is_weak_cipher(transformation: &str) -> bool {
    let algo = transformation
        .split('/')
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    matches!(
        algo.as_str(),
        "DES" | "DESEDE" | "TRIPLEDES" | "RC4" | "ARCFOUR" | "RC2" | "BLOWFISH"
    )
}

fn is_weak_digest(name: &str) -> bool {
    matches!(
        name.to_ascii_uppercase().replace('-', "").as_str(),
        "MD5" | "MD4" | "MD2" | "SHA1" | "SHA"
    )
}

/// The `code.*` indicators from the call facts.
pub fn code_indicators(facts: &CallFacts) -> Map<String, Value> {
    let mut m = Map::new();
    // WebView
    set_true(
        facts,
        "webview.set_javascript_enabled",
        &mut m,
        "code.webview.javascript_enabled",
    );
    m.insert(
        "code.webview.js_interface".into(),
        list(facts, "webview.add_javascript_interface"),
    );
    set_true(
        facts,
        "webview.set_allow_file_access",
        &mut m,
        "code.webview.file_access",
    );
    set_true(
        facts,
        "webview.set_allow_file_access_from_file_urls",
        &mut m,
        "code.webview.file_access_from_file_urls",
    );
    set_true(
        facts,
        "webview.set_allow_universal_access_from_file_urls",
        &mut m,
        "code.webview.universal_access_from_file_urls",
    );
    set_true(
        facts,
        "webview.set_web_contents_debugging_enabled",
        &mut m,
        "code.webview.debugging_enabled",
    );
    set_true(
        facts,
        "webview.geolocation_callback_invoke",
        &mut m,
        "code.webview.geolocation_granted",
    );
    let mixed: Vec<Value> = sites(facts, "webview.set_mixed_content_mode")
        .iter()
        .filter(|s| int_arg(s, 1) == Some(MIXED_CONTENT_ALWAYS_ALLOW))
        .map(evidence)
        .collect();
    m.insert(
        "code.webview.mixed_content_always_allow".into(),
        Value::Array(mixed),
    );
    let proceed: Vec<Value> = sites(facts, "webview.ssl_error_proceed")
        .iter()
        .filter(|s| s.caller.ends_with("->onReceivedSslError"))
        .map(evidence)
        .collect();
    m.insert(
        "code.webview.ssl_error_proceed".into(),
        Value::Array(proceed),
    );

    // TLS
    m.insert(
        "code.tls.default_hostname_verifier_set".into(),
        list(facts, "tls.set_default_hostname_verifier"),
    );
    m.insert(
        "code.tls.hostname_verifier_set".into(),
        list(facts, "tls.set_hostname_verifier"),
    );
    m.insert(
        "code.tls.ssl_context_init".into(),
        list(facts, "tls.ssl_context_init"),
    );
    m.insert(
        "code.tls.raw_ssl_socket".into(),
        list(facts, "tls.create_socket"),
    );
    m.insert(
        "code.tls.certificate_pinning".into(),
        Value::Bool(count(facts, "tls.okhttp_certificate_pinner") > 0),
    );

    // Cryptography
    let (mut ecb, mut weak_cipher) = (Vec::new(), Vec::new());
    for s in sites(facts, "crypto.cipher_get_instance") {
        if let Some(t) = str_arg(s, 0) {
            let mut e = evidence(s);
            e["transformation"] = Value::String(t.to_owned());
            if is_ecb(t) {
                ecb.push(e.clone());
            }
            if is_weak_cipher(t) {
                weak_cipher.push(e);
            }
        }
    }
    m.insert("code.crypto.ecb".into(), Value::Array(ecb));
    m.insert("code.crypto.weak_cipher".into(), Value::Array(weak_cipher));
    let weak_digest: Vec<Value> = sites(facts, "crypto.message_digest_get_instance")
        .iter()
        .filter_map(|s| {
            let name = str_arg(s, 0)?;
            is_weak_digest(name).then(|| {
                let mut e = evidence(s);
                e["algorithm"] = Value::String(name.to_owned());
                e
            })
        })
        .collect();
    m.insert("code.crypto.weak_digest".into(), Value::Array(weak_digest));
    // new SecretKeySpec(key, algorithm): argument 1 is the key (0 is the new object).
    let constant_key: Vec<Value> = sites(facts, "crypto.secret_key_spec")
        .iter()
        .filter(|s| matches!(s.const_args.get(&1), Some(ConstArg::String(_))))
        .map(evidence)
        .collect();
    m.insert(
        "code.crypto.constant_key".into(),
        Value::Array(constant_key),
    );
    m.insert(
        "code.crypto.insecure_random".into(),
        list(facts, "crypto.java_util_random"),
    );
    m.insert("code.crypto.pbe".into(), list(facts, "crypto.pbe_key_spec"));

    // Storage: file modes are argument 2 of (this, name, mode).
    let world: Vec<Value> = [
        "storage.open_file_output",
        "storage.get_shared_preferences",
        "storage.open_or_create_database",
    ]
    .iter()
    .flat_map(|id| sites(facts, id))
    .filter(|s| {
        int_arg(s, 2).is_some_and(|mode| mode & (MODE_WORLD_READABLE | MODE_WORLD_WRITEABLE) != 0)
    })
    .map(evidence)
    .collect();
    m.insert("code.storage.world_accessible".into(), Value::Array(world));
    let external: Vec<Value> = [
        "storage.external_storage_directory",
        "storage.external_storage_public_directory",
        "storage.get_external_files_dir",
    ]
    .iter()
    .flat_map(|id| sites(facts, id))
    .map(evidence)
    .collect();
    m.insert("code.storage.external".into(), Value::Array(external));
    // SQL whose text is not a constant: built at run time, possibly by concatenation.
    let dynamic_sql: Vec<Value> = ["storage.sqlite_raw_query", "storage.sqlite_exec_sql"]
        .iter()
        .flat_map(|id| sites(facts, id))
        .filter(|s| str_arg(s, 1).is_none())
        .map(evidence)
        .collect();
    m.insert("code.storage.dynamic_sql".into(), Value::Array(dynamic_sql));
    m.insert(
        "code.storage.unencrypted_database".into(),
        Value::Bool(
            count(facts, "storage.open_or_create_database") > 0
                && count(facts, "storage.sqlcipher_open") == 0,
        ),
    );
    let logging = count(facts, "storage.log_d")
        + count(facts, "storage.log_v")
        + count(facts, "storage.log_i");
    m.insert("code.storage.log_calls".into(), json!(logging));

    // IPC: registerReceiver(receiver, filter[, flags]) has no permission argument.
    let no_permission: Vec<Value> = sites(facts, "ipc.register_receiver")
        .iter()
        .filter(|s| !s.callee_proto.contains("Ljava/lang/String;"))
        .map(evidence)
        .collect();
    m.insert(
        "code.ipc.dynamic_receiver_without_permission".into(),
        Value::Array(no_permission),
    );
    m.insert(
        "code.ipc.sticky_broadcast".into(),
        list(facts, "ipc.send_sticky_broadcast"),
    );
    m.insert(
        "code.ipc.ordered_broadcast".into(),
        list(facts, "ipc.send_ordered_broadcast"),
    );
    let pending: Vec<Value> = PENDING_INTENT_APIS
        .iter()
        .flat_map(|id| sites(facts, id))
        .map(evidence)
        .collect();
    m.insert("code.ipc.pending_intents".into(), Value::Array(pending));
    // PendingIntents whose base Intent was built in the same method without a target: the app
    // that holds it sends it with our identity and permissions, and (unless immutable) fills in
    // whatever the Intent left blank — for an empty one, everything.
    let (mut empty, mut implicit) = (Vec::new(), Vec::new());
    for s in PENDING_INTENT_APIS.iter().flat_map(|id| sites(facts, id)) {
        let list = match s.intent {
            Some(IntentKind::Empty) => &mut empty,
            Some(IntentKind::Implicit) => &mut implicit,
            _ => continue,
        };
        let mut e = evidence(s);
        e["immutable"] = Value::Bool(int_arg(s, 3).is_some_and(|f| f & FLAG_IMMUTABLE != 0));
        list.push(e);
    }
    m.insert("code.ipc.pending_intent_empty".into(), Value::Array(empty));
    m.insert(
        "code.ipc.pending_intent_implicit".into(),
        Value::Array(implicit),
    );
    // Services started or bound with an Intent that names no component or package: the
    // highest-priority app declaring a matching filter gets it.
    let implicit_services: Vec<Value> = [
        "ipc.start_service",
        "ipc.start_foreground_service",
        "ipc.bind_service",
    ]
    .iter()
    .flat_map(|id| sites(facts, id))
    .filter(|s| s.intent == Some(IntentKind::Implicit))
    .map(evidence)
    .collect();
    m.insert(
        "code.ipc.implicit_service_intent".into(),
        Value::Array(implicit_services),
    );
    // Receivers that take what an earlier receiver of an ordered broadcast left as the result:
    // a higher-priority receiver of any app can set it.
    let result_readers: Vec<Value> = facts
        .receivers
        .iter()
        .filter(|r| r.reads_result)
        .map(|r| json!({ "class": r.class, "library": class_in_library(&r.class) }))
        .collect();
    m.insert(
        "code.ipc.receiver_reads_result".into(),
        Value::Array(result_readers),
    );

    // Raw sockets: a plain `java.net.Socket` carries whatever it sends in cleartext; a
    // `ServerSocket` opens a port any app (or host, on a shared network) can connect to.
    m.insert(
        "code.net.plain_socket".into(),
        list(facts, "net.socket_init"),
    );
    m.insert(
        "code.net.server_socket".into(),
        list(facts, "net.server_socket_init"),
    );
    // Connections accepted in a method that never asks who connected.
    let unchecked_peer: Vec<Value> = ["net.server_socket_accept", "net.ssl_server_socket_accept"]
        .iter()
        .filter_map(|id| facts.unchecked.get(*id))
        .flatten()
        .map(evidence)
        .collect();
    m.insert(
        "code.net.server_socket_unchecked_peer".into(),
        Value::Array(unchecked_peer),
    );

    // Execution and dynamic code
    m.insert(
        "code.exec.runtime_exec".into(),
        list(facts, "exec.runtime_exec"),
    );
    m.insert(
        "code.exec.process_builder".into(),
        list(facts, "exec.process_builder"),
    );
    let loaders: Vec<Value> = [
        "exec.dex_class_loader",
        "exec.path_class_loader",
        "exec.in_memory_dex_class_loader",
    ]
    .iter()
    .flat_map(|id| sites(facts, id))
    .map(evidence)
    .collect();
    m.insert(
        "code.exec.dynamic_code_loading".into(),
        Value::Array(loaders),
    );
    m.insert(
        "code.exec.reflection".into(),
        json!(count(facts, "exec.reflection_invoke") + count(facts, "exec.reflection_for_name")),
    );
    let native: Vec<Value> = ["exec.system_load_library", "exec.system_load"]
        .iter()
        .flat_map(|id| sites(facts, id))
        .map(evidence)
        .collect();
    m.insert("code.exec.native_loading".into(), Value::Array(native));

    // Resilience
    // Protections count only in the app's own code: the support library, for one, reads
    // signatures to trust font providers, which protects nothing of the app's.
    let debugger_check = sites(facts, "resilience.debugger_connected")
        .iter()
        .any(|s| !in_library(s));
    m.insert(
        "code.resilience.debugger_check".into(),
        Value::Bool(debugger_check),
    );
    let signature_check = sites(facts, "resilience.get_signatures")
        .iter()
        .filter(|s| !in_library(s))
        .any(|s| {
            int_arg(s, 2).is_some_and(|f| f & (GET_SIGNATURES | GET_SIGNING_CERTIFICATES) != 0)
        });
    m.insert(
        "code.resilience.signature_check".into(),
        Value::Bool(signature_check),
    );
    // Integrity self-check: app code reads the CRC of a package entry in a method that opens its
    // own package (`getPackageCodePath`) or looks up a dex entry by name.
    let own_package: Vec<&str> = sites(facts, "resilience.package_code_path")
        .iter()
        .map(|s| s.caller.as_str())
        .chain(
            sites(facts, "resilience.zip_get_entry")
                .iter()
                .filter(|s| str_arg(s, 1).is_some_and(|e| e.ends_with(".dex")))
                .map(|s| s.caller.as_str()),
        )
        .collect();
    let integrity_check = sites(facts, "resilience.zip_entry_crc")
        .iter()
        .filter(|s| !in_library(s))
        .any(|s| own_package.contains(&s.caller.as_str()));
    m.insert(
        "code.resilience.integrity_check".into(),
        Value::Bool(integrity_check),
    );
    let flag_secure = ["resilience.flag_secure", "resilience.add_flags"]
        .iter()
        .flat_map(|id| sites(facts, id))
        .filter(|s| !in_library(s))
        .any(|s| int_arg(s, 1).is_some_and(|f| f & FLAG_SECURE != 0));
    m.insert(
        "code.resilience.flag_secure".into(),
        Value::Bool(flag_secure),
    );

    // Privacy-sensitive APIs called (ids, sorted).
    let privacy: Vec<Value> = facts
        .calls
        .iter()
        .filter(|(id, c)| id.starts_with("privacy.") && c.count > 0)
        .filter(|(id, _)| *id != "privacy.android_id" || android_id_read(facts))
        .map(|(id, _)| Value::String(id.trim_start_matches("privacy.").to_owned()))
        .collect();
    m.insert("code.privacy.apis".into(), Value::Array(privacy));
    m.insert(
        "code.unreadable_methods".into(),
        json!(facts.unreadable_methods),
    );
    m
}

/// `Settings.Secure.getString(resolver, "android_id")`: only that key is the device identifier.
fn android_id_read(facts: &CallFacts) -> bool {
    sites(facts, "privacy.android_id")
        .iter()
        .any(|s| str_arg(s, 1).is_none_or(|k| k == "android_id"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiCalls;
    use std::collections::BTreeMap;

    fn site(caller: &str, args: &[(usize, ConstArg)], proto: &str) -> CallSite {
        CallSite {
            caller: caller.into(),
            offset: 4,
            dex: "classes.dex".into(),
            callee_class: String::new(),
            callee_proto: proto.into(),
            const_args: args.iter().cloned().collect(),
            intent: None,
        }
    }

    fn facts(entries: Vec<(&str, Vec<CallSite>)>) -> CallFacts {
        let mut calls = BTreeMap::new();
        for (id, sites) in entries {
            calls.insert(
                id.to_owned(),
                ApiCalls {
                    category: String::new(),
                    count: sites.len() as u64,
                    sites,
                },
            );
        }
        CallFacts {
            calls,
            ..CallFacts::default()
        }
    }

    #[test]
    fn javascript_true_false_and_unknown() {
        let f = facts(vec![(
            "webview.set_javascript_enabled",
            vec![
                site("La;->on", &[(1, ConstArg::Int(1))], "(Z)V"),
                site("La;->off", &[(1, ConstArg::Int(0))], "(Z)V"),
                site("La;->dyn", &[], "(Z)V"),
            ],
        )]);
        let m = code_indicators(&f);
        assert_eq!(
            m["code.webview.javascript_enabled"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            m["code.webview.javascript_enabled_unknown"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(m["code.webview.javascript_enabled"][0]["caller"], "La;->on");
    }

    #[test]
    fn crypto_classification() {
        assert!(is_ecb("AES/ECB/PKCS5Padding") && is_ecb("AES") && !is_ecb("AES/GCM/NoPadding"));
        assert!(
            is_weak_cipher("DESede/CBC/PKCS5Padding")
                && is_weak_cipher("RC4")
                && !is_weak_cipher("AES/CBC/PKCS5Padding")
        );
        assert!(is_weak_digest("MD5") && is_weak_digest("SHA-1") && !is_weak_digest("SHA-256"));
        let f = facts(vec![
            (
                "crypto.cipher_get_instance",
                vec![site(
                    "La;->e",
                    &[(0, ConstArg::String("AES/ECB/PKCS5Padding".into()))],
                    "",
                )],
            ),
            (
                "crypto.secret_key_spec",
                vec![
                    site(
                        "La;->k",
                        &[(1, ConstArg::String("0123456789abcdef".into()))],
                        "",
                    ),
                    site("La;->k2", &[], ""),
                ],
            ),
        ]);
        let m = code_indicators(&f);
        assert_eq!(
            m["code.crypto.ecb"][0]["transformation"],
            "AES/ECB/PKCS5Padding"
        );
        assert!(m["code.crypto.weak_cipher"].as_array().unwrap().is_empty());
        assert_eq!(m["code.crypto.constant_key"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn storage_modes_and_receivers() {
        let f = facts(vec![
            ("storage.open_file_output", vec![site("La;->w", &[(2, ConstArg::Int(1))], ""), site("La;->p", &[(2, ConstArg::Int(0))], "")]),
            (
                "ipc.register_receiver",
                vec![
                    site("La;->r", &[], "(Landroid/content/BroadcastReceiver;Landroid/content/IntentFilter;)Landroid/content/Intent;"),
                    site("La;->rp", &[], "(Landroid/content/BroadcastReceiver;Landroid/content/IntentFilter;Ljava/lang/String;Landroid/os/Handler;)Landroid/content/Intent;"),
                ],
            ),
        ]);
        let m = code_indicators(&f);
        assert_eq!(
            m["code.storage.world_accessible"].as_array().unwrap().len(),
            1
        );
        assert_eq!(
            m["code.ipc.dynamic_receiver_without_permission"][0]["caller"],
            "La;->r"
        );
    }
}
