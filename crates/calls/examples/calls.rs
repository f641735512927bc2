//! Prints the catalog call sites of a package as JSON, and how long inspect + indexing took.
//! `cargo run --release -p medshield-calls --example calls -- APP.apk`
#![allow(clippy::unwrap_used)]

fn main() {
    let catalog = medshield_calls::ApiCatalog::builtin().unwrap();
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).unwrap();
        let start = std::time::Instant::now();
        let mut index = medshield_calls::CallIndex::new(&catalog);
        let report = medshield_apk::inspect_observing(&bytes, &Default::default(), &mut index);
        let facts = index.finish();
        let took = start.elapsed();
        println!("{}", serde_json::to_string_pretty(&facts).unwrap());
        eprintln!(
            "{path}: {} ({} APIs called) in {:.1} ms",
            if report.is_ok() { "ok" } else { "not an APK" },
            facts.calls.len(),
            took.as_secs_f64() * 1e3
        );
    }
}
