//! MedShield's rule library engine and risk model.
//!
//! Rules are data (`rules/<category>/<ID>.toml` in the repository, embedded in the binary at build
//! time): each states, as a Common Expression Language (CEL) condition over the *indicators* of an
//! app, when a weakness or compliance problem is present, with its severity, confidence, CWE,
//! OWASP MASVS v2 controls, national clauses and the risk-model leaf it feeds. This crate loads and
//! validates a pack (built-in, plus an optional user directory that adds or overrides rules by id),
//! compiles every expression once, evaluates a pack against one app's indicators into
//! [`Finding`]s and [`Diagnostic`]s, and scores findings with the weighted risk model
//! (`rules/risk-model.toml`) into a 0–100 score and an A/B/C grade with its full breakdown.
//!
//! It is not the analyzer: it depends only on the indicator *shape* (one flat JSON object with
//! dotted names, see `docs/rules/README.md`), never on how indicators are computed. It does no I/O
//! except reading a user rule directory when asked to.
//!
//! ```
//! use medshield_rules::RulePack;
//! let pack = RulePack::builtin().expect("built-in pack is valid");
//! let indicators = serde_json::json!({"app.debuggable": true});
//! let eval = pack.evaluate(indicators.as_object().expect("object"));
//! assert!(eval.findings.iter().any(|f| f.rule_id == "MS-MANIFEST-001"));
//! let score = pack.score(&eval.findings);
//! assert!(score.score < 80.0);
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod docs;
mod error;
mod pack;
mod risk;
mod rule;
mod scope;
mod value;

pub use error::{LoadError, Problem};
pub use pack::{
    CaseFailure, Diagnostic, Evaluation, Finding, Outcome, OverlayInfo, PackInfo, PackManifest,
    Rule, RuleOrigin, RulePack, MAX_EVIDENCE_ITEMS, MAX_EXPRESSION_BYTES, MAX_USER_DIR_DEPTH,
    MAX_USER_FILES, MAX_USER_FILE_BYTES, PACK_FILE, RISK_MODEL_FILE, SCOPE_FILE,
};
pub use risk::{
    round2, ConfidenceFactors, FindingImpact, Grade, NodeScore, NodeSpec, RiskModel, RiskScore,
    Scoring, SeverityFactors, ROOT_ID,
};
pub use rule::{Confidence, Expect, Lang, NationalRef, RuleCase, RuleSpec, Severity, Text};
pub use scope::{
    NecessaryScope, PersonalPermission, BEYOND_SCOPE, BEYOND_SCOPE_SENSITIVE, SCOPE_ID,
};
pub use value::{cel_to_json, json_to_cel};
