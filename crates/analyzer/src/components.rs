//! Component-level indicators: exported components and their protection, providers, task
//! affinities (StrandHogg), intent-filter priorities and deep links.
//!
//! Permissions are resolved as `PackageParser` does: a component's `android:permission`, else the
//! application's (`""` written on the component means none, without falling back); an
//! `activity-alias` starts from its target activity; a provider's read/write permissions fall back
//! to its `android:permission`, then to the application's.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use medshield_apk::{ApkReport, Component, IntentFilter, LaunchMode};
use serde_json::{json, Map, Value};

const ACTION_MAIN: &str = "android.intent.action.MAIN";
const ACTION_VIEW: &str = "android.intent.action.VIEW";
const CATEGORY_LAUNCHER: &str = "android.intent.category.LAUNCHER";
const CATEGORY_LEANBACK_LAUNCHER: &str = "android.intent.category.LEANBACK_LAUNCHER";
const CATEGORY_BROWSABLE: &str = "android.intent.category.BROWSABLE";

/// At most this many deep links are listed. A filter matches schemes × hosts, so a hostile
/// manifest with thousands of each would otherwise cost millions of entries; real apps have tens.
pub const MAX_DEEPLINKS: usize = 1_000;
/// At most this many scheme × host combinations are looked at in one package (duplicates across
/// filters do not grow the list, so the list cap alone does not bound the work).
const MAX_DEEPLINK_WORK: usize = 100_000;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Activity,
    Service,
    Receiver,
    Provider,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Activity => "activity",
            Kind::Service => "service",
            Kind::Receiver => "receiver",
            Kind::Provider => "provider",
        }
    }
}

fn nonempty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// A written attribute wins even when empty (`""` clears the inherited value); unwritten inherits.
fn own_or<'a>(own: Option<&'a String>, inherited: Option<&'a str>) -> Option<&'a str> {
    match own {
        Some(s) => nonempty(Some(s)),
        None => inherited,
    }
}

fn is_launcher(filters: &[IntentFilter]) -> bool {
    filters.iter().any(|f| {
        f.actions.iter().any(|a| a == ACTION_MAIN)
            && f.categories
                .iter()
                .any(|c| c == CATEGORY_LAUNCHER || c == CATEGORY_LEANBACK_LAUNCHER)
    })
}

fn launch_mode_str(m: Option<LaunchMode>) -> &'static str {
    match m {
        None | Some(LaunchMode::Standard) => "standard",
        Some(LaunchMode::SingleTop) => "single_top",
        Some(LaunchMode::SingleTask) => "single_task",
        Some(LaunchMode::SingleInstance) => "single_instance",
        Some(LaunchMode::SingleInstancePerTask) => "single_instance_per_task",
        Some(LaunchMode::Unknown) => "unknown",
    }
}

/// Resolves a `taskAffinity` value as `PackageParser.buildTaskAffinityName` does: `""` means no
/// affinity (kept as `""`), `:name` is relative to the package.
fn resolve_affinity(package: &str, value: &str) -> String {
    if value.starts_with(':') {
        format!("{package}{value}")
    } else {
        value.to_owned()
    }
}

/// An affinity naming some other app's task: package-shaped and outside our own namespace.
fn is_foreign_affinity(package: &str, affinity: &str) -> bool {
    let own = affinity == package
        || affinity
            .strip_prefix(package)
            .is_some_and(|rest| rest.starts_with(':') || rest.starts_with('.'));
    let package_like = affinity.contains('.')
        && affinity.split('.').all(|seg| {
            !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
    !own && package_like
}

/// Lists collected in one pass over the components, sorted before they are emitted.
#[derive(Default)]
struct Out<'a> {
    exported: Vec<(Kind, &'a str, Value)>,
    unprotected: Vec<(Kind, &'a str, Value)>,
    grant_uri: Vec<(&'a str, Value)>,
    weak_paths: Vec<(&'a str, Value)>,
    custom_affinity: Vec<(&'a str, Value)>,
    launcher_default_affinity: Vec<(&'a str, Value)>,
    strandhogg: bool,
    high_priority: Vec<(Kind, &'a str, Value)>,
    deeplinks: BTreeSet<(&'a str, &'a str, &'a str)>,
    deeplink_work: usize,
}

/// Records an exported component; `extra` adds the provider-only fields.
fn exported<'a>(
    out: &mut Out<'a>,
    kind: Kind,
    c: &'a Component,
    permission: Option<&str>,
    launcher: bool,
    protected: bool,
    extra: Option<(Option<&str>, Option<&str>)>,
) {
    if !c.exported {
        return;
    }
    let mut v = json!({
        "kind": kind.as_str(),
        "name": c.name,
        "permission": permission.unwrap_or(""),
        "implicit": !c.exported_explicit,
        "has_intent_filter": !c.intent_filters.is_empty(),
        "launcher": launcher,
        "enabled": c.enabled,
    });
    if let (Some((read, write)), Value::Object(o)) = (extra, &mut v) {
        o.insert("read_permission".into(), read.unwrap_or("").into());
        o.insert("write_permission".into(), write.unwrap_or("").into());
        o.insert("authorities".into(), c.authorities.clone().into());
    }
    if !protected {
        out.unprotected.push((kind, &c.name, v.clone()));
    }
    out.exported.push((kind, &c.name, v));
}

fn high_priority<'a>(out: &mut Out<'a>, kind: Kind, c: &'a Component) {
    if let Some(p) = c.intent_filters.iter().filter_map(|f| f.priority).max() {
        if p > 0 {
            out.high_priority.push((
                kind,
                &c.name,
                json!({"kind": kind.as_str(), "name": c.name, "priority": p}),
            ));
        }
    }
}

/// Deep links an exported activity accepts from a browser (`VIEW` + `BROWSABLE`) that Android does
/// not verify: custom schemes (anyone may claim them) and http(s) without `autoVerify`. An intent
/// filter matches every combination of its schemes and hosts.
fn deeplinks<'a>(out: &mut Out<'a>, c: &'a Component) {
    if !c.exported {
        return;
    }
    for f in &c.intent_filters {
        if !(f.actions.iter().any(|a| a == ACTION_VIEW)
            && f.categories.iter().any(|c| c == CATEGORY_BROWSABLE))
        {
            continue;
        }
        let schemes: BTreeSet<&str> = f.data.iter().filter_map(|d| d.scheme.as_deref()).collect();
        let mut hosts: BTreeSet<&str> = f.data.iter().filter_map(|d| d.host.as_deref()).collect();
        if hosts.is_empty() {
            hosts.insert("");
        }
        for scheme in schemes {
            let web = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
            if web && f.auto_verify {
                continue;
            }
            for h in &hosts {
                if out.deeplinks.len() >= MAX_DEEPLINKS || out.deeplink_work >= MAX_DEEPLINK_WORK {
                    return;
                }
                out.deeplink_work += 1;
                out.deeplinks.insert((&c.name, scheme, h));
            }
        }
    }
}

pub(crate) fn add(report: &ApkReport, m: &mut Map<String, Value>) {
    let package = report.package.as_str();
    let app = &report.application;
    let app_perm = nonempty(app.permission.as_deref());
    let comps = &report.components;
    let mut out = Out::default();

    // Aliases take permission, affinity and launch mode from their target activity. Index the
    // real activities only when there are aliases (most apps have none).
    let targets: HashMap<&str, &Component> =
        if comps.activities.iter().any(|c| c.alias_of.is_some()) {
            comps
                .activities
                .iter()
                .filter(|c| c.alias_of.is_none())
                .map(|c| (c.name.as_str(), c))
                .collect()
        } else {
            HashMap::new()
        };

    for c in &comps.activities {
        let target = c.alias_of.as_deref().and_then(|t| targets.get(t).copied());
        let base = target.unwrap_or(c);
        let inherited = match target {
            Some(t) => own_or(t.permission.as_ref(), app_perm),
            None => app_perm,
        };
        let perm = own_or(c.permission.as_ref(), inherited);
        let launcher = is_launcher(&c.intent_filters);
        exported(
            &mut out,
            Kind::Activity,
            c,
            perm,
            launcher,
            perm.is_some(),
            None,
        );
        high_priority(&mut out, Kind::Activity, c);
        deeplinks(&mut out, c);

        let affinity: Cow<str> = match base
            .task_affinity
            .as_deref()
            .or(app.task_affinity.as_deref())
        {
            Some(v) => Cow::Owned(resolve_affinity(package, v)),
            None => Cow::Borrowed(package),
        };
        if affinity == package {
            if launcher && c.exported {
                out.launcher_default_affinity
                    .push((&c.name, json!({"name": c.name, "task_affinity": affinity})));
            }
            continue;
        }
        let foreign = is_foreign_affinity(package, &affinity);
        // StrandHogg (v1): an activity that declares another app's task as its affinity and
        // starts in a new task (singleTask / singleInstance / singleInstancePerTask) lands on
        // top of that app's task. `allowTaskReparenting` is the other route, but the report does
        // not carry it yet.
        if foreign
            && matches!(
                base.launch_mode,
                Some(
                    LaunchMode::SingleTask
                        | LaunchMode::SingleInstance
                        | LaunchMode::SingleInstancePerTask
                )
            )
        {
            out.strandhogg = true;
        }
        out.custom_affinity.push((
            &c.name,
            json!({
                "name": c.name,
                "task_affinity": affinity,
                "launch_mode": launch_mode_str(base.launch_mode),
                "foreign": foreign,
                "exported": c.exported,
            }),
        ));
    }
    for c in &comps.services {
        let perm = own_or(c.permission.as_ref(), app_perm);
        exported(
            &mut out,
            Kind::Service,
            c,
            perm,
            false,
            perm.is_some(),
            None,
        );
    }
    for c in &comps.receivers {
        let perm = own_or(c.permission.as_ref(), app_perm);
        exported(
            &mut out,
            Kind::Receiver,
            c,
            perm,
            false,
            perm.is_some(),
            None,
        );
        high_priority(&mut out, Kind::Receiver, c);
    }
    for c in &comps.providers {
        let perm = own_or(c.permission.as_ref(), app_perm);
        let read = own_or(
            c.read_permission.as_ref().or(c.permission.as_ref()),
            app_perm,
        );
        let write = own_or(
            c.write_permission.as_ref().or(c.permission.as_ref()),
            app_perm,
        );
        let protected = read.is_some() || write.is_some();
        exported(
            &mut out,
            Kind::Provider,
            c,
            perm,
            false,
            protected,
            Some((read, write)),
        );
        if c.grant_uri_permissions || !c.grant_uri_permission_paths.is_empty() {
            out.grant_uri
                .push((&c.name, json!({"name": c.name, "exported": c.exported})));
        }
        if c.exported && !protected {
            for pp in &c.path_permissions {
                let r = nonempty(pp.read_permission.as_deref().or(pp.permission.as_deref()));
                let w = nonempty(pp.write_permission.as_deref().or(pp.permission.as_deref()));
                if r.is_some() && w.is_some() {
                    continue;
                }
                let (path, kind) = match (&pp.path, &pp.path_prefix, &pp.path_pattern) {
                    (Some(p), _, _) => (p.as_str(), "path"),
                    (None, Some(p), _) => (p.as_str(), "prefix"),
                    (None, None, Some(p)) => (p.as_str(), "pattern"),
                    (None, None, None) => ("", "none"),
                };
                out.weak_paths.push((
                    &c.name,
                    json!({
                        "name": c.name,
                        "path": path,
                        "match": kind,
                        "read_permission": r.unwrap_or(""),
                        "write_permission": w.unwrap_or(""),
                    }),
                ));
            }
        }
    }

    fn by_kind(mut v: Vec<(Kind, &str, Value)>) -> Value {
        v.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        Value::Array(v.into_iter().map(|(_, _, x)| x).collect())
    }
    fn by_name(mut v: Vec<(&str, Value)>) -> Value {
        v.sort_by(|a, b| a.0.cmp(b.0));
        Value::Array(v.into_iter().map(|(_, x)| x).collect())
    }
    m.insert("components.exported".into(), by_kind(out.exported));
    m.insert(
        "components.exported_unprotected".into(),
        by_kind(out.unprotected),
    );
    m.insert(
        "providers.grant_uri_permissions".into(),
        by_name(out.grant_uri),
    );
    m.insert(
        "providers.weak_path_permissions".into(),
        by_name(out.weak_paths),
    );
    m.insert("tasks.custom_affinity".into(), by_name(out.custom_affinity));
    m.insert(
        "tasks.launcher_default_affinity".into(),
        by_name(out.launcher_default_affinity),
    );
    m.insert("tasks.strandhogg".into(), out.strandhogg.into());
    m.insert(
        "intent_filters.high_priority".into(),
        by_kind(out.high_priority),
    );
    m.insert(
        "deeplinks.unverified".into(),
        Value::Array(
            out.deeplinks
                .into_iter()
                .map(|(name, scheme, host)| json!({"name": name, "scheme": scheme, "host": host}))
                .collect(),
        ),
    );
}
