//! The national necessary-personal-information scope, as data, and the over-collection helper.
//!
//! 《常见类型移动互联网应用程序必要个人信息范围规定》(2021) sets, per app category, the personal
//! information an app may require for its basic service. For 问诊挂号类 (online consultation and
//! appointment) apps it is user-supplied (phone number, patient identity, the appointment, the
//! description of the illness): no device permission is necessary for the basic service. The
//! scope file lists the Android permissions that give access to personal information and those
//! the basic service may need; [`NecessaryScope::beyond_scope`] lists the requested ones outside it.
//! The pack derives the indicators `privacy.beyond_scope` and `privacy.beyond_scope_sensitive`
//! from `permissions.requested` (unless the producer supplied them) so rules can judge them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Problem;
use crate::rule::Text;

/// Derived indicator: requested personal-information permissions beyond the scope.
pub const BEYOND_SCOPE: &str = "privacy.beyond_scope";
/// Derived indicator: the subset of [`BEYOND_SCOPE`] marked highly sensitive.
pub const BEYOND_SCOPE_SENSITIVE: &str = "privacy.beyond_scope_sensitive";
/// Derived indicator: the scope's id, so reports can say which scope judged the app.
pub const SCOPE_ID: &str = "privacy.scope";

/// One Android permission that gives access to personal information.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalPermission {
    pub name: String,
    /// The kind of personal information it reaches (`location`, `contacts`, ...).
    pub data: String,
    /// Highly sensitive personal information in the sense of GB/T 35273-2020 (e.g. SMS, call log,
    /// precise location).
    #[serde(default)]
    pub sensitive: bool,
}

/// `necessary-scope.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NecessaryScope {
    pub id: String,
    pub regulation: String,
    pub category: Text,
    pub basic_service: Text,
    /// The necessary personal information, as the regulation lists it.
    pub necessary_information: Vec<Text>,
    /// Personal-information permissions the basic service may need (empty for 问诊挂号类).
    #[serde(default)]
    pub allowed_permissions: Vec<String>,
    pub personal_permissions: Vec<PersonalPermission>,
}

impl Default for NecessaryScope {
    /// An empty scope: nothing is judged beyond it (used when a pack ships no scope file).
    fn default() -> Self {
        NecessaryScope {
            id: "none".into(),
            regulation: String::new(),
            category: Text::default(),
            basic_service: Text::default(),
            necessary_information: Vec::new(),
            allowed_permissions: Vec::new(),
            personal_permissions: Vec::new(),
        }
    }
}

impl NecessaryScope {
    pub(crate) fn parse(file: &str, text: &str) -> Result<NecessaryScope, Problem> {
        let s: NecessaryScope = toml::from_str(text).map_err(|e| Problem::toml(file, &e))?;
        let mut seen = BTreeMap::new();
        for (i, p) in s.personal_permissions.iter().enumerate() {
            if p.name.trim().is_empty() {
                return Err(Problem::field(
                    file,
                    &format!("personal_permissions[{i}].name"),
                    "must not be empty".into(),
                ));
            }
            if seen.insert(p.name.as_str(), i).is_some() {
                return Err(Problem::field(
                    file,
                    &format!("personal_permissions[{i}].name"),
                    format!("`{}` is listed twice", p.name),
                ));
            }
        }
        Ok(s)
    }

    /// The requested permissions that reach personal information and are not allowed for the
    /// basic service, in the order requested, without duplicates.
    pub fn beyond_scope<'a, I>(&self, requested: I) -> Vec<&PersonalPermission>
    where
        I: IntoIterator<Item = &'a str>,
    {
        let mut out: Vec<&PersonalPermission> = Vec::new();
        for name in requested {
            if self.allowed_permissions.iter().any(|a| a == name) {
                continue;
            }
            if let Some(p) = self.personal_permissions.iter().find(|p| p.name == name) {
                if !out.iter().any(|o| o.name == p.name) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// The derived privacy indicators for `indicators` (empty when `permissions.requested` is
    /// absent, or when the producer already supplied `privacy.beyond_scope`).
    pub fn derive(&self, indicators: &Map<String, Value>) -> Map<String, Value> {
        let mut out = Map::new();
        if indicators.contains_key(BEYOND_SCOPE) {
            return out;
        }
        let Some(Value::Array(requested)) = indicators.get("permissions.requested") else {
            return out;
        };
        let beyond = self.beyond_scope(requested.iter().filter_map(Value::as_str));
        out.insert(
            BEYOND_SCOPE.into(),
            Value::Array(
                beyond
                    .iter()
                    .map(|p| Value::String(p.name.clone()))
                    .collect(),
            ),
        );
        out.insert(
            BEYOND_SCOPE_SENSITIVE.into(),
            Value::Array(
                beyond
                    .iter()
                    .filter(|p| p.sensitive)
                    .map(|p| Value::String(p.name.clone()))
                    .collect(),
            ),
        );
        out.insert(SCOPE_ID.into(), Value::String(self.id.clone()));
        out
    }
}
