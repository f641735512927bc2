//! The real binary on real and hostile files: the JSON contract's keys, the one-line error, and no
//! panic, hang or runaway memory on anything in the fixtures.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_medshield");
/// Address-space cap for one inspect run: far above what any fixture needs, far below a bomb.
const MEMORY_CAP_KB: u64 = 1 << 20;
/// Wall-clock cap for one inspect run of a fixture (they are all small).
const TIME_CAP: Duration = Duration::from_secs(20);

fn inspect(path: &Path, format: &str) -> Output {
    // `ulimit -v` turns runaway allocation into a failure we can see, instead of a swapping machine.
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {MEMORY_CAP_KB}; exec \"$0\" inspect --format {format} \"$1\""
        ))
        .arg(BIN)
        .arg(path)
        .output()
        .unwrap()
}

#[test]
fn not_an_apk_gives_one_line_and_status_1() {
    let dir = std::env::temp_dir().join(format!("medshield-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, content) in [
        ("empty.apk", &b""[..]),
        ("text.apk", b"hello, not a zip"),
        (
            "eocd-only.apk",
            b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
        ),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, content).unwrap();
        let out = inspect(&p, "json");
        assert_eq!(out.status.code(), Some(1), "{name}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        assert!(stderr.starts_with("medshield: "), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    let missing = inspect(&dir.join("does-not-exist.apk"), "text");
    assert_eq!(missing.status.code(), Some(1));
    let usage = Command::new(BIN)
        .args(["inspect", "--format", "yaml", "x.apk"])
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_contract_has_the_documented_keys() {
    let Some(root) = medshield_fixtures::apks_root("json_contract_has_the_documented_keys") else {
        return;
    };
    let apk = root.join("built/insecure-webview.apk");
    let out = inspect(&apk, "json");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "package",
        "version_code",
        "version_name",
        "min_sdk",
        "target_sdk",
        "label",
        "permissions",
        "components",
        "signing",
        "dex",
        "native_libs",
        "anomalies",
    ] {
        assert!(v.get(key).is_some(), "missing top-level key {key}");
    }
    for kind in ["activities", "services", "receivers", "providers"] {
        for c in v["components"][kind].as_array().unwrap() {
            for key in ["name", "exported", "permission", "intent_filters"] {
                assert!(c.get(key).is_some(), "{kind} entry lacks {key}");
            }
        }
    }
    for s in ["v1", "v2", "v3", "v31"] {
        assert!(v["signing"]["schemes"][s].is_boolean());
    }
    assert!(v["signing"]["verified"].as_bool().unwrap());
    let cert = &v["signing"]["certificates"][0];
    for key in [
        "sha256",
        "sha1",
        "md5",
        "subject",
        "issuer",
        "not_before",
        "not_after",
        "key_algorithm",
        "signature_algorithm",
    ] {
        assert!(cert.get(key).is_some(), "certificate lacks {key}");
    }
    let sha256 = cert["sha256"].as_str().unwrap();
    assert_eq!(sha256.len(), 64);
    assert!(
        sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "lowercase hex: {sha256}"
    );
    for key in [
        "name", "version", "strings", "types", "methods", "fields", "classes",
    ] {
        assert!(v["dex"][0].get(key).is_some(), "dex entry lacks {key}");
    }
    let lib = &v["native_libs"][0];
    for key in [
        "path",
        "abi",
        "nx",
        "pie",
        "relro",
        "stack_canary",
        "fortify",
        "stripped",
    ] {
        assert!(lib.get(key).is_some(), "native lib lacks {key}");
    }
    // What the fixture's build script put in it.
    assert_eq!(v["package"], "com.example.insecure");
    assert_eq!(v["application"]["debuggable"], true);
    assert!(v["permissions"].as_array().unwrap().len() >= 6);

    let text = inspect(&apk, "text");
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("com.example.insecure") && text.contains("包名"),
        "{text}"
    );
}

/// Every file in the fixtures — packages, bare dex, binary XML, broken archives — must give either
/// a report or a one-line error: never a panic, a hang, or memory out of proportion.
#[test]
fn every_fixture_file_gives_a_report_or_a_clean_error() {
    let Some(root) =
        medshield_fixtures::fixtures_root("every_fixture_file_gives_a_report_or_a_clean_error")
    else {
        return;
    };
    let files = medshield_fixtures::files_with_extension(&root.join("apks"), &[""]);
    assert!(
        files.len() > 380,
        "found only {} fixture files",
        files.len()
    );
    let results = medshield_fixtures::parallel_map(&files, 2, |path| {
        let start = Instant::now();
        let out = inspect(path, "json");
        (path.clone(), out, start.elapsed())
    });
    let (mut reports, mut errors) = (0, 0);
    let mut failures = Vec::new();
    for (path, out, took) in results {
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => {
                reports += 1;
                if serde_json::from_slice::<serde_json::Value>(&out.stdout).is_err() {
                    failures.push(format!(
                        "{}: status 0 but output is not JSON",
                        path.display()
                    ));
                }
            }
            Some(1) if stderr.lines().count() == 1 && !stderr.contains("internal error") => {
                errors += 1
            }
            other => failures.push(format!(
                "{}: status {other:?}, stderr {stderr:?}",
                path.display()
            )),
        }
        if took > TIME_CAP {
            failures.push(format!("{}: took {took:?}", path.display()));
        }
    }
    eprintln!(
        "{reports} reports, {errors} clean errors, {} failures over {} files",
        failures.len(),
        reports + errors + failures.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

fn scan(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("scan")
        .args(args)
        .args(["--date", "2026-11-25"])
        .output()
        .unwrap()
}

#[test]
fn scan_reports_grade_and_honours_fail_under() {
    let Some(root) = medshield_fixtures::apks_root("scan_reports_grade_and_honours_fail_under")
    else {
        return;
    };
    let apk = root.join("built/insecure-webview.apk");
    let apk = apk.to_str().unwrap();
    let out = scan(&[apk, "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let score = v["score"]["score"].as_f64().unwrap();
    let grade = v["score"]["grade"].as_str().unwrap();
    let expected = if score >= 80.0 {
        "A"
    } else if score > 60.0 {
        "B"
    } else {
        "C"
    };
    assert_eq!(grade, expected, "score {score}");
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule_id"].as_str().is_some_and(|id| !id.is_empty())));
    assert!(v["rule_pack"]["version"].is_string());
    // This app cannot reach grade A: --fail-under A fails, --fail-under C passes (unless graded C).
    assert_eq!(scan(&[apk, "--fail-under", "A"]).status.code(), Some(1));
    let c = scan(&[apk, "--fail-under", "C"]).status.code();
    assert_eq!(c, Some(0));
    let en = String::from_utf8(scan(&[apk, "--lang", "en"]).stdout).unwrap();
    assert!(en.contains("Risk grade"), "{en}");
    let zh = String::from_utf8(scan(&[apk]).stdout).unwrap();
    assert!(zh.contains("风险等级"), "{zh}");
}

#[test]
fn scan_of_a_directory_survives_broken_files() {
    let Some(root) = medshield_fixtures::apks_root("scan_of_a_directory_survives_broken_files")
    else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("medshield-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(root.join("built/insecure-webview.apk"), dir.join("a.apk")).unwrap();
    std::fs::copy(
        root.join("owasp-mastg/Crackmes/Android/Level_01/UnCrackable-Level1.apk"),
        dir.join("b.apk"),
    )
    .unwrap();
    std::fs::write(dir.join("broken.apk"), b"PK\x03\x04 truncated").unwrap();
    let out = scan(&[dir.to_str().unwrap(), "-j", "2", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(
        items.iter().filter(|i| i.get("error").is_some()).count(),
        1,
        "{items:?}"
    );
    assert_eq!(items.iter().filter(|i| i.get("score").is_some()).count(), 2);
    let text = String::from_utf8(scan(&[dir.to_str().unwrap(), "-j", "2"]).stdout).unwrap();
    assert!(
        text.contains("broken.apk") && text.contains("error"),
        "{text}"
    );
    // Nothing readable at all: status 2.
    let empty = dir.join("only-broken");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join("x.apk"), b"nope").unwrap();
    assert_eq!(scan(&[empty.to_str().unwrap()]).status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// SARIF output validates against the official SARIF 2.1.0 schema (../shared/schemas), with the
/// Python `jsonschema` validator.
#[test]
fn scan_sarif_validates_against_the_schema() {
    let test = "scan_sarif_validates_against_the_schema";
    let Some(root) = medshield_fixtures::fixtures_root(test) else {
        return;
    };
    let schema = root.join("../schemas/sarif-schema-2.1.0.json");
    let has_validator = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_validator {
        let msg = format!("{test}: NOT RUN: python3 jsonschema missing (pip install jsonschema)");
        assert!(!medshield_fixtures::under_ci(), "{msg}");
        eprintln!("{msg}");
        return;
    }
    let apk = root.join("apks/built/insecure-webview.apk");
    let out = scan(&[apk.to_str().unwrap(), "--format", "sarif"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(
        log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len()
            >= 120
    );
    assert!(results.iter().all(|r| r["ruleId"].is_string()
        && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string()));
    let tags = log["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["tags"].to_string();
    assert!(tags.contains("external/cwe/cwe-"), "{tags}");
    let file = std::env::temp_dir().join(format!("medshield-{}.sarif", std::process::id()));
    std::fs::write(&file, &out.stdout).unwrap();
    let check = Command::new("python3")
        .arg("-c")
        .arg("import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))")
        .arg(&file)
        .arg(&schema)
        .output()
        .unwrap();
    std::fs::remove_file(&file).unwrap();
    assert!(
        check.status.success(),
        "SARIF does not validate: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}

/// The CycloneDX SBOM validates against the official 1.5 schema (PyPI `cyclonedx-python-lib`
/// ships it) and lists the SDKs and native libraries found.
#[test]
fn scan_cyclonedx_validates_and_lists_components() {
    let test = "scan_cyclonedx_validates_and_lists_components";
    let Some(root) = medshield_fixtures::apks_root(test) else {
        return;
    };
    let probe = "from cyclonedx.validation.json import JsonStrictValidator";
    if !Command::new("python3")
        .args(["-c", probe])
        .status()
        .is_ok_and(|s| s.success())
    {
        let msg = format!("{test}: NOT RUN: pip install 'cyclonedx-python-lib[json-validation]'");
        assert!(!medshield_fixtures::under_ci(), "{msg}");
        eprintln!("{msg}");
        return;
    }
    let cases = [
        (
            "androguard/tests/data/APK/com.example.android.wearable.wear.weardrawers.apk",
            "sdk:google-signin",
        ),
        (
            "built/insecure-webview.apk",
            "native:lib/x86_64/libnative.so",
        ),
    ];
    for (rel, expected_ref) in cases {
        let out = scan(&[root.join(rel).to_str().unwrap(), "--format", "cyclonedx"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bom: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let refs: Vec<&str> = bom["components"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["bom-ref"].as_str())
            .collect();
        assert!(refs.contains(&expected_ref), "{rel}: {refs:?}");
        let file = std::env::temp_dir().join(format!("medshield-{}.cdx.json", std::process::id()));
        std::fs::write(&file, &out.stdout).unwrap();
        let check = Command::new("python3")
            .arg("-c")
            .arg("import sys\nfrom cyclonedx.validation.json import JsonStrictValidator\nfrom cyclonedx.schema import SchemaVersion\ne = JsonStrictValidator(SchemaVersion.V1_5).validate_str(open(sys.argv[1]).read())\nsys.exit(1 if e else 0) if not e else print(e) or sys.exit(1)")
            .arg(&file)
            .output()
            .unwrap();
        std::fs::remove_file(&file).unwrap();
        assert!(
            check.status.success(),
            "{rel}: SBOM does not validate: {}",
            String::from_utf8_lossy(&check.stdout)
        );
    }
}

/// The HTML report is one self-contained document: Chinese by default, the breakdown as an SVG
/// chart, every finding's rule id, nothing loaded from elsewhere.
#[test]
fn scan_html_is_self_contained() {
    let Some(root) = medshield_fixtures::apks_root("scan_html_is_self_contained") else {
        return;
    };
    let apk = root.join("built/insecure-webview.apk");
    let json: serde_json::Value =
        serde_json::from_slice(&scan(&[apk.to_str().unwrap(), "--format", "json"]).stdout).unwrap();
    let out = scan(&[apk.to_str().unwrap(), "--format", "html"]);
    assert!(out.status.success());
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"zh-CN\">"));
    assert!(html.contains("<svg") && html.contains("评分构成"));
    for f in json["findings"].as_array().unwrap() {
        assert!(html.contains(f["rule_id"].as_str().unwrap()));
    }
    for external in ["<script", "src=\"http", "href=\"http", "@import"] {
        assert!(
            !html.contains(external),
            "loads something from elsewhere: {external}"
        );
    }
    let en = String::from_utf8(
        scan(&[apk.to_str().unwrap(), "--format", "html", "--lang", "en"]).stdout,
    )
    .unwrap();
    assert!(en.contains("lang=\"en\"") && en.contains("Score breakdown"));
}
