//! `medshield`: the thin command-line edge. It parses arguments, reads files and prints; every
//! decision about what a package contains lives in the library crates.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};

mod platform;
mod scan;

const USAGE: &str = "\
medshield — 移动互联网医疗安全风险监测 / security risk monitoring for mobile health apps

USAGE:
    medshield inspect <APP.apk> [--format text|json]
    medshield scan <APP.apk|DIR> [--format text|json|sarif|cyclonedx|html] [--rules DIR] [--fail-under A|B|C]
                   [--lang zh-CN|en] [-j N] [--date YYYY-MM-DD]
    medshield serve [--config FILE] [--data-dir DIR] [--listen ADDR] [--database-url URL] [--demo]
    medshield authcode verify <TOKEN> [--keys DATA_DIR|PEM_DIR|PEM_FILE]
    medshield audit verify [--config FILE] [--data-dir DIR] [--database-url URL]
    medshield keys rotate [--config FILE] [--data-dir DIR]
    medshield --help | --version

COMMANDS:
    inspect    读取安装包全部事实（清单、资源、签名、DEX、原生库、异常）
               Print everything read from an Android package: manifest, resources, signatures,
               DEX, native libraries and anomalies. JSON is a stable contract (docs/inspect-json.md).

    scan       安全与隐私检测、规则库评估、风险评分（A/B/C）
               Security and privacy analysis: indicators, rule findings, the 0–100 risk score and
               A/B/C grade with its breakdown. A directory is scanned package by package (-j N in
               parallel); a broken file is reported and never stops the batch.

    serve      运行平台：HTTP API、Web 界面、后台检测任务（默认 SQLite，--database-url 用 PostgreSQL）
               Run the platform: HTTP API, web UI (/), OpenAPI (/api/docs), background scans.
               --demo fills an empty instance with demo units, accounts, apps and scans.
    authcode   离线验证授权码（SM2 签名与有效期）/ verify an authorization code offline
    audit      校验审计日志哈希链与签名检查点 / verify the audit hash chain and signed checkpoints
    keys       轮换平台签名密钥（旧公钥保留）/ rotate the signing key (old public keys are kept)

PLATFORM ENVIRONMENT:
    MEDSHIELD_CONFIG, MEDSHIELD_DATA_DIR, MEDSHIELD_DATABASE_URL, MEDSHIELD_LISTEN,
    MEDSHIELD_COOKIE_SECURE (true|false), MEDSHIELD_SCAN_WORKERS, MEDSHIELD_MAX_UPLOAD_BYTES,
    MEDSHIELD_PII_KEY_FILE, MEDSHIELD_LOG (info, debug…)

EXIT STATUS:
    inspect: 0 success · 1 the file is not a readable APK (one-line reason on stderr) · 2 usage error
    scan:    0 success · 1 a package graded below --fail-under · 2 usage error, or no package
             could be read
    authcode verify, audit verify: 0 valid/intact · 1 invalid/tampered · 2 usage or setup error
";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Sarif,
    CycloneDx,
    Html,
}

struct ScanArgs {
    path: PathBuf,
    format: Format,
    rules: Option<PathBuf>,
    fail_under: Option<medshield_rules::Grade>,
    lang: medshield_rules::Lang,
    jobs: usize,
    date: Option<medshield_analyzer::Date>,
}

enum Command {
    Inspect { path: PathBuf, format: Format },
    Scan(ScanArgs),
    Help,
    Version,
}

fn parse_args() -> Result<Command, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let mut sub: Option<String> = None;
    let mut path: Option<PathBuf> = None;
    let mut format = Format::Text;
    let mut rules = None;
    let mut fail_under = None;
    let mut lang = medshield_rules::Lang::Zh;
    let mut jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut date = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('V') | Long("version") => return Ok(Command::Version),
            Long("format") | Short('f') => {
                format = match parser.value()?.string()?.as_str() {
                    "text" => Format::Text,
                    "json" => Format::Json,
                    "sarif" => Format::Sarif,
                    "cyclonedx" => Format::CycloneDx,
                    "html" => Format::Html,
                    other => {
                        return Err(format!(
                        "unknown format `{other}` (expected text, json, sarif, cyclonedx or html)"
                    )
                        .into())
                    }
                }
            }
            Long("rules") => rules = Some(PathBuf::from(parser.value()?)),
            Long("fail-under") => {
                fail_under = Some(
                    match parser.value()?.string()?.to_ascii_uppercase().as_str() {
                        "A" => medshield_rules::Grade::A,
                        "B" => medshield_rules::Grade::B,
                        "C" => medshield_rules::Grade::C,
                        other => {
                            return Err(
                                format!("unknown grade `{other}` (expected A, B or C)").into()
                            )
                        }
                    },
                )
            }
            Long("lang") => {
                lang = match parser.value()?.string()?.as_str() {
                    "zh-CN" | "zh" => medshield_rules::Lang::Zh,
                    "en" => medshield_rules::Lang::En,
                    other => {
                        return Err(
                            format!("unknown language `{other}` (expected zh-CN or en)").into()
                        )
                    }
                }
            }
            Short('j') | Long("jobs") => {
                jobs = parser
                    .value()?
                    .string()?
                    .parse()
                    .map_err(|_| "-j needs a number")?;
            }
            Long("date") => {
                let text = parser.value()?.string()?;
                date = Some(
                    medshield_analyzer::Date::parse_prefix(&text)
                        .ok_or("--date needs YYYY-MM-DD")?,
                );
            }
            Value(v) if sub.is_none() => sub = Some(v.string()?),
            Value(v) if path.is_none() => path = Some(PathBuf::from(v)),
            _ => return Err(arg.unexpected()),
        }
    }
    match sub.as_deref() {
        Some("inspect") => {
            let path = path.ok_or("inspect needs the path of an APK")?;
            if matches!(format, Format::Sarif | Format::CycloneDx | Format::Html) {
                return Err(
                    "inspect prints facts as text or json; SARIF, CycloneDX and HTML are for `scan`"
                        .into(),
                );
            }
            Ok(Command::Inspect { path, format })
        }
        Some("scan") => {
            let path = path.ok_or("scan needs the path of an APK or a directory")?;
            Ok(Command::Scan(ScanArgs {
                path,
                format,
                rules,
                fail_under,
                lang,
                jobs: jobs.max(1),
                date,
            }))
        }
        Some(other) => Err(format!("unknown command `{other}`").into()),
        None => Ok(Command::Help),
    }
}

fn inspect(path: &PathBuf, format: Format) -> anyhow::Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let options = medshield_apk::InspectOptions::default();
    // The parsers are built never to panic; should one still do so, the user gets the one-line
    // error the contract promises rather than a backtrace.
    let outcome = std::panic::catch_unwind(|| medshield_apk::inspect(&bytes, &options));
    let report = match outcome {
        Ok(Ok(report)) => report,
        Ok(Err(e)) => bail!("{}: not a readable APK: {e}", path.display()),
        Err(_) => bail!(
            "{}: internal error while reading the package (please report it)",
            path.display()
        ),
    };
    let stdout = std::io::stdout();
    let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        // `parse_args` refuses SARIF for inspect; text is the fallback should that ever change.
        Format::Text | Format::Sarif | Format::CycloneDx | Format::Html => {
            medshield_apk::text::render(&report, color, &mut out)?
        }
    }
    out.flush()?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if args
        .first()
        .and_then(|a| a.to_str())
        .is_some_and(platform::is_platform_command)
    {
        return platform::run(args);
    }
    // Silence the default panic message: `inspect` turns a panic into a one-line error.
    std::panic::set_hook(Box::new(|_| {}));
    let command = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("medshield: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help => {
            print!("{USAGE}");
            Ok(())
        }
        Command::Version => {
            println!("medshield {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Command::Inspect { path, format } => inspect(&path, format),
        Command::Scan(args) => return scan::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: callers (scripts, the platform's job runner) log stderr verbatim.
            let msg = format!("{e:#}").replace('\n', " ");
            eprintln!("medshield: {msg}");
            ExitCode::from(1)
        }
    }
}
