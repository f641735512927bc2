//! The risk model as data (`risk-model.toml`) and the 0–100 score with its A/B/C grade.
//!
//! Formula (documented with a worked example in docs/risk-model.md, checked by a test):
//! - a finding's impact `p = S[severity] × C[confidence]` (both in 0..=1);
//! - a leaf scores `100 × Π(1 − p)` over its findings (100 without findings);
//! - an inner node's aggregate is the weighted mean of its children's scores;
//! - every node's score is `min(aggregate, ceiling)` where `ceiling = 100 − K × max p` over the
//!   findings beneath it, so one severe finding cannot be averaged away by many clean leaves;
//! - the app score is the root's score rounded to 2 decimals; grade A ≥ 80, B in (60, 80), C ≤ 60.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::Problem;
use crate::pack::{is_semver, Finding};
use crate::rule::{Confidence, Severity, Text};

/// Id of the implicit root node (the app).
pub const ROOT_ID: &str = "app";
/// Bounds on a model so a user-supplied one cannot be absurd.
pub const MAX_NODES: usize = 2_000;
pub const MAX_DEPTH: usize = 8;

/// Severity multipliers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityFactors {
    pub critical: f64,
    pub high: f64,
    pub medium: f64,
    pub low: f64,
    pub info: f64,
}

/// Confidence multipliers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfidenceFactors {
    pub high: f64,
    pub medium: f64,
    pub low: f64,
}

/// The scoring constants (the `[scoring]` table).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    pub severity: SeverityFactors,
    pub confidence: ConfidenceFactors,
    /// K in `ceiling = 100 − K × p`.
    pub ceiling_factor: f64,
}

impl Scoring {
    pub fn severity_factor(&self, s: Severity) -> f64 {
        match s {
            Severity::Critical => self.severity.critical,
            Severity::High => self.severity.high,
            Severity::Medium => self.severity.medium,
            Severity::Low => self.severity.low,
            Severity::Info => self.severity.info,
        }
    }

    pub fn confidence_factor(&self, c: Confidence) -> f64 {
        match c {
            Confidence::High => self.confidence.high,
            Confidence::Medium => self.confidence.medium,
            Confidence::Low => self.confidence.low,
        }
    }

    /// A finding's impact `p`.
    pub fn impact(&self, s: Severity, c: Confidence) -> f64 {
        self.severity_factor(s) * self.confidence_factor(c)
    }
}

/// One node as written in the file. The parent is the id without its last `.segment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    pub id: String,
    pub weight: f64,
    pub title: Text,
    #[serde(default)]
    pub description: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    id: String,
    version: String,
    title: Text,
    scoring: Scoring,
    nodes: Vec<NodeSpec>,
}

/// The weighted tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskModel {
    pub id: String,
    pub version: String,
    pub title: Text,
    pub scoring: Scoring,
    /// Nodes in file order (parents before children).
    pub nodes: Vec<NodeSpec>,
    /// Child indexes per node id ("app" for the top-level categories).
    #[serde(skip)]
    children: BTreeMap<String, Vec<usize>>,
}

/// The A/B/C grade of the white paper §五(二)1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Grade {
    A,
    B,
    C,
}

impl Grade {
    /// A for 80–100, B above 60 and below 80, C for 60 and below (NaN is C).
    pub fn from_score(score: f64) -> Grade {
        if score >= 80.0 {
            Grade::A
        } else if score > 60.0 {
            Grade::B
        } else {
            Grade::C
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
        }
    }
}

/// How one finding moved a leaf.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingImpact {
    pub rule_id: String,
    pub severity: Severity,
    pub confidence: Confidence,
    /// `p = S × C`.
    pub impact: f64,
}

/// One node of the breakdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeScore {
    pub id: String,
    pub title: Text,
    /// The weight as written (the root has 1).
    pub weight: f64,
    /// The final score of this node, 0–100.
    pub score: f64,
    /// Leaves: `100 × Π(1 − p)`; inner nodes: the weighted mean of the children's scores.
    pub aggregate: f64,
    /// `100 − K × max p` over the findings beneath (100 without findings).
    pub ceiling: f64,
    /// The rule whose finding set the ceiling, when the ceiling is below the aggregate.
    pub capped_by: Option<String>,
    /// Findings attached to this leaf (empty for inner nodes: see the children).
    pub findings: Vec<FindingImpact>,
    pub children: Vec<NodeScore>,
}

/// The app's score with its breakdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskScore {
    /// Root score rounded to 2 decimals; lower is riskier.
    pub score: f64,
    pub grade: Grade,
    /// `id@version` of the model.
    pub model: String,
    pub breakdown: NodeScore,
}

fn valid_segment(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn in_unit(x: f64) -> bool {
    x.is_finite() && (0.0..=1.0).contains(&x)
}

/// Rounds to 2 decimals, the precision scores are shown and graded at.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl RiskModel {
    pub(crate) fn parse(file: &str, text: &str) -> Result<RiskModel, Vec<Problem>> {
        let f: ModelFile = toml::from_str(text).map_err(|e| vec![Problem::toml(file, &e)])?;
        let mut problems = Vec::new();
        let mut bad = |field: String, msg: String| problems.push(Problem::field(file, &field, msg));
        if !is_semver(&f.version) {
            bad(
                "version".into(),
                format!("`{}` is not a semantic version", f.version),
            );
        }
        let s = &f.scoring;
        for (name, v) in [
            ("critical", s.severity.critical),
            ("high", s.severity.high),
            ("medium", s.severity.medium),
            ("low", s.severity.low),
            ("info", s.severity.info),
        ] {
            if !in_unit(v) {
                bad(
                    format!("scoring.severity.{name}"),
                    format!("{v} is not in 0..=1"),
                );
            }
        }
        for (name, v) in [
            ("high", s.confidence.high),
            ("medium", s.confidence.medium),
            ("low", s.confidence.low),
        ] {
            if !in_unit(v) {
                bad(
                    format!("scoring.confidence.{name}"),
                    format!("{v} is not in 0..=1"),
                );
            }
        }
        if !(s.ceiling_factor.is_finite() && (0.0..=100.0).contains(&s.ceiling_factor)) {
            bad(
                "scoring.ceiling_factor".into(),
                format!("{} is not in 0..=100", s.ceiling_factor),
            );
        }
        if f.nodes.len() > MAX_NODES {
            bad("nodes".into(), format!("more than {MAX_NODES} nodes"));
        }
        let mut children: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, n) in f.nodes.iter().enumerate() {
            let field = format!("nodes[{i}]");
            let segs: Vec<&str> = n.id.split('.').collect();
            if !segs.iter().all(|s| valid_segment(s)) || n.id == ROOT_ID {
                bad(
                    format!("{field}.id"),
                    format!(
                        "`{}` must be dot-separated lower_snake segments, not `{ROOT_ID}`",
                        n.id
                    ),
                );
                continue;
            }
            if segs.len() > MAX_DEPTH {
                bad(
                    format!("{field}.id"),
                    format!("deeper than {MAX_DEPTH} levels"),
                );
            }
            if !(n.weight.is_finite() && n.weight > 0.0) {
                bad(
                    format!("{field}.weight"),
                    format!("{} must be a positive number", n.weight),
                );
            }
            if ids.insert(&n.id, i).is_some() {
                bad(
                    format!("{field}.id"),
                    format!("`{}` is defined twice", n.id),
                );
                continue;
            }
            let parent = match n.id.rsplit_once('.') {
                Some((p, _)) => {
                    if !ids.contains_key(p) {
                        bad(
                            format!("{field}.id"),
                            format!("parent `{p}` must be defined before `{}`", n.id),
                        );
                        continue;
                    }
                    p.to_owned()
                }
                None => ROOT_ID.to_owned(),
            };
            children.entry(parent).or_default().push(i);
        }
        if !children.contains_key(ROOT_ID) {
            bad("nodes".into(), "the model has no top-level category".into());
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(RiskModel {
            id: f.id,
            version: f.version,
            title: f.title,
            scoring: f.scoring,
            nodes: f.nodes,
            children,
        })
    }

    /// `id@version`.
    pub fn label(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }

    pub fn node(&self, id: &str) -> Option<&NodeSpec> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// True when `id` is a node without children (rules attach to leaves only).
    pub fn is_leaf(&self, id: &str) -> bool {
        self.node(id).is_some() && !self.children.contains_key(id)
    }

    pub fn leaves(&self) -> impl Iterator<Item = &str> {
        self.nodes
            .iter()
            .filter(|n| !self.children.contains_key(&n.id))
            .map(|n| n.id.as_str())
    }

    /// Scores findings. Findings whose `risk_node` is not a leaf of this model are ignored (a
    /// loaded pack never has them: rules are checked against the model at load time).
    pub fn score(&self, findings: &[Finding]) -> RiskScore {
        let root_title = self.title.clone();
        let breakdown = self.score_node(ROOT_ID, root_title, 1.0, findings, 0);
        let score = round2(breakdown.score);
        RiskScore {
            score,
            grade: Grade::from_score(score),
            model: self.label(),
            breakdown,
        }
    }

    fn score_node(
        &self,
        id: &str,
        title: Text,
        weight: f64,
        findings: &[Finding],
        depth: usize,
    ) -> NodeScore {
        let scoring = &self.scoring;
        let kids = self.children.get(id).filter(|_| depth <= MAX_DEPTH);
        let (aggregate, children, leaf_findings) = match kids {
            None => {
                let impacts: Vec<FindingImpact> = findings
                    .iter()
                    .filter(|f| f.risk_node == id)
                    .map(|f| FindingImpact {
                        rule_id: f.rule_id.clone(),
                        severity: f.severity,
                        confidence: f.confidence,
                        impact: scoring.impact(f.severity, f.confidence),
                    })
                    .collect();
                let agg = impacts.iter().fold(100.0, |acc, i| acc * (1.0 - i.impact));
                (agg, Vec::new(), impacts)
            }
            Some(idx) => {
                let children: Vec<NodeScore> = idx
                    .iter()
                    .filter_map(|&i| self.nodes.get(i))
                    .map(|n| self.score_node(&n.id, n.title.clone(), n.weight, findings, depth + 1))
                    .collect();
                let total: f64 = children.iter().map(|c| c.weight).sum();
                let agg = if total > 0.0 {
                    children.iter().map(|c| c.weight * c.score).sum::<f64>() / total
                } else {
                    100.0
                };
                (agg, children, Vec::new())
            }
        };
        // The worst finding beneath this node sets its ceiling.
        let worst = worst_beneath(&leaf_findings, &children);
        let (ceiling, worst_rule) = match worst {
            Some((p, rule)) => (100.0 - scoring.ceiling_factor * p, Some(rule)),
            None => (100.0, None),
        };
        let score = aggregate.min(ceiling).clamp(0.0, 100.0);
        NodeScore {
            id: id.to_owned(),
            title,
            weight,
            score,
            aggregate,
            ceiling,
            capped_by: if ceiling < aggregate {
                worst_rule
            } else {
                None
            },
            findings: leaf_findings,
            children,
        }
    }
}

/// The largest impact beneath a node and its rule (ties: the smaller rule id, for stable output).
fn worst_beneath(findings: &[FindingImpact], children: &[NodeScore]) -> Option<(f64, String)> {
    let mut best: Option<(f64, String)> = None;
    let mut consider = |p: f64, rule: &str| {
        let better = match &best {
            None => true,
            Some((bp, br)) => p > *bp || (p == *bp && rule < br.as_str()),
        };
        if better {
            best = Some((p, rule.to_owned()));
        }
    };
    for f in findings {
        consider(f.impact, &f.rule_id);
    }
    for c in children {
        if let Some((p, r)) = worst_beneath(&c.findings, &c.children) {
            consider(p, &r);
        }
    }
    best
}
