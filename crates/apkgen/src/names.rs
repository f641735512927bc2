//! Spec validation and the name rules Android and the dex format impose.

use crate::{AppSpec, ComponentSpec, GenError, MAX_ITEMS, MAX_STRING_CHARS};

fn invalid(msg: impl Into<String>) -> GenError {
    GenError::InvalidSpec(msg.into())
}

/// Android's package-name rule (PackageParser.validateName): at least two dot-separated segments,
/// each an ASCII letter followed by letters, digits or `_`.
fn valid_package(name: &str) -> bool {
    let mut segments = 0;
    for seg in name.split('.') {
        let mut chars = seg.chars();
        match chars.next() {
            Some(c) if c.is_ascii_alphabetic() => {}
            _ => return false,
        }
        if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return false;
        }
        segments += 1;
    }
    segments >= 2
}

/// A Java identifier good enough for class names in a dex (no characters the descriptor syntax
/// reserves, not starting with a digit).
fn valid_identifier(seg: &str) -> bool {
    let mut chars = seg.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' || c == '$' => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// The fully qualified class name of a component (`.Main` → `pkg.Main`, `Main` → `pkg.Main`).
pub fn qualify(package: &str, name: &str) -> String {
    if let Some(rest) = name.strip_prefix('.') {
        format!("{package}.{rest}")
    } else if name.contains('.') {
        name.to_owned()
    } else {
        format!("{package}.{name}")
    }
}

/// `a.b.C` → `La/b/C;`.
pub fn descriptor_of(class: &str) -> String {
    format!("L{};", class.replace('.', "/"))
}

fn check_class_name(qualified: &str) -> Result<(), GenError> {
    if qualified.split('.').all(valid_identifier) {
        Ok(())
    } else {
        Err(invalid(format!("`{qualified}` is not a valid class name")))
    }
}

fn check_string(what: &str, s: &str) -> Result<(), GenError> {
    if s.chars().count() > MAX_STRING_CHARS {
        return Err(GenError::TooLarge(format!(
            "{what} longer than {MAX_STRING_CHARS} characters"
        )));
    }
    Ok(())
}

fn check_count(what: &str, n: usize) -> Result<(), GenError> {
    if n > MAX_ITEMS {
        return Err(GenError::TooLarge(format!(
            "{n} {what} (at most {MAX_ITEMS})"
        )));
    }
    Ok(())
}

fn check_component(spec: &AppSpec, kind: &str, c: &ComponentSpec) -> Result<(), GenError> {
    check_string("component name", &c.name)?;
    check_class_name(&qualify(&spec.package, &c.name))?;
    if let Some(p) = &c.permission {
        check_string("permission", p)?;
    }
    if spec.target_sdk >= 31 && !c.intent_filters.is_empty() && c.exported.is_none() {
        // Android 12 refuses to install such a package.
        return Err(invalid(format!(
            "{kind} `{}` has intent filters but no explicit android:exported (required from targetSdk 31)",
            c.name
        )));
    }
    check_count("intent filters", c.intent_filters.len())?;
    for f in &c.intent_filters {
        for s in f
            .actions
            .iter()
            .chain(&f.categories)
            .chain(&f.schemes)
            .chain(&f.hosts)
        {
            check_string("intent filter value", s)?;
        }
        check_count(
            "intent filter values",
            f.actions.len() + f.categories.len() + f.schemes.len() + f.hosts.len(),
        )?;
    }
    match (&c.authorities, kind) {
        (None, "provider") => Err(invalid(format!("provider `{}` has no authorities", c.name))),
        (Some(a), "provider") if a.is_empty() => Err(invalid(format!(
            "provider `{}` has empty authorities",
            c.name
        ))),
        (Some(a), _) => check_string("authorities", a),
        (None, _) => Ok(()),
    }
}

/// Rejects what Android would reject or what the formats cannot hold.
pub fn validate(spec: &AppSpec) -> Result<(), GenError> {
    if !valid_package(&spec.package) {
        return Err(invalid(format!(
            "`{}` is not a valid package name",
            spec.package
        )));
    }
    check_string("package", &spec.package)?;
    check_string("version name", &spec.version_name)?;
    check_string("label", &spec.label)?;
    if let Some(zh) = &spec.label_zh {
        check_string("zh label", zh)?;
    }
    if spec.min_sdk < 24 {
        return Err(invalid(format!(
            "min_sdk {} < 24: only v2 signatures are written, which Android checks from API 24",
            spec.min_sdk
        )));
    }
    if spec.target_sdk < spec.min_sdk {
        return Err(invalid(format!(
            "target_sdk {} below min_sdk {}",
            spec.target_sdk, spec.min_sdk
        )));
    }
    if spec.target_sdk > 10_000 || spec.version_code > i32::MAX as u32 {
        return Err(invalid("target_sdk or version_code out of range"));
    }
    check_count("permissions", spec.permissions.len())?;
    let mut requested = std::collections::HashSet::new();
    for p in &spec.permissions {
        if p.is_empty() {
            return Err(invalid("empty permission name"));
        }
        check_string("permission", p)?;
        // Android merges duplicates; a spec that lists one twice is a mistake worth reporting.
        if !requested.insert(p) {
            return Err(invalid(format!("permission `{p}` requested twice")));
        }
    }
    let total =
        spec.activities.len() + spec.services.len() + spec.receivers.len() + spec.providers.len();
    check_count("components", total)?;
    let mut seen = std::collections::HashSet::new();
    for (kind, list) in [
        ("activity", &spec.activities),
        ("service", &spec.services),
        ("receiver", &spec.receivers),
        ("provider", &spec.providers),
    ] {
        for c in list {
            check_component(spec, kind, c)?;
            if !seen.insert(qualify(&spec.package, &c.name)) {
                return Err(invalid(format!("component `{}` declared twice", c.name)));
            }
        }
    }
    check_count("dex strings", spec.dex_strings.len())?;
    for s in &spec.dex_strings {
        check_string("dex string", s)?;
    }
    check_count("dex calls", spec.dex_calls.len())?;
    for c in &spec.dex_calls {
        check_string("call class", &c.class)?;
        check_string("call name", &c.name)?;
        check_string("call descriptor", &c.descriptor)?;
        if let Some(a) = &c.string_arg {
            check_string("call argument", a)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_rule() {
        assert!(valid_package("cn.medshield.demo"));
        assert!(!valid_package("single"));
        assert!(!valid_package("cn..x"));
        assert!(!valid_package("cn.1x"));
        assert!(!valid_package("cn.x-y"));
    }

    #[test]
    fn qualification() {
        assert_eq!(qualify("a.b", ".Main"), "a.b.Main");
        assert_eq!(qualify("a.b", "Main"), "a.b.Main");
        assert_eq!(qualify("a.b", "x.y.Main"), "x.y.Main");
        assert_eq!(descriptor_of("a.b.Main"), "La/b/Main;");
    }
}
