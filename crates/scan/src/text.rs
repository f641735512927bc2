//! The terminal summary of a scan: grade and score, the breakdown's first level, the worst
//! findings with their evidence, SDKs and packers. Chinese by default, English on request.

use std::io::{self, Write};

use medshield_rules::{Grade, Lang, Severity};

use crate::ScanReport;

/// Findings listed in full; the rest are counted.
const SHOWN_FINDINGS: usize = 15;

fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_owned()
    }
}

fn severity_label(s: Severity, lang: Lang) -> &'static str {
    match (s, lang) {
        (Severity::Critical, Lang::Zh) => "严重",
        (Severity::High, Lang::Zh) => "高危",
        (Severity::Medium, Lang::Zh) => "中危",
        (Severity::Low, Lang::Zh) => "低危",
        (Severity::Info, Lang::Zh) => "提示",
        (Severity::Critical, Lang::En) => "critical",
        (Severity::High, Lang::En) => "high",
        (Severity::Medium, Lang::En) => "medium",
        (Severity::Low, Lang::En) => "low",
        (Severity::Info, Lang::En) => "info",
    }
}

/// Terminal columns a string takes: CJK and other wide characters take two.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if ('\u{1100}'..='\u{115f}').contains(&c)
                || ('\u{2e80}'..='\u{a4cf}').contains(&c)
                || ('\u{ac00}'..='\u{d7a3}').contains(&c)
                || ('\u{f900}'..='\u{faff}').contains(&c)
                || ('\u{fe30}'..='\u{fe4f}').contains(&c)
                || ('\u{ff00}'..='\u{ff60}').contains(&c)
                || ('\u{ffe0}'..='\u{ffe6}').contains(&c)
            {
                2
            } else {
                1
            }
        })
        .sum()
}

/// Writes the summary of one scan.
pub fn render(r: &ScanReport, lang: Lang, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let zh = lang == Lang::Zh;
    let grade_color = match r.score.grade {
        Grade::A => "1;32",
        Grade::B => "1;33",
        Grade::C => "1;31",
    };
    let name = r.label.as_deref().unwrap_or(&r.package);
    writeln!(
        out,
        "{} {} ({})",
        paint(color, "1", name),
        r.version_name.as_deref().unwrap_or(""),
        r.package
    )?;
    let grade = paint(color, grade_color, r.score.grade.as_str());
    if zh {
        writeln!(
            out,
            "风险等级 {grade}  得分 {:.2}/100（分数越低风险越高）",
            r.score.score
        )?;
    } else {
        writeln!(
            out,
            "Risk grade {grade}  score {:.2}/100 (lower is riskier)",
            r.score.score
        )?;
    }
    if r.packed {
        let msg = if zh {
            "已加固（加壳）：代码检测结果不完整"
        } else {
            "Packed: code findings are incomplete"
        };
        writeln!(out, "{}", paint(color, "33", msg))?;
    }
    for child in &r.score.breakdown.children {
        let title = child.title.get(lang);
        writeln!(
            out,
            "  {title}{} {:>6.2}",
            " ".repeat(28usize.saturating_sub(display_width(title))),
            child.score
        )?;
    }
    let header = if zh { "发现" } else { "Findings" };
    writeln!(out, "\n{header} ({})", r.findings.len())?;
    for f in r.findings.iter().take(SHOWN_FINDINGS) {
        let sev = severity_label(f.severity, lang);
        let sev = match f.severity {
            Severity::Critical | Severity::High => paint(color, "31", sev),
            Severity::Medium => paint(color, "33", sev),
            _ => sev.to_owned(),
        };
        writeln!(
            out,
            "  [{sev}] {} {}  {}",
            f.rule_id,
            f.title.get(lang),
            f.cwe.join(",")
        )?;
        for e in f.evidence.iter().take(3) {
            let shown = match e {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            writeln!(out, "        ↳ {shown}")?;
        }
    }
    if r.findings.len() > SHOWN_FINDINGS {
        let more = r.findings.len() - SHOWN_FINDINGS;
        writeln!(
            out,
            "  … {more} {}",
            if zh {
                "项未列出（--format json 查看全部）"
            } else {
                "more (see --format json)"
            }
        )?;
    }
    if !r.protections.is_empty() {
        let names: Vec<&str> = r
            .protections
            .iter()
            .map(|p| if zh { p.zh } else { p.en })
            .collect();
        writeln!(
            out,
            "\n{}: {}",
            if zh {
                "已具备的防护"
            } else {
                "Protections seen"
            },
            names.join(", ")
        )?;
    }
    if !r.sdks.is_empty() {
        let names: Vec<String> = r.sdks.iter().map(|s| s.name.clone()).collect();
        writeln!(
            out,
            "\n{} ({}): {}",
            if zh {
                "第三方SDK"
            } else {
                "Third-party SDKs"
            },
            names.len(),
            names.join(", ")
        )?;
    }
    if !r.packers.is_empty() {
        let names: Vec<String> = r.packers.iter().map(|p| p.name.clone()).collect();
        writeln!(
            out,
            "{}: {}",
            if zh {
                "加固/混淆"
            } else {
                "Packers/protectors"
            },
            names.join(", ")
        )?;
    }
    writeln!(
        out,
        "\n{} {}@{} · {}",
        if zh { "规则包" } else { "Rule pack" },
        r.rule_pack.id,
        r.rule_pack.version,
        r.scan_date
    )?;
    Ok(())
}
