//! Compares the typed manifest and label resolution with `aapt dump badging` / `aapt dump xmltree`
//! over every fixture APK aapt accepts.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use medshield_arsc::ResourceTable;
use medshield_axml::manifest::{ComponentKind, Manifest, StringOrRef};
use medshield_axml::XmlDocument;

fn unzip(apk: &Path, name: &str) -> Option<Vec<u8>> {
    if let Ok(bytes) = std::fs::read(apk) {
        if let Ok(archive) = medshield_zip::Archive::parse(&bytes) {
            if let Some(e) = archive.entry(name) {
                if let Ok(data) = archive.read(e) {
                    return Some(data.into_owned());
                }
            }
        }
    }
    let out = Command::new("unzip")
        .arg("-p")
        .arg(apk)
        .arg(name)
        .output()
        .ok()?;
    (out.status.success() && !out.stdout.is_empty()).then_some(out.stdout)
}

fn aapt(args: &[&str], apk: &Path) -> Option<String> {
    let out = Command::new("aapt")
        .args(args)
        .arg(apk)
        .args(if args[1] == "xmltree" {
            vec!["AndroidManifest.xml"]
        } else {
            vec![]
        })
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `ResTable::normalizeForOutput` (C string: stops at NUL).
fn normalize(s: &str) -> String {
    let s = s.split('\0').next().unwrap_or("");
    s.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('"', "\\\"")
}

/// Value of `key='...'` in an aapt line.
fn field(line: &str, key: &str) -> Option<String> {
    let pat = format!("{key}='");
    let start = line.find(&pat)? + pat.len();
    let rest = &line[start..];
    // Values end at "' " followed by a known key, or at the final quote.
    let mut end = rest.rfind('\'')?;
    for next in [
        " versionCode='",
        " versionName='",
        " platformBuildVersionName='",
        " maxSdkVersion='",
        " compileSdkVersion='",
        " icon='",
        " banner='",
        " reason='",
    ] {
        if let Some(i) = rest.find(&format!("'{next}")) {
            end = end.min(i);
        }
    }
    Some(rest[..end].to_owned())
}

fn quoted(line: &str) -> String {
    let start = line.find(":'").map(|i| i + 2).unwrap_or(line.len());
    let end = line.rfind('\'').unwrap_or(line.len()).max(start);
    line[start..end].to_owned()
}

#[derive(Default)]
struct Tally {
    apks: usize,
    agree: [usize; 10],
    total: [usize; 10],
    problems: Vec<String>,
}

const NAMES: [&str; 10] = [
    "package",
    "versionCode",
    "versionName",
    "sdkVersion",
    "targetSdkVersion",
    "uses-permission",
    "application-label",
    "application-label-<locale>",
    "exported (xmltree)",
    "application: label=",
];

impl Tally {
    fn check(&mut self, i: usize, apk: &Path, ours: &str, theirs: &str) {
        self.total[i] += 1;
        if ours == theirs {
            self.agree[i] += 1;
        } else {
            self.problems.push(format!(
                "{}: {}: ours {ours:?} aapt {theirs:?}",
                apk.display(),
                NAMES[i]
            ));
        }
    }
}

fn resolve_label(
    label: &Option<StringOrRef>,
    table: Option<&ResourceTable>,
    locale: &str,
) -> Option<String> {
    match label.as_ref()? {
        StringOrRef::Literal(s) => Some(s.clone()),
        StringOrRef::Reference(r) => table?.string_for_locale(*r, locale),
    }
}

#[test]
fn manifest_and_labels_agree_with_aapt() {
    let Some(root) = medshield_fixtures::apks_root("manifest_and_labels_agree_with_aapt") else {
        return;
    };
    if !medshield_fixtures::oracle_available("aapt", "manifest_and_labels_agree_with_aapt") {
        return;
    }
    let mut t = Tally::default();
    for apk in medshield_fixtures::files_with_extension(&root, &[".apk"]) {
        let Some(badging) = aapt(&["dump", "badging"], &apk) else {
            continue;
        };
        t.apks += 1;
        let Some(xml) = unzip(&apk, "AndroidManifest.xml") else {
            t.problems
                .push(format!("{}: no manifest extracted", apk.display()));
            continue;
        };
        let doc = match XmlDocument::parse(&xml) {
            Ok(d) => d,
            Err(e) => {
                t.problems
                    .push(format!("{}: parse error {e}", apk.display()));
                continue;
            }
        };
        let m = match Manifest::from_document(&doc) {
            Ok(m) => m,
            Err(e) => {
                t.problems
                    .push(format!("{}: manifest error {e}", apk.display()));
                continue;
            }
        };
        let arsc = unzip(&apk, "resources.arsc");
        let table = arsc.as_deref().and_then(|b| ResourceTable::parse(b).ok());
        let mut aapt_perms = BTreeSet::new();
        let mut implied = BTreeSet::new();
        let mut labels = Vec::new();
        for line in badging.lines() {
            if line.starts_with("package:") {
                t.check(
                    0,
                    &apk,
                    &m.package,
                    &field(line, "name").unwrap_or_default(),
                );
                let vc = m
                    .version_code
                    .map(|v| v as u32 as i32)
                    .filter(|&v| v > 0)
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                t.check(
                    1,
                    &apk,
                    &vc,
                    &field(line, "versionCode").unwrap_or_default(),
                );
                let vn = match &m.version_name {
                    Some(StringOrRef::Literal(s)) => s.clone(),
                    Some(StringOrRef::Reference(r)) => table
                        .as_ref()
                        .and_then(|tb| tb.string_for_locale(*r, "en-US"))
                        .unwrap_or_default(),
                    None => String::new(),
                };
                t.check(
                    2,
                    &apk,
                    &normalize(&vn),
                    &field(line, "versionName").unwrap_or_default(),
                );
            } else if line.starts_with("sdkVersion:") {
                let ours = m
                    .min_sdk
                    .codename
                    .clone()
                    .unwrap_or_else(|| m.min_sdk.level.to_string());
                t.check(3, &apk, &ours, &quoted(line));
            } else if line.starts_with("targetSdkVersion:") {
                let ours = m
                    .target_sdk
                    .codename
                    .clone()
                    .unwrap_or_else(|| m.target_sdk.level.to_string());
                t.check(4, &apk, &ours, &quoted(line));
            } else if line.starts_with("uses-permission:")
                || line.starts_with("uses-permission-sdk-23:")
            {
                let tag = line.split(':').next().unwrap_or_default().to_owned();
                aapt_perms.insert((
                    tag,
                    field(line, "name").unwrap_or_default(),
                    field(line, "maxSdkVersion"),
                ));
            } else if line.starts_with("uses-implied-permission:") {
                implied.insert(field(line, "name").unwrap_or_default());
            } else if line.starts_with("application: label=") {
                let theirs = field(line, "label").unwrap_or_default();
                let ours = match m.application.as_ref().and_then(|a| a.label.clone()) {
                    Some(StringOrRef::Literal(s)) => s,
                    Some(StringOrRef::Reference(r)) => table
                        .as_ref()
                        .and_then(|tb| tb.any_string(r))
                        .unwrap_or_default(),
                    None => String::new(),
                };
                t.check(9, &apk, &normalize(&ours), &theirs);
            } else if line.starts_with("application-label") {
                let locale = line
                    .split(':')
                    .next()
                    .unwrap_or_default()
                    .trim_start_matches("application-label")
                    .trim_start_matches('-')
                    .to_owned();
                labels.push((locale, quoted(line)));
            }
        }
        let ours: BTreeSet<_> = m
            .uses_permissions
            .iter()
            .map(|p| {
                let tag = if p.tag == "uses-permission" {
                    "uses-permission"
                } else {
                    "uses-permission-sdk-23"
                };
                (
                    tag.to_owned(),
                    p.name.clone(),
                    p.max_sdk_version.map(|v| v.to_string()),
                )
            })
            .collect();
        let ours_names: BTreeSet<_> = ours.iter().map(|p| p.1.clone()).collect();
        let aapt_explicit: BTreeSet<_> = aapt_perms
            .into_iter()
            .filter(|p| !implied.contains(&p.1) || ours_names.contains(&p.1))
            .collect();
        t.check(5, &apk, &format!("{ours:?}"), &format!("{aapt_explicit:?}"));
        let label = m.application.as_ref().and_then(|a| a.label.clone());
        let mut aapt_locales = BTreeSet::new();
        for (locale, theirs) in &labels {
            aapt_locales.insert(locale.clone());
            let ours = resolve_label(&label, table.as_ref(), locale)
                .map(|s| normalize(&s))
                .unwrap_or_default();
            t.check(if locale.is_empty() { 6 } else { 7 }, &apk, &ours, theirs);
        }
        // Locales where we find a label but aapt printed none.
        if let Some(tb) = table.as_ref() {
            for l in tb.locales() {
                if !aapt_locales.contains(&l) {
                    if let Some(s) = resolve_label(&label, Some(tb), &l).filter(|s| !s.is_empty()) {
                        t.check(if l.is_empty() { 6 } else { 7 }, &apk, &s, "<no line>");
                    }
                }
            }
        } else if let Some(StringOrRef::Literal(s)) = &label {
            if !aapt_locales.contains("") && !s.is_empty() {
                t.check(6, &apk, s, "<no line>");
            }
        }
        // Explicit exported flags vs the xmltree dump, in component order.
        if let Some(tree) = aapt(&["dump", "xmltree"], &apk) {
            let mut theirs: Vec<Option<bool>> = Vec::new();
            let mut in_comp: Option<usize> = None;
            let mut stack: Vec<(usize, String)> = Vec::new();
            let mut app_seen = 0;
            for line in tree.lines() {
                let depth = line.len() - line.trim_start().len();
                let l = line.trim_start();
                if let Some(rest) = l.strip_prefix("E: ") {
                    let name = rest.split(' ').next().unwrap_or_default();
                    in_comp = None;
                    while stack.last().is_some_and(|(d, _)| *d >= depth) {
                        stack.pop();
                    }
                    let parents: Vec<&str> = stack.iter().map(|(_, n)| n.as_str()).collect();
                    if parents == ["manifest"] && name == "application" {
                        app_seen += 1;
                    }
                    // Components are children of the first <application> under <manifest>.
                    let is_comp = parents == ["manifest", "application"] && app_seen == 1;
                    stack.push((depth, name.to_owned()));
                    if is_comp
                        && matches!(
                            name,
                            "activity" | "activity-alias" | "service" | "receiver" | "provider"
                        )
                    {
                        theirs.push(None);
                        in_comp = Some(theirs.len() - 1);
                    }
                } else if let (Some(i), true) =
                    (in_comp, l.starts_with("A: android:exported(0x01010010)="))
                {
                    theirs[i] = Some(l.ends_with("0xffffffff") || l.ends_with("=true"));
                }
            }
            let ours: Vec<Option<bool>> = m
                .application
                .iter()
                .flat_map(|a| a.components.iter())
                .map(|c| c.exported.explicit.then_some(c.exported.value))
                .collect();
            let _ = ComponentKind::Activity;
            t.check(8, &apk, &format!("{ours:?}"), &format!("{theirs:?}"));
        }
    }
    eprintln!("aapt accepted {} APKs", t.apks);
    for (i, name) in NAMES.iter().enumerate() {
        eprintln!("{name:28} {}/{} agree", t.agree[i], t.total[i]);
    }
    for p in &t.problems {
        eprintln!("DISAGREE {p}");
    }
    assert!(
        t.apks >= 300,
        "expected most fixture APKs to be accepted by aapt"
    );
    assert!(
        t.problems.is_empty(),
        "{} disagreement(s) with aapt",
        t.problems.len()
    );
}
