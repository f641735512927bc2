//! Embeds the built-in rule pack: every `*.toml` file under the repository's `rules/` directory is
//! listed at build time and included with `include_str!`, so the binary carries the pack and a
//! changed or added rule file triggers a rebuild.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let rules_dir = manifest_dir.join("../../rules");
    let rules_dir = rules_dir.canonicalize().unwrap_or(rules_dir);
    println!("cargo:rerun-if-changed={}", rules_dir.display());
    let mut files = Vec::new();
    collect(&rules_dir, &mut files);
    files.sort();
    let mut code =
        String::from("/// Built-in pack files: (path relative to `rules/`, contents).\n");
    code.push_str("pub(crate) static BUILTIN_FILES: &[(&str, &str)] = &[\n");
    for path in &files {
        // Directories are watched too (for added files); each file for its edits.
        if let Some(parent) = path.parent() {
            println!("cargo:rerun-if-changed={}", parent.display());
        }
        println!("cargo:rerun-if-changed={}", path.display());
        let rel = path
            .strip_prefix(&rules_dir)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let _ = writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("builtin_rules.rs");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
