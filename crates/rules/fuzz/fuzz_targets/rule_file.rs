//! A hostile rule file in a pack with the built-in manifest, risk model and scope: loading gives
//! Ok or a LoadError, never a panic; a loaded rule's cases, evaluation and scoring never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medshield_rules::{RulePack, PACK_FILE, RISK_MODEL_FILE, SCOPE_FILE};

fuzz_target!(|data: &[u8]| {
    let mut files: Vec<(String, String)> = RulePack::builtin_files()
        .filter(|(p, _)| [PACK_FILE, RISK_MODEL_FILE, SCOPE_FILE].contains(p))
        .map(|(p, t)| (p.to_owned(), t.to_owned()))
        .collect();
    files.push((
        "MS-FUZZ-001.toml".to_owned(),
        String::from_utf8_lossy(data).into_owned(),
    ));
    if let Ok(pack) = RulePack::from_files(files) {
        let _ = pack.check_all_cases();
        let ind = serde_json::json!({"app.debuggable": true, "permissions.requested": ["x"]});
        if let Some(map) = ind.as_object() {
            let e = pack.evaluate(map);
            let _ = pack.score(&e.findings);
        }
    }
});
