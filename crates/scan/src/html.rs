//! One self-contained HTML report per scan (no scripts, no external assets), Chinese by default:
//! grade and score, the risk-model breakdown as an inline SVG bar chart, findings with evidence,
//! SDKs and packers.

use std::fmt::Write;

use medshield_rules::{Grade, Lang, NodeScore, Severity};

use crate::ScanReport;

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn severity_label(s: Severity, lang: Lang) -> &'static str {
    match (s, lang) {
        (Severity::Critical, Lang::Zh) => "严重",
        (Severity::High, Lang::Zh) => "高危",
        (Severity::Medium, Lang::Zh) => "中危",
        (Severity::Low, Lang::Zh) => "低危",
        (Severity::Info, Lang::Zh) => "提示",
        (Severity::Critical, Lang::En) => "Critical",
        (Severity::High, Lang::En) => "High",
        (Severity::Medium, Lang::En) => "Medium",
        (Severity::Low, Lang::En) => "Low",
        (Severity::Info, Lang::En) => "Info",
    }
}

fn bar_color(score: f64) -> &'static str {
    if score >= 80.0 {
        "#2e7d32"
    } else if score > 60.0 {
        "#f9a825"
    } else {
        "#c62828"
    }
}

/// The breakdown's categories and their sub-categories as horizontal bars (0–100).
fn chart(root: &NodeScore, lang: Lang) -> String {
    let mut rows: Vec<(String, f64, bool)> = Vec::new();
    for c in &root.children {
        rows.push((c.title.get(lang).to_owned(), c.score, true));
        for leaf in &c.children {
            rows.push((leaf.title.get(lang).to_owned(), leaf.score, false));
        }
    }
    let row_h = 22;
    let height = rows.len() * row_h + 10;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"{height}\" role=\"img\" aria-label=\"score breakdown\">"
    );
    for (i, (title, score, top)) in rows.iter().enumerate() {
        let y = i * row_h + 5;
        let x_label = if *top { 0 } else { 16 };
        let weight = if *top { "bold" } else { "normal" };
        let width = (score.clamp(0.0, 100.0) * 4.0).round();
        let _ = write!(
            svg,
            "<text x=\"{x_label}\" y=\"{}\" font-size=\"13\" font-weight=\"{weight}\">{}</text>\
             <rect x=\"260\" y=\"{y}\" width=\"400\" height=\"16\" fill=\"#eee\"/>\
             <rect x=\"260\" y=\"{y}\" width=\"{width}\" height=\"16\" fill=\"{}\"/>\
             <text x=\"670\" y=\"{}\" font-size=\"13\">{score:.2}</text>",
            y + 13,
            esc(title),
            bar_color(*score),
            y + 13
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The report as one HTML document.
pub fn html(r: &ScanReport, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let t = |zh_text: &'static str, en_text: &'static str| if zh { zh_text } else { en_text };
    let grade_color = match r.score.grade {
        Grade::A => "#2e7d32",
        Grade::B => "#f9a825",
        Grade::C => "#c62828",
    };
    let name = r.label.as_deref().unwrap_or(&r.package);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{} — MedShield</title>\
         <style>body{{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:2em;color:#222;max-width:980px}}\
         .grade{{display:inline-block;font-size:48px;font-weight:bold;color:#fff;background:{grade_color};border-radius:8px;padding:0 22px}}\
         table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:6px;text-align:left;vertical-align:top}}\
         .sev-critical,.sev-high{{color:#c62828;font-weight:bold}}.sev-medium{{color:#ef6c00}}.muted{{color:#777;font-size:90%}}\
         code{{font-size:90%;word-break:break-all}}</style></head><body>",
        if zh { "zh-CN" } else { "en" },
        esc(name)
    );
    let _ = write!(
        h,
        "<h1>{} <span class=\"muted\">{} {}</span></h1><p><span class=\"grade\">{}</span> \
         <b style=\"font-size:28px\">{:.2}</b> / 100 <span class=\"muted\">{}</span></p>",
        esc(name),
        esc(&r.package),
        esc(r.version_name.as_deref().unwrap_or("")),
        r.score.grade.as_str(),
        r.score.score,
        t(
            "（分数越低风险越高；A：80–100，B：60–80，C：≤60）",
            "(lower is riskier; A 80–100, B 60–80, C ≤ 60)"
        )
    );
    if r.packed {
        let _ = write!(
            h,
            "<p class=\"sev-high\">{}</p>",
            t(
                "已加固（加壳）：代码检测结果不完整",
                "Packed: code findings are incomplete"
            )
        );
    }
    let _ = write!(
        h,
        "<h2>{}</h2>{}",
        t("评分构成", "Score breakdown"),
        chart(&r.score.breakdown, lang)
    );
    let _ = write!(
        h,
        "<h2>{} ({})</h2><table><tr><th>{}</th><th>{}</th><th>{}</th><th>CWE / MASVS</th></tr>",
        t("发现", "Findings"),
        r.findings.len(),
        t("等级", "Severity"),
        t("规则", "Rule"),
        t("说明与证据", "Description and evidence")
    );
    for f in &r.findings {
        let sev = format!("{:?}", f.severity).to_lowercase();
        let evidence: Vec<String> = f
            .evidence
            .iter()
            .take(10)
            .map(|e| match e {
                serde_json::Value::String(s) => esc(s),
                other => esc(&other.to_string()),
            })
            .collect();
        let _ = write!(
            h,
            "<tr><td class=\"sev-{sev}\">{}</td><td><b>{}</b><br>{}</td><td>{}<br><i>{}</i>{}</td><td>{}<br>{}</td></tr>",
            severity_label(f.severity, lang),
            esc(&f.rule_id),
            esc(f.title.get(lang)),
            esc(f.description.get(lang)),
            esc(f.remediation.get(lang)),
            if evidence.is_empty() { String::new() } else { format!("<br><code>{}</code>", evidence.join("<br>")) },
            esc(&f.cwe.join(", ")),
            esc(&f.masvs.join(", "))
        );
    }
    h.push_str("</table>");
    if !r.sdks.is_empty() {
        let _ = write!(
            h,
            "<h2>{} ({})</h2><table>",
            t("第三方 SDK", "Third-party SDKs"),
            r.sdks.len()
        );
        for s in &r.sdks {
            let data: Vec<String> = s
                .personal_data
                .iter()
                .map(|p| serde_json::json!(p).as_str().unwrap_or_default().to_owned())
                .collect();
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"muted\">{}</td></tr>",
                esc(&s.name),
                esc(&s.vendor),
                esc(&data.join(", "))
            );
        }
        h.push_str("</table>");
    }
    if !r.packers.is_empty() {
        let names: Vec<String> = r.packers.iter().map(|p| esc(&p.name)).collect();
        let _ = write!(
            h,
            "<h2>{}</h2><p>{}</p>",
            t("加固 / 混淆", "Packers and protectors"),
            names.join(", ")
        );
    }
    let _ = write!(
        h,
        "<p class=\"muted\">MedShield · {} {}@{} · {}</p></body></html>",
        t("规则包", "rule pack"),
        esc(&r.rule_pack.id),
        esc(&r.rule_pack.version),
        esc(&r.scan_date)
    );
    h
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping() {
        assert_eq!(
            super::esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
