#![allow(clippy::unwrap_used)]
//! Scoring: grade boundaries, the breakdown's arithmetic, and the worked example in
//! docs/risk-model.md (regenerated with `UPDATE_RULE_DOCS=1`).

use medshield_rules::{docs, round2, Grade, Lang, NodeScore, RulePack};
use serde_json::json;

#[test]
fn grade_boundaries_are_exactly_the_papers() {
    assert_eq!(Grade::from_score(100.0), Grade::A);
    assert_eq!(Grade::from_score(80.0), Grade::A);
    assert_eq!(Grade::from_score(79.99), Grade::B);
    assert_eq!(Grade::from_score(60.01), Grade::B);
    assert_eq!(Grade::from_score(60.0), Grade::C);
    assert_eq!(Grade::from_score(0.0), Grade::C);
    assert_eq!(Grade::from_score(f64::NAN), Grade::C);
}

#[test]
fn clean_app_scores_100() {
    let pack = RulePack::builtin().unwrap();
    let s = pack.score(&[]);
    assert_eq!(s.score, 100.0);
    assert_eq!(s.grade, Grade::A);
    assert!(s.breakdown.children.len() >= 6);
}

fn check_sums(n: &NodeScore, scoring: &medshield_rules::Scoring) {
    if n.children.is_empty() {
        let want = n
            .findings
            .iter()
            .fold(100.0, |acc, f| acc * (1.0 - f.impact));
        assert!((n.aggregate - want).abs() < 1e-9, "leaf {}", n.id);
        for f in &n.findings {
            let p = scoring.impact(f.severity, f.confidence);
            assert!((f.impact - p).abs() < 1e-12);
        }
    } else {
        let total: f64 = n.children.iter().map(|c| c.weight).sum();
        let mean = n.children.iter().map(|c| c.weight * c.score).sum::<f64>() / total;
        assert!((n.aggregate - mean).abs() < 1e-9, "node {}", n.id);
        for c in &n.children {
            check_sums(c, scoring);
        }
    }
    assert!(
        (n.score - n.aggregate.min(n.ceiling)).abs() < 1e-9,
        "node {}",
        n.id
    );
    assert!((0.0..=100.0).contains(&n.score));
}

fn example_indicators() -> serde_json::Value {
    json!({
        "app.debuggable": true,
        "app.allow_backup": true,
        "app.cleartext_permitted": true,
        "permissions.requested": ["android.permission.INTERNET", "android.permission.QUERY_ALL_PACKAGES"],
        "packed": false
    })
}

#[test]
fn breakdown_sums_and_severity_matters() {
    let pack = RulePack::builtin().unwrap();
    let eval = pack.evaluate(example_indicators().as_object().unwrap());
    let s = pack.score(&eval.findings);
    check_sums(&s.breakdown, &pack.risk_model().scoring);
    assert_eq!(s.score, round2(s.breakdown.score));
    assert_eq!(s.grade, Grade::from_score(s.score));
    // Every finding appears exactly once, at its leaf.
    fn count(n: &NodeScore) -> usize {
        n.findings.len() + n.children.iter().map(count).sum::<usize>()
    }
    assert_eq!(count(&s.breakdown), eval.findings.len());
    // A high-confidence high finding caps the app below A.
    assert!(s.score < 80.0, "{}", s.score);
    // More findings never raise the score.
    let fewer = pack.score(&eval.findings[1..]);
    assert!(fewer.score >= s.score);
    // A critical high-confidence finding alone grades C.
    let crit = pack.evaluate(
        json!({"cert.unsigned": false, "cert.verified": false})
            .as_object()
            .unwrap(),
    );
    let cs = pack.score(&crit.findings);
    assert_eq!(cs.grade, Grade::C, "{}", cs.score);
    // Serializable breakdown.
    let v = serde_json::to_value(&s).unwrap();
    assert!(v["breakdown"]["children"].is_array());
}

const START: &str = "<!-- worked-example:start -->";
const END: &str = "<!-- worked-example:end -->";

/// The worked example in docs/risk-model.md is computed here, so the doc cannot drift.
#[test]
fn risk_model_doc_example_is_current() {
    let pack = RulePack::builtin().unwrap();
    let ind = example_indicators();
    let eval = pack.evaluate(ind.as_object().unwrap());
    let s = pack.score(&eval.findings);
    let scoring = &pack.risk_model().scoring;
    let mut ex = String::new();
    ex.push_str(
        "Indicators (other indicators absent; rules needing them are not evaluated):\n\n```json\n",
    );
    ex.push_str(&serde_json::to_string_pretty(&ind).unwrap());
    ex.push_str("\n```\n\nFindings and their impact p = S × C:\n\n| Rule | Severity | Confidence | p | Leaf |\n|---|---|---|---:|---|\n");
    for f in &eval.findings {
        ex.push_str(&format!(
            "| {} | {} ({}) | {} ({}) | {:.3} | `{}` |\n",
            f.rule_id,
            f.severity.as_str(),
            scoring.severity_factor(f.severity),
            f.confidence.as_str(),
            scoring.confidence_factor(f.confidence),
            scoring.impact(f.severity, f.confidence),
            f.risk_node
        ));
    }
    ex.push_str("\nBreakdown (nodes below 100 only; `⟵ rule` marks the finding that set a binding ceiling):\n\n");
    ex.push_str(&docs::render_breakdown(&s, Lang::En));
    let root = &s.breakdown;
    let terms: Vec<String> = root
        .children
        .iter()
        .map(|c| format!("{}×{:.2}", c.weight, c.score))
        .collect();
    let total: f64 = root.children.iter().map(|c| c.weight).sum();
    ex.push_str(&format!(
        "\nRoot: aggregate = ({}) / {} = {:.2}; ceiling = 100 − {} × {:.3} = {:.2}; score = min = {:.2} → grade {}.\n",
        terms.join(" + "),
        total,
        root.aggregate,
        scoring.ceiling_factor,
        (100.0 - root.ceiling) / scoring.ceiling_factor,
        root.ceiling,
        s.score,
        s.grade.as_str()
    ));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/risk-model.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (Some(a), Some(b)) = (doc.find(START), doc.find(END)) else {
        panic!("{} lacks the worked-example markers", path.display());
    };
    let current = &doc[a + START.len()..b];
    let want = format!("\n{ex}");
    if current != want {
        if std::env::var_os("UPDATE_RULE_DOCS").is_some() {
            let new = format!("{}{START}{want}{}", &doc[..a], &doc[b..]);
            std::fs::write(&path, new).unwrap();
        } else {
            panic!("docs/risk-model.md worked example is stale: run `UPDATE_RULE_DOCS=1 cargo test -p medshield-rules`");
        }
    }
}

#[test]
fn pack_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<medshield_rules::Evaluation>();
    assert_send_sync::<medshield_rules::RiskScore>();
    assert_send_sync::<RulePack>();
}
