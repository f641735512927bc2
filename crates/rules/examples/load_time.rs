//! Prints how long loading the built-in pack and evaluating it take (a quick performance check).
use std::time::Instant;

fn main() {
    let t = Instant::now();
    let pack = match medshield_rules::RulePack::builtin() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let load = t.elapsed();
    let ind = serde_json::json!({
        "app.debuggable": true, "app.allow_backup": true, "app.cleartext_permitted": true,
        "permissions.requested": ["android.permission.INTERNET", "android.permission.READ_SMS"],
        "permissions.dangerous": ["android.permission.READ_SMS"], "sdk.min": 21, "sdk.target": 28,
        "packed": false
    });
    let map = ind.as_object().cloned().unwrap_or_default();
    let t = Instant::now();
    let n = 100;
    let mut findings = 0;
    for _ in 0..n {
        let e = pack.evaluate(&map);
        findings += e.findings.len();
        let _ = pack.score(&e.findings);
    }
    println!(
        "rules {} load {:?} evaluate+score {:?}/app findings {}",
        pack.rules().len(),
        load,
        t.elapsed() / n,
        findings / n as usize
    );
}
