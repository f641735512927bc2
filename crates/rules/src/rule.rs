//! Rule files as written by people: the TOML shape, parsed and validated into [`RuleSpec`].

use serde::{Deserialize, Serialize};

use crate::error::Problem;

/// A text in both languages the project ships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// Output language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

/// How bad a weakness is when it is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

/// How sure a static indicator makes us that the weakness is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub const ALL: [Confidence; 3] = [Confidence::High, Confidence::Medium, Confidence::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

/// A clause (or, where no clause number is certain, a topic) of a national standard or regulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NationalRef {
    pub standard: String,
    pub clause: String,
}

/// What a test case expects from the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// The condition evaluates to true.
    Fire,
    /// The condition evaluates to false.
    Ok,
    /// The rule cannot be evaluated (an indicator it needs is missing).
    NotEvaluated,
}

/// One test case of a rule: indicator values and the expected outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleCase {
    /// Short name for messages; defaults to the case's position.
    #[serde(default)]
    pub name: String,
    pub expect: Expect,
    /// Indicator values. Nested TOML tables are flattened into dotted keys, so
    /// `{ app.debuggable = true }` and `{ "app.debuggable" = true }` are the same.
    #[serde(default)]
    pub indicators: toml::Table,
    /// When given, the evidence the rule must cite for this case (JSON values).
    #[serde(default)]
    pub evidence: Option<Vec<toml::Value>>,
}

/// A rule exactly as its file states it, after validation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub title: Text,
    pub description: Text,
    pub remediation: Text,
    pub severity: Severity,
    pub confidence: Confidence,
    #[serde(default)]
    pub cwe: Vec<String>,
    #[serde(default)]
    pub masvs: Vec<String>,
    #[serde(default)]
    pub national: Vec<NationalRef>,
    pub risk_node: String,
    pub condition: String,
    #[serde(default)]
    pub evidence: Option<String>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub cases: Vec<RuleCase>,
}

/// MASVS v2 control groups (MASVS-<GROUP>-<n>).
const MASVS_GROUPS: &[&str] = &[
    "STORAGE",
    "CRYPTO",
    "AUTH",
    "NETWORK",
    "PLATFORM",
    "CODE",
    "RESILIENCE",
    "PRIVACY",
];

fn valid_id(id: &str) -> bool {
    // MS-<AREA>-<NNN>: upper-case ASCII area, three or more digits.
    let mut parts = id.split('-');
    matches!(parts.next(), Some("MS"))
        && parts
            .next()
            .is_some_and(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_uppercase()))
        && parts
            .next()
            .is_some_and(|n| n.len() >= 3 && n.bytes().all(|b| b.is_ascii_digit()))
        && parts.next().is_none()
}

fn valid_cwe(c: &str) -> bool {
    c.strip_prefix("CWE-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn valid_masvs(m: &str) -> bool {
    let Some(rest) = m.strip_prefix("MASVS-") else {
        return false;
    };
    let Some((group, n)) = rest.rsplit_once('-') else {
        return false;
    };
    MASVS_GROUPS.contains(&group) && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
}

/// Parses and validates one rule file. `file` is used in messages only; `file_stem` (the name
/// without `.toml`) must equal the rule id so a rule is always found under its own name.
pub(crate) fn parse_rule(
    file: &str,
    file_stem: &str,
    text: &str,
) -> Result<RuleSpec, Vec<Problem>> {
    let spec: RuleSpec = toml::from_str(text).map_err(|e| vec![Problem::toml(file, &e)])?;
    let mut problems = Vec::new();
    let mut bad =
        |field: &str, message: String| problems.push(Problem::field(file, field, message));
    if !valid_id(&spec.id) {
        bad(
            "id",
            format!(
                "`{}` is not of the form MS-<AREA>-<NNN> (e.g. MS-MANIFEST-001)",
                spec.id
            ),
        );
    } else if spec.id != file_stem {
        bad(
            "id",
            format!(
                "`{}` differs from the file name `{file_stem}.toml`",
                spec.id
            ),
        );
    }
    for (name, text) in [
        ("title", &spec.title),
        ("description", &spec.description),
        ("remediation", &spec.remediation),
    ] {
        if text.zh.trim().is_empty() {
            bad(&format!("{name}.zh"), "must not be empty".into());
        }
        if text.en.trim().is_empty() {
            bad(&format!("{name}.en"), "must not be empty".into());
        }
    }
    for c in &spec.cwe {
        if !valid_cwe(c) {
            bad("cwe", format!("`{c}` is not of the form CWE-<number>"));
        }
    }
    for m in &spec.masvs {
        if !valid_masvs(m) {
            bad(
                "masvs",
                format!("`{m}` is not a MASVS v2 control (MASVS-<GROUP>-<n>, GROUP one of {MASVS_GROUPS:?})"),
            );
        }
    }
    for (i, n) in spec.national.iter().enumerate() {
        if n.standard.trim().is_empty() || n.clause.trim().is_empty() {
            bad(
                &format!("national[{i}]"),
                "standard and clause must not be empty".into(),
            );
        }
    }
    if spec.condition.trim().is_empty() {
        bad("condition", "must not be empty".into());
    }
    let fire = spec
        .cases
        .iter()
        .filter(|c| c.expect == Expect::Fire)
        .count();
    let ok = spec.cases.iter().filter(|c| c.expect == Expect::Ok).count();
    if fire == 0 || ok == 0 {
        bad(
            "cases",
            format!("needs at least one case with expect = \"fire\" and one with expect = \"ok\" (has {fire} and {ok})"),
        );
    }
    if problems.is_empty() {
        Ok(spec)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_shapes() {
        assert!(valid_id("MS-MANIFEST-001"));
        assert!(valid_id("MS-NSC-0100"));
        assert!(!valid_id("MS-manifest-001"));
        assert!(!valid_id("MS-MANIFEST-01"));
        assert!(!valid_id("XX-MANIFEST-001"));
        assert!(!valid_id("MS-MANIFEST-001-2"));
    }

    #[test]
    fn masvs_and_cwe_shapes() {
        assert!(valid_masvs("MASVS-RESILIENCE-4"));
        assert!(valid_masvs("MASVS-NETWORK-1"));
        assert!(!valid_masvs("MASVS-NET-1"));
        assert!(!valid_masvs("MSTG-NETWORK-1"));
        assert!(valid_cwe("CWE-489"));
        assert!(!valid_cwe("CWE489"));
        assert!(!valid_cwe("CWE-"));
    }
}
