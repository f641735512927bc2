//! SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning, DefectDojo): one run per scan,
//! every rule of the pack as a reporting descriptor with its CWE/MASVS as tags, every finding as a
//! result located in the scanned package, its evidence as logical locations.

use medshield_rules::{Confidence, Lang, RulePack, Severity};
use serde_json::{json, Value};

use crate::ScanReport;

/// SARIF level for a severity.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (a CVSS-like 0–10 score as a string).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "7.5",
        Severity::Medium => "5.0",
        Severity::Low => "3.0",
        Severity::Info => "0.5",
    }
}

fn precision(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

/// The SARIF log for scans of `artifacts` (path of each scanned package, as given by the user).
pub fn sarif(scans: &[(&str, &ScanReport)], pack: &RulePack, lang: Lang) -> Value {
    let rules: Vec<Value> = pack
        .rules()
        .iter()
        .map(|r| {
            let s = &r.spec;
            let mut tags: Vec<String> = vec!["security".into()];
            tags.extend(
                s.cwe
                    .iter()
                    .map(|c| format!("external/cwe/{}", c.to_ascii_lowercase())),
            );
            tags.extend(s.masvs.iter().cloned());
            json!({
                "id": r.id(),
                "name": r.id().replace('-', ""),
                "shortDescription": { "text": s.title.get(lang) },
                "fullDescription": { "text": s.description.get(lang) },
                "help": { "text": s.remediation.get(lang) },
                "defaultConfiguration": { "level": level(s.severity) },
                "properties": {
                    "tags": tags,
                    "precision": precision(s.confidence),
                    "security-severity": security_severity(s.severity),
                    "national": s.national,
                    "risk_node": s.risk_node,
                }
            })
        })
        .collect();
    let index_of = |id: &str| pack.rules().iter().position(|r| r.id() == id);
    let mut results = Vec::new();
    for (artifact, scan) in scans {
        for f in &scan.findings {
            let logical: Vec<Value> = f
                .evidence
                .iter()
                .take(20)
                .map(|e| {
                    let name = match e {
                        Value::String(s) => s.clone(),
                        Value::Object(o) => o
                            .get("caller")
                            .or_else(|| o.get("name"))
                            .or_else(|| o.get("path"))
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                            .unwrap_or_else(|| e.to_string()),
                        other => other.to_string(),
                    };
                    json!({ "fullyQualifiedName": name })
                })
                .collect();
            let mut location =
                json!({ "physicalLocation": { "artifactLocation": { "uri": artifact } } });
            if !logical.is_empty() {
                location["logicalLocations"] = Value::Array(logical);
            }
            let mut result = json!({
                "ruleId": f.rule_id,
                "level": level(f.severity),
                "message": { "text": format!("{} ({})", f.title.get(lang), scan.package) },
                "locations": [location],
                "properties": { "confidence": precision(f.confidence), "cwe": f.cwe, "evidence_total": f.evidence_total },
            });
            if let Some(i) = index_of(&f.rule_id) {
                result["ruleIndex"] = json!(i);
            }
            results.push(result);
        }
    }
    let artifacts: Vec<Value> = scans
        .iter()
        .map(|(a, s)| json!({ "location": { "uri": a }, "properties": { "package": s.package, "score": s.score.score, "grade": s.score.grade.as_str() } }))
        .collect();
    let info = pack.info();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "MedShield",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/medshield",
                "rules": rules,
                "properties": { "rule_pack": format!("{}@{}", info.id, info.version) },
            }},
            "artifacts": artifacts,
            "results": results,
            "columnKind": "unicodeCodePoints",
        }]
    })
}
