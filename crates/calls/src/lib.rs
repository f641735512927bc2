//! Which sensitive Android and Java APIs an app calls, from which methods, and with which constant
//! arguments: the bytecode facts behind the analyzer's code indicators (WebView settings, TLS
//! overrides, weak cryptography, storage modes, dynamic code loading, privacy APIs…).
//!
//! The catalog of APIs is data (`data/apis.toml`, embedded). [`CallIndex`] is a
//! [`medshield_apk::CodeObserver`]: `inspect` hands it every dex during its single pass. For each dex
//! it maps the `method_ids` that name a catalog API once, then walks every method with the dex
//! crate's allocation-free reference walk; only methods that call a catalog API are decoded fully,
//! to track which constants (strings, integers) reach the call's argument registers. The same
//! decoding traces the Intents a method builds into the calls that take them (PendingIntent
//! factories, service starts: empty, implicit or explicit) and notes catalog calls made without
//! the call that should check them ([`UNCHECKED`]). Class declarations add what app
//! `BroadcastReceiver`s' `onReceive` does with its Intent; [`component_indicators`] reads those
//! facts against the manifest.
//!
//! What this crate is not: no inter-procedural data flow (a constant passed through a field or
//! another method is not seen), no class-hierarchy resolution beyond the catalog's `any_class`
//! entries, no decompilation.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod behaviours;
mod components;
mod indicators;

use std::collections::{BTreeMap, HashMap};

pub use behaviours::{behaviour_indicators, Behaviour, BehaviourMatch, Behaviours};
pub use components::component_indicators;
pub use indicators::code_indicators;

use medshield_dex::{fast_references, Dex, Reference};
use serde::{Deserialize, Serialize};

/// Call sites kept per API (the count keeps going): enough evidence for a finding, bounded output.
pub const MAX_SITES_PER_API: usize = 20;
/// Constant arguments kept per call site.
pub const MAX_ARGS_PER_SITE: usize = 8;
/// Longest constant string kept (longer ones are cut, marked with `…`).
pub const MAX_ARG_STRING: usize = 256;
/// Registers tracked per method (the dex format allows 65,535; real methods use far fewer).
const MAX_TRACKED_REGISTERS: usize = 4096;

/// The built-in catalog source.
const BUILTIN_APIS: &str = include_str!("../data/apis.toml");

/// Why a catalog cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("API catalog is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("API catalog: duplicate id `{0}`")]
    DuplicateId(String),
    #[error("API catalog: `{id}`: {problem}")]
    Invalid { id: String, problem: &'static str },
}

/// One API whose call sites are recorded.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Api {
    /// Stable id, e.g. `webview.add_javascript_interface`.
    pub id: String,
    /// Declaring class as a dex descriptor, `Landroid/webkit/WebView;`.
    pub class: String,
    /// Method name (every overload matches).
    pub method: String,
    /// Grouping for reports: webview, tls, crypto, storage, ipc, exec, resilience, privacy, network.
    pub category: String,
    /// Record the constant arguments reaching each call.
    #[serde(default)]
    pub args: bool,
    /// Match the method name on any class (calls through app subclasses of framework classes).
    #[serde(default)]
    pub any_class: bool,
    /// With `any_class`: the return type descriptor that narrows the match.
    #[serde(default)]
    pub returns: Option<String>,
    /// Argument position (0 is the receiver for instance calls) of an `Intent` whose construction
    /// is traced within the calling method: the call site then says whether it was empty,
    /// implicit or explicit.
    #[serde(default)]
    pub intent: Option<usize>,
}

#[derive(Deserialize)]
struct CatalogFile {
    api: Vec<Api>,
}

/// The APIs to look for, indexed for matching.
#[derive(Debug, Clone)]
pub struct ApiCatalog {
    apis: Vec<Api>,
    /// class descriptor → [(method name, api index)]
    by_class: HashMap<String, Vec<(String, usize)>>,
    /// method name → [(required return type, api index)] for `any_class` entries
    by_name: HashMap<String, Vec<(Option<String>, usize)>>,
}

impl ApiCatalog {
    /// The catalog shipped with MedShield.
    pub fn builtin() -> Result<Self, CatalogError> {
        Self::from_toml(BUILTIN_APIS)
    }

    /// A catalog from TOML text (`[[api]]` tables).
    pub fn from_toml(text: &str) -> Result<Self, CatalogError> {
        let file: CatalogFile = toml::from_str(text)?;
        let mut by_class: HashMap<String, Vec<(String, usize)>> = HashMap::new();
        let mut by_name: HashMap<String, Vec<(Option<String>, usize)>> = HashMap::new();
        let mut seen = std::collections::HashSet::new();
        for (i, api) in file.api.iter().enumerate() {
            if !seen.insert(api.id.clone()) {
                return Err(CatalogError::DuplicateId(api.id.clone()));
            }
            let invalid = |problem| CatalogError::Invalid {
                id: api.id.clone(),
                problem,
            };
            if !(api.class.starts_with('L') && api.class.ends_with(';')) {
                return Err(invalid(
                    "class must be a dex descriptor like `Ljava/lang/Object;`",
                ));
            }
            if api.method.is_empty() {
                return Err(invalid("method is empty"));
            }
            if api.any_class {
                by_name
                    .entry(api.method.clone())
                    .or_default()
                    .push((api.returns.clone(), i));
            } else {
                by_class
                    .entry(api.class.clone())
                    .or_default()
                    .push((api.method.clone(), i));
            }
        }
        Ok(ApiCatalog {
            apis: file.api,
            by_class,
            by_name,
        })
    }

    /// Every API in the catalog.
    pub fn apis(&self) -> &[Api] {
        &self.apis
    }

    /// The catalog entry a method reference names, if any.
    fn lookup(&self, class: &str, name: &str, return_type: Option<&str>) -> Option<usize> {
        if let Some(methods) = self.by_class.get(class) {
            if let Some(&(_, i)) = methods.iter().find(|(m, _)| m == name) {
                return Some(i);
            }
        }
        self.by_name
            .get(name)?
            .iter()
            .find(|(ret, _)| ret.is_none() || ret.as_deref() == return_type)
            .map(|&(_, i)| i)
    }
}

/// A constant known to be in an argument register at a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ConstArg {
    String(String),
    Int(i64),
}

/// What the calling method did to the `Intent` it hands to a call, as far as one method shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentKind {
    /// `new Intent()` with neither action, data, type, category nor target: whoever fills it in
    /// decides what it does.
    Empty,
    /// An action, data, type or category but no component, class or package: any app with a
    /// matching filter may receive it.
    Implicit,
    /// A component, class or package was set.
    Explicit,
}

/// One call of a catalog API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallSite {
    /// The calling method, `Lcom/example/Main;->onCreate`.
    pub caller: String,
    /// Code-unit offset of the invoke in the caller.
    pub offset: u32,
    /// The dex it sits in.
    pub dex: String,
    /// The class named at the call site (differs from the catalog class for `any_class` entries).
    pub callee_class: String,
    /// The callee's prototype, `(Ljava/lang/String;I)Ljava/io/FileOutputStream;`: tells overloads
    /// apart (e.g. `registerReceiver` with or without a permission).
    pub callee_proto: String,
    /// Constant arguments, by argument position (0 is the receiver for instance calls); only for
    /// catalog entries with `args = true`.
    pub const_args: BTreeMap<usize, ConstArg>,
    /// For catalog entries with an `intent` argument: how the Intent passed there was built in
    /// this method (`None` when it came from elsewhere: a parameter, a field, another call).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<IntentKind>,
}

/// All calls of one API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApiCalls {
    pub category: String,
    /// Every call found.
    pub count: u64,
    /// The first [`MAX_SITES_PER_API`] call sites.
    pub sites: Vec<CallSite>,
}

/// What the index found, keyed by API id (only APIs that are called appear).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CallFacts {
    pub calls: BTreeMap<String, ApiCalls>,
    /// Classes implementing `X509TrustManager` (or extending `X509ExtendedTrustManager`) whose
    /// `checkServerTrusted` does nothing: every certificate is trusted.
    pub trust_all_managers: Vec<String>,
    /// Classes implementing `HostnameVerifier` whose `verify` returns true unconditionally.
    pub allow_all_hostname_verifiers: Vec<String>,
    /// Catalog APIs called one after the other in one method.
    pub ordered: Vec<ApiPair>,
    /// Catalog APIs where the first call's result reaches the second call's arguments.
    pub flows: Vec<ApiPair>,
    /// Call sites of an API in methods that never make the check that should follow it (see
    /// [`UNCHECKED`]), keyed by API id.
    pub unchecked: BTreeMap<String, Vec<CallSite>>,
    /// App `BroadcastReceiver` subclasses and what their `onReceive` does with the Intent.
    pub receivers: Vec<ReceiverCode>,
    /// `UriMatcher.addURI(authority, path, code)` with constant authority and path: the URIs a
    /// content provider answers.
    pub uri_patterns: Vec<UriPattern>,
    /// Methods whose code could not be walked (malformed bytecode).
    pub unreadable_methods: u64,
}

/// A direct subclass of `BroadcastReceiver` and what its `onReceive(Context, Intent)` does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiverCode {
    /// Class descriptor, `Lcom/example/BootReceiver;`.
    pub class: String,
    /// `onReceive` reads the action (`Intent.getAction`) or matches the Intent against an
    /// `IntentFilter`.
    pub checks_action: bool,
    /// `onReceive` hands the Intent to an app method, which may check it: not judged.
    pub passes_intent_on: bool,
    /// `onReceive` reads the result an earlier receiver of an ordered broadcast left
    /// (`getResultData`, `getResultExtras`).
    pub reads_result: bool,
}

/// One `UriMatcher.addURI` with constant arguments.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct UriPattern {
    pub authority: String,
    pub path: String,
    /// The method that registers it.
    pub caller: String,
}

/// Two catalog APIs related within one method, with an example of where.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ApiPair {
    pub first: String,
    pub second: String,
    pub caller: String,
}

/// Collects catalog call sites from every dex it is shown.
pub struct CallIndex<'c> {
    catalog: &'c ApiCatalog,
    calls: Vec<ApiCalls>,
    unreadable_methods: u64,
    trust_all_managers: Vec<String>,
    allow_all_hostname_verifiers: Vec<String>,
    /// (first, second) catalog APIs called in one method in that order → an example caller.
    ordered: HashMap<(usize, usize), String>,
    /// (first, second): first's result reaches second's arguments within a method → caller.
    flows: HashMap<(usize, usize), String>,
    /// [`UNCHECKED`] resolved to catalog indices: (API, the calls that check it).
    checks: Vec<(usize, Vec<usize>)>,
    unchecked: BTreeMap<String, Vec<CallSite>>,
    receivers: Vec<ReceiverCode>,
    uri_patterns: Vec<UriPattern>,
    /// Catalog index of `UriMatcher.addURI`.
    add_uri: Option<usize>,
}

/// APIs whose result a method should check, with the calls that count as the check: a server
/// that accepts a connection and never asks who connected (address or TLS client certificate)
/// serves whoever reaches its port. Within one method only: a check made elsewhere is not seen.
pub const UNCHECKED: &[(&str, &[&str])] = &[
    (
        "net.server_socket_accept",
        &[
            "net.socket_peer_address",
            "net.socket_remote_address",
            "net.ssl_socket_peer_address",
            "net.ssl_socket_session",
            "net.ssl_server_need_client_auth",
        ],
    ),
    (
        "net.ssl_server_socket_accept",
        &[
            "net.socket_peer_address",
            "net.socket_remote_address",
            "net.ssl_socket_peer_address",
            "net.ssl_socket_session",
            "net.ssl_server_need_client_auth",
        ],
    ),
];

/// Most receivers and URI patterns recorded.
const MAX_RECEIVERS: usize = 1_000;
const MAX_URI_PATTERNS: usize = 2_000;
/// Intent objects traced per method.
const MAX_INTENT_OBJECTS: usize = 1_024;

/// `BroadcastReceiver` and the support libraries' wakeful variants.
const RECEIVER_BASES: &[&str] = &[
    "Landroid/content/BroadcastReceiver;",
    "Landroid/support/v4/content/WakefulBroadcastReceiver;",
    "Landroidx/legacy/content/WakefulBroadcastReceiver;",
];

/// Class-name prefixes of the platform: calls into them do not change an Intent behind our back.
const PLATFORM_PREFIXES: &[&str] = &["Landroid/", "Ljava/", "Ljavax/", "Ldalvik/", "Lkotlin/"];

/// How the Intent a register refers to was built so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IntentState {
    /// `new-instance` seen, constructor not yet.
    Allocated,
    Known(IntentKind),
    /// Copied from another Intent, or handed to code we do not follow.
    Unknown,
}

/// What a call on `android.content.Intent` does to the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IntentOp {
    /// A constructor leaving the Intent in this state.
    Init(IntentState),
    /// `setComponent`, `setClass`, `setClassName`, `setPackage`: returns the Intent.
    Target,
    /// `setAction`, `setData`, `setType`, `addCategory`…: returns the Intent.
    Describe,
    /// Other `set*`/`put*`/`add*`/`remove*`/`replace*` returning the same Intent.
    Builder,
    /// `setSelector`, `fillIn`: what resolves it is no longer only what we saw.
    Blur,
}

/// The kind of Intent call a method reference names.
fn intent_op(name: &str, params: &[std::borrow::Cow<'_, str>], returns: &str) -> Option<IntentOp> {
    let returns_intent = returns == "Landroid/content/Intent;";
    match name {
        "<init>" => {
            let p: Vec<&str> = params.iter().map(|p| p.as_ref()).collect();
            let state = match p.as_slice() {
                [] => IntentState::Known(IntentKind::Empty),
                ["Ljava/lang/String;"] | ["Ljava/lang/String;", "Landroid/net/Uri;"] => {
                    IntentState::Known(IntentKind::Implicit)
                }
                _ if p.contains(&"Ljava/lang/Class;") => IntentState::Known(IntentKind::Explicit),
                _ => IntentState::Unknown,
            };
            Some(IntentOp::Init(state))
        }
        "setComponent" | "setClass" | "setClassName" | "setPackage" => Some(IntentOp::Target),
        "setAction"
        | "setData"
        | "setDataAndNormalize"
        | "setType"
        | "setTypeAndNormalize"
        | "setDataAndType"
        | "setDataAndTypeAndNormalize"
        | "addCategory" => Some(IntentOp::Describe),
        "setSelector" | "fillIn" => Some(IntentOp::Blur),
        _ if returns_intent
            && ["set", "put", "add", "remove", "replace"]
                .iter()
                .any(|p| name.starts_with(p)) =>
        {
            Some(IntentOp::Builder)
        }
        _ => None,
    }
}

/// Per-dex lookup tables, built once from its `method_ids`.
struct DexTables {
    /// method_id → catalog entry.
    targets: Vec<Option<usize>>,
    /// method_id → what it does to an Intent (only methods of `android.content.Intent`).
    intent_ops: Vec<Option<IntentOp>>,
    /// The type index of `Landroid/content/Intent;`, when the dex names it.
    intent_type: Option<u32>,
}

/// Most distinct API pairs recorded (ordered calls and flows each).
const MAX_PAIRS: usize = 20_000;
/// Catalog calls per method considered for ordering (the pairs grow with its square).
const MAX_SEQUENCE: usize = 64;
/// Origins tracked per register.
const MAX_ORIGINS: usize = 16;

/// Adds `more` to the sorted origin list `into`, keeping at most [`MAX_ORIGINS`].
fn merge_origins(into: &mut Vec<usize>, more: &[usize]) {
    for &o in more {
        if let Err(pos) = into.binary_search(&o) {
            if into.len() < MAX_ORIGINS {
                into.insert(pos, o);
            }
        }
    }
}

/// Most classes recorded per kind of trivial override.
const MAX_TRIVIAL_OVERRIDES: usize = 50;

/// Which security callback a class implements.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SecurityCallback {
    TrustManager,
    HostnameVerifier,
}

/// The security interface a class implements directly, if any.
fn security_callback(
    dex: &Dex<'_>,
    class: &medshield_dex::ClassDef<'_>,
) -> Option<SecurityCallback> {
    let named = |idx: u32| dex.type_descriptor(idx).ok();
    let interfaces = dex.type_list(class.interfaces_off).ok()?;
    for t in interfaces.iter() {
        match named(t).as_deref() {
            Some("Ljavax/net/ssl/X509TrustManager;") => {
                return Some(SecurityCallback::TrustManager)
            }
            Some("Ljavax/net/ssl/HostnameVerifier;") => {
                return Some(SecurityCallback::HostnameVerifier)
            }
            _ => {}
        }
    }
    match class.superclass_idx.and_then(named).as_deref() {
        Some("Ljavax/net/ssl/X509ExtendedTrustManager;") => Some(SecurityCallback::TrustManager),
        _ => None,
    }
}

/// Whether a method body is trivial: only `return-void` (after optional nops), or `const/4 vX, 1`
/// then `return vX` when `returns_true`.
fn is_trivial_body(insns: &[u8], returns_true: bool) -> bool {
    let mut it = medshield_dex::Instructions::new(insns)
        .filter(|i| !matches!(i, Ok(i) if i.opcode == 0x00 && i.payload.is_none()));
    match (it.next(), it.next(), it.next()) {
        (Some(Ok(ret)), None, None) if !returns_true => ret.opcode == 0x0e,
        (Some(Ok(c)), Some(Ok(ret)), None) if returns_true => {
            c.opcode == 0x12
                && c.literal == Some(1)
                && ret.opcode == 0x0f
                && ret.regs().first() == c.regs().first()
        }
        _ => false,
    }
}

impl<'c> CallIndex<'c> {
    pub fn new(catalog: &'c ApiCatalog) -> Self {
        let calls = catalog
            .apis
            .iter()
            .map(|a| ApiCalls {
                category: a.category.clone(),
                ..ApiCalls::default()
            })
            .collect();
        CallIndex {
            catalog,
            calls,
            unreadable_methods: 0,
            trust_all_managers: Vec::new(),
            allow_all_hostname_verifiers: Vec::new(),
            ordered: HashMap::new(),
            flows: HashMap::new(),
            checks: UNCHECKED
                .iter()
                .filter_map(|(api, by)| {
                    let idx = |id: &str| catalog.apis.iter().position(|a| a.id == id);
                    Some((idx(api)?, by.iter().filter_map(|b| idx(b)).collect()))
                })
                .collect(),
            unchecked: BTreeMap::new(),
            receivers: Vec::new(),
            uri_patterns: Vec::new(),
            add_uri: catalog
                .apis
                .iter()
                .position(|a| a.id == "ipc.uri_matcher_add_uri"),
        }
    }

    /// Indexes one dex.
    pub fn add_dex(&mut self, name: &str, dex: &Dex<'_>) {
        self.find_class_patterns(dex);
        let tables = self.resolve_targets(dex);
        let targets = &tables.targets;
        if targets.iter().all(Option::is_none) {
            return;
        }
        for class in dex.classes() {
            for method in class.methods() {
                let Ok(method) = method else {
                    self.unreadable_methods += 1;
                    break;
                };
                let code = match method.code() {
                    Ok(Some(c)) => c,
                    Ok(None) => continue,
                    Err(_) => {
                        self.unreadable_methods += 1;
                        continue;
                    }
                };
                // Cheap screen first: does this method call anything in the catalog at all?
                let mut hits = false;
                let walked = fast_references(code.insns, |r| {
                    if let Reference::Invoke { method_idx, .. } = r {
                        hits |= targets
                            .get(method_idx as usize)
                            .is_some_and(Option::is_some);
                    }
                });
                if walked.is_none() {
                    self.unreadable_methods += 1;
                }
                if hits {
                    self.record_method(name, dex, method.method_idx, code.instructions(), &tables);
                }
            }
        }
    }

    /// What a look at class declarations and one method body shows: TrustManagers that trust
    /// everything, HostnameVerifiers that accept every host, and what receivers' `onReceive`
    /// does with its Intent.
    fn find_class_patterns(&mut self, dex: &Dex<'_>) {
        for class in dex.classes() {
            self.find_receiver(dex, &class);
            let Some(kind) = security_callback(dex, &class) else {
                continue;
            };
            let (wanted, returns_true) = match kind {
                SecurityCallback::TrustManager => ("checkServerTrusted", false),
                SecurityCallback::HostnameVerifier => ("verify", true),
            };
            let trivial = class.methods().flatten().any(|m| {
                let named = dex.method_id(m.method_idx).ok().and_then(|id| dex.string(id.name_idx).ok());
                named.as_deref() == Some(wanted)
                    && matches!(m.code(), Ok(Some(code)) if is_trivial_body(code.insns, returns_true))
            });
            if !trivial {
                continue;
            }
            let list = match kind {
                SecurityCallback::TrustManager => &mut self.trust_all_managers,
                SecurityCallback::HostnameVerifier => &mut self.allow_all_hostname_verifiers,
            };
            if list.len() < MAX_TRIVIAL_OVERRIDES {
                if let Ok(name) = dex.type_descriptor(class.class_idx) {
                    list.push(name.into_owned());
                }
            }
        }
    }

    /// A direct `BroadcastReceiver` subclass: what its `onReceive` calls, read with the
    /// allocation-free reference walk.
    fn find_receiver(&mut self, dex: &Dex<'_>, class: &medshield_dex::ClassDef<'_>) {
        if self.receivers.len() >= MAX_RECEIVERS {
            return;
        }
        let Some(superclass) = class.superclass_idx else {
            return;
        };
        let Ok(superclass) = dex.type_descriptor(superclass) else {
            return;
        };
        if !RECEIVER_BASES.contains(&superclass.as_ref()) {
            return;
        }
        for m in class.methods().flatten() {
            let Ok(r) = dex.method_ref(m.method_idx) else {
                continue;
            };
            let p = &r.proto.params;
            if r.name != "onReceive"
                || p.len() != 2
                || p[0] != "Landroid/content/Context;"
                || p[1] != "Landroid/content/Intent;"
            {
                continue;
            }
            let Ok(Some(code)) = m.code() else {
                continue;
            };
            let mut seen = ReceiverCode {
                class: dex
                    .type_descriptor(class.class_idx)
                    .map(|c| c.into_owned())
                    .unwrap_or_default(),
                checks_action: false,
                passes_intent_on: false,
                reads_result: false,
            };
            fast_references(code.insns, |reference| {
                let Reference::Invoke { method_idx, .. } = reference else {
                    return;
                };
                let Ok(callee) = dex.method_ref(method_idx) else {
                    return;
                };
                let (class, name) = (callee.class.as_ref(), callee.name.as_ref());
                match (class, name) {
                    ("Landroid/content/Intent;", "getAction")
                    | ("Landroid/content/IntentFilter;", "match" | "matchAction" | "hasAction") => {
                        seen.checks_action = true;
                    }
                    (_, "getResultData") if callee.proto.return_type == "Ljava/lang/String;" => {
                        seen.reads_result = true;
                    }
                    (_, "getResultExtras") if callee.proto.return_type == "Landroid/os/Bundle;" => {
                        seen.reads_result = true;
                    }
                    _ if !PLATFORM_PREFIXES.iter().any(|p| class.starts_with(p))
                        && callee
                            .proto
                            .params
                            .iter()
                            .any(|p| p == "Landroid/content/Intent;") =>
                    {
                        seen.passes_intent_on = true;
                    }
                    _ => {}
                }
            });
            self.receivers.push(seen);
            return;
        }
    }

    /// For each `method_id` of the dex, the catalog entry it names and what it does to an Intent.
    fn resolve_targets(&self, dex: &Dex<'_>) -> DexTables {
        let count = dex.method_ids_len() as usize;
        let mut targets = vec![None; count];
        let mut intent_ops = vec![None; count];
        let mut intent_type = None;
        // Most method_ids share a few thousand classes: decide each class once.
        let mut class_interest: HashMap<u32, bool> = HashMap::new();
        for (idx, target) in targets.iter_mut().enumerate() {
            let Ok(m) = dex.method_id(idx as u32) else {
                continue;
            };
            let Ok(name) = dex.string(m.name_idx) else {
                continue;
            };
            let by_name = self.catalog.by_name.contains_key(name.as_ref());
            let interesting = *class_interest.entry(m.class_idx).or_insert_with(|| {
                dex.type_descriptor(m.class_idx)
                    .is_ok_and(|c| self.catalog.by_class.contains_key(c.as_ref()))
            });
            if !interesting && !by_name {
                continue;
            }
            let Ok(class) = dex.type_descriptor(m.class_idx) else {
                continue;
            };
            let return_type = dex
                .proto_id(m.proto_idx)
                .ok()
                .and_then(|p| dex.type_descriptor(p.return_type_idx).ok());
            *target = self.catalog.lookup(&class, &name, return_type.as_deref());
            if class == "Landroid/content/Intent;" {
                intent_type = Some(m.class_idx);
                if let Ok(r) = dex.method_ref(idx as u32) {
                    intent_ops[idx] = intent_op(&name, &r.proto.params, &r.proto.return_type);
                }
            }
        }
        DexTables {
            targets,
            intent_ops,
            intent_type,
        }
    }

    /// Decodes one method fully, tracking constants in registers, and records its catalog calls.
    fn record_method(
        &mut self,
        dex_name: &str,
        dex: &Dex<'_>,
        caller_idx: u32,
        instructions: medshield_dex::Instructions<'_>,
        tables: &DexTables,
    ) {
        let targets = &tables.targets;
        let caller = dex
            .method_ref(caller_idx)
            .map(|m| format!("{}->{}", m.class, m.name))
            .unwrap_or_else(|_| format!("method#{caller_idx}"));
        let mut regs: HashMap<u32, ConstArg> = HashMap::new();
        let mut pending_result: Option<ConstArg> = None;
        // Which catalog calls' results each register (transitively) holds, for behaviour stage 5.
        let mut taint: HashMap<u32, Vec<usize>> = HashMap::new();
        let mut pending_taint: Vec<usize> = Vec::new();
        // Catalog calls of this method in order, for behaviour stage 4.
        let mut sequence: Vec<usize> = Vec::new();
        // Intent objects created here: register → object, object → how it was built.
        let mut intent_of: HashMap<u32, usize> = HashMap::new();
        let mut intents: Vec<IntentState> = Vec::new();
        let mut pending_intent: Option<usize> = None;
        // Every catalog API this method calls, and the sites of those whose check is looked for.
        let mut called: Vec<usize> = Vec::new();
        let mut to_check: Vec<(usize, CallSite)> = Vec::new();
        for insn in instructions {
            let Ok(insn) = insn else {
                self.unreadable_methods += 1;
                return;
            };
            if insn.payload.is_some() {
                continue;
            }
            let op = insn.opcode;
            if let Some(Reference::Invoke { method_idx, .. }) = Reference::of(&insn) {
                pending_intent = Self::trace_intent_call(
                    dex,
                    &insn,
                    method_idx,
                    tables,
                    &regs,
                    &intent_of,
                    &mut intents,
                );
                // `"secret".getBytes()` and friends keep the constant: remember it for the
                // `move-result` that follows, so `new SecretKeySpec("k".getBytes(), ..)` is seen.
                pending_result = None;
                if let Some(first) = insn.registers().next() {
                    if let Some(ConstArg::String(text)) = regs.get(&first) {
                        if keeps_constant(dex, method_idx) {
                            pending_result = Some(ConstArg::String(text.clone()));
                        }
                    }
                }
                let mut arg_taint: Vec<usize> = Vec::new();
                for reg in insn.registers() {
                    if let Some(origins) = taint.get(&reg) {
                        merge_origins(&mut arg_taint, origins);
                    }
                }
                pending_taint.clone_from(&arg_taint);
                let is_static = matches!(insn.opcode, 0x71 | 0x77);
                if !is_static && !arg_taint.is_empty() {
                    // `builder.append(secret)`: the receiver now carries the value too.
                    if let Some(receiver) = insn.registers().next() {
                        let entry = taint.entry(receiver).or_default();
                        merge_origins(entry, &arg_taint);
                    }
                }
                if let Some(api_idx) = targets.get(method_idx as usize).copied().flatten() {
                    for &origin in &arg_taint {
                        if origin != api_idx && self.flows.len() < MAX_PAIRS {
                            self.flows
                                .entry((origin, api_idx))
                                .or_insert_with(|| caller.clone());
                        }
                    }
                    if sequence.len() < MAX_SEQUENCE {
                        for &earlier in &sequence {
                            if earlier != api_idx && self.ordered.len() < MAX_PAIRS {
                                self.ordered
                                    .entry((earlier, api_idx))
                                    .or_insert_with(|| caller.clone());
                            }
                        }
                        sequence.push(api_idx);
                    }
                    merge_origins(&mut pending_taint, &[api_idx]);
                    let api = &self.catalog.apis[api_idx];
                    let mut const_args = BTreeMap::new();
                    if api.args {
                        for (pos, reg) in insn.registers().enumerate().take(MAX_ARGS_PER_SITE) {
                            if let Some(v) = regs.get(&reg) {
                                const_args.insert(pos, v.clone());
                            }
                        }
                    }
                    let callee = dex.method_ref(method_idx).ok();
                    let callee_class = callee
                        .as_ref()
                        .map(|m| m.class.to_string())
                        .unwrap_or_default();
                    let callee_proto = callee
                        .as_ref()
                        .map(|m| m.proto.to_string())
                        .unwrap_or_default();
                    let intent = api.intent.and_then(|pos| {
                        let reg = insn.registers().nth(pos)?;
                        match intents.get(*intent_of.get(&reg)?)? {
                            IntentState::Known(kind) => Some(*kind),
                            _ => None,
                        }
                    });
                    if self.add_uri == Some(api_idx) && self.uri_patterns.len() < MAX_URI_PATTERNS {
                        let text = |pos| match const_args.get(&pos) {
                            Some(ConstArg::String(s)) => Some(s.clone()),
                            _ => None,
                        };
                        if let (Some(authority), Some(path)) = (text(1), text(2)) {
                            self.uri_patterns.push(UriPattern {
                                authority,
                                path,
                                caller: caller.clone(),
                            });
                        }
                    }
                    let site = CallSite {
                        caller: caller.clone(),
                        offset: insn.offset,
                        dex: dex_name.to_owned(),
                        callee_class,
                        callee_proto,
                        const_args,
                        intent,
                    };
                    if let Err(pos) = called.binary_search(&api_idx) {
                        called.insert(pos, api_idx);
                    }
                    if self.checks.iter().any(|(a, _)| *a == api_idx) {
                        to_check.push((api_idx, site.clone()));
                    }
                    let calls = &mut self.calls[api_idx];
                    calls.count += 1;
                    if calls.sites.len() < MAX_SITES_PER_API {
                        calls.sites.push(site);
                    }
                }
                continue;
            }
            Self::trace_intent_register(
                &insn,
                tables,
                &mut intent_of,
                &mut intents,
                pending_intent.take(),
            );
            let regs_of = insn.regs();
            let dest = regs_of.first().map(|&r| u32::from(r));
            if let Some(d) = dest {
                match op {
                    // move-result, move-result-wide, move-result-object
                    0x0a..=0x0c => {
                        let origins = std::mem::take(&mut pending_taint);
                        if origins.is_empty() {
                            taint.remove(&d);
                        } else {
                            taint.insert(d, origins);
                        }
                    }
                    // moves copy what the source holds
                    0x01..=0x09 => match regs_of
                        .get(1)
                        .and_then(|&src| taint.get(&u32::from(src)))
                        .cloned()
                    {
                        Some(origins) => {
                            taint.insert(d, origins);
                        }
                        None => {
                            taint.remove(&d);
                        }
                    },
                    _ if writes_first_register(op) || matches!(op, 0x12..=0x1b) => {
                        taint.remove(&d);
                    }
                    _ => {}
                }
            }
            match op {
                // const-string, const-string/jumbo
                0x1a | 0x1b => {
                    if let (Some(d), Some(idx)) = (dest, insn.index) {
                        if let Ok(s) = dex.string(idx.value) {
                            track(&mut regs, d, ConstArg::String(truncate(&s)));
                        }
                    }
                }
                // const/4, const/16, const, const/high16, const-wide variants
                0x12..=0x19 => {
                    if let (Some(d), Some(v)) = (dest, insn.literal) {
                        track(&mut regs, d, ConstArg::Int(v));
                    }
                }
                // move-object, move-object/from16, move-object/16, move, move/from16, move/16
                0x01..=0x03 | 0x07..=0x09 => {
                    if let (Some(d), Some(&src)) = (dest, regs_of.get(1)) {
                        match regs.get(&u32::from(src)).cloned() {
                            Some(v) => track(&mut regs, d, v),
                            None => {
                                regs.remove(&d);
                            }
                        }
                    }
                }
                // move-result, move-result-object after a constant-keeping call
                0x0a | 0x0c if pending_result.is_some() => {
                    if let (Some(d), Some(v)) = (dest, pending_result.take()) {
                        track(&mut regs, d, v);
                    }
                }
                _ if writes_first_register(op) => {
                    if let Some(d) = dest {
                        regs.remove(&d);
                    }
                }
                _ => {}
            }
        }
        for (api_idx, site) in to_check {
            let Some((_, by)) = self.checks.iter().find(|(a, _)| *a == api_idx) else {
                continue;
            };
            if by.iter().any(|b| called.binary_search(b).is_ok()) {
                continue;
            }
            let list = self
                .unchecked
                .entry(self.catalog.apis[api_idx].id.clone())
                .or_default();
            if list.len() < MAX_SITES_PER_API {
                list.push(site);
            }
        }
    }

    /// An invoke seen by the Intent tracer: constructors and setters change the Intent they are
    /// called on; an Intent handed to app code we do not follow becomes unknown. Returns the
    /// object a following `move-result-object` receives (setters return their Intent).
    fn trace_intent_call(
        dex: &Dex<'_>,
        insn: &medshield_dex::Insn,
        method_idx: u32,
        tables: &DexTables,
        consts: &HashMap<u32, ConstArg>,
        intent_of: &HashMap<u32, usize>,
        intents: &mut [IntentState],
    ) -> Option<usize> {
        if intent_of.is_empty() {
            return None;
        }
        // `new Intent("")` and `setAction("")` describe nothing: the Intent stays empty (a
        // known way to mint an identity-only PendingIntent, and just as fillable).
        let blank_argument = matches!(
            insn.registers().nth(1).and_then(|r| consts.get(&r)),
            Some(ConstArg::String(s)) if s.is_empty()
        );
        let op = tables
            .intent_ops
            .get(method_idx as usize)
            .copied()
            .flatten();
        let receiver = insn
            .registers()
            .next()
            .and_then(|r| intent_of.get(&r).copied());
        if let (Some(op), Some(obj)) = (op, receiver) {
            let state = intents.get_mut(obj)?;
            match op {
                IntentOp::Init(IntentState::Known(IntentKind::Implicit)) if blank_argument => {
                    *state = IntentState::Known(IntentKind::Empty);
                }
                IntentOp::Init(s) => *state = s,
                IntentOp::Target => {
                    if *state != IntentState::Unknown {
                        *state = IntentState::Known(IntentKind::Explicit);
                    }
                }
                IntentOp::Describe => {
                    if *state == IntentState::Known(IntentKind::Empty) && !blank_argument {
                        *state = IntentState::Known(IntentKind::Implicit);
                    }
                }
                IntentOp::Blur => *state = IntentState::Unknown,
                IntentOp::Builder => {}
            }
            return matches!(
                op,
                IntentOp::Target | IntentOp::Describe | IntentOp::Builder
            )
            .then_some(obj);
        }
        // An Intent passed to app code (not the platform, not a catalog call that only reads it)
        // may be completed there.
        let sink = tables
            .targets
            .get(method_idx as usize)
            .copied()
            .flatten()
            .is_some();
        if sink {
            return None;
        }
        if !insn.registers().any(|r| intent_of.contains_key(&r)) {
            return None;
        }
        let platform = dex
            .method_id(method_idx)
            .ok()
            .and_then(|m| dex.type_descriptor(m.class_idx).ok())
            .is_some_and(|c| PLATFORM_PREFIXES.iter().any(|p| c.starts_with(p)));
        if !platform {
            for obj in insn.registers().filter_map(|r| intent_of.get(&r).copied()) {
                if let Some(state) = intents.get_mut(obj) {
                    *state = IntentState::Unknown;
                }
            }
        }
        None
    }

    /// A non-invoke instruction seen by the Intent tracer: `new-instance` of an Intent starts an
    /// object, moves copy it, storing it into an array makes the array stand for it (the last
    /// Intent of `getActivities` is the one that can be filled in), any other write forgets it.
    fn trace_intent_register(
        insn: &medshield_dex::Insn,
        tables: &DexTables,
        intent_of: &mut HashMap<u32, usize>,
        intents: &mut Vec<IntentState>,
        pending: Option<usize>,
    ) {
        let regs = insn.regs();
        let Some(dest) = regs.first().map(|&r| u32::from(r)) else {
            return;
        };
        match insn.opcode {
            // new-instance
            0x22 => {
                let is_intent = tables.intent_type.is_some()
                    && insn.index.map(|i| i.value) == tables.intent_type;
                if is_intent && intents.len() < MAX_INTENT_OBJECTS {
                    intents.push(IntentState::Allocated);
                    intent_of.insert(dest, intents.len() - 1);
                } else {
                    intent_of.remove(&dest);
                }
            }
            // move-object, move-object/from16, move-object/16
            0x07..=0x09 => match regs.get(1).and_then(|s| intent_of.get(&u32::from(*s))) {
                Some(&obj) => {
                    intent_of.insert(dest, obj);
                }
                None => {
                    intent_of.remove(&dest);
                }
            },
            // move-result-object after a setter returning its Intent
            0x0c => match pending {
                Some(obj) => {
                    intent_of.insert(dest, obj);
                }
                None => {
                    intent_of.remove(&dest);
                }
            },
            // aput-object vValue, vArray, vIndex
            0x4d => {
                if let (Some(&obj), Some(&array)) = (intent_of.get(&dest), regs.get(1)) {
                    intent_of.insert(u32::from(array), obj);
                }
            }
            op if writes_first_register(op) || matches!(op, 0x12..=0x1b) => {
                intent_of.remove(&dest);
            }
            _ => {}
        }
    }

    /// The facts, for the APIs that were called.
    pub fn finish(self) -> CallFacts {
        let mut calls = BTreeMap::new();
        for (api, c) in self.catalog.apis.iter().zip(self.calls) {
            if c.count > 0 {
                calls.insert(api.id.clone(), c);
            }
        }
        let mut trust_all_managers = self.trust_all_managers;
        trust_all_managers.sort();
        let mut allow_all_hostname_verifiers = self.allow_all_hostname_verifiers;
        allow_all_hostname_verifiers.sort();
        let pairs = |map: HashMap<(usize, usize), String>| -> Vec<ApiPair> {
            let mut v: Vec<ApiPair> = map
                .into_iter()
                .filter_map(|((a, b), caller)| {
                    Some(ApiPair {
                        first: self.catalog.apis.get(a)?.id.clone(),
                        second: self.catalog.apis.get(b)?.id.clone(),
                        caller,
                    })
                })
                .collect();
            v.sort();
            v
        };
        let mut receivers = self.receivers;
        receivers.sort_by(|a, b| a.class.cmp(&b.class));
        let mut uri_patterns = self.uri_patterns;
        uri_patterns.sort();
        uri_patterns.dedup();
        CallFacts {
            calls,
            trust_all_managers,
            allow_all_hostname_verifiers,
            ordered: pairs(self.ordered),
            flows: pairs(self.flows),
            unchecked: self.unchecked,
            receivers,
            uri_patterns,
            unreadable_methods: self.unreadable_methods,
        }
    }
}

impl medshield_apk::CodeObserver for CallIndex<'_> {
    fn dex(&mut self, name: &str, _primary: bool, dex: &Dex<'_>) {
        self.add_dex(name, dex);
    }
}

/// Calls whose result carries their (first) constant argument's content: byte/char views of a
/// string and Base64 decoding.
fn keeps_constant(dex: &Dex<'_>, method_idx: u32) -> bool {
    let Ok(m) = dex.method_ref(method_idx) else {
        return false;
    };
    matches!(
        (m.class.as_ref(), m.name.as_ref()),
        ("Ljava/lang/String;", "getBytes" | "toCharArray")
            | ("Landroid/util/Base64;", "decode")
            | ("Ljava/util/Base64$Decoder;", "decode")
    )
}

fn track(regs: &mut HashMap<u32, ConstArg>, reg: u32, value: ConstArg) {
    if regs.len() < MAX_TRACKED_REGISTERS || regs.contains_key(&reg) {
        regs.insert(reg, value);
    }
}

fn truncate(s: &str) -> String {
    if s.len() <= MAX_ARG_STRING {
        return s.to_owned();
    }
    let mut end = MAX_ARG_STRING;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Whether an opcode overwrites its first register operand (so a constant there is gone).
fn writes_first_register(op: u8) -> bool {
    matches!(op,
        0x04..=0x06          // move-wide*
        | 0x0a..=0x0d        // move-result*, move-exception
        | 0x1c               // const-class
        | 0x1f               // check-cast (the reference stays, but its type is no longer the constant's)
        | 0x20..=0x23        // instance-of, array-length, new-instance, new-array
        | 0x2d..=0x31        // cmp*
        | 0x44..=0x4a        // aget*
        | 0x52..=0x58        // iget*
        | 0x60..=0x66        // sget*
        | 0x7b..=0xe2        // unary, binary and literal arithmetic
        | 0xfe | 0xff        // const-method-handle, const-method-type
    )
}

#[cfg(test)]
mod tests;
