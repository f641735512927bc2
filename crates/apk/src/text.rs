//! The human-readable `inspect` summary: Chinese first, English beside it.

use std::io::{self, Write};

use crate::report::ApkReport;

struct Style {
    color: bool,
}

impl Style {
    fn head(&self, s: &str) -> String {
        if self.color {
            format!("\x1b[1;36m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    fn warn(&self, s: &str) -> String {
        if self.color {
            format!("\x1b[33m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    fn bad(&self, s: &str) -> String {
        if self.color {
            format!("\x1b[1;31m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "是 yes"
    } else {
        "否 no"
    }
}

fn opt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("-")
}

/// Writes the summary; `color` adds ANSI colours (for a terminal).
pub fn render(r: &ApkReport, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let st = Style { color };
    writeln!(out, "{}", st.head("== 应用 Application =="))?;
    writeln!(out, "包名 Package:            {}", r.package)?;
    writeln!(out, "名称 Label:              {}", opt(&r.label))?;
    for (locale, label) in r.labels.iter().filter(|(l, _)| !l.is_empty()) {
        writeln!(out, "  [{locale}] {label}")?;
    }
    let version_code = r
        .version_code
        .map(|v| v.to_string())
        .unwrap_or_else(|| "-".into());
    writeln!(
        out,
        "版本 Version:            {} ({version_code})",
        opt(&r.version_name)
    )?;
    writeln!(
        out,
        "SDK min/target/max:      {}/{}/{}",
        r.min_sdk,
        r.target_sdk,
        r.max_sdk
            .map(|v| v.to_string())
            .unwrap_or_else(|| "-".into())
    )?;
    writeln!(
        out,
        "文件 File:               {} bytes, {} entries",
        r.file.size, r.file.entries
    )?;

    let app = &r.application;
    writeln!(out, "\n{}", st.head("== 应用属性 Application flags =="))?;
    let flag = |b: bool, risky: bool| {
        if b && risky {
            st.bad(yes_no(b))
        } else {
            yes_no(b).to_owned()
        }
    };
    writeln!(
        out,
        "可调试 debuggable:        {}",
        flag(app.debuggable, true)
    )?;
    writeln!(
        out,
        "允许备份 allowBackup:     {}",
        flag(app.allow_backup, true)
    )?;
    writeln!(
        out,
        "明文流量 cleartext:       {}{}",
        flag(app.uses_cleartext_traffic, true),
        if app.uses_cleartext_traffic_explicit {
            ""
        } else {
            " (默认 default)"
        }
    )?;
    writeln!(
        out,
        "仅测试 testOnly:          {}",
        flag(app.test_only, true)
    )?;
    writeln!(
        out,
        "网络安全配置 NSC:         {}",
        opt(&app.network_security_config)
    )?;

    writeln!(
        out,
        "\n{}",
        st.head(&format!("== 权限 Permissions ({}) ==", r.permissions.len()))
    )?;
    for p in &r.permissions {
        writeln!(out, "  {p}")?;
    }

    let c = &r.components;
    writeln!(out, "\n{}", st.head("== 组件 Components =="))?;
    for (title, list) in [
        ("活动 activities", &c.activities),
        ("服务 services", &c.services),
        ("广播接收器 receivers", &c.receivers),
        ("内容提供者 providers", &c.providers),
    ] {
        let exported = list.iter().filter(|x| x.exported).count();
        writeln!(out, "{title}: {} ({exported} 导出 exported)", list.len())?;
        for x in list.iter().filter(|x| x.exported) {
            let guard = match &x.permission {
                Some(p) => format!("permission {p}"),
                None => st.warn("无权限保护 unprotected"),
            };
            writeln!(out, "  ↗ {} — {guard}", x.name)?;
        }
    }

    let s = &r.signing;
    writeln!(out, "\n{}", st.head("== 签名 Signing =="))?;
    let verdict = if s.verified {
        "通过 verified".to_owned()
    } else {
        st.bad("未通过 NOT verified")
    };
    writeln!(out, "验证 Verdict:            {verdict}")?;
    writeln!(
        out,
        "方案 Schemes:            v1 {} · v2 {} · v3 {} · v3.1 {}",
        s.schemes.v1, s.schemes.v2, s.schemes.v3, s.schemes.v31
    )?;
    for cert in &s.certificates {
        writeln!(out, "证书 Certificate:        {}", cert.subject)?;
        writeln!(out, "  SHA-256 {}", cert.sha256)?;
        writeln!(out, "  SHA-1   {}", cert.sha1)?;
        writeln!(out, "  MD5     {}", cert.md5)?;
        writeln!(
            out,
            "  {} {} bits, {}, {} → {}{}",
            cert.key_algorithm,
            cert.key_size,
            cert.signature_algorithm,
            opt(&cert.not_before),
            opt(&cert.not_after),
            if cert.debug {
                st.warn(" [调试证书 debug]")
            } else {
                String::new()
            }
        )?;
    }
    for e in s
        .details
        .errors
        .iter()
        .chain(s.details.schemes.v1.errors.iter())
        .chain(s.details.schemes.v2.errors.iter())
        .chain(s.details.schemes.v3.errors.iter())
        .chain(s.details.schemes.v31.errors.iter())
    {
        writeln!(out, "  ✗ {e}")?;
    }

    writeln!(out, "\n{}", st.head("== 代码 DEX =="))?;
    for d in &r.dex {
        writeln!(
            out,
            "{} v{:03}: {} classes, {} methods, {} fields, {} strings; {} invokes decoded{}",
            d.name,
            d.summary.version,
            d.summary.classes,
            d.summary.methods,
            d.summary.fields,
            d.summary.strings,
            d.summary.invokes,
            if d.summary.checksum_ok && d.summary.signature_ok {
                ""
            } else {
                " [校验和不符 checksum mismatch]"
            }
        )?;
    }
    for e in &r.embedded_code {
        writeln!(
            out,
            "{} {} ({} bytes)",
            st.warn("内嵌代码 embedded:"),
            e.path,
            e.size
        )?;
    }

    if !r.native_libs.is_empty() {
        writeln!(out, "\n{}", st.head("== 原生库 Native libraries =="))?;
        for l in &r.native_libs {
            writeln!(
                out,
                "{}: NX {} PIE {} RELRO {} canary {} fortify {} stripped {}",
                l.path, l.nx, l.pie, l.relro, l.stack_canary, l.fortify, l.stripped
            )?;
        }
    }

    writeln!(
        out,
        "\n{}",
        st.head(&format!("== 异常 Anomalies ({}) ==", r.anomalies.len()))
    )?;
    for a in &r.anomalies {
        match &a.path {
            Some(p) => writeln!(out, "  [{}] {p}: {}", a.source, a.message)?,
            None => writeln!(out, "  [{}] {}", a.source, a.message)?,
        }
    }
    Ok(())
}
