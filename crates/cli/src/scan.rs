//! `medshield scan`: reads packages, runs the scanner, prints, and turns grades into an exit status.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use medshield_analyzer::Date;
use medshield_scan::{ScanReport, Scanner};

use crate::{Format, ScanArgs};

/// Today (UTC), from the system clock: the edge is where the clock is read.
fn today() -> Option<Date> {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    Date::from_unix_days(days)
}

/// Packages under a directory (`.apk` files, recursively), sorted.
fn packages_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("apk")) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

pub(crate) fn run(args: &ScanArgs) -> ExitCode {
    let rules = match medshield_rules::RulePack::load(args.rules.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("medshield: rules: {}", format!("{e}").replace('\n', " "));
            return ExitCode::from(2);
        }
    };
    let signatures = match medshield_sdks::SignatureDb::try_builtin() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("medshield: SDK signatures: {e}");
            return ExitCode::from(2);
        }
    };
    let scanner = match Scanner::new(rules, signatures) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("medshield: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(date) = args.date.or_else(today) else {
        eprintln!("medshield: cannot read today's date from the clock; pass --date YYYY-MM-DD");
        return ExitCode::from(2);
    };
    let single = !args.path.is_dir();
    let files = if single {
        vec![args.path.clone()]
    } else {
        packages_in(&args.path)
    };
    if files.is_empty() {
        eprintln!("medshield: no .apk files under {}", args.path.display());
        return ExitCode::from(2);
    }

    let scan_one = |path: &PathBuf| -> Result<ScanReport, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
        // `scan` takes the scanner by shared reference and keeps no state between packages, so a
        // panic in one package (a bug) cannot leave it half-updated for the next.
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scanner.scan(&bytes, date)));
        match outcome {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => Err(format!("not a readable APK: {e}")),
            Err(_) => Err("internal error while scanning (please report it)".into()),
        }
    };

    // For a JSON batch each worker also renders its report, so that writing the output is not a
    // serial tail that caps the -j speed-up.
    let render_json = !single && args.format == Format::Json;
    let mut rendered: Vec<Option<String>> = Vec::new();
    let results: Vec<(PathBuf, Result<ScanReport, String>)> = if single {
        files.iter().map(|p| (p.clone(), scan_one(p))).collect()
    } else {
        let texts: Mutex<Vec<Option<String>>> = Mutex::new(files.iter().map(|_| None).collect());
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let slots: Mutex<Vec<Option<Result<ScanReport, String>>>> =
            Mutex::new(files.iter().map(|_| None).collect());
        let progress = std::io::stderr().is_terminal();
        // Largest packages first: a big one picked up last would leave the other workers idle
        // at the end. Results still come out in path order.
        let mut order: Vec<usize> = (0..files.len()).collect();
        order.sort_by_key(|&i| {
            std::cmp::Reverse(std::fs::metadata(&files[i]).map(|m| m.len()).unwrap_or(0))
        });
        std::thread::scope(|s| {
            for _ in 0..args.jobs.min(files.len()) {
                s.spawn(|| {
                    while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let Some(path) = files.get(i) else { break };
                        let r = scan_one(path);
                        if render_json {
                            if let Some(text) = r
                                .as_ref()
                                .ok()
                                .and_then(|rep| serde_json::to_string_pretty(rep).ok())
                            {
                                if let Ok(mut texts) = texts.lock() {
                                    texts[i] = Some(text);
                                }
                            }
                        }
                        if let Ok(mut slots) = slots.lock() {
                            slots[i] = Some(r);
                        }
                        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                        if progress {
                            eprint!("\r[{n}/{}] {}\x1b[K", files.len(), path.display());
                        }
                    }
                });
            }
        });
        if progress {
            eprintln!();
        }
        rendered = texts.into_inner().unwrap_or_default();
        let slots = slots.into_inner().unwrap_or_default();
        files
            .iter()
            .cloned()
            .zip(
                slots
                    .into_iter()
                    .map(|r| r.unwrap_or_else(|| Err("not scanned".into()))),
            )
            .collect()
    };

    let stdout = std::io::stdout();
    let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut below = false;
    let mut readable = 0usize;
    let mut write_result = Ok(());
    match args.format {
        Format::Html => {
            // One document per package, one after the other for a directory (redirect per file
            // for separate reports).
            for (p, r) in &results {
                match r {
                    Ok(report) => {
                        if let Err(e) =
                            out.write_all(medshield_scan::html::html(report, args.lang).as_bytes())
                        {
                            write_result = Err(e);
                        }
                    }
                    Err(e) => eprintln!("medshield: {}: {e}", p.display()),
                }
            }
        }
        Format::CycloneDx => {
            // One SBOM per package: a single document, or an array of them for a directory.
            let boms: Vec<serde_json::Value> = results
                .iter()
                .filter_map(|(_, r)| r.as_ref().ok().map(medshield_scan::cyclonedx::cyclonedx))
                .collect();
            let value = if single {
                boms.into_iter().next().unwrap_or_default()
            } else {
                serde_json::Value::Array(boms)
            };
            write_result = serde_json::to_writer_pretty(&mut out, &value)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out));
            for (p, r) in &results {
                if let Err(e) = r {
                    eprintln!("medshield: {}: {e}", p.display());
                }
            }
        }
        Format::Sarif => {
            let scans: Vec<(String, &ScanReport)> = results
                .iter()
                .filter_map(|(p, r)| r.as_ref().ok().map(|rep| (p.display().to_string(), rep)))
                .collect();
            let refs: Vec<(&str, &ScanReport)> =
                scans.iter().map(|(p, r)| (p.as_str(), *r)).collect();
            let log = medshield_scan::sarif::sarif(&refs, scanner.rules(), args.lang);
            write_result = serde_json::to_writer_pretty(&mut out, &log)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out));
            for (p, r) in &results {
                if let Err(e) = r {
                    eprintln!("medshield: {}: {e}", p.display());
                }
            }
        }
        Format::Json if render_json => {
            let mut body = String::from("[\n");
            for (i, (p, r)) in results.iter().enumerate() {
                if i > 0 {
                    body.push_str(",\n");
                }
                match (r, rendered.get(i).and_then(Option::as_deref)) {
                    (Ok(_), Some(text)) => body.push_str(text),
                    (Ok(report), None) => body.push_str(
                        &serde_json::to_string_pretty(report).unwrap_or_else(|_| "null".into()),
                    ),
                    (Err(e), _) => body.push_str(
                        &serde_json::json!({ "file": p.display().to_string(), "error": e })
                            .to_string(),
                    ),
                }
            }
            body.push_str("\n]\n");
            write_result = out.write_all(body.as_bytes());
        }
        Format::Json => {
            let value = match results.first() {
                Some((_, Ok(report))) => serde_json::to_value(report).unwrap_or_default(),
                Some((p, Err(e))) => {
                    serde_json::json!({ "file": p.display().to_string(), "error": e })
                }
                None => serde_json::Value::Null,
            };
            write_result = serde_json::to_writer_pretty(&mut out, &value)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out));
        }
        Format::Text => {
            for (p, r) in &results {
                if !single {
                    let _ = writeln!(out, "── {} ──", p.display());
                }
                match r {
                    Ok(report) => {
                        if let Err(e) =
                            medshield_scan::text::render(report, args.lang, color, &mut out)
                        {
                            write_result = Err(e);
                        }
                    }
                    Err(e) => {
                        let _ = writeln!(out, "medshield: {}: {e}", p.display());
                    }
                }
                if !single {
                    let _ = writeln!(out);
                }
            }
            if !single {
                let _ = writeln!(
                    out,
                    "{:<60} {:>6} {:>5} {:>8}",
                    "package", "score", "grade", "findings"
                );
                for (p, r) in &results {
                    match r {
                        Ok(rep) => {
                            let _ = writeln!(
                                out,
                                "{:<60} {:>6.2} {:>5} {:>8}",
                                p.display(),
                                rep.score.score,
                                rep.score.grade.as_str(),
                                rep.findings.len()
                            );
                        }
                        Err(_) => {
                            let _ = writeln!(
                                out,
                                "{:<60} {:>6} {:>5} {:>8}",
                                p.display(),
                                "-",
                                "-",
                                "error"
                            );
                        }
                    }
                }
            }
        }
    }
    for (p, r) in &results {
        match r {
            Ok(rep) => {
                readable += 1;
                if args.fail_under.is_some_and(|g| rep.score.grade > g) {
                    below = true;
                }
            }
            Err(e) if single => eprintln!("medshield: {}: {e}", p.display()),
            Err(_) => {}
        }
    }
    let _ = out.flush();
    if let Err(e) = write_result {
        eprintln!("medshield: cannot write the report: {e}");
        return ExitCode::from(2);
    }
    if readable == 0 {
        return ExitCode::from(2);
    }
    if below {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
