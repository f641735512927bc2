//! Oracle test: every `.so` inside every fixture APK, compared with binutils `readelf`.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use medshield_elf::{analyze, Elf, Relro, SymbolSource};

/// What `readelf -d -l -S --dyn-syms -W` says about one file.
#[derive(Debug, Default)]
struct Readelf {
    is_elf: bool,
    needed: Vec<String>,
    soname: Option<String>,
    rpath: Option<String>,
    runpath: Option<String>,
    bind_now: bool,
    textrel: bool,
    gnu_stack: Option<bool>, // Some(executable)
    gnu_relro: bool,
    has_symtab: bool,
    /// (name without version, undefined, is a section symbol)
    dynsyms: Vec<(String, bool, bool)>,
}

fn bracketed(line: &str) -> Option<String> {
    let start = line.find('[')? + 1;
    let end = line.rfind(']')?;
    Some(line.get(start..end)?.to_string())
}

fn readelf(path: &Path) -> Readelf {
    let out = Command::new("readelf")
        .args(["-d", "-l", "-S", "--dyn-syms", "-W"])
        .arg(path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut r = Readelf {
        is_elf: !text.trim().is_empty(),
        ..Readelf::default()
    };
    let mut section = "";
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("Section Headers:") {
            section = "sections";
            continue;
        }
        if t.starts_with("Program Headers:") {
            section = "phdrs";
            continue;
        }
        if t.starts_with("Dynamic section at") {
            section = "dynamic";
            continue;
        }
        if t.starts_with("Symbol table '.dynsym'") {
            section = "dynsym";
            continue;
        }
        if t.starts_with("Symbol table") || t.starts_with("Section to Segment") {
            section = "";
            continue;
        }
        // readelf spells unusual bindings/types as "<OS specific>: 10" (several tokens).
        let t = t
            .replace("<OS specific>: ", "OS:")
            .replace("<processor specific>: ", "PROC:");
        let t = t.as_str();
        let f: Vec<&str> = t.split_whitespace().collect();
        match section {
            // "[Nr] Name Type ..." — the type follows the name.
            "sections" if t.starts_with('[') && f.contains(&"SYMTAB") => r.has_symtab = true,
            "phdrs" => match f.first() {
                Some(&"GNU_STACK") => {
                    // Flags sit between MemSiz and Align: the fields after the 5 numbers.
                    let flags: String = f[6..f.len() - 1].concat();
                    r.gnu_stack = Some(flags.contains('E'));
                }
                Some(&"GNU_RELRO") => r.gnu_relro = true,
                _ => {}
            },
            "dynamic" => {
                if t.contains("(NEEDED)") {
                    r.needed.push(bracketed(t).unwrap());
                } else if t.contains("(SONAME)") {
                    r.soname = bracketed(t);
                } else if t.contains("(RPATH)") {
                    r.rpath = bracketed(t);
                } else if t.contains("(RUNPATH)") {
                    r.runpath = bracketed(t);
                } else if t.contains("(BIND_NOW)") {
                    r.bind_now = true;
                } else if t.contains("(TEXTREL)") {
                    r.textrel = true;
                } else if t.contains("(FLAGS)") {
                    r.bind_now |= f.contains(&"BIND_NOW");
                    r.textrel |= f.contains(&"TEXTREL");
                } else if t.contains("(FLAGS_1)") {
                    r.bind_now |= f.contains(&"NOW");
                }
            }
            "dynsym"
                if f.first().is_some_and(|w| {
                    w.ends_with(':') && w[..w.len() - 1].parse::<u64>().is_ok()
                }) =>
            {
                let undefined = f.get(6) == Some(&"UND");
                let name = f.get(7).map_or("", |n| n.split('@').next().unwrap_or(""));
                r.dynsyms
                    .push((name.to_string(), undefined, f.get(3) == Some(&"SECTION")));
            }
            _ => {}
        }
    }
    r
}

fn list(apk: &Path) -> Vec<String> {
    let out = Command::new("unzip").arg("-Z1").arg(apk).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|n| n.ends_with(".so"))
        .map(str::to_string)
        .collect()
}

fn extract(apk: &Path, name: &str) -> Vec<u8> {
    Command::new("unzip")
        .arg("-p")
        .arg(apk)
        .arg(name)
        .output()
        .unwrap()
        .stdout
}

/// The facts compared, in report order.
const CHECKS: [&str; 17] = [
    "is_elf",
    "abi_dir",
    "needed",
    "soname",
    "rpath",
    "runpath",
    "bind_now",
    "relro",
    "gnu_stack",
    "nx",
    "textrel",
    "stripped",
    "dynsyms",
    "canary",
    "jni_onload",
    "no_shdr_needed",
    "no_shdr_dynsyms",
];

#[derive(Default)]
struct Tally {
    checked: [usize; CHECKS.len()],
    agreed: [usize; CHECKS.len()],
    failures: Vec<String>,
    files: usize,
    symbols: usize,
}

impl Tally {
    fn check(&mut self, what: &str, i: usize, ok: bool, detail: String) {
        self.checked[i] += 1;
        if ok {
            self.agreed[i] += 1;
        } else {
            self.failures
                .push(format!("{what}: {} {detail}", CHECKS[i]));
        }
    }

    fn report(&self, label: &str) {
        eprintln!(
            "{label}: {} files, {} dynamic symbols",
            self.files, self.symbols
        );
        for (i, name) in CHECKS.iter().enumerate() {
            eprintln!("  {name:<16} {}/{}", self.agreed[i], self.checked[i]);
        }
    }
}

/// Our dynamic symbols as (name, undefined).
fn our_symbols(bytes: &[u8]) -> Vec<(String, bool)> {
    Elf::parse(bytes)
        .map(|e| {
            e.dynamic_symbols()
                .map(|s| {
                    (
                        String::from_utf8_lossy(s.name).into_owned(),
                        s.is_undefined(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Where the symbol lists first differ (`None` when equal). readelf prints a section symbol's
/// section name in place of its empty `st_name`.
fn symbol_difference(mine: &[(String, bool)], oracle: &[(String, bool, bool)]) -> Option<usize> {
    let same = |(a, b): (&(String, bool), &(String, bool, bool))| {
        a.1 == b.1 && (a.0 == b.0 || (b.2 && a.0.is_empty()))
    };
    match mine.iter().zip(oracle).position(|p| !same(p)) {
        Some(i) => Some(i),
        None if mine.len() != oracle.len() => Some(mine.len().min(oracle.len())),
        None => None,
    }
}

/// A copy of an ELF image with its section header table removed from the ELF header (what `sstrip`
/// and packers do), so symbols must come from the dynamic segment.
fn without_section_headers(bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let (shoff, shnum_at) = if b[4] == 2 {
        (40..48, 60)
    } else {
        (32..36, 48)
    };
    b[shoff].fill(0);
    b[shnum_at..shnum_at + 4].fill(0); // e_shnum, e_shstrndx
    b
}

/// Compares one file with readelf's view; `dir` is the `lib/<abi>/` directory, if any.
fn compare(t: &mut Tally, what: &str, bytes: &[u8], path: &Path, dir: Option<&str>) {
    t.files += 1;
    let oracle = readelf(path);
    let ours = analyze(bytes);
    t.check(
        what,
        0,
        oracle.is_elf == ours.is_ok(),
        format!(
            "readelf elf={} ours={:?}",
            oracle.is_elf,
            ours.as_ref().err()
        ),
    );
    let Ok(f) = ours else { return };
    if let Some(dir) = dir {
        t.check(
            what,
            1,
            f.abi_matches_dir(dir),
            format!("{:?} in {dir}", f.abi),
        );
    }
    t.check(
        what,
        2,
        f.needed == oracle.needed,
        format!("{:?} vs {:?}", f.needed, oracle.needed),
    );
    t.check(
        what,
        3,
        f.soname == oracle.soname,
        format!("{:?} vs {:?}", f.soname, oracle.soname),
    );
    t.check(
        what,
        4,
        f.rpath == oracle.rpath,
        format!("{:?} vs {:?}", f.rpath, oracle.rpath),
    );
    t.check(
        what,
        5,
        f.runpath == oracle.runpath,
        format!("{:?} vs {:?}", f.runpath, oracle.runpath),
    );
    t.check(
        what,
        6,
        f.bind_now == oracle.bind_now,
        format!("{} vs {}", f.bind_now, oracle.bind_now),
    );
    let relro = match (oracle.gnu_relro, oracle.bind_now) {
        (false, _) => Relro::None,
        (true, false) => Relro::Partial,
        (true, true) => Relro::Full,
    };
    t.check(
        what,
        7,
        f.relro == relro && f.gnu_relro == oracle.gnu_relro,
        format!("{:?} vs {relro:?}", f.relro),
    );
    t.check(
        what,
        8,
        f.gnu_stack == oracle.gnu_stack.is_some(),
        format!("{} vs {:?}", f.gnu_stack, oracle.gnu_stack),
    );
    t.check(
        what,
        9,
        f.nx == (oracle.gnu_stack == Some(false)),
        format!("{} vs {:?}", f.nx, oracle.gnu_stack),
    );
    t.check(
        what,
        10,
        f.text_relocations == oracle.textrel,
        format!("{} vs {}", f.text_relocations, oracle.textrel),
    );
    t.check(
        what,
        11,
        f.stripped != oracle.has_symtab,
        format!("{} vs symtab={}", f.stripped, oracle.has_symtab),
    );

    let mine = our_symbols(bytes);
    t.symbols += mine.len();
    let diff = symbol_difference(&mine, &oracle.dynsyms);
    t.check(
        what,
        12,
        diff.is_none(),
        format!(
            "{} vs {} symbols, first difference at {diff:?}",
            mine.len(),
            oracle.dynsyms.len()
        ),
    );
    let canary = oracle
        .dynsyms
        .iter()
        .any(|(n, _, _)| n == "__stack_chk_fail" || n == "__stack_chk_guard");
    t.check(
        what,
        13,
        f.stack_canary == canary,
        format!("{} vs {canary}", f.stack_canary),
    );
    let onload = oracle
        .dynsyms
        .iter()
        .any(|(n, und, _)| n == "JNI_OnLoad" && !und);
    t.check(
        what,
        14,
        f.jni_onload == onload,
        format!("{} vs {onload}", f.jni_onload),
    );

    // The same file without section headers: the loader's view must give the same answers.
    if oracle.dynsyms.is_empty() {
        return;
    }
    let bare = without_section_headers(bytes);
    let Ok(g) = analyze(&bare) else {
        t.check(what, 15, false, "no longer parses".into());
        return;
    };
    t.check(
        what,
        15,
        g.needed == oracle.needed && g.soname == oracle.soname,
        format!("{:?} vs {:?}", g.needed, oracle.needed),
    );
    let mine = our_symbols(&bare);
    let diff = symbol_difference(&mine, &oracle.dynsyms);
    t.check(
        what,
        16,
        diff.is_none() && g.symbol_source == SymbolSource::DynamicSegment,
        format!(
            "{} vs {} symbols from {:?}, first difference at {diff:?}",
            mine.len(),
            oracle.dynsyms.len(),
            g.symbol_source
        ),
    );
}

#[test]
fn every_fixture_so_agrees_with_readelf() {
    const TEST: &str = "every_fixture_so_agrees_with_readelf";
    let Some(root) = medshield_fixtures::apks_root(TEST) else {
        return;
    };
    if !medshield_fixtures::oracle_available("readelf", TEST)
        || !medshield_fixtures::oracle_available("unzip", TEST)
    {
        return;
    }
    let tmp = std::env::temp_dir().join(format!("medshield-elf-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut t = Tally::default();
    let mut distinct = BTreeSet::new();
    for apk in medshield_fixtures::files_with_extension(&root, &[".apk"]) {
        for name in list(&apk) {
            let bytes = extract(&apk, &name);
            distinct.insert(bytes.clone());
            let path = tmp.join(format!("{}.so", t.files));
            std::fs::write(&path, &bytes).unwrap();
            let dir = name.rsplit('/').nth(1);
            compare(
                &mut t,
                &format!("{}!{name}", apk.display()),
                &bytes,
                &path,
                dir,
            );
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    t.report(&format!(
        "readelf oracle over fixture APKs ({} distinct .so)",
        distinct.len()
    ));
    assert!(
        t.files >= 16,
        "expected the fixture APKs to hold native libraries, found {}",
        t.files
    );
    assert!(distinct.len() >= 10);
    assert!(
        t.checked[16] >= 10,
        "the section-less path was exercised too rarely"
    );
    assert!(
        t.failures.is_empty(),
        "{} disagreements:\n{}",
        t.failures.len(),
        t.failures.join("\n")
    );
}

/// Extra coverage beyond the fixtures: the host's own shared libraries (GNU hash, RUNPATH,
/// versioned symbols, big symbol tables). Machine dependent, so run on demand:
/// `cargo test -p medshield-elf --test oracle_readelf -- --ignored --nocapture`.
#[test]
#[ignore = "reads the host's /usr/lib; run on demand"]
fn host_shared_libraries_agree_with_readelf() {
    const MAX_FILES: usize = 2000;
    // Flat listing only: /usr/lib holds symlink loops (llvm's build/ tree) a recursive walk follows.
    let mut paths = Vec::new();
    for dir in [
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib",
    ] {
        let Ok(rd) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_file() && p.to_string_lossy().contains(".so") {
                paths.push(p);
            }
        }
    }
    paths.sort();
    paths.dedup();
    let mut t = Tally::default();
    for p in paths.iter().take(MAX_FILES) {
        let Ok(bytes) = std::fs::read(p) else {
            continue;
        };
        if !bytes.starts_with(b"\x7fELF") {
            continue;
        }
        compare(&mut t, &p.display().to_string(), &bytes, p, None);
    }
    t.report("readelf oracle over host libraries");
    assert!(
        t.failures.is_empty(),
        "{} disagreements:\n{}",
        t.failures.len(),
        t.failures.join("\n")
    );
}
