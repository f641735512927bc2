//! Rule documentation generated from the rule files (docs/rules/README.md and README.zh-CN.md).

use std::fmt::Write as _;

use crate::pack::RulePack;
use crate::rule::Lang;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn anchor(id: &str) -> String {
    id.to_ascii_lowercase()
}

/// Renders the whole rule catalogue in `lang` as Markdown.
pub fn render_rules(pack: &RulePack, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let t = |zh_s: &'static str, en_s: &'static str| if zh { zh_s } else { en_s };
    let info = pack.info();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!-- Generated from rules/ by `UPDATE_RULE_DOCS=1 cargo test -p medshield-rules`; do not edit. -->\n"
    );
    let _ = writeln!(
        out,
        "# {} ({} {} {})\n",
        t("MedShield 规则库", "MedShield rule library"),
        info.id,
        info.version,
        t("规则包", "pack")
    );
    let _ = writeln!(
        out,
        "{}: {} · {}: {}\n",
        t("规则数", "Rules"),
        info.rules,
        t("风险模型", "Risk model"),
        info.risk_model
    );
    let _ = writeln!(
        out,
        "{}\n",
        if zh {
            "[English](README.md) · 条件以 CEL 表达式书写，作用于扫描得到的指标（indicators）；评分模型见 [../risk-model.md](../risk-model.md)。"
        } else {
            "[中文](README.zh-CN.md) · Conditions are CEL expressions over the scan's indicators; the scoring model is described in [../risk-model.md](../risk-model.md)."
        }
    );
    let _ = writeln!(
        out,
        "| ID | {} | {} | {} | CWE | MASVS | {} |\n|---|---|---|---|---|---|---|",
        t("标题", "Title"),
        t("严重性", "Severity"),
        t("置信度", "Confidence"),
        t("风险节点", "Risk node")
    );
    for r in pack.rules() {
        let s = &r.spec;
        let _ = writeln!(
            out,
            "| [{}](#{}) | {} | {} | {} | {} | {} | `{}` |",
            s.id,
            anchor(&s.id),
            cell(s.title.get(lang)),
            s.severity.as_str(),
            s.confidence.as_str(),
            s.cwe.join(", "),
            s.masvs.join(", "),
            s.risk_node
        );
    }
    out.push('\n');
    for r in pack.rules() {
        let s = &r.spec;
        let _ = writeln!(out, "## {}\n", s.id);
        let _ = writeln!(out, "**{}**\n", s.title.get(lang));
        let _ = writeln!(
            out,
            "- {}: {} · {}: {}",
            t("严重性", "Severity"),
            s.severity.as_str(),
            t("置信度", "Confidence"),
            s.confidence.as_str()
        );
        let _ = writeln!(out, "- CWE: {}", s.cwe.join(", "));
        let _ = writeln!(out, "- MASVS: {}", s.masvs.join(", "));
        let _ = writeln!(out, "- {}: `{}`", t("风险节点", "Risk node"), s.risk_node);
        if !s.national.is_empty() {
            let _ = writeln!(out, "- {}:", t("国家标准/规范", "National requirements"));
            for n in &s.national {
                let _ = writeln!(out, "  - {} — {}", n.standard, n.clause);
            }
        }
        let _ = writeln!(out, "- {}: `{}`", t("条件", "Condition"), s.condition);
        if let Some(e) = &s.evidence {
            let _ = writeln!(out, "- {}: `{}`", t("证据", "Evidence"), e);
        }
        let _ = writeln!(out, "- {}: `{}`\n", t("文件", "File"), r.file);
        let _ = writeln!(out, "{}\n", s.description.get(lang).trim());
        let _ = writeln!(
            out,
            "**{}:** {}\n",
            t("整改建议", "Remediation"),
            s.remediation.get(lang).trim()
        );
    }
    out
}

fn fmt2(x: f64) -> String {
    format!("{:.2}", crate::risk::round2(x))
}

/// Renders a score's breakdown as a Markdown table: every node that moved (score below 100),
/// indented by depth, with weight, aggregate, ceiling, score and the findings behind it.
pub fn render_breakdown(score: &crate::risk::RiskScore, lang: Lang) -> String {
    use crate::risk::NodeScore;
    let zh = lang == Lang::Zh;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} **{}** · {} **{}** · {} `{}`\n",
        if zh { "得分" } else { "Score" },
        fmt2(score.score),
        if zh { "等级" } else { "Grade" },
        score.grade.as_str(),
        if zh { "模型" } else { "Model" },
        score.model
    );
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} |\n|---|---:|---:|---:|---:|---|",
        if zh { "节点" } else { "Node" },
        if zh { "权重" } else { "Weight" },
        if zh { "聚合" } else { "Aggregate" },
        if zh { "上限" } else { "Ceiling" },
        if zh { "得分" } else { "Score" },
        if zh { "发现（p）" } else { "Findings (p)" }
    );
    fn walk(n: &NodeScore, depth: usize, out: &mut String) {
        if n.score >= 100.0 && depth > 0 {
            return;
        }
        let findings: Vec<String> = n
            .findings
            .iter()
            .map(|f| format!("{} ({})", f.rule_id, fmt2(f.impact)))
            .collect();
        let capped = n
            .capped_by
            .as_ref()
            .map(|r| format!(" ⟵ {r}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {}`{}` | {} | {} | {}{} | {} | {} |",
            "&nbsp;&nbsp;".repeat(depth),
            n.id,
            n.weight,
            fmt2(n.aggregate),
            fmt2(n.ceiling),
            capped,
            fmt2(n.score),
            findings.join(", ")
        );
        for c in &n.children {
            walk(c, depth + 1, out);
        }
    }
    walk(&score.breakdown, 0, &mut out);
    out
}
