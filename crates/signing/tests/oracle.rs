//! Compares our verdicts with `apksigner verify -v --print-certs` over every fixture APK.
#![allow(clippy::unwrap_used)]

use medshield_signing::{verify, VerifyOptions};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    verified: bool,
    schemes: [bool; 3],
    signers: Vec<String>,
}

enum Oracle {
    Ok(Outcome),
    /// apksigner crashed for a reason of its own (e.g. this JDK lacks "SHA256withRSA/PSS").
    Broken(String),
}

fn oracle(apk: &Path) -> Oracle {
    // Cached and shared with the end-to-end oracle test: apksigner pays a JVM start per call.
    let (_, text) =
        medshield_fixtures::oracle_output("apksigner", &["verify", "--print-certs", "-v"], apk);
    if text.contains("NoSuchAlgorithmException") {
        return Oracle::Broken(text.lines().next().unwrap_or("").to_string());
    }
    let line = |s: &str| text.lines().any(|l| l.trim() == format!("{s} true"));
    // Per signer: DN, SHA-256, SHA-1, MD5, key algorithm, key size, in apksigner's order.
    let keep = [
        "certificate DN: ",
        "certificate SHA-256 digest: ",
        "certificate SHA-1 digest: ",
        "certificate MD5 digest: ",
        "key algorithm: ",
        "key size (bits): ",
    ];
    let signers = text
        .lines()
        .filter(|l| l.starts_with("Signer #"))
        .filter_map(|l| {
            let rest = l.split_once(": ").map(|_| l.split_once(' ').unwrap().1)?;
            let rest = rest.split_once(' ').unwrap().1;
            keep.iter()
                .find_map(|k| rest.strip_prefix(k))
                .map(|v| v.to_string())
        })
        .collect();
    Oracle::Ok(Outcome {
        verified: text.lines().next() == Some("Verifies"),
        schemes: [
            line("Verified using v1 scheme (JAR signing):"),
            line("Verified using v2 scheme (APK Signature Scheme v2):"),
            line("Verified using v3 scheme (APK Signature Scheme v3):"),
        ],
        signers,
    })
}

/// minSdkVersion / targetSdkVersion from `aapt dump badging`, targetSandboxVersion from xmltree.
fn manifest_facts(apk: &Path) -> (u32, Option<u32>, Option<u32>) {
    let (_, text) = medshield_fixtures::oracle_output("aapt", &["dump", "badging"], apk);
    let num = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|r| {
                r.trim_matches(|c| c == '\'' || c == ' ')
                    .parse::<u32>()
                    .ok()
            })
    };
    let min = num("sdkVersion:").unwrap_or(1);
    let target = num("targetSdkVersion:");
    let x = Command::new("aapt")
        .args(["dump", "xmltree"])
        .arg(apk)
        .arg("AndroidManifest.xml")
        .output()
        .unwrap();
    let xt = String::from_utf8_lossy(&x.stdout);
    let sandbox = xt
        .lines()
        .find(|l| l.contains("targetSandboxVersion"))
        .and_then(|l| {
            let hex = l.rsplit("0x").next()?;
            u32::from_str_radix(hex.trim_end_matches(|c: char| !c.is_ascii_hexdigit()), 16).ok()
        });
    (min, target, sandbox)
}

fn ours(apk: &Path) -> Outcome {
    let data = std::fs::read(apk).unwrap();
    let (min_sdk, target_sdk, sandbox) = manifest_facts(apk);
    let Ok(archive) = medshield_zip::Archive::parse(&data) else {
        return Outcome {
            verified: false,
            schemes: [false; 3],
            signers: vec![],
        };
    };
    let opts = VerifyOptions {
        min_sdk,
        target_sdk,
        target_sandbox_version: sandbox,
        ..VerifyOptions::default()
    };
    let r = verify(&archive, &opts);
    Outcome {
        verified: r.verified,
        schemes: if r.verified {
            [
                r.schemes.v1.verified,
                r.schemes.v2.verified,
                r.schemes.v3.verified,
            ]
        } else {
            [false; 3]
        },
        signers: r
            .signers
            .iter()
            .flat_map(|c| {
                [
                    c.subject.clone(),
                    c.sha256.clone(),
                    c.sha1.clone(),
                    c.md5.clone(),
                    c.key_algorithm.clone(),
                    c.key_size.to_string(),
                ]
            })
            .collect(),
    }
}

#[test]
fn agrees_with_apksigner() {
    let Some(root) = medshield_fixtures::apks_root("agrees_with_apksigner") else {
        return;
    };
    if !medshield_fixtures::oracle_available("apksigner", "agrees_with_apksigner") {
        return;
    }
    let files: Vec<PathBuf> = medshield_fixtures::files_with_extension(&root, &[".apk"]);
    assert!(
        files.len() > 300,
        "expected the apksig vectors, found {}",
        files.len()
    );
    let results = Mutex::new(Vec::new());
    let next = Mutex::new(0usize);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    let i = *n;
                    *n += 1;
                    i
                };
                let Some(f) = files.get(i) else { break };
                let o = oracle(f);
                let m = ours(f);
                results.lock().unwrap().push((f.clone(), o, m));
            });
        }
    });
    let results = results.into_inner().unwrap();
    let (mut agree, mut compared, mut broken) = (0, 0, 0);
    let mut table = Vec::new();
    let mut name_mismatch = Vec::new();
    for (f, o, m) in &results {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        match o {
            Oracle::Broken(why) => {
                broken += 1;
                println!(
                    "ORACLE BROKEN {name}: {why} (ours: verified={})",
                    m.verified
                );
            }
            Oracle::Ok(o) => {
                compared += 1;
                // Signer certificates are compared only when apksigner prints them (verified).
                let same = o.verified == m.verified
                    && (!o.verified || (o.schemes == m.schemes && o.signers == m.signers));
                if same {
                    agree += 1;
                } else {
                    table.push(format!(
                        "{name:70} apksigner={:5} {:?} ours={:5} {:?} signers_equal={}",
                        o.verified,
                        o.schemes,
                        m.verified,
                        m.schemes,
                        o.signers == m.signers
                    ));
                }
                if f.to_string_lossy().contains("/apksig/") {
                    let expect_fail = [
                        "mismatch",
                        "does-not-verify",
                        "broken",
                        "no-sig",
                        "missing",
                        "stripped",
                        "wrong",
                        "no-certs",
                        "no-supported",
                        "truncated",
                        "invalid",
                        "empty",
                        "unsigned",
                        "-in.apk",
                    ]
                    .iter()
                    .any(|k| name.contains(k));
                    if expect_fail == o.verified {
                        name_mismatch.push(format!("{name}: apksigner verified={}", o.verified));
                    }
                }
            }
        }
    }
    println!("disagreements ({}):", table.len());
    for t in &table {
        println!("  {t}");
    }
    println!(
        "names suggesting the other outcome than apksigner's ({}):",
        name_mismatch.len()
    );
    for t in &name_mismatch {
        println!("  {t}");
    }
    println!("agreement: {agree}/{compared} (oracle broken on {broken})");
    assert!(
        agree * 100 >= compared * 99,
        "agreement {agree}/{compared} below 99%"
    );
}
