//! Code facts read against the manifest: what a declared component's code does with what it is
//! given. The manifest says who can reach a component; the code says whether it checks.
//!
//! | key | meaning |
//! | --- | --- |
//! | `receivers.unchecked_action` | `{name, actions}`: exported receivers without a permission whose filter lists platform actions (`android.*`, which Android lets only the system send when protected) and whose `onReceive` never reads the action nor matches a filter — any app can trigger them with an explicit Intent. Receivers whose `onReceive` hands the Intent to app code are not judged |
//! | `providers.uncovered_uri_paths` | `{name, authority, path}`: an exported provider without provider-level read protection that relies on `<path-permission>`, and a URI its `UriMatcher` answers (constant `addURI` for one of its authorities) that no read-protecting path-permission matches |

use medshield_apk::{ApkReport, PathPermission};
use serde_json::{json, Map, Value};

use crate::CallFacts;

/// Longest pattern or path compared (real ones are tens of characters).
const MAX_MATCH_LEN: usize = 1_024;

fn nonempty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// A permission written on the component wins even when empty; unwritten inherits.
fn own_or<'a>(own: Option<&'a String>, inherited: Option<&'a str>) -> Option<&'a str> {
    match own {
        Some(s) => nonempty(Some(s)),
        None => inherited,
    }
}

/// `com.example.Boot` → `Lcom/example/Boot;`.
fn descriptor(class_name: &str) -> String {
    format!("L{};", class_name.replace('.', "/"))
}

/// Android's `PatternMatcher` `PATTERN_SIMPLE_GLOB`: `.` is any character, `c*` zero or more of
/// `c` (`.*` anything), `\` escapes the next character.
fn simple_glob(pattern: &str, text: &str) -> bool {
    // (character or None for `.`, starred)
    let mut tokens: Vec<(Option<char>, bool)> = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        let token = match c {
            '\\' => Some(chars.next().unwrap_or('\\')),
            '.' => None,
            c => Some(c),
        };
        let starred = chars.peek() == Some(&'*');
        if starred {
            chars.next();
        }
        tokens.push((token, starred));
    }
    let text: Vec<char> = text.chars().collect();
    // can[j]: the tokens so far can consume exactly text[..j].
    let mut can = vec![false; text.len() + 1];
    can[0] = true;
    for (token, starred) in tokens {
        let fits = |c: char| token.is_none_or(|t| t == c);
        let mut next = vec![false; text.len() + 1];
        for j in 0..=text.len() {
            if starred {
                next[j] = can[j] || (j > 0 && next[j - 1] && fits(text[j - 1]));
            } else if j > 0 {
                next[j] = can[j - 1] && fits(text[j - 1]);
            }
        }
        can = next;
    }
    can[text.len()]
}

/// Whether a `<path-permission>` that guards reads applies to a URI path.
fn guards_read(pp: &PathPermission, path: &str) -> bool {
    if nonempty(pp.read_permission.as_deref().or(pp.permission.as_deref())).is_none() {
        return false;
    }
    if let Some(p) = &pp.path {
        return p == path;
    }
    if let Some(p) = &pp.path_prefix {
        return path.starts_with(p.as_str());
    }
    if let Some(p) = &pp.path_pattern {
        // A pattern too long to compare cheaply is given the benefit of the doubt.
        return p.len() > MAX_MATCH_LEN || path.len() > MAX_MATCH_LEN || simple_glob(p, path);
    }
    false
}

/// The path of a URI `UriMatcher.addURI(authority, path)` answers, with its wildcards (`#` a
/// number, `*` any text in one segment) given sample values. `UriMatcher` drops one leading `/`.
fn served_path(add_uri_path: &str) -> String {
    let path = add_uri_path.strip_prefix('/').unwrap_or(add_uri_path);
    let sample: Vec<&str> = path
        .split('/')
        .map(|seg| match seg {
            "#" => "1",
            "*" => "x",
            s => s,
        })
        .collect();
    format!("/{}", sample.join("/"))
}

/// The indicators that need both the manifest and the code facts.
pub fn component_indicators(facts: &CallFacts, report: &ApkReport) -> Map<String, Value> {
    let mut m = Map::new();
    let app_perm = nonempty(report.application.permission.as_deref());
    let comps = &report.components;

    let mut unchecked = Vec::new();
    for c in &comps.receivers {
        if !c.exported || own_or(c.permission.as_ref(), app_perm).is_some() {
            continue;
        }
        let mut actions: Vec<&str> = c
            .intent_filters
            .iter()
            .flat_map(|f| &f.actions)
            .map(String::as_str)
            .filter(|a| a.starts_with("android."))
            .collect();
        if actions.is_empty() {
            continue;
        }
        actions.sort_unstable();
        actions.dedup();
        let class = descriptor(&c.name);
        let Some(code) = facts.receivers.iter().find(|r| r.class == class) else {
            continue;
        };
        if !code.checks_action && !code.passes_intent_on {
            unchecked.push(json!({ "name": c.name, "actions": actions }));
        }
    }
    m.insert("receivers.unchecked_action".into(), Value::Array(unchecked));

    let mut uncovered = Vec::new();
    for c in &comps.providers {
        let read = own_or(
            c.read_permission.as_ref().or(c.permission.as_ref()),
            app_perm,
        );
        if !c.exported || read.is_some() || c.path_permissions.is_empty() {
            continue;
        }
        for u in &facts.uri_patterns {
            if !c.authorities.iter().any(|a| a == &u.authority) {
                continue;
            }
            let path = served_path(&u.path);
            if !c.path_permissions.iter().any(|pp| guards_read(pp, &path)) {
                uncovered.push(json!({
                    "name": c.name,
                    "authority": u.authority,
                    "path": path,
                }));
            }
        }
    }
    m.insert(
        "providers.uncovered_uri_paths".into(),
        Value::Array(uncovered),
    );
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_as_android_matches_them() {
        assert!(simple_glob("/user/.*", "/user/ssn"));
        assert!(simple_glob("/a*b", "/aaab") && simple_glob("/a*b", "/b"));
        assert!(!simple_glob("/user/.*", "/users"));
        assert!(simple_glob("/x\\.y", "/x.y") && !simple_glob("/x\\.y", "/xzy"));
        assert!(simple_glob(".*", ""));
    }

    #[test]
    fn served_paths_and_path_permissions() {
        assert_eq!(served_path("/user/ssn"), "/user/ssn");
        assert_eq!(served_path("user/#"), "/user/1");
        let pp = |path: Option<&str>, prefix: Option<&str>, read: Option<&str>| PathPermission {
            path: path.map(str::to_owned),
            path_prefix: prefix.map(str::to_owned),
            path_pattern: None,
            permission: None,
            read_permission: read.map(str::to_owned),
            write_permission: None,
        };
        // An exact path guards only itself: `/user` leaves `/user/ssn` open.
        assert!(!guards_read(
            &pp(Some("/user"), None, Some("p")),
            "/user/ssn"
        ));
        assert!(guards_read(
            &pp(None, Some("/user"), Some("p")),
            "/user/ssn"
        ));
        assert!(!guards_read(&pp(None, Some("/user"), None), "/user/ssn"));
    }
}
