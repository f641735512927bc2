//! `medshield`: the thin command-line edge. It parses arguments, reads files and prints; every
//! decision about what a package contains lives in the library crates.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};

const USAGE: &str = "\
medshield — 移动互联网医疗安全风险监测 / security risk monitoring for mobile health apps

USAGE:
    medshield inspect <APP.apk> [--format text|json]
    medshield --help | --version

COMMANDS:
    inspect    读取安装包全部事实（清单、资源、签名、DEX、原生库、异常）
               Print everything read from an Android package: manifest, resources, signatures,
               DEX, native libraries and anomalies. JSON is a stable contract (docs/inspect-json.md).

EXIT STATUS:
    0 success · 1 the file is not a readable APK (one-line reason on stderr) · 2 usage error
";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

enum Command {
    Inspect { path: PathBuf, format: Format },
    Help,
    Version,
}

fn parse_args() -> Result<Command, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let mut sub: Option<String> = None;
    let mut path: Option<PathBuf> = None;
    let mut format = Format::Text;
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('V') | Long("version") => return Ok(Command::Version),
            Long("format") | Short('f') => {
                format = match parser.value()?.string()?.as_str() {
                    "text" => Format::Text,
                    "json" => Format::Json,
                    other => {
                        return Err(
                            format!("unknown format `{other}` (expected text or json)").into()
                        )
                    }
                }
            }
            Value(v) if sub.is_none() => sub = Some(v.string()?),
            Value(v) if path.is_none() => path = Some(PathBuf::from(v)),
            _ => return Err(arg.unexpected()),
        }
    }
    match sub.as_deref() {
        Some("inspect") => {
            let path = path.ok_or("inspect needs the path of an APK")?;
            Ok(Command::Inspect { path, format })
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
        Format::Text => medshield_apk::text::render(&report, color, &mut out)?,
    }
    out.flush()?;
    Ok(())
}

fn main() -> ExitCode {
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
